import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { transactionId } from '@bsn/core';
import {
  PROBE_CHAIN,
  PROBE_SERVICE,
  type SinglePcnNetwork,
  startSinglePcnNetwork,
  until,
} from '../support/single-pcn-network.js';

/** The PCN's count of signatures its threads verified ahead of execution, for the probe chain. */
async function preverified(net: SinglePcnNetwork): Promise<number> {
  const metric = await net.pcn.metrics.registry.getSingleMetric('bsn_signatures_preverified_total')?.get();
  return metric?.values.find((v) => v.labels['chain'] === PROBE_CHAIN)?.value ?? 0;
}

/** One transaction through the gateway (its checks verify the signature) and one straight to the orderer. */
async function gatewayAndDirect(net: SinglePcnNetwork, n: number): Promise<void> {
  await net.submitFinal(net.sign(PROBE_CHAIN, PROBE_SERVICE, 'fill', [n]));
  const direct = net.sign(PROBE_CHAIN, PROBE_SERVICE, 'fill', [n + 1]);
  const id = transactionId(direct.payload);
  await net.orderer.submit(direct);
  const chain = net.pcn.chain(PROBE_CHAIN)!.chain;
  await until(() => chain.receipt(id) !== undefined, 'the direct transaction to commit');
  assert.equal(chain.receipt(id)?.receipt.status, 'ok');
}

describe('signature threads of a PCN', { timeout: 60_000 }, () => {
  const nets: SinglePcnNetwork[] = [];
  after(async () => {
    for (const net of nets) await net.stop();
  });

  it('verify the signatures of blocks the PCN did not check itself, before they execute', async () => {
    const net = await startSinglePcnNetwork({ signatureThreads: 1 });
    nets.push(net);
    await gatewayAndDirect(net, 3);
    // The gateway's transaction was verified when it was checked; only the direct one was left.
    assert.equal(await preverified(net), 1);
  });

  it('are not started with signatureThreads: 0, and blocks commit the same', async () => {
    const net = await startSinglePcnNetwork({ signatureThreads: 0 });
    nets.push(net);
    await gatewayAndDirect(net, 3);
    assert.equal(await preverified(net), 0);
  });
});
