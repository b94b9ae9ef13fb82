/**
 * Issuing certificates: the network root CA, second-level CAs (PCN operators, portals, tenant
 * organisations, the ordering service), node certificates for mutual TLS, and user certificates
 * in public-key upload mode (from a CSR) or key custody mode (a fresh key returned to the caller).
 * Issuance is async because @peculiar/x509 signs through WebCrypto; the profile is in
 * `profile.ts` and explained in `docs/certificates.md`.
 */
import { type KeyObject, randomBytes } from 'node:crypto';
import {
  BsnError,
  canonicalString,
  DEFAULT_SIGNATURE,
  generateKeyPair,
  type SignatureAlgorithm,
} from '@bsn/core';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsageExtension,
  Extension,
  KeyUsagesExtension,
  Name,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
} from '@peculiar/x509';
import {
  assertSupportedAlgorithm,
  parsePrivateKeyPem,
  parsePublicKeyPem,
  publicCryptoKey,
  signingCryptoKey,
  signingParams,
  spkiDer,
} from './algorithms.js';
import { verifyCsr } from './csr.js';
import { parseHosts, subjectName, validateName } from './names.js';
import { type ParsedCertificate, parseCertificateDetailed } from './parse-certificate.js';
import { encodePem, encodeUtf8String } from './pem.js';
import {
  ATTRIBUTE_LIMITS,
  BACKDATE_MS,
  BSN_ATTRIBUTES_OID,
  BSN_CA_PURPOSE_OID,
  CA_PURPOSES,
  type CaPurpose,
  type CertificateKind,
  DEFAULT_VALIDITY_DAYS,
  KEY_USAGE_BITS,
  MAX_VALIDITY_DAYS,
  OID,
  ROOT_PATH_LENGTH,
} from './profile.js';

/** A certificate and its private key, both PEM: what a CA needs to issue and a node needs to serve TLS. */
export interface Credential {
  readonly certPem: string;
  readonly keyPem: string;
}

/** An issued certificate; `keyPem` is present only when the CA generated the key (custody mode). */
export interface IssuedCertificate {
  readonly certPem: string;
  readonly keyPem?: string;
}

/** Options of {@link createRootCa}. */
export interface CreateRootCaOptions {
  readonly commonName: string;
  readonly organization: string;
  /** Algorithm of the root key (default ECDSA P-256). */
  readonly algorithm?: SignatureAlgorithm;
  /** Validity in days (default 3650). */
  readonly validDays?: number;
  /** Issuing time (default now). */
  readonly now?: Date;
}

/** Options of {@link issueCaCertificate}. */
export interface IssueCaCertificateOptions {
  readonly commonName: string;
  readonly organization: string;
  readonly purpose: CaPurpose;
  /** Algorithm of a generated key (default ECDSA P-256); ignored when `publicKeyPem` is given. */
  readonly algorithm?: SignatureAlgorithm;
  /** Validity in days (default 1825), cut to the issuer's notAfter. */
  readonly validDays?: number;
  readonly now?: Date;
  /** Certify this key (e.g. one held in an HSM) instead of generating one. */
  readonly publicKeyPem?: string;
}

/** Options of {@link issueNodeCertificate}. */
export interface IssueNodeCertificateOptions {
  /** Node id, the subject CN. */
  readonly id: string;
  readonly organization: string;
  /** DNS names and IP addresses the node is reached at (subjectAltName). */
  readonly hosts: readonly string[];
  /** Subject OU (default 'node'; e.g. 'orderer'). */
  readonly role?: string;
  readonly publicKeyPem?: string;
  readonly algorithm?: SignatureAlgorithm;
  /** Validity in days (default 397), cut to the issuer's notAfter. */
  readonly validDays?: number;
  readonly now?: Date;
}

/** Options of {@link issueUserCertificate}. */
export interface IssueUserCertificateOptions {
  /** User id, the subject CN. */
  readonly id: string;
  readonly organization: string;
  /** Subject OU, e.g. 'admin', 'client', 'auditor'. */
  readonly role: string;
  /** Extra attributes, written to the BSN attribute extension. */
  readonly attributes?: Readonly<Record<string, string>>;
  /** Upload mode: the CSR whose key is certified (its signature is verified; a CN, if present, must equal `id`). */
  readonly csrPem?: string;
  /** Upload mode without proof of possession: the public key to certify. */
  readonly publicKeyPem?: string;
  /** Custody mode: algorithm of the generated key (default ECDSA P-256). */
  readonly algorithm?: SignatureAlgorithm;
  /** Validity in days (default 365), cut to the issuer's notAfter. */
  readonly validDays?: number;
  readonly now?: Date;
}

interface SubjectKey {
  readonly key: KeyObject;
  readonly algorithm: SignatureAlgorithm;
  readonly generatedKeyPem?: string;
}

interface Issuer {
  readonly parsed: ParsedCertificate;
  readonly key: KeyObject;
  readonly algorithm: SignatureAlgorithm;
}

function invalidArgument(field: string, message: string): BsnError {
  return new BsnError('BSN_INVALID_ARGUMENT', message, { details: { field } });
}

function issueTime(now: unknown): number {
  if (now === undefined) return Date.now();
  if (!(now instanceof Date) || Number.isNaN(now.getTime()))
    throw invalidArgument('now', 'now must be a valid Date');
  return now.getTime();
}

function validity(validDays: unknown, kind: CertificateKind): number {
  const days = validDays ?? DEFAULT_VALIDITY_DAYS[kind];
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_VALIDITY_DAYS) {
    throw invalidArgument('validDays', `validDays must be an integer from 1 to ${MAX_VALIDITY_DAYS}`);
  }
  return days * 86_400_000;
}

/** A random positive 16-byte serial number (RFC 5280 allows 20 octets; CA/B Forum asks for 64 random bits). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return bytes.toString('hex');
}

/** Resolves the subject key: a CSR, an uploaded public key, or a freshly generated key (custody mode). */
async function subjectKey(
  opts: { csrPem?: string; publicKeyPem?: string; algorithm?: SignatureAlgorithm },
  expectedCn: string | undefined,
): Promise<SubjectKey> {
  if (opts.algorithm !== undefined) assertSupportedAlgorithm(opts.algorithm);
  if (opts.csrPem !== undefined && opts.publicKeyPem !== undefined) {
    throw invalidArgument('csrPem', 'give either csrPem or publicKeyPem, not both');
  }
  let uploaded: { key: KeyObject; algorithm: SignatureAlgorithm } | undefined;
  if (opts.csrPem !== undefined) {
    const csr = await verifyCsr(opts.csrPem);
    if (expectedCn !== undefined && csr.commonName !== '' && csr.commonName !== expectedCn) {
      throw new BsnError('BSN_PKI_CSR_INVALID', `CSR is for "${csr.commonName}", not for "${expectedCn}"`, {
        details: { csrCommonName: csr.commonName, id: expectedCn },
      });
    }
    uploaded = { key: csr.publicKey, algorithm: csr.algorithm };
  } else if (opts.publicKeyPem !== undefined) {
    uploaded = parsePublicKeyPem(opts.publicKeyPem);
  }
  if (uploaded) {
    if (opts.algorithm !== undefined && opts.algorithm !== uploaded.algorithm) {
      throw invalidArgument(
        'algorithm',
        `algorithm ${opts.algorithm} was asked for but the uploaded key is ${uploaded.algorithm}`,
      );
    }
    return uploaded;
  }
  const algorithm = opts.algorithm ?? DEFAULT_SIGNATURE;
  const pair = generateKeyPair(algorithm);
  const { key } = parsePublicKeyPem(pair.publicKeyPem);
  return { key, algorithm, generatedKeyPem: pair.privateKeyPem };
}

/**
 * Checks that `issuer` can issue at time `now`: the key belongs to the certificate, the certificate
 * is a CA with keyCertSign, inside its validity, and (for a CA below it) its path length allows one more CA.
 */
function loadIssuer(issuer: Credential, now: number, issuingCa: boolean): Issuer {
  if (!issuer || typeof issuer !== 'object')
    throw invalidArgument('issuer', 'issuer must be a {certPem, keyPem} credential');
  const parsed = parseCertificateDetailed(issuer.certPem);
  const { key, algorithm } = parsePrivateKeyPem(issuer.keyPem, 'issuer.keyPem');
  if (!spkiDer(key).equals(parsed.spki)) {
    throw new BsnError('BSN_PKI_KEY_MISMATCH', 'issuer.keyPem is not the private key of issuer.certPem', {
      details: { issuer: parsed.info.subject.commonName },
    });
  }
  const name = parsed.info.subject.commonName;
  if (parsed.unknownCritical.length > 0) {
    throw new BsnError(
      'BSN_PKI_UNKNOWN_CRITICAL_EXTENSION',
      `issuer "${name}" has unknown critical extensions`,
      {
        details: { oids: parsed.unknownCritical },
      },
    );
  }
  if (!parsed.isCa) throw new BsnError('BSN_PKI_LEAF_AS_CA', `issuer "${name}" is not a CA certificate`);
  if (parsed.keyUsageBits === undefined || (parsed.keyUsageBits & KEY_USAGE_BITS.keyCertSign) === 0) {
    throw new BsnError('BSN_PKI_KEY_USAGE', `issuer "${name}" lacks the keyCertSign key usage`);
  }
  if (now < parsed.info.notBefore) {
    throw new BsnError(
      'BSN_PKI_CERT_NOT_YET_VALID',
      `issuer "${name}" is not valid before ${new Date(parsed.info.notBefore).toISOString()}`,
    );
  }
  if (now > parsed.info.notAfter) {
    throw new BsnError(
      'BSN_PKI_CERT_EXPIRED',
      `issuer "${name}" expired at ${new Date(parsed.info.notAfter).toISOString()}`,
    );
  }
  if (issuingCa && parsed.info.pathLength === 0) {
    throw new BsnError(
      'BSN_PKI_PATH_LENGTH',
      `issuer "${name}" has path length 0 and cannot issue CA certificates`,
    );
  }
  return { parsed, key, algorithm };
}

interface SignParams {
  readonly subject: ReturnType<typeof subjectName>;
  readonly subjectKey: SubjectKey;
  /** Undefined for a self-signed root. */
  readonly issuer: Issuer | undefined;
  readonly now: number;
  readonly lifetimeMs: number;
  readonly extensions: Extension[];
}

async function sign(p: SignParams): Promise<IssuedCertificate> {
  const signer = p.issuer ?? { key: undefined, algorithm: p.subjectKey.algorithm };
  const signerKey = p.issuer?.key ?? parsePrivateKeyPem(p.subjectKey.generatedKeyPem).key;
  const publicKey = await publicCryptoKey(p.subjectKey.key, p.subjectKey.algorithm);
  const seconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);
  const notAfter = Math.min(p.now + p.lifetimeMs, p.issuer?.parsed.info.notAfter ?? Number.POSITIVE_INFINITY);
  const extensions = [...p.extensions, await SubjectKeyIdentifierExtension.create(publicKey)];
  if (p.issuer) {
    const keyId =
      p.issuer.parsed.subjectKeyId ??
      (await SubjectKeyIdentifierExtension.create(await publicCryptoKey(p.issuer.key, p.issuer.algorithm)))
        .keyId;
    extensions.push(new AuthorityKeyIdentifierExtension(keyId));
  }
  const cert = await X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: p.subject,
    issuer: p.issuer ? new Name(Buffer.from(p.issuer.parsed.subjectDer, 'hex')) : p.subject,
    notBefore: seconds(p.now - BACKDATE_MS),
    notAfter: seconds(notAfter),
    publicKey,
    signingKey: await signingCryptoKey(signerKey, signer.algorithm),
    signingAlgorithm: signingParams(signer.algorithm),
    extensions,
  });
  const certPem = encodePem(new Uint8Array(cert.rawData), 'CERTIFICATE');
  return p.subjectKey.generatedKeyPem === undefined
    ? { certPem }
    : { certPem, keyPem: p.subjectKey.generatedKeyPem };
}

const CA_KEY_USAGE = KEY_USAGE_BITS.keyCertSign | KEY_USAGE_BITS.cRLSign;

/** Creates the network's self-signed root CA (pathLen 1: root → second-level CA → leaf) with a fresh key. */
export async function createRootCa(opts: CreateRootCaOptions): Promise<Credential> {
  validateName(opts.commonName, 'commonName');
  validateName(opts.organization, 'organization');
  const now = issueTime(opts.now);
  const lifetimeMs = validity(opts.validDays, 'root');
  const key = await subjectKey(opts.algorithm === undefined ? {} : { algorithm: opts.algorithm }, undefined);
  const issued = await sign({
    subject: subjectName(opts.commonName, opts.organization),
    subjectKey: key,
    issuer: undefined,
    now,
    lifetimeMs,
    extensions: [
      new BasicConstraintsExtension(true, ROOT_PATH_LENGTH, true),
      new KeyUsagesExtension(CA_KEY_USAGE, true),
    ],
  });
  return { certPem: issued.certPem, keyPem: key.generatedKeyPem! };
}

/** Issues a second-level CA (pathLen 0) for a PCN operator, portal, tenant organisation or the ordering service. */
export async function issueCaCertificate(
  issuer: Credential,
  opts: IssueCaCertificateOptions,
): Promise<IssuedCertificate> {
  validateName(opts.commonName, 'commonName');
  validateName(opts.organization, 'organization');
  if (!(CA_PURPOSES as readonly unknown[]).includes(opts.purpose)) {
    throw invalidArgument('purpose', `purpose must be one of ${CA_PURPOSES.join(', ')}`);
  }
  const now = issueTime(opts.now);
  const lifetimeMs = validity(opts.validDays, 'ca');
  const ca = loadIssuer(issuer, now, true);
  const key = await subjectKey(opts, undefined);
  return sign({
    subject: subjectName(opts.commonName, opts.organization),
    subjectKey: key,
    issuer: ca,
    now,
    lifetimeMs,
    extensions: [
      new BasicConstraintsExtension(true, 0, true),
      new KeyUsagesExtension(CA_KEY_USAGE, true),
      new Extension(BSN_CA_PURPOSE_OID, false, encodeUtf8String(opts.purpose)),
    ],
  });
}

/** Issues a node certificate: serverAuth + clientAuth for mutual TLS between PCNs, SAN from `hosts`. */
export async function issueNodeCertificate(
  issuer: Credential,
  opts: IssueNodeCertificateOptions,
): Promise<IssuedCertificate> {
  validateName(opts.id, 'id');
  validateName(opts.organization, 'organization');
  const role = opts.role ?? 'node';
  validateName(role, 'role');
  const hosts = parseHosts(opts.hosts);
  const now = issueTime(opts.now);
  const lifetimeMs = validity(opts.validDays, 'node');
  const ca = loadIssuer(issuer, now, false);
  const key = await subjectKey(opts, undefined);
  return sign({
    subject: subjectName(opts.id, opts.organization, role),
    subjectKey: key,
    issuer: ca,
    now,
    lifetimeMs,
    extensions: [
      new BasicConstraintsExtension(false, undefined, true),
      new KeyUsagesExtension(KEY_USAGE_BITS.digitalSignature, true),
      new ExtendedKeyUsageExtension([OID.serverAuth, OID.clientAuth], false),
      new SubjectAlternativeNameExtension(hosts, false),
    ],
  });
}

/** Checks a user's extra attributes: bounded count and sizes, names that cannot be confused with CN/O/OU. */
function validateAttributes(attributes: unknown): Record<string, string> {
  if (attributes === undefined) return {};
  if (!attributes || typeof attributes !== 'object' || Array.isArray(attributes)) {
    throw invalidArgument('attributes', 'attributes must be an object of strings');
  }
  const entries = Object.entries(attributes);
  if (entries.length > ATTRIBUTE_LIMITS.count) {
    throw invalidArgument('attributes', `at most ${ATTRIBUTE_LIMITS.count} attributes are allowed`);
  }
  const out: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (!new RegExp(`^[A-Za-z][A-Za-z0-9_.-]{0,${ATTRIBUTE_LIMITS.nameLength - 1}}$`).test(name)) {
      throw invalidArgument(
        `attributes.${name.slice(0, 64)}`,
        'attribute names are 1-64 characters [A-Za-z0-9_.-] starting with a letter',
      );
    }
    if (['CN', 'O', 'OU'].includes(name.toUpperCase())) {
      throw invalidArgument(
        `attributes.${name}`,
        `attribute "${name}" would shadow the subject's ${name}; use id/organization/role`,
      );
    }
    if (typeof value !== 'string' || value.length > ATTRIBUTE_LIMITS.valueLength) {
      throw invalidArgument(
        `attributes.${name}`,
        `attribute "${name}" must be a string of at most ${ATTRIBUTE_LIMITS.valueLength} characters`,
      );
    }
    out[name] = value;
  }
  return out;
}

/**
 * Issues a user certificate (clientAuth; subject CN=id, O=organization, OU=role; extra attributes
 * in the BSN attribute extension). With `csrPem` or `publicKeyPem` the user's key is certified
 * (upload mode); with neither a key is generated and returned (custody mode).
 */
export async function issueUserCertificate(
  issuer: Credential,
  opts: IssueUserCertificateOptions,
): Promise<IssuedCertificate> {
  validateName(opts.id, 'id');
  validateName(opts.organization, 'organization');
  validateName(opts.role, 'role');
  const attributes = validateAttributes(opts.attributes);
  const now = issueTime(opts.now);
  const lifetimeMs = validity(opts.validDays, 'user');
  const ca = loadIssuer(issuer, now, false);
  const key = await subjectKey(opts, opts.id);
  const extensions: Extension[] = [
    new BasicConstraintsExtension(false, undefined, true),
    new KeyUsagesExtension(KEY_USAGE_BITS.digitalSignature, true),
    new ExtendedKeyUsageExtension([OID.clientAuth], false),
  ];
  if (Object.keys(attributes).length > 0) {
    extensions.push(new Extension(BSN_ATTRIBUTES_OID, false, encodeUtf8String(canonicalString(attributes))));
  }
  return sign({
    subject: subjectName(opts.id, opts.organization, opts.role),
    subjectKey: key,
    issuer: ca,
    now,
    lifetimeMs,
    extensions,
  });
}
