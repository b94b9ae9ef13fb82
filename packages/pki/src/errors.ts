/**
 * The error codes of the certificate authority and of chain verification. Every rejection of a
 * certificate names its own code, so a gateway answer or a log line says what is wrong without a
 * stack trace.
 */
import { registerErrorCodes } from '@bsn/core';

/** Codes raised by `@bsn/pki`, with their HTTP status and meaning. */
export const pkiErrorCodes = {
  BSN_PKI_CERT_MALFORMED: {
    status: 400,
    description: 'A certificate is not one well-formed PEM/DER X.509 certificate.',
  },
  BSN_PKI_CERT_EXPIRED: {
    status: 401,
    description: 'A certificate of the chain is past its notAfter time.',
  },
  BSN_PKI_CERT_NOT_YET_VALID: {
    status: 401,
    description: 'A certificate of the chain is before its notBefore time.',
  },
  BSN_PKI_UNKNOWN_ISSUER: {
    status: 401,
    description: 'No trusted root or known intermediate carries the name of a certificate’s issuer.',
  },
  BSN_PKI_BAD_SIGNATURE: {
    status: 401,
    description: 'The issuer was found by name but its key does not verify the certificate’s signature.',
  },
  BSN_PKI_REVOKED: { status: 403, description: 'A certificate of the chain is on the revocation list.' },
  BSN_PKI_KEY_USAGE: {
    status: 403,
    description: 'A certificate’s key usage or extended key usage does not allow the purpose it is used for.',
  },
  BSN_PKI_CA_AS_LEAF: {
    status: 403,
    description: 'A CA certificate is presented where a node or user certificate is expected.',
  },
  BSN_PKI_LEAF_AS_CA: {
    status: 403,
    description: 'A certificate that is not a CA is used to issue certificates or where a CA is expected.',
  },
  BSN_PKI_PATH_LENGTH: {
    status: 403,
    description: 'A chain has more CA certificates below a CA than its path length constraint allows.',
  },
  BSN_PKI_CSR_INVALID: {
    status: 400,
    description:
      'A certificate signing request is malformed, its signature does not verify, or it names another subject.',
  },
  BSN_PKI_UNSUPPORTED_ALGORITHM: {
    status: 400,
    description: 'A key or signature algorithm other than ECDSA P-256 with SHA-256 or Ed25519.',
  },
  BSN_PKI_UNKNOWN_CRITICAL_EXTENSION: {
    status: 400,
    description:
      'A certificate carries a critical extension that BSN does not process (RFC 5280 requires rejecting it).',
  },
  BSN_PKI_KEY_MISMATCH: {
    status: 400,
    description: 'A private key does not belong to the certificate it is paired with.',
  },
  BSN_PKI_KEY_FILE_EXPOSED: {
    status: 500,
    description: 'A private key file is readable by other users than its owner (chmod 600 it).',
  },
  BSN_PKI_CREDENTIAL_IO: {
    status: 500,
    description: 'A certificate or key file cannot be read or written.',
  },
} as const;

/** A code raised by `@bsn/pki`. */
export type PkiErrorCode = keyof typeof pkiErrorCodes;

registerErrorCodes(pkiErrorCodes);
