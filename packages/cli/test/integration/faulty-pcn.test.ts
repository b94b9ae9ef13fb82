/**
 * Issue #4: "A PCN that executes differently (a test-only fault flag that corrupts one write) halts
 * that chain and is out-voted; clients still get valid certificates from the others."
 *
 * Four PCNs host the service (quorum 3). pcn4 is restarted with `faults.corruptWriteOnChain` for the
 * service chain, so its state root differs from the others' at the first block with a write.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { BaseError, createTransaction } from '@bsn/sdk';
import { waitUntil } from '../../src/processes.js';
import { type DevNetwork, startDevNetwork } from '../support/dev-network.js';

const CHAIN = 'svc-assets';
const HONEST = ['pcn1', 'pcn2', 'pcn3'];

describe('a PCN whose execution differs on a service chain', { timeout: 240_000 }, () => {
  let network: DevNetwork;
  let gateways: Record<string, string>;

  before(async () => {
    network = await startDevNetwork({ pcns: 4, prefix: 'bsn-faulty-' });
    const net = network.running.network;
    gateways = Object.fromEntries(net.pcns.map((p) => [p.id, p.gateway]));
    // Restart pcn4 with the test-only fault flag for the service chain.
    await network.terminate('pcn4');
    const pcn4 = net.pcns.find((p) => p.id === 'pcn4')!;
    appendFileSync(net.path(pcn4.config), `\nfaults:\n  corruptWriteOnChain: ${CHAIN}\n`);
    await network.restart('pcn4');
    await network.deployAssets(['pcn1', 'pcn2', 'pcn3', 'pcn4']);
  });
  after(async () => {
    await network?.stop();
  });

  it('the honest PCNs keep certifying: final receipts signed by >= 3 of them, verified by the SDK', async () => {
    // pcn4 first in the list: the client fails over from the halted PCN to an honest one.
    const client = network.client(undefined, [gateways['pcn4']!, ...HONEST.map((p) => gateways[p]!)]);
    for (let i = 0; i < 6; i++) {
      const r = await client.submitTransaction({
        chain: CHAIN,
        contract: 'assets',
        method: 'create',
        args: [`f${i}`, 100 + i],
        wait: 'final',
        timeoutMs: 30_000,
      });
      assert.ok('receipt' in r, 'a receipt');
      assert.equal(r.receipt.status, 'ok');
      assert.equal(r.final, true, 'the SDK verified the commit certificate');
      assert.ok(r.certificate);
      const signers = r.certificate.votes.map((v) => v.pcn);
      assert.ok(signers.length >= 3, `signed by ${signers.join(',')}`);
      for (const s of signers) assert.ok(HONEST.includes(s), `${s} is an honest PCN`);
      assert.deepEqual([...r.signers].sort(), [...new Set(signers)].sort(), 'the SDK verified every vote');
    }
    const q = await client.query({
      chain: CHAIN,
      contract: 'assets',
      method: 'read',
      args: ['f5'],
      proof: true,
    });
    assert.equal(q.verified, true);
    assert.equal((q.result as { value: number }).value, 105, 'the honest value, not the corrupted write');
  });

  it('the faulty PCN halts the chain: health degraded, CHAIN HALTED logged, system chain still running', async () => {
    await waitUntil(
      async () =>
        (await network.health('pcn4'))?.chains.some((c) => c.chain === CHAIN && c.status === 'halted') ??
        false,
      30_000,
      'pcn4 to halt the service chain',
    );
    const res = await fetch(`${gateways['pcn4']}/v1/health`);
    const health = (await res.json()) as { status: string; chains: { chain: string; status: string }[] };
    assert.equal(health.status, 'degraded');
    assert.equal(health.chains.find((c) => c.chain === CHAIN)?.status, 'halted');
    assert.equal(health.chains.find((c) => c.chain === 'system')?.status, 'running');
    for (const p of HONEST) {
      const h = await network.health(p);
      assert.equal(h?.chains.find((c) => c.chain === CHAIN)?.status, 'running', `${p} still runs the chain`);
    }
    const log = readFileSync(network.process('pcn4').logPath, 'utf8');
    assert.match(log, /CHAIN HALTED/);
    const metrics = await (await fetch(`${gateways['pcn4']}/metrics`)).text();
    assert.match(metrics, /bsn_chain_halted\{chain="svc-assets"\} 1/);
  });

  it('the faulty PCN refuses the halted chain with BSN_GATEWAY_CHAIN_HALTED (503)', async () => {
    const only4 = network.client(undefined, [gateways['pcn4']!]);
    await assert.rejects(
      only4.submitTransaction({
        chain: CHAIN,
        contract: 'assets',
        method: 'create',
        args: ['refused', 1],
        wait: 'committed',
      }),
      (err: unknown) => err instanceof BaseError && err.code === 'BSN_GATEWAY_CHAIN_HALTED',
    );
    await assert.rejects(
      only4.query({ chain: CHAIN, contract: 'assets', method: 'read', args: ['f0'] }),
      (err: unknown) => err instanceof BaseError && err.code === 'BSN_GATEWAY_CHAIN_HALTED',
    );
    // The raw answer: status 503 and a coded body.
    const tx = createTransaction(only4.identity, {
      chain: CHAIN,
      contract: 'assets',
      method: 'create',
      args: ['raw', 1],
    });
    const res = await fetch(`${gateways['pcn4']}/v1/chains/${CHAIN}/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(tx.tx),
    });
    assert.equal(res.status, 503);
    const body = (await res.json()) as {
      error: { code: string; message: string; details: { chain: string } };
    };
    assert.equal(body.error.code, 'BSN_GATEWAY_CHAIN_HALTED');
    assert.match(body.error.message, /halted/);
    assert.equal(body.error.details.chain, CHAIN);
  });
});
