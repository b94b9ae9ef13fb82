import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Block, generateKeyPair, signBlockHeader, transactionsRoot, ZERO_HASH } from '@bsn/core';
import { Chain, SignaturePool } from '@bsn/ledger';
import type { Orderer } from '@bsn/ordering';
import pino from 'pino';
import { HostedChain } from '../../src/hosted-chain.js';
import { createNodeMetrics } from '../../src/metrics.js';
import { PeerClient } from '../../src/peer-network.js';
import { until } from '../support/single-pcn-network.js';

const dir = mkdtempSync(join(tmpdir(), 'bsn-hosted-streams-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('a hosted chain following its blocks', () => {
  it('ends each block stream when it moves on from it, the blocks asked for ahead included', async () => {
    const ordererKeys = generateKeyPair();
    const nodeKeys = generateKeyPair();
    const header = {
      chain: 'c1',
      height: 1,
      prevHash: ZERO_HASH,
      txRoot: transactionsRoot([]),
      time: Date.now(),
      orderer: 'o1',
    };
    const first: Block = { header, signature: signBlockHeader(header, ordererKeys.privateKeyPem), txs: [] };
    // The first stream delivers block 1 and then breaks; the second waits for blocks that never come.
    const signals: AbortSignal[] = [];
    const orderer = {
      blocks(_chain: string, _from: number, signal?: AbortSignal): AsyncIterable<Block> {
        signals.push(signal as AbortSignal);
        if (signals.length === 1) {
          return (async function* () {
            yield first;
            throw new Error('connection reset');
          })();
        }
        return (async function* () {
          await new Promise((resolve) => signal?.addEventListener('abort', resolve));
        })();
      },
      async close() {},
    } as unknown as Orderer;
    const chain = Chain.open({
      path: join(dir, 'c1.sqlite'),
      chain: 'c1',
      runtimes: new Map(),
      contracts: () => undefined,
      certificates: { verify: () => ({ ok: false, code: 'BSN_PKI_UNKNOWN_ISSUER', message: 'none' }) },
      ordererKeys: new Map([['o1', ordererKeys.publicKeyPem]]),
    });
    const pool = new SignaturePool({ threads: 1 });
    const hosted = new HostedChain(
      { chainId: 'c1', selfId: 'pcn1', keyPem: nodeKeys.privateKeyPem },
      {
        chain,
        orderer,
        peers: new PeerClient({ certPem: '', keyPem: '', caPem: '' }),
        log: pino({ level: 'silent' }),
        metrics: createNodeMetrics(false),
        signatures: pool,
      },
      [{ id: 'pcn1', publicKey: nodeKeys.publicKeyPem, p2pUrl: 'https://127.0.0.1:1' }],
    );
    try {
      hosted.start();
      await until(() => signals.length === 2, 'the stream to be opened again');
      assert.equal(chain.height(), 1, 'block 1 committed before the stream broke');
      assert.equal(signals[0]?.aborted, true, 'the broken stream was ended');
      assert.equal(signals[1]?.aborted, false, 'the new one runs');
    } finally {
      await hosted.stop();
      await pool.close();
      chain.close();
    }
    assert.equal(signals[1]?.aborted, true, 'stopping ends the current stream');
  });
});
