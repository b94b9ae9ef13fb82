/**
 * Mutual TLS between PCNs with node certificates. OpenSSL checks the chain to the roots during the
 * handshake; {@link verifyTlsPeer} then applies what OpenSSL does not know — the network's
 * revocation list and the BSN profile (a node certificate, not a user's) — through a {@link TrustStore}.
 */
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { Credential } from './certificate-authority.js';
import { encodePem } from './pem.js';
import type { ChainCheck, ChainPurpose, TrustStore } from './trust-store.js';

/** Options of {@link mutualTlsOptions}. */
export interface MutualTlsTrust {
  /** PEM roots a peer's certificate must chain to. */
  readonly roots: readonly string[];
  /** PEM CA certificates sent after our own certificate so peers can build the chain (normally our issuing CA). */
  readonly chain?: readonly string[];
}

/** Options for `https.createServer`, `tls.createServer`, `tls.connect` or an `https.Agent`: mutual TLS 1.3 with a node credential. */
export function mutualTlsOptions(
  cred: Credential,
  trust: MutualTlsTrust,
): {
  key: string;
  cert: string;
  ca: string[];
  requestCert: true;
  rejectUnauthorized: true;
  minVersion: 'TLSv1.3';
} {
  return {
    key: cred.keyPem,
    cert: [cred.certPem, ...(trust.chain ?? [])].map((p) => p.trim()).join('\n'),
    ca: [...trust.roots],
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
  };
}

/**
 * Verifies the certificate the peer of `socket` presented against `store` (revocation, profile,
 * time), adding the CA certificates the peer sent as candidate intermediates. Never throws.
 */
export function verifyTlsPeer(
  socket: TLSSocket,
  store: TrustStore,
  expect: ChainPurpose = 'node',
  at?: number,
): ChainCheck {
  let peer: PeerCertificate | undefined;
  try {
    peer = socket.getPeerCertificate(true);
  } catch {
    peer = undefined;
  }
  if (!peer?.raw) {
    return { ok: false, code: 'BSN_PKI_CERT_MALFORMED', message: 'the TLS peer presented no certificate' };
  }
  const seen = new Set<PeerCertificate>([peer]);
  let issuer = (peer as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
  while (issuer?.raw && !seen.has(issuer)) {
    seen.add(issuer);
    try {
      store.addIntermediate(encodePem(issuer.raw, 'CERTIFICATE'));
    } catch {
      // A CA certificate BSN cannot parse is simply not a candidate issuer.
    }
    issuer = (issuer as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
  }
  return store.verify(encodePem(peer.raw, 'CERTIFICATE'), expect, at ?? Date.now());
}
