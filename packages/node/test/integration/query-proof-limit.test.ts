/**
 * A query asked with proof proves at most MAX_PROVEN_READS distinct keys (each proof costs about
 * 1.4 KB, built synchronously: 100,000 reads made a 144 MB answer and held the event loop 10 s).
 * Through the real HTTP route of one in-process PCN, with a contract that reads N keys.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyQueryProof } from '@bsn/sdk';
import { MAX_PROVEN_READS } from '../../src/index.js';
import {
  PROBE_CHAIN,
  PROBE_SERVICE,
  type SinglePcnNetwork,
  startSinglePcnNetwork,
} from '../support/single-pcn-network.js';

describe('a query asked with proof, through the gateway', { timeout: 60_000 }, () => {
  let net: SinglePcnNetwork;
  const limit = MAX_PROVEN_READS;
  // The probe's `sum(n, rounds)` reads k/0 … k/<n-1>, `rounds` times over.
  const sum = (n: number, rounds: number) => net.sign(PROBE_CHAIN, PROBE_SERVICE, 'sum', [n, rounds]);
  const total = (n: number) => (n * (n - 1)) / 2;

  before(async () => {
    net = await startSinglePcnNetwork();
    // One more key than a proof may cover, so the over-limit query reads only stored values.
    await net.submitFinal(net.sign(PROBE_CHAIN, PROBE_SERVICE, 'fill', [limit + 1]));
  });
  after(async () => {
    await net?.stop();
  });

  it(`refuses with 422 BSN_GATEWAY_PROOF_TOO_LARGE when the call read more than ${limit} distinct keys`, async () => {
    const r = await net.query(sum(limit + 1, 1), true);
    assert.equal(r.status, 422, JSON.stringify(r.body).slice(0, 300));
    const { error } = r.body as unknown as { error: { code: string; message: string; details: unknown } };
    assert.equal(error.code, 'BSN_GATEWAY_PROOF_TOO_LARGE');
    assert.match(error.message, new RegExp(`more than ${limit} distinct state keys`));
    assert.deepEqual(error.details, { limit });
  });

  it('answers the same call without proof: the limit is on proofs, not on reads', async () => {
    const r = await net.query(sum(limit + 1, 1), false);
    assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 300));
    assert.equal(r.body.result, total(limit + 1));
  });

  it(`proves a call that read exactly ${limit} distinct keys, each read three times, once per key`, async () => {
    const r = await net.query(sum(limit, 3), true);
    assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 300));
    assert.equal(r.body.result, 3 * total(limit));
    const reads = r.body.reads ?? [];
    assert.deepEqual(
      reads.map((x) => [x.contract, x.key, x.value]),
      Array.from({ length: limit }, (_, i) => [PROBE_SERVICE, `k/${i}`, i]),
      'each distinct key proven once, in first-read order, with its stored value',
    );
    // Every read against the certified state root, and the certificate against the PCN's key.
    const verified = verifyQueryProof(PROBE_CHAIN, r.body, {
      rootCertPem: net.rootCertPem,
      intermediates: [net.pcnCaPem],
      hosts: [{ pcn: 'pcn1', certPem: net.pcnCertPem }],
    });
    assert.deepEqual(verified.signers, ['pcn1']);
    assert.equal(verified.reads.length, limit);
  });
});
