/** Events of the revocation module. */

/** `{fingerprint, reason, height}`: refuse the certificate from the next block on. */
export const CERTIFICATE_REVOKED = 'CertificateRevoked';
