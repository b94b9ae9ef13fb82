/**
 * @bsn/pki — the network's certificate authority: the root CA, second-level CAs, node and user
 * certificates, synchronous chain verification with revocation, and credentials on disk.
 */
import './errors.js';

export * from './errors.js';
export * from './profile.js';
export { createCsr, type CreateCsrOptions, verifyCsr, type VerifiedCsr } from './csr.js';
export * from './certificate-authority.js';
export { type CertificateInfo, parseCertificate } from './parse-certificate.js';
export * from './trust-store.js';
export * from './caller.js';
export * from './credential-files.js';
export * from './tls.js';
