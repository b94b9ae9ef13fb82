/**
 * What the system contracts need to know about a certificate they store: its fingerprint, its
 * subject organisation, whether it is a CA, and whether the network root issued it. Parsing and
 * signature checks are pure functions of the PEM, so this is safe inside block execution; validity
 * is judged against the block time the caller passes, never the wall clock.
 */
import { X509Certificate } from 'node:crypto';
import { hashHex } from '@bsn/core';
import { ContractError } from '@bsn/ledger';
import { SystemErrorCode } from './errors.js';

/** The facts about a certificate that the system chain records. */
export interface CertificateFacts {
  /** Lower-case hex SHA-256 of the DER encoding (the same fingerprint `Caller.certFingerprint` carries). */
  readonly fingerprint: string;
  /** The subject's organisation (O), or '' when absent. */
  readonly organization: string;
  readonly isCa: boolean;
  readonly notBefore: number;
  readonly notAfter: number;
}

function certError(field: string, problem: string): ContractError {
  return new ContractError(SystemErrorCode.CERT_INVALID, `certificate "${field}": ${problem}`, {
    details: { field, problem },
  });
}

function parse(pem: string, field: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw certError(field, 'not a PEM-encoded X.509 certificate');
  }
}

function subjectOrganization(cert: X509Certificate): string {
  for (const line of cert.subject.split('\n')) {
    if (line.startsWith('O=')) return line.slice(2);
  }
  return '';
}

/** Lower-case hex SHA-256 fingerprint of a PEM certificate's DER encoding. */
export function certificateFingerprint(pem: string, field = 'certPem'): string {
  return hashHex(new Uint8Array(parse(pem, field).raw));
}

/** Parses a PEM certificate, failing with BSN_SYSTEM_CERT_INVALID naming `field`. */
export function inspectCertificate(pem: string, field: string): CertificateFacts {
  const cert = parse(pem, field);
  return {
    fingerprint: hashHex(new Uint8Array(cert.raw)),
    organization: subjectOrganization(cert),
    isCa: cert.ca,
    notBefore: Date.parse(cert.validFrom),
    notAfter: Date.parse(cert.validTo),
  };
}

/** Fails unless the certificate is valid at `atMs` (block time). */
export function assertValidAt(pem: string, field: string, atMs: number): CertificateFacts {
  const facts = inspectCertificate(pem, field);
  if (atMs < facts.notBefore || atMs > facts.notAfter) {
    throw certError(field, `not valid at block time ${atMs} (valid ${facts.notBefore}..${facts.notAfter})`);
  }
  return facts;
}

/** Fails unless `pem` names `issuerPem` as its issuer and carries a valid signature by its key. */
export function assertIssuedBy(
  pem: string,
  field: string,
  issuerPem: string,
  problem = 'not issued by the network root CA',
): void {
  const cert = parse(pem, field);
  const issuer = parse(issuerPem, 'rootCertPem');
  if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) throw certError(field, problem);
}
