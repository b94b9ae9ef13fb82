import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { signRequest } from '@bsn/api';
import { identityFromPem } from '@bsn/sdk';
import { type DevNetwork, startDevNetwork } from '../support/dev-network.js';

describe('a network of 4 PCNs with a service on 3 of them', { timeout: 240_000 }, () => {
  let network: DevNetwork;

  before(async () => {
    network = await startDevNetwork({ pcns: 4, prefix: 'bsn-svc-' });
    await network.deployAssets(['pcn1', 'pcn2', 'pcn3']);
  });
  after(async () => {
    await network?.stop();
  });

  it('finalises SDK transactions with certificates of at least 3 hosting PCNs', async () => {
    const client = network.client(
      undefined,
      network.running.network.pcns.slice(0, 3).map((p) => p.gateway),
    );
    for (let i = 0; i < 5; i++) {
      const r = await client.submitTransaction({
        chain: 'svc-assets',
        contract: 'assets',
        method: 'create',
        args: [`a${i}`, i * 10],
        wait: 'final',
      });
      assert.ok('receipt' in r, 'a final receipt');
      assert.equal(r.receipt.status, 'ok');
      assert.ok(r.certificate, 'carries a commit certificate');
      const signers = new Set(r.certificate.votes.map((v) => v.pcn));
      assert.ok(signers.size >= 3, `signed by ${[...signers].join(',')}`);
      for (const s of signers) assert.ok(['pcn1', 'pcn2', 'pcn3'].includes(s), `${s} hosts the service`);
    }
    const q = await client.query({
      chain: 'svc-assets',
      contract: 'assets',
      method: 'read',
      args: ['a3'],
      proof: true,
    });
    assert.equal(q.verified, true);
    assert.deepEqual((q.result as { value: number }).value, 30);
    // Each transaction was checked by the one gateway it was sent to; the other two hosts verified
    // its signature on their signature threads before its block executed.
    let preverified = 0;
    for (const pcn of network.running.network.pcns.slice(0, 3)) {
      const metrics = await (await fetch(`${pcn.gateway}/metrics`)).text();
      preverified += Number(
        /bsn_signatures_preverified_total\{chain="svc-assets"\} (\d+)/.exec(metrics)?.[1] ?? 0,
      );
    }
    assert.equal(preverified, 2 * 5);
  });

  it('answers state reads with proofs the SDK verifies, for present and absent keys', async () => {
    const client = network.client(
      undefined,
      network.running.network.pcns.slice(0, 3).map((p) => p.gateway),
    );
    const present = await client.getState({
      chain: 'svc-assets',
      contract: 'assets',
      key: 'asset/a2',
      proof: true,
    });
    assert.equal(present.verified, true);
    assert.equal((present.value as { value: number }).value, 20);
    assert.ok(present.signers.length >= 3);
    const absent = await client.getState({
      chain: 'svc-assets',
      contract: 'assets',
      key: 'asset/none',
      proof: true,
    });
    assert.equal(absent.verified, true);
    assert.equal(absent.value, null, 'absence is proven, not just reported');
  });

  it('serves its OpenAPI document, listing every route it answers', async () => {
    const { routes } = await import('@bsn/api');
    const gateway = network.running.network.pcns[0]!.gateway;
    const res = await fetch(`${gateway}/v1/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    assert.match(doc.openapi, /^3\.1/);
    for (const r of routes)
      assert.ok(doc.paths[r.path]?.[r.method.toLowerCase()], `${r.method} ${r.path} documented`);
    const metrics = await (await fetch(`${gateway}/metrics`)).text();
    assert.match(metrics, /bsn_chain_height_blocks\{chain="svc-assets"\} [1-9]/);
  });

  it('the fourth PCN has no data of the service and answers 404 with a code', async () => {
    const pcn4 = network.running.network.pcns[3]!;
    const health = await network.health('pcn4');
    assert.ok(health && !health.chains.some((c) => c.chain === 'svc-assets'), 'pcn4 does not host the chain');
    const net = network.running.network;
    const identity = identityFromPem({
      certPem: readFileSync(net.path(net.admin.cert), 'utf8'),
      keyPem: readFileSync(net.path(net.admin.key), 'utf8'),
    });
    const path = '/v1/chains/svc-assets/blocks/1';
    const signed = signRequest(
      { method: 'GET', path },
      { certPem: identity.certPem, privateKey: identity.privateKey },
    );
    const res = await fetch(`${pcn4.gateway}${path}`, { headers: { authorization: signed.authorization } });
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'BSN_GATEWAY_CHAIN_NOT_HOSTED');
  });
});
