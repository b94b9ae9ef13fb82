/**
 * @bsn/pki — the network's certificate authority: the root CA, second-level CAs, node and user
 * certificates, synchronous chain verification with revocation, and credentials on disk.
 */
import './errors.js';

export * from './caller.js';
export * from './certificate-authority.js';
export * from './credential-files.js';
export { type CreateCsrOptions, createCsr, type VerifiedCsr, verifyCsr } from './csr.js';
export * from './errors.js';
export { type CertificateInfo, parseCertificate } from './parse-certificate.js';
export * from './profile.js';
export * from './tls.js';
export * from './trust-store.js';
