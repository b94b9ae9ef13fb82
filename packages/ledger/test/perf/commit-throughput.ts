/**
 * Commit throughput of a chain: blocks of N transactions calling a trivial native contract (one
 * put each), signed by 8 users holding real P-256 certificates from @bsn/pki (TrustStore behind
 * trustStoreVerifier). Measures, in the same process so machine load affects all alike:
 *   raw     — bare P-256 verifications per second (the ceiling the issue's target is relative to),
 *   checker — the gateway's pre-ordering checks (schema, size, expiry, replay, cert chain, signature),
 *   commit  — Chain.commitBlock (linkage, orderer signature, execution, one SQLite transaction per
 *             block) after the checker (signatures already verified on this node), and cold (a node
 *             that never saw the transactions: verifies every signature in the executor).
 * Run: node --conditions=@bsn/source --import tsx packages/ledger/test/perf/commit-throughput.ts [txPerBlock] [blocks] [full|normal]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type Block,
  blockHash,
  fromHex,
  parsePrivateKey,
  parsePublicKey,
  SigningDomain,
  signingBytes,
  signTransaction,
  verifySignature,
} from '@bsn/core';
import { Chain, type ChainOptions, NativeRuntime, trustStoreVerifier } from '@bsn/ledger';
import {
  createRootCa,
  issueCaCertificate,
  issueUserCertificate,
  parseCertificate,
  TrustStore,
} from '@bsn/pki';
import { makeBlock, makeOrderer } from '../support/fixtures.js';

const txPerBlock = Number(process.argv[2] ?? 1000);
const blockCount = Number(process.argv[3] ?? 10);
const sync = (process.argv[4] ?? 'full') as 'full' | 'normal';

const root = await createRootCa({ commonName: 'root', organization: 'bsn' });
const caIssued = await issueCaCertificate(root, {
  commonName: 'org ca',
  organization: 'org',
  purpose: 'org',
});
const ca = { certPem: caIssued.certPem, keyPem: caIssued.keyPem! };
const users = await Promise.all(
  Array.from({ length: 8 }, (_, i) =>
    issueUserCertificate(ca, { id: `u${i}`, organization: 'org', role: 'client' }),
  ),
);
const privateKeys = users.map((u) => parsePrivateKey(u.keyPem!));
const orderer = makeOrderer();
const now = Date.now();

let t = performance.now();
const blocks: Block[] = [];
let prev: { height: number; blockHash: string; time: number } | undefined;
let n = 0;
for (let b = 0; b < blockCount; b++) {
  const txs = Array.from({ length: txPerBlock }, () => {
    const i = n++;
    return signTransaction(
      {
        chain: 'c1',
        contract: 'kv',
        method: 'put',
        args: [`key${i}`, { v: i }],
        nonce: `n${i}`,
        expires: now + 3_600_000,
        signer: users[i % users.length]!.certPem,
      },
      privateKeys[i % users.length]!,
    );
  });
  const block = makeBlock(orderer, txs, prev, { time: now + b });
  blocks.push(block);
  prev = { height: block.header.height, blockHash: blockHash(block.header), time: block.header.time };
}
console.log(`built ${blockCount} blocks × ${txPerBlock} tx in ${(performance.now() - t).toFixed(0)} ms`);

// raw verification ceiling, same keys and messages
const pubKeys = users.map((u) => parsePublicKey(parseCertificate(u.certPem).publicKeyPem));
const all = blocks.flatMap((b) => b.txs);
const messages = all.map((x) => signingBytes(SigningDomain.transaction, x.payload));
const sigs = all.map((x) => fromHex(x.signature));
function rawVerify(): number {
  const start = performance.now();
  for (let i = 0; i < all.length; i++) verifySignature(pubKeys[i % users.length]!, messages[i]!, sigs[i]!);
  return (all.length / (performance.now() - start)) * 1000;
}

function open(file: string): Chain {
  const options: ChainOptions = {
    path: file,
    chain: 'c1',
    runtimes: new Map([
      [
        'native',
        new NativeRuntime().register('kv', {
          put(ctx, key, value) {
            ctx.state.put(key as string, value as never);
            return null;
          },
        }),
      ],
    ]),
    contracts: (name) =>
      name === 'kv' ? { name, runtime: 'native', code: 'kv', codeHash: 'kv' } : undefined,
    certificates: trustStoreVerifier(new TrustStore({ roots: [root.certPem], intermediates: [ca.certPem] }), {
      expect: 'user',
    }),
    ordererKeys: new Map([[orderer.id, orderer.keys.publicKeyPem]]),
    synchronous: sync,
  };
  return Chain.open(options);
}

function commitAll(chain: Chain): { perSec: number; median: number; max: number } {
  const times: number[] = [];
  const start = performance.now();
  for (const b of blocks) {
    const s = performance.now();
    chain.commitBlock(b);
    times.push(performance.now() - s);
  }
  const total = performance.now() - start;
  times.sort((a, b) => a - b);
  return {
    perSec: (n / total) * 1000,
    median: times[Math.floor(times.length / 2)]!,
    max: times[times.length - 1]!,
  };
}

// The machine is shared: each phase runs ROUNDS times and the best round counts (best-of-N).
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const best = {
  raw: 0,
  check: 0,
  warm: { perSec: 0, median: 0, max: 0 },
  cold: { perSec: 0, median: 0, max: 0 },
};
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsn-commit-bench-'));
try {
  for (let round = 0; round < ROUNDS; round++) {
    best.raw = Math.max(best.raw, rawVerify());
    const warm = open(path.join(dir, `warm${round}.db`));
    t = performance.now();
    for (const b of blocks) for (const x of b.txs) warm.checker.check(x, b.header.time);
    best.check = Math.max(best.check, (n / (performance.now() - t)) * 1000);
    const w = commitAll(warm);
    if (w.perSec > best.warm.perSec) best.warm = w;
    warm.close();
    const cold = open(path.join(dir, `cold${round}.db`));
    const c = commitAll(cold);
    if (c.perSec > best.cold.perSec) best.cold = c;
    cold.close();
  }
  const pipeline = 1 / (1 / best.check + 1 / best.warm.perSec);
  const f = (x: number) => x.toFixed(0).padStart(6);
  console.log(
    `load ${os.loadavg()[0]!.toFixed(1)}; ${n} tx, ${txPerBlock}-tx blocks, synchronous=${sync}, best of ${ROUNDS}`,
  );
  console.log(`raw P-256 verify              ${f(best.raw)} /s`);
  console.log(`checker (gateway)             ${f(best.check)} tx/s`);
  console.log(
    `commit after checker          ${f(best.warm.perSec)} tx/s  (block median ${best.warm.median.toFixed(0)} ms, max ${best.warm.max.toFixed(0)} ms)`,
  );
  console.log(
    `commit cold (verifies sigs)   ${f(best.cold.perSec)} tx/s  (block median ${best.cold.median.toFixed(0)} ms, max ${best.cold.max.toFixed(0)} ms)`,
  );
  console.log(
    `check + commit, one core      ${f(pipeline)} tx/s = ${((pipeline / best.raw) * 100).toFixed(0)}% of raw verify`,
  );
  console.log(`cold commit vs raw verify     ${((best.cold.perSec / best.raw) * 100).toFixed(0)}%`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
