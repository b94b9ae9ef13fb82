/**
 * How the node checks who signed a transaction or request.
 *
 * A signer presents its certificate followed by the CA certificates up to (not including) the
 * network root — as TLS does — so whether a certificate chains to the root never depends on what
 * this node has learnt so far: every node reaches the same verdict for the same transaction, which
 * block execution needs. Whether the signer's organisation takes part in a service is a separate
 * question (authorisation, from the system chain). Revocation takes effect at the revoking system
 * block's time, so it too is the same on every node and on replay.
 */
import { type CertificateVerifier, type RevocationSchedule, trustStoreVerifier } from '@bsn/ledger';
import { TrustStore } from '@bsn/pki';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Bound on CA certificates learnt from signer bundles (they are untrusted until they chain to the root). */
const MAX_LEARNT_CAS = 10_000;

/** Splits a PEM bundle into its certificates (leaf first). */
export function splitPemBundle(bundle: string): string[] {
  return (bundle.match(PEM_BLOCK) ?? []).map((pem) => `${pem}\n`);
}

/**
 * A verifier that learns intermediates from signer bundles, applies a time-stamped revocation
 * schedule, and requires a leaf's organisation (O) to be its issuing CA's: otherwise one tenant's
 * CA could issue certificates that act as another organisation.
 */
export function bundleVerifier(store: TrustStore, revocations: RevocationSchedule): CertificateVerifier {
  const inner = trustStoreVerifier(store, { expect: 'leaf', revocations });
  const learnt = new Set<string>();
  return {
    verify(certPem, atMs) {
      const certs = splitPemBundle(certPem);
      if (certs.length === 0)
        return { ok: false, code: 'BSN_PKI_CERT_MALFORMED', message: 'signer is not a PEM certificate' };
      for (const ca of certs.slice(1)) {
        if (learnt.has(ca)) continue;
        if (learnt.size >= MAX_LEARNT_CAS) {
          return {
            ok: false,
            code: 'BSN_PKI_UNKNOWN_ISSUER',
            message: 'too many distinct CA certificates seen; issuer refused',
          };
        }
        try {
          store.addIntermediate(ca);
          learnt.add(ca);
        } catch {
          return {
            ok: false,
            code: 'BSN_PKI_CERT_MALFORMED',
            message: 'a CA certificate in the signer bundle is malformed',
          };
        }
      }
      let check: ReturnType<TrustStore['verify']>;
      try {
        check = store.verify(certs[0]!, 'leaf', atMs);
      } catch (err) {
        return {
          ok: false,
          code: 'BSN_PKI_CERT_MALFORMED',
          message: err instanceof Error ? err.message : String(err),
        };
      }
      if (!check.ok) return { ok: false, code: check.code, message: check.message };
      const { leaf } = check;
      const issuer = check.chain[1];
      if (issuer && issuer.kind !== 'root' && issuer.subject.organization !== leaf.subject.organization) {
        return {
          ok: false,
          code: 'BSN_NODE_SIGNER_ORG_MISMATCH',
          message: `certificate names organisation "${leaf.subject.organization}" but its CA belongs to "${issuer.subject.organization}"`,
        };
      }
      // Chain, validity and time-stamped revocation as the ledger's verifier decides them (memoised).
      return inner.verify(certs[0]!, atMs);
    },
  };
}

/** A trust store with only the network root; intermediates arrive with signer bundles. */
export function networkTrustStore(rootCertPem: string): TrustStore {
  return new TrustStore({ roots: [rootCertPem] });
}

/** Revocation schedule read from the system chain's revocation records. */
export function systemRevocations(
  lookup: (fingerprint: string) => { time: number } | null,
): RevocationSchedule {
  return {
    revokedAt(fingerprint: string) {
      return lookup(fingerprint)?.time;
    },
  };
}
