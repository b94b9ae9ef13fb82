/**
 * Commit throughput of a chain: blocks of N transactions calling a trivial native contract
 * (one put each), signed by a few P-256 users; verify (in the executor, cold signature cache) +
 * execute + commit, one SQLite transaction per block. Prints phase timings.
 * Run: node --conditions=@bsn/source --import tsx packages/ledger/test/perf/commit-throughput.ts [txPerBlock] [blocks] [full|normal]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Block, blockHash, parsePrivateKey, signTransaction } from '@bsn/core';
import { Chain } from '@bsn/ledger';
import {
  makeBlock,
  makeOrderer,
  makeSigner,
  StubCertificates,
  T0,
  testContracts,
  testRuntime,
} from '../support/fixtures.js';

const txPerBlock = Number(process.argv[2] ?? 1000);
const blockCount = Number(process.argv[3] ?? 10);
const sync = (process.argv[4] ?? 'full') as 'full' | 'normal';
const prechecked = process.argv.includes('--prechecked');

const orderer = makeOrderer();
const signers = Array.from({ length: 8 }, (_, i) => makeSigner(`u${i}`));
const privateKeys = signers.map((s) => parsePrivateKey(s.keys.privateKeyPem));
const certs = new StubCertificates();
for (const s of signers) certs.add(s);

let t = performance.now();
const blocks: Block[] = [];
let prev: { height: number; blockHash: string; time: number } | undefined;
let n = 0;
for (let b = 0; b < blockCount; b++) {
  const txs = Array.from({ length: txPerBlock }, () => {
    const i = n++;
    const signer = signers[i % signers.length]!;
    return signTransaction(
      {
        chain: 'c1',
        contract: 'kv',
        method: 'put',
        args: [`key${i}`, { v: i }],
        nonce: `n${i}`,
        expires: T0 + 3_600_000,
        signer: signer.keys.publicKeyPem,
      },
      privateKeys[i % signers.length]!,
    );
  });
  const block = makeBlock(orderer, txs, prev);
  blocks.push(block);
  prev = { height: block.header.height, blockHash: blockHash(block.header), time: block.header.time };
}
console.log(`built ${blockCount} blocks × ${txPerBlock} tx in ${(performance.now() - t).toFixed(0)} ms`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsn-commit-bench-'));
const chain = Chain.open({
  path: path.join(dir, 'chain.db'),
  chain: 'c1',
  runtimes: new Map([['native', testRuntime()]]),
  contracts: testContracts,
  certificates: certs,
  ordererKeys: new Map([[orderer.id, orderer.keys.publicKeyPem]]),
  synchronous: sync,
});
if (prechecked) {
  // the gateway path: the node's checker verified each tx before ordering (its signature cache is shared)
  t = performance.now();
  for (const b of blocks) for (const tx of b.txs) chain.checker.check(tx, b.header.time);
  const ms = performance.now() - t;
  console.log(`checker: ${n} tx in ${ms.toFixed(0)} ms = ${((n / ms) * 1000).toFixed(0)} tx/s`);
}
const times: number[] = [];
t = performance.now();
for (const b of blocks) {
  const s = performance.now();
  chain.commitBlock(b);
  times.push(performance.now() - s);
}
const total = performance.now() - t;
chain.close();
fs.rmSync(dir, { recursive: true, force: true });
times.sort((a, b) => a - b);
console.log(
  `commit (${sync}${prechecked ? ', signatures pre-verified' : ''}): ${n} tx in ${total.toFixed(0)} ms = ${((n / total) * 1000).toFixed(0)} tx/s; per block median ${times[Math.floor(times.length / 2)]!.toFixed(1)} ms, max ${times[times.length - 1]!.toFixed(1)} ms`,
);
