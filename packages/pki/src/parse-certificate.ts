/**
 * Parsing a certificate into what BSN relies on (synchronously: block execution verifies signer
 * certificates and cannot await). @peculiar/x509 reads the ASN.1; Node's X509Certificate holds the
 * key for signature checks.
 */
import { createHash, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { BsnError, type SignatureAlgorithm } from '@bsn/core';
import {
  BasicConstraintsExtension,
  ExtendedKeyUsageExtension,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
} from '@peculiar/x509';
import { algorithmOfKey, algorithmOfSignatureOid } from './algorithms.js';
import { decodePem, decodeUtf8String, encodePem } from './pem.js';
import {
  BSN_ATTRIBUTES_OID,
  BSN_CA_PURPOSE_OID,
  CA_PURPOSES,
  type CaPurpose,
  type CertificateKind,
  KEY_USAGE_BITS,
  type KeyUsageName,
  OID,
  PROCESSED_CRITICAL_EXTENSIONS,
} from './profile.js';

/** What BSN reads from a certificate. Objects returned by the parser are frozen. */
export interface CertificateInfo {
  /** Subject: CN (user or node id, or CA name), O, OU (role) and further attributes. */
  readonly subject: {
    readonly commonName: string;
    readonly organization: string;
    readonly role: string;
    /** Subject DN attributes other than CN/O/OU (e.g. `C`, `L`), then the BSN attribute extension's entries (which win). */
    readonly attributes: Readonly<Record<string, string>>;
  };
  /** Issuer DN as text (RFC 4514 style). */
  readonly issuer: string;
  /** Serial number, lower-case hex. */
  readonly serialNumber: string;
  /** Validity start, ms since epoch. */
  readonly notBefore: number;
  /** Validity end (inclusive), ms since epoch. */
  readonly notAfter: number;
  /** Kind read from the standard extensions: a self-issued CA is `root`, another CA `ca`, serverAuth makes `node`, else `user`. */
  readonly kind: CertificateKind;
  /** A second-level CA's purpose, from the BSN purpose extension. */
  readonly caPurpose?: CaPurpose;
  /** Lower-case hex SHA-256 of the DER: the certificate's identity in revocation lists and callers. */
  readonly fingerprint: string;
  /** The subject's public key, SPKI PEM. */
  readonly publicKeyPem: string;
  /** The subject key's algorithm. */
  readonly algorithm: SignatureAlgorithm;
  /** DNS names and IP addresses of the subjectAltName extension. */
  readonly hosts: readonly string[];
  /** basicConstraints pathLenConstraint of a CA, if set. */
  readonly pathLength?: number;
  /** Names of the key usage bits set (empty when the extension is absent). */
  readonly keyUsage: readonly KeyUsageName[];
  /** Extended key usage OIDs (empty when the extension is absent). */
  readonly extendedKeyUsage: readonly string[];
  /** The certificate in canonical PEM (64-column base64, final newline). */
  readonly pem: string;
}

/** A parsed certificate with the facts chain verification needs beyond {@link CertificateInfo}. */
export interface ParsedCertificate {
  readonly info: CertificateInfo;
  readonly node: NodeX509Certificate;
  /** Hex DER of the subject and issuer names, compared byte for byte when chaining. */
  readonly subjectDer: string;
  readonly issuerDer: string;
  readonly isCa: boolean;
  /** Key usage bits, undefined when the extension is absent. */
  readonly keyUsageBits: number | undefined;
  /** Extended key usages, undefined when the extension is absent. */
  readonly extKeyUsage: readonly string[] | undefined;
  /** OIDs of critical extensions BSN does not process. */
  readonly unknownCritical: readonly string[];
  readonly signatureAlgorithm: SignatureAlgorithm;
  /** Hex subjectKeyIdentifier, when present (becomes the authorityKeyIdentifier of certificates it issues). */
  readonly subjectKeyId: string | undefined;
}

function malformed(message: string, cause?: unknown): BsnError {
  return new BsnError('BSN_PKI_CERT_MALFORMED', message, cause === undefined ? {} : { cause });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function single(values: string[], field: string): string {
  if (values.length > 1) throw malformed(`certificate subject has ${values.length} ${field} attributes; BSN requires at most one`);
  return values[0] ?? '';
}

/** Parses the BSN attribute extension's canonical JSON object of strings. */
function parseAttributes(value: ArrayBuffer): Record<string, string> {
  const text = decodeUtf8String(new Uint8Array(value));
  if (text === undefined) throw malformed('BSN attribute extension is not a UTF8String');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw malformed('BSN attribute extension is not JSON', cause);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw malformed('BSN attribute extension is not a JSON object');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'string') throw malformed(`BSN attribute "${k}" is not a string`);
    out[k] = v;
  }
  return out;
}

/**
 * The ASN.1 structure behind a @peculiar/x509 object. It is a protected member in the typings but
 * the only way to read raw algorithm OIDs, which the public getters translate to WebCrypto names.
 */
export function asnOf<T>(data: object): T {
  return (data as unknown as { asn: T }).asn;
}

/** Parses and checks a certificate for chain verification; throws BSN_PKI_CERT_MALFORMED or BSN_PKI_UNSUPPORTED_ALGORITHM. */
export function parseCertificateDetailed(pem: string): ParsedCertificate {
  const der = decodePem(pem, 'CERTIFICATE');
  let cert: X509Certificate;
  let node: NodeX509Certificate;
  try {
    cert = new X509Certificate(der);
    node = new NodeX509Certificate(der);
  } catch (cause) {
    throw malformed('certificate DER is not a valid X.509 certificate', cause);
  }
  try {
    return buildParsed(cert, node, der);
  } catch (err) {
    if (err instanceof BsnError) throw err;
    throw malformed(`certificate content is malformed: ${(err as Error).message}`, err);
  }
}

function buildParsed(cert: X509Certificate, node: NodeX509Certificate, der: Buffer): ParsedCertificate {
  const asn = asnOf<{ tbsCertificate: { signature: { algorithm: string } }; signatureAlgorithm: { algorithm: string } }>(cert);
  const sigOid = asn.signatureAlgorithm.algorithm;
  if (asn.tbsCertificate.signature.algorithm !== sigOid) {
    throw malformed('certificate signature algorithm differs from the one inside the signed part');
  }
  const signatureAlgorithm = algorithmOfSignatureOid(sigOid);
  if (signatureAlgorithm === undefined) {
    throw new BsnError(
      'BSN_PKI_UNSUPPORTED_ALGORITHM',
      `certificate is signed with algorithm ${sigOid}; only ecdsa-with-SHA256 and Ed25519 are supported`,
      { details: { signatureOid: sigOid } },
    );
  }
  const algorithm = algorithmOfKey(node.publicKey, 'certificate key');

  let isCa = false;
  let pathLength: number | undefined;
  let keyUsageBits: number | undefined;
  let extKeyUsage: string[] | undefined;
  let caPurpose: CaPurpose | undefined;
  let extAttributes: Record<string, string> = {};
  let subjectKeyId: string | undefined;
  const hosts: string[] = [];
  const unknownCritical: string[] = [];
  const seen = new Set<string>();
  for (const ext of cert.extensions) {
    if (seen.has(ext.type)) throw malformed(`certificate carries extension ${ext.type} twice`);
    seen.add(ext.type);
    if (ext.critical && !PROCESSED_CRITICAL_EXTENSIONS.has(ext.type)) unknownCritical.push(ext.type);
    if (ext instanceof BasicConstraintsExtension) {
      isCa = ext.ca;
      pathLength = ext.ca ? ext.pathLength : undefined;
    } else if (ext instanceof KeyUsagesExtension) {
      keyUsageBits = ext.usages;
    } else if (ext instanceof ExtendedKeyUsageExtension) {
      extKeyUsage = Array.from(ext.usages, String);
    } else if (ext instanceof SubjectAlternativeNameExtension) {
      for (const name of ext.names.items) {
        if (name.type === 'dns' || name.type === 'ip') hosts.push(name.value);
      }
    } else if (ext instanceof SubjectKeyIdentifierExtension) {
      subjectKeyId = ext.keyId;
    } else if (ext.type === BSN_ATTRIBUTES_OID) {
      extAttributes = parseAttributes(ext.value);
    } else if (ext.type === BSN_CA_PURPOSE_OID) {
      const purpose = decodeUtf8String(new Uint8Array(ext.value));
      if (!(CA_PURPOSES as readonly (string | undefined)[]).includes(purpose)) {
        throw malformed(`BSN CA purpose extension holds "${String(purpose)}", not one of ${CA_PURPOSES.join(', ')}`);
      }
      caPurpose = purpose as CaPurpose;
    } else if (ext.type === OID.basicConstraints || ext.type === OID.keyUsage || ext.type === OID.extKeyUsage) {
      throw malformed(`certificate extension ${ext.type} cannot be decoded`);
    }
  }

  const subjectName = cert.subjectName;
  const subjectDer = Buffer.from(subjectName.toArrayBuffer()).toString('hex');
  const issuerDer = Buffer.from(cert.issuerName.toArrayBuffer()).toString('hex');
  const dnAttributes: Record<string, string> = {};
  for (const rdn of subjectName.toJSON()) {
    for (const [type, values] of Object.entries(rdn)) {
      if (type === 'CN' || type === 'O' || type === 'OU') continue;
      if (!(type in dnAttributes) && values[0] !== undefined) dnAttributes[type] = values[0];
    }
  }
  const commonName = single(subjectName.getField('CN'), 'CN');
  const organization = single(subjectName.getField('O'), 'O');
  const role = single(subjectName.getField('OU'), 'OU');

  let kind: CertificateKind;
  if (isCa) kind = subjectDer === issuerDer ? 'root' : 'ca';
  else kind = extKeyUsage?.includes(OID.serverAuth) ? 'node' : 'user';

  const keyUsage = (Object.keys(KEY_USAGE_BITS) as KeyUsageName[]).filter(
    (name) => keyUsageBits !== undefined && (keyUsageBits & KEY_USAGE_BITS[name]) !== 0,
  );
  const info: CertificateInfo = {
    subject: { commonName, organization, role, attributes: { ...dnAttributes, ...extAttributes } },
    issuer: cert.issuer,
    serialNumber: cert.serialNumber.toLowerCase(),
    notBefore: cert.notBefore.getTime(),
    notAfter: cert.notAfter.getTime(),
    kind,
    ...(isCa && caPurpose !== undefined ? { caPurpose } : {}),
    fingerprint: createHash('sha256').update(der).digest('hex'),
    publicKeyPem: node.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    algorithm,
    hosts,
    ...(pathLength !== undefined ? { pathLength } : {}),
    keyUsage,
    extendedKeyUsage: extKeyUsage ?? [],
    pem: encodePem(der, 'CERTIFICATE'),
  };
  return {
    info: deepFreeze(info),
    node,
    subjectDer,
    issuerDer,
    isCa,
    keyUsageBits,
    extKeyUsage,
    unknownCritical,
    signatureAlgorithm,
    subjectKeyId,
  };
}

/**
 * Parses a PEM certificate (synchronously). Throws BsnError BSN_PKI_CERT_MALFORMED for anything
 * but exactly one well-formed certificate, BSN_PKI_UNSUPPORTED_ALGORITHM for keys or signatures
 * other than ECDSA P-256/SHA-256 and Ed25519.
 */
export function parseCertificate(pem: string): CertificateInfo {
  return parseCertificateDetailed(pem).info;
}
