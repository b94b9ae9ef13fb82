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
import { BoundedMap } from '@bsn/core';
import {
  type CertificateVerifier,
  type RevocationSchedule,
  type TrustStoreLike,
  trustStoreVerifier,
} from '@bsn/ledger';
import { TrustStore } from '@bsn/pki';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Trust stores kept, one per distinct set of CA certificates that signed a verified leaf. Only a
 * cache: a verdict never depends on what is in it, so an evicted set costs a re-parse, nothing else.
 */
const MAX_BUNDLE_STORES = 128;
/** Memoised leaf verdicts per bundle store (each store serves the users of one CA, usually). */
const BUNDLE_STORE_CACHE = 1024;
/** CA certificates a bundle may carry: pki's longest chain (6) less the leaf. */
const MAX_BUNDLE_CAS = 5;

/** Splits a PEM bundle into its certificates (leaf first). */
export function splitPemBundle(bundle: string): string[] {
  return (bundle.match(PEM_BLOCK) ?? []).map((pem) => `${pem}\n`);
}

/**
 * `store` with one more rule on its verdicts: a leaf's organisation (O) is its issuing CA's, so one
 * tenant's CA cannot issue certificates that act as another organisation.
 */
function sameOrganisation(store: TrustStore): TrustStoreLike {
  return {
    verify(leafPem, expect, at) {
      const check = store.verify(leafPem, expect, at);
      if (!check.ok) return check;
      const { leaf } = check;
      const issuer = check.chain[1];
      if (issuer && issuer.kind !== 'root' && issuer.subject.organization !== leaf.subject.organization) {
        return {
          ok: false,
          code: 'BSN_NODE_SIGNER_ORG_MISMATCH',
          message: `certificate names organisation "${leaf.subject.organization}" but its CA belongs to "${issuer.subject.organization}"`,
        };
      }
      return check;
    },
  };
}

/**
 * A verifier of signer bundles (the leaf, then its CA certificates up to the root, as TLS sends
 * them) that applies a time-stamped revocation schedule to every certificate of the chain, and
 * requires a leaf's organisation to be its issuing CA's.
 *
 * A leaf is chained to the root through the CA certificates of its own bundle and nothing else.
 * Before, CAs were learnt from every bundle into one store, so a leaf sent without its CA verified
 * on a node that had seen that CA in some earlier request and failed on one that had not — a block
 * executed differently on different nodes — and the learnt set, capped, could be filled by anyone
 * until every new issuer was refused. A bundle's store is kept only once a leaf verified through
 * it, and a bundle carries at most {@link MAX_BUNDLE_CAS} CAs, so bundles nobody can sign with
 * cost one parse each and push out nothing.
 */
export function bundleVerifier(rootCertPem: string, revocations: RevocationSchedule): CertificateVerifier {
  const trustFor = (cas: readonly string[]): CertificateVerifier =>
    trustStoreVerifier(
      sameOrganisation(
        new TrustStore({ roots: [rootCertPem], intermediates: cas, cacheSize: BUNDLE_STORE_CACHE }),
      ),
      { expect: 'leaf', revocations },
    );
  const rootOnly = trustFor([]);
  const bundles = new BoundedMap<string, CertificateVerifier>(MAX_BUNDLE_STORES);
  return {
    verify(certPem, atMs) {
      const certs = splitPemBundle(certPem);
      if (certs.length === 0)
        return { ok: false, code: 'BSN_PKI_CERT_MALFORMED', message: 'signer is not a PEM certificate' };
      const cas = certs.slice(1);
      if (cas.length === 0) return rootOnly.verify(certs[0]!, atMs);
      if (cas.length > MAX_BUNDLE_CAS) {
        return {
          ok: false,
          code: 'BSN_PKI_PATH_LENGTH',
          message: `a signer bundle holds at most ${MAX_BUNDLE_CAS} CA certificates, this one ${cas.length}`,
        };
      }
      const key = cas.join('');
      const known = bundles.get(key);
      if (known) return known.verify(certs[0]!, atMs);
      let trust: CertificateVerifier;
      try {
        trust = trustFor(cas);
      } catch {
        return {
          ok: false,
          code: 'BSN_PKI_CERT_MALFORMED',
          message: 'a CA certificate in the signer bundle is malformed',
        };
      }
      const check = trust.verify(certs[0]!, atMs);
      if (check.ok) bundles.set(key, trust);
      return check;
    },
  };
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
