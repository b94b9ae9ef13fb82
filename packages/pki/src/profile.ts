/**
 * The BSN certificate profile in one place: kinds, CA purposes, validity defaults, key usages and
 * the BSN extension OIDs. `docs/certificates.md` explains each choice; issuance and verification
 * both read these constants, so the profile cannot drift between the two.
 */

/** What a certificate is for: the network root, a second-level CA, a PCN/orderer node, or a user. */
export type CertificateKind = 'root' | 'ca' | 'node' | 'user';

/** What a second-level CA is for: a city node (PCN) operator, a portal, a tenant organisation, the ordering service. */
export type CaPurpose = 'pcn' | 'portal' | 'org' | 'orderer';

/** Every {@link CaPurpose}, for validation. */
export const CA_PURPOSES: readonly CaPurpose[] = ['pcn', 'portal', 'org', 'orderer'];

/** Default validity of each kind of certificate, in days. */
export const DEFAULT_VALIDITY_DAYS: Readonly<Record<CertificateKind, number>> = {
  root: 3650,
  ca: 1825,
  node: 397,
  user: 365,
};

/** The longest validity the CA issues, in days (100 years keeps dates inside GeneralizedTime). */
export const MAX_VALIDITY_DAYS = 36500;

/**
 * How far notBefore is set before the issuing time, in ms: a certificate issued on one PCN is
 * used at once on another whose clock may run a little behind.
 */
export const BACKDATE_MS = 5 * 60 * 1000;

/** basicConstraints pathLenConstraint of the root: one level of CAs below it (root → CA → leaf). */
export const ROOT_PATH_LENGTH = 1;

/**
 * The OID arc of BSN's private extensions.
 *
 * Placeholder: BSN has no IANA Private Enterprise Number yet, and a UUID-derived `2.25.<uuid>` arc
 * cannot be used because the ASN.1 library under @peculiar/x509 silently truncates arcs above
 * 2^53. Replace this one constant with a registered PEN before a production network issues
 * certificates.
 */
export const BSN_OID_ARC = '1.3.6.1.4.1.99999.1';

/** Non-critical extension carrying a user's extra attributes as a UTF8String of canonical JSON (like Fabric CA's). */
export const BSN_ATTRIBUTES_OID = `${BSN_OID_ARC}.1`;

/** Non-critical extension carrying a second-level CA's {@link CaPurpose} as a UTF8String. */
export const BSN_CA_PURPOSE_OID = `${BSN_OID_ARC}.2`;

/** X.509 extension OIDs BSN reads. */
export const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** Critical extensions a verifier may accept: the ones BSN processes (RFC 5280 §4.2 requires rejecting the rest). */
export const PROCESSED_CRITICAL_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
]);

/** Key usage bits, in the numbering of @peculiar/x509's KeyUsageFlags. */
export const KEY_USAGE_BITS = {
  digitalSignature: 1,
  nonRepudiation: 2,
  keyEncipherment: 4,
  dataEncipherment: 8,
  keyAgreement: 16,
  keyCertSign: 32,
  cRLSign: 64,
  encipherOnly: 128,
  decipherOnly: 256,
} as const;

/** The name of a key usage bit. */
export type KeyUsageName = keyof typeof KEY_USAGE_BITS;

/** Longest subject CN, O and OU (the X.520 upper bounds RFC 5280 repeats). */
export const MAX_NAME_LENGTH = 64;

/** Most extra attributes a user certificate carries, and the longest name and value. */
export const ATTRIBUTE_LIMITS = { count: 32, nameLength: 64, valueLength: 1024 } as const;

/** Largest certificate or CSR PEM accepted, in characters: BSN certificates are under 2 KiB. */
export const MAX_PEM_LENGTH = 64 * 1024;
