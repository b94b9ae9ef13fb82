/**
 * Parsing a certificate into what BSN relies on, synchronously (block execution verifies signer
 * certificates and cannot await) and fast (it runs for every new signer). Certificates are read
 * with the strict DER reader in `der.ts` rather than @peculiar/x509's general ASN.1 stack, which
 * costs about a millisecond per certificate; a differential test keeps both readings in step.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { BsnError, deepFreeze, type SignatureAlgorithm } from '@bsn/core';
import { algorithmOfSignatureOid } from './algorithms.js';
import {
  children,
  content,
  DerError,
  expectTlv,
  readBitStringBytes,
  readBoolean,
  readNamedBits,
  readOid,
  readSmallInteger,
  readString,
  readTime,
  TAG,
  type Tlv,
} from './der.js';
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
  /** Issuer DN as text, in certificate order (e.g. `O=Acme, CN=Acme CA`), RFC 4514 escaping. */
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
  readonly publicKey: KeyObject;
  /** DER SubjectPublicKeyInfo. */
  readonly spki: Buffer;
  /** The signed part (DER TBSCertificate) and the issuer's signature over it. */
  readonly tbs: Uint8Array;
  readonly signature: Uint8Array;
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

/** Short names of the DN attribute types BSN prints; others appear as dotted OIDs. */
const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.5': 'serialNumber',
  '2.5.4.12': 'title',
  '2.5.4.4': 'SN',
  '2.5.4.42': 'G',
  '1.2.840.113549.1.9.1': 'E',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

interface ParsedName {
  readonly der: string;
  readonly text: string;
  readonly fields: readonly { readonly type: string; readonly value: string }[];
}

function escapeDnValue(value: string): string {
  let out = value.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

function readName(der: Uint8Array, tlv: Tlv): ParsedName {
  if (tlv.tag !== TAG.sequence) throw new DerError('Name is not a SEQUENCE');
  const fields: { type: string; value: string }[] = [];
  const rdnTexts: string[] = [];
  for (const rdn of children(der, tlv)) {
    if (rdn.tag !== TAG.set) throw new DerError('RelativeDistinguishedName is not a SET');
    const parts: string[] = [];
    const atvs = children(der, rdn);
    if (atvs.length === 0) throw new DerError('empty RelativeDistinguishedName');
    for (const atv of atvs) {
      if (atv.tag !== TAG.sequence) throw new DerError('AttributeTypeAndValue is not a SEQUENCE');
      const [typeTlv, valueTlv, ...rest] = children(der, atv);
      if (!typeTlv || !valueTlv || rest.length > 0)
        throw new DerError('AttributeTypeAndValue has the wrong shape');
      const oid = readOid(der, typeTlv);
      const type = ATTRIBUTE_NAMES[oid] ?? oid;
      const value = readString(der, valueTlv);
      fields.push({ type, value });
      parts.push(`${type}=${escapeDnValue(value)}`);
    }
    rdnTexts.push(parts.join('+'));
  }
  return {
    der: Buffer.from(der.subarray(tlv.start, tlv.end)).toString('hex'),
    text: rdnTexts.join(', '),
    fields,
  };
}

function readSerial(der: Uint8Array, tlv: Tlv): string {
  let bytes = content(der, tlv);
  if (tlv.tag !== TAG.integer || bytes.length === 0 || bytes.length > 21)
    throw new DerError('serialNumber is not an INTEGER of at most 20 octets');
  if (bytes.length > 1 && bytes[0] === 0) {
    if (!(bytes[1]! & 0x80)) throw new DerError('serialNumber is not minimally encoded');
    bytes = bytes.subarray(1);
  }
  return Buffer.from(bytes).toString('hex');
}

function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
    // The URL parser prints IPv6 in its canonical compressed form (RFC 5952).
    return new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1);
  }
  throw new DerError('iPAddress is neither 4 nor 16 bytes');
}

/** Parses the BSN attribute extension's canonical JSON object of strings. */
function parseAttributes(value: Uint8Array): Record<string, string> {
  const text = decodeUtf8String(value);
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

interface Extensions {
  isCa: boolean;
  pathLength: number | undefined;
  keyUsageBits: number | undefined;
  extKeyUsage: string[] | undefined;
  caPurpose: CaPurpose | undefined;
  attributes: Record<string, string>;
  subjectKeyId: string | undefined;
  hosts: string[];
  unknownCritical: string[];
}

function readExtensions(der: Uint8Array, wrapper: Tlv | undefined): Extensions {
  const out: Extensions = {
    isCa: false,
    pathLength: undefined,
    keyUsageBits: undefined,
    extKeyUsage: undefined,
    caPurpose: undefined,
    attributes: {},
    subjectKeyId: undefined,
    hosts: [],
    unknownCritical: [],
  };
  if (!wrapper) return out;
  const [list, ...extra] = children(der, wrapper);
  if (!list || extra.length > 0 || list.tag !== TAG.sequence)
    throw new DerError('extensions are not one SEQUENCE');
  const seen = new Set<string>();
  for (const ext of children(der, list)) {
    if (ext.tag !== TAG.sequence) throw new DerError('Extension is not a SEQUENCE');
    const parts = children(der, ext);
    const oid = readOid(der, parts[0] ?? ext);
    let critical = false;
    let valueTlv = parts[1];
    if (valueTlv?.tag === TAG.boolean) {
      critical = readBoolean(der, valueTlv);
      valueTlv = parts[2];
      if (parts.length !== 3) throw new DerError(`extension ${oid} has the wrong shape`);
    } else if (parts.length !== 2) {
      throw new DerError(`extension ${oid} has the wrong shape`);
    }
    if (!valueTlv || valueTlv.tag !== TAG.octetString)
      throw new DerError(`extension ${oid} value is not an OCTET STRING`);
    if (seen.has(oid)) throw malformed(`certificate carries extension ${oid} twice`);
    seen.add(oid);
    if (critical && !PROCESSED_CRITICAL_EXTENSIONS.has(oid)) out.unknownCritical.push(oid);
    const value = content(der, valueTlv);
    const inner = () => {
      const tlv = expectTlv(value, 0, value.length, value[0] ?? -1, `extension ${oid}`);
      if (tlv.end !== value.length) throw new DerError(`extension ${oid} has trailing bytes`);
      return tlv;
    };
    switch (oid) {
      case OID.basicConstraints: {
        const seq = inner();
        if (seq.tag !== TAG.sequence) throw new DerError('basicConstraints is not a SEQUENCE');
        const items = children(value, seq);
        let i = 0;
        if (items[i]?.tag === TAG.boolean) out.isCa = readBoolean(value, items[i++]!);
        if (items[i]?.tag === TAG.integer) out.pathLength = readSmallInteger(value, items[i++]!);
        if (i !== items.length) throw new DerError('basicConstraints has unexpected fields');
        if (!out.isCa) out.pathLength = undefined;
        break;
      }
      case OID.keyUsage:
        out.keyUsageBits = readNamedBits(value, inner());
        break;
      case OID.extKeyUsage: {
        const seq = inner();
        if (seq.tag !== TAG.sequence) throw new DerError('extKeyUsage is not a SEQUENCE');
        out.extKeyUsage = children(value, seq).map((t) => readOid(value, t));
        if (out.extKeyUsage.length === 0) throw new DerError('extKeyUsage is empty');
        break;
      }
      case OID.subjectAltName: {
        const seq = inner();
        if (seq.tag !== TAG.sequence) throw new DerError('subjectAltName is not a SEQUENCE');
        for (const name of children(value, seq)) {
          if (name.tag === 0x82) out.hosts.push(readString(value, { ...name, tag: TAG.ia5String }));
          else if (name.tag === 0x87) out.hosts.push(ipText(content(value, name)));
        }
        break;
      }
      case OID.subjectKeyIdentifier: {
        const tlv = inner();
        if (tlv.tag !== TAG.octetString) throw new DerError('subjectKeyIdentifier is not an OCTET STRING');
        out.subjectKeyId = Buffer.from(content(value, tlv)).toString('hex');
        break;
      }
      case BSN_ATTRIBUTES_OID:
        out.attributes = parseAttributes(value);
        break;
      case BSN_CA_PURPOSE_OID: {
        const purpose = decodeUtf8String(value);
        if (!(CA_PURPOSES as readonly (string | undefined)[]).includes(purpose)) {
          throw malformed(
            `BSN CA purpose extension holds "${String(purpose)}", not one of ${CA_PURPOSES.join(', ')}`,
          );
        }
        out.caPurpose = purpose as CaPurpose;
        break;
      }
      default:
        break;
    }
  }
  return out;
}

const KEY_NAMES: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.1': 'rsa',
  '1.2.840.113549.1.1.10': 'rsa-pss',
  '1.3.101.113': 'ed448',
  '1.2.840.10040.4.1': 'dsa',
  '1.3.132.0.34': 'ec (secp384r1)',
  '1.3.132.0.35': 'ec (secp521r1)',
  '1.3.132.0.10': 'ec (secp256k1)',
  '1.2.156.10197.1.301': 'ec (SM2)',
};
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const P256 = '1.2.840.10045.3.1.7';
const ED25519 = '1.3.101.112';

/**
 * The algorithm of a SubjectPublicKeyInfo, read from its AlgorithmIdentifier and key length (no
 * KeyObject is built: that costs more than the rest of parsing). Throws BSN_PKI_UNSUPPORTED_ALGORITHM.
 */
function spkiAlgorithm(der: Uint8Array, spkiT: Tlv): SignatureAlgorithm {
  if (spkiT.tag !== TAG.sequence) throw new DerError('subjectPublicKeyInfo is not a SEQUENCE');
  const [algT, keyT, ...rest] = children(der, spkiT);
  if (!algT || !keyT || rest.length > 0 || algT.tag !== TAG.sequence)
    throw new DerError('subjectPublicKeyInfo has the wrong shape');
  const [oidT, paramT] = children(der, algT);
  const oid = readOid(der, oidT ?? algT);
  const param = paramT?.tag === TAG.oid ? readOid(der, paramT) : undefined;
  const key = readBitStringBytes(der, keyT);
  if (oid === EC_PUBLIC_KEY && param === P256) {
    const ok = (key.length === 65 && key[0] === 4) || (key.length === 33 && (key[0] === 2 || key[0] === 3));
    if (!ok) throw new DerError('P-256 public key is not an encoded curve point');
    return 'ecdsa-p256-sha256';
  }
  if (oid === ED25519 && paramT === undefined) {
    if (key.length !== 32) throw new DerError('Ed25519 public key is not 32 bytes');
    return 'ed25519';
  }
  const name = KEY_NAMES[param ?? ''] ?? KEY_NAMES[oid] ?? (param ? `${oid} (${param})` : oid);
  throw new BsnError(
    'BSN_PKI_UNSUPPORTED_ALGORITHM',
    `certificate key is ${name}; only ECDSA P-256 and Ed25519 are supported`,
    {
      details: { keyOid: oid, ...(param ? { curveOid: param } : {}) },
    },
  );
}

function single(fields: ParsedName['fields'], type: string): string {
  const values = fields.filter((f) => f.type === type);
  if (values.length > 1)
    throw malformed(`certificate subject has ${values.length} ${type} attributes; BSN requires at most one`);
  return values[0]?.value ?? '';
}

function parseDer(der: Buffer): ParsedCertificate {
  const cert = expectTlv(der, 0, der.length, TAG.sequence, 'Certificate');
  if (cert.end !== der.length) throw new DerError('trailing bytes after the certificate');
  const [tbsT, sigAlgT, sigT, ...restCert] = children(der, cert);
  if (!tbsT || !sigAlgT || !sigT || restCert.length > 0)
    throw new DerError('Certificate does not have three parts');
  if (tbsT.tag !== TAG.sequence || sigAlgT.tag !== TAG.sequence)
    throw new DerError('Certificate parts have the wrong types');
  const signature = readBitStringBytes(der, sigT);

  const fields = children(der, tbsT);
  let i = 0;
  let version = 0;
  if (fields[i]?.tag === 0xa0) {
    const [v, ...more] = children(der, fields[i++]!);
    if (!v || more.length > 0) throw new DerError('version is malformed');
    version = readSmallInteger(der, v);
  }
  const serialT = fields[i++];
  const tbsSigAlgT = fields[i++];
  const issuerT = fields[i++];
  const validityT = fields[i++];
  const subjectT = fields[i++];
  const spkiT = fields[i++];
  if (!serialT || !tbsSigAlgT || !issuerT || !validityT || !subjectT || !spkiT)
    throw new DerError('TBSCertificate is missing fields');
  while (
    fields[i] &&
    (fields[i]!.tag === 0x81 || fields[i]!.tag === 0xa1 || fields[i]!.tag === 0x82 || fields[i]!.tag === 0xa2)
  )
    i++;
  const extT = fields[i]?.tag === 0xa3 ? fields[i++] : undefined;
  if (i !== fields.length) throw new DerError('TBSCertificate has unexpected fields');
  if (version > 2 || (extT && version !== 2))
    throw new DerError(`certificate version ${version + 1} with extensions is not X.509 v3`);

  if (
    !Buffer.from(der.subarray(tbsSigAlgT.start, tbsSigAlgT.end)).equals(
      der.subarray(sigAlgT.start, sigAlgT.end),
    )
  ) {
    throw malformed('certificate signature algorithm differs from the one inside the signed part');
  }
  const sigOidT = children(der, sigAlgT)[0];
  const sigOid = readOid(der, sigOidT ?? sigAlgT);
  const signatureAlgorithm = algorithmOfSignatureOid(sigOid);
  if (signatureAlgorithm === undefined) {
    throw new BsnError(
      'BSN_PKI_UNSUPPORTED_ALGORITHM',
      `certificate is signed with algorithm ${sigOid}; only ecdsa-with-SHA256 and Ed25519 are supported`,
      { details: { signatureOid: sigOid } },
    );
  }

  const serialNumber = readSerial(der, serialT);
  const issuer = readName(der, issuerT);
  const subject = readName(der, subjectT);
  if (validityT.tag !== TAG.sequence) throw new DerError('validity is not a SEQUENCE');
  const [nbT, naT, ...moreTimes] = children(der, validityT);
  if (!nbT || !naT || moreTimes.length > 0) throw new DerError('validity does not have two times');
  const notBefore = readTime(der, nbT);
  const notAfter = readTime(der, naT);
  const spki = Buffer.from(der.subarray(spkiT.start, spkiT.end));
  const algorithm = spkiAlgorithm(der, spkiT);
  let publicKey: KeyObject | undefined;
  const ext = readExtensions(der, extT);

  const dnAttributes: Record<string, string> = {};
  for (const f of subject.fields) {
    if (f.type === 'CN' || f.type === 'O' || f.type === 'OU') continue;
    if (!(f.type in dnAttributes)) dnAttributes[f.type] = f.value;
  }
  const kind: CertificateKind = ext.isCa
    ? subject.der === issuer.der
      ? 'root'
      : 'ca'
    : ext.extKeyUsage?.includes(OID.serverAuth)
      ? 'node'
      : 'user';
  const keyUsage = (Object.keys(KEY_USAGE_BITS) as KeyUsageName[]).filter(
    (name) => ext.keyUsageBits !== undefined && (ext.keyUsageBits & KEY_USAGE_BITS[name]) !== 0,
  );
  const info: CertificateInfo = {
    subject: {
      commonName: single(subject.fields, 'CN'),
      organization: single(subject.fields, 'O'),
      role: single(subject.fields, 'OU'),
      attributes: { ...dnAttributes, ...ext.attributes },
    },
    issuer: issuer.text,
    serialNumber,
    notBefore,
    notAfter,
    kind,
    ...(ext.isCa && ext.caPurpose !== undefined ? { caPurpose: ext.caPurpose } : {}),
    fingerprint: createHash('sha256').update(der).digest('hex'),
    publicKeyPem: encodePem(spki, 'PUBLIC KEY'),
    algorithm,
    hosts: ext.hosts,
    ...(ext.pathLength !== undefined ? { pathLength: ext.pathLength } : {}),
    keyUsage,
    extendedKeyUsage: ext.extKeyUsage ?? [],
    pem: encodePem(der, 'CERTIFICATE'),
  };
  return {
    info: deepFreeze(info),
    // Created on first use: chain verification needs only the issuers' keys, not the leaf's.
    get publicKey(): KeyObject {
      if (!publicKey) {
        try {
          publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
        } catch (cause) {
          throw malformed('certificate public key is not a valid key', cause);
        }
      }
      return publicKey;
    },
    spki,
    tbs: der.subarray(tbsT.start, tbsT.end),
    signature,
    subjectDer: subject.der,
    issuerDer: issuer.der,
    isCa: ext.isCa,
    keyUsageBits: ext.keyUsageBits,
    extKeyUsage: ext.extKeyUsage,
    unknownCritical: ext.unknownCritical,
    signatureAlgorithm,
    subjectKeyId: ext.subjectKeyId,
  };
}

/** Parses and checks a certificate for chain verification; throws BSN_PKI_CERT_MALFORMED or BSN_PKI_UNSUPPORTED_ALGORITHM. */
export function parseCertificateDetailed(pem: string): ParsedCertificate {
  const der = decodePem(pem, 'CERTIFICATE');
  try {
    return parseDer(der);
  } catch (err) {
    if (err instanceof BsnError) throw err;
    if (err instanceof DerError) throw malformed(`certificate is malformed: ${err.message}`);
    throw malformed('certificate cannot be parsed', err);
  }
}

/**
 * Parses a PEM certificate (synchronously). Throws BsnError BSN_PKI_CERT_MALFORMED for anything
 * but exactly one well-formed certificate, BSN_PKI_UNSUPPORTED_ALGORITHM for keys or signatures
 * other than ECDSA P-256/SHA-256 and Ed25519.
 */
export function parseCertificate(pem: string): CertificateInfo {
  return parseCertificateDetailed(pem).info;
}
