/**
 * Chain verification throughput: one-shot `verifyCertificateChain`, a TrustStore seeing each leaf
 * for the first time (cold), and a TrustStore seeing the same leaf again (memoised).
 * Run: node --conditions=@bsn/source --import tsx packages/pki/test/bench/verify-chain.bench.ts
 */
import { issueUserCertificate, TrustStore, verifyCertificateChain } from '../../src/index.js';
import { AT, hierarchy, NOW } from '../unit/fixtures.js';

for (const alg of ['ecdsa-p256-sha256', 'ed25519'] as const) {
  const h = await hierarchy(alg);
  const roots = [h.root.certPem];
  const intermediates = [h.orgCa.certPem];
  const leaves: string[] = [];
  for (let i = 0; i < 2000; i++) {
    leaves.push(
      (
        await issueUserCertificate(h.orgCa, {
          id: `u${i}`,
          organization: 'Acme',
          role: 'client',
          algorithm: alg,
          now: NOW,
        })
      ).certPem,
    );
  }
  const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);

  let t = performance.now();
  for (let i = 0; i < 500; i++)
    verifyCertificateChain(leaves[i]!, { roots, intermediates, expect: 'user', at: AT });
  const oneShot = rate(500, performance.now() - t);

  const store = new TrustStore({ roots, intermediates });
  t = performance.now();
  for (const leaf of leaves) if (!store.verify(leaf, 'user', AT).ok) throw new Error('unexpected rejection');
  const cold = rate(leaves.length, performance.now() - t);

  t = performance.now();
  const rounds = 100;
  for (let r = 0; r < rounds; r++) for (const leaf of leaves) store.verify(leaf, 'user', AT);
  const warm = rate(rounds * leaves.length, performance.now() - t);

  console.log(`${alg}: verifyCertificateChain ${oneShot}/s, TrustStore cold ${cold}/s, memoised ${warm}/s`);
}
