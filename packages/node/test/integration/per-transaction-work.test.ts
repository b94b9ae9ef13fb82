import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  PROBE_CHAIN,
  PROBE_SERVICE,
  type SinglePcnNetwork,
  startSinglePcnNetwork,
} from '../support/single-pcn-network.js';

describe('work a PCN does per transaction', { timeout: 120_000 }, () => {
  let net: SinglePcnNetwork;
  before(async () => {
    // One transaction per block: as many blocks as waiters, the case that made every block wake
    // every waiter.
    net = await startSinglePcnNetwork({ ordererBlockSize: 1 });
  });
  after(async () => {
    await net?.stop();
  });

  it('clients waiting for final receipts are each answered, with receipt lookups growing with the transactions, not waiters × blocks', async () => {
    const hosted = net.pcn.chain(PROBE_CHAIN)!;
    const chain = hosted.chain;
    const listenersBefore = ['committed', 'certified', 'halted'].map((e) => hosted.listenerCount(e));
    const lookup = chain.receipt.bind(chain);
    let lookups = 0;
    chain.receipt = (txId: string) => {
      lookups++;
      return lookup(txId);
    };
    const waiters = 60;
    try {
      const answers = await Promise.all(
        Array.from({ length: waiters }, (_, i) =>
          net.submitFinal(net.sign(PROBE_CHAIN, PROBE_SERVICE, 'fill', [(i % 5) + 1])),
        ),
      );
      assert.equal(new Set(answers.map((a) => a.height)).size, waiters, 'one block each');
    } finally {
      chain.receipt = lookup;
    }
    // A handful per waiter (when it starts, when its block commits, when that block is
    // certified, the answer); waking every waiter on each of the 2 × 60 block events took
    // thousands.
    assert.ok(lookups <= 10 * waiters, `${lookups} receipt lookups for ${waiters} waiters`);
    assert.deepEqual(
      ['committed', 'certified', 'halted'].map((e) => hosted.listenerCount(e)),
      listenersBefore,
      'no listener left behind once every waiter is answered',
    );
  });

  it('reads the system records its checks need once per system height, not per transaction', async () => {
    const state = net.pcn.system.chain.state;
    const read = state.get.bind(state);
    const keys: string[] = [];
    state.get = (contract, key, height) => {
      keys.push(key);
      return read(contract, key, height);
    };
    const txs = 30;
    const systemHeight = net.pcn.system.chain.height();
    try {
      for (let i = 0; i < txs; i++) await net.submitFinal(net.sign(PROBE_CHAIN, PROBE_SERVICE, 'fill', [1]));
    } finally {
      state.get = read;
    }
    assert.equal(net.pcn.system.chain.height(), systemHeight, 'no system block in between');
    // The service record (access rules, contract methods) and the revocation entries of the
    // signer's certificates: each read once, where each transaction used to read them again at
    // the gateway, the check and the execution.
    assert.ok(
      keys.length <= 10,
      `${keys.length} system state reads for ${txs} transactions: ${[...new Set(keys)]}`,
    );
  });
});
