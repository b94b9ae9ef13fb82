/** The identity a contract sees of a transaction's signer, read from the signer's certificate. */
import type { CertificateInfo } from './parse-certificate.js';

/**
 * The signer of a transaction as contracts see it. Field for field the `Caller` of `@bsn/ledger`
 * (pki sits below ledger and cannot import it), so one is assignable to the other.
 */
export interface CertificateSubject {
  /** Subject CN: the user or node id. */
  readonly id: string;
  /** Subject O. */
  readonly org: string;
  /** Subject OU. */
  readonly role: string;
  /** Lower-case hex SHA-256 of the certificate DER. */
  readonly certFingerprint: string;
  /** Further attributes: subject DN attributes beyond CN/O/OU, then the BSN attribute extension. */
  readonly attributes: Readonly<Record<string, string>>;
}

/** The {@link CertificateSubject} (ledger `Caller`) of a parsed, verified certificate. */
export function callerFromCertificate(info: CertificateInfo): CertificateSubject {
  return {
    id: info.subject.commonName,
    org: info.subject.organization,
    role: info.subject.role,
    certFingerprint: info.fingerprint,
    attributes: info.subject.attributes,
  };
}
