/**
 * World state benchmark: applyBlock of 1,000-write blocks into a tree of 100k keys, on a SQLite
 * file configured as the chain store configures it (WAL, synchronous=NORMAL), each block its own
 * transaction. Reports ms per block, writes/s, tree nodes and bytes written per block, and the cost
 * of reads and proofs.
 *
 *   node --conditions=@bsn/source --import tsx bench/state.ts [--keys 100000] [--block 1000] [--blocks 30]
 *     [--hash sha256] [--cache-mib N (SQLite page cache; default SQLite's 2 MiB)] [--node-cache N (decoded tree nodes)]
 *     [--deleted N (keys written then deleted, for the range figure)]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type HashAlgorithm, verifyStateProof } from '@bsn/core';
import { WorldState, type WorldStateWrite } from '@bsn/ledger';
import Database from 'better-sqlite3';

const { values: args } = parseArgs({
  options: {
    keys: { type: 'string', default: '100000' },
    block: { type: 'string', default: '1000' },
    blocks: { type: 'string', default: '30' },
    hash: { type: 'string', default: 'sha256' },
    'cache-mib': { type: 'string' },
    'node-cache': { type: 'string' },
    deleted: { type: 'string', default: '100000' },
  },
});
const KEYS = Number(args.keys);
const BLOCK = Number(args.block);
const BLOCKS = Number(args.blocks);
const HASH = args.hash as HashAlgorithm;

/** Deterministic pseudo-random numbers (xorshift32), so runs are comparable. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function value(i: number, round: number): { owner: string; balance: number; memo: string } {
  return { owner: `org-${i % 97}`, balance: i * 7 + round, memo: `round ${round}` };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsn-bench-state-'));
try {
  const file = path.join(dir, 'chain.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  if (args['cache-mib']) db.pragma(`cache_size = -${Number(args['cache-mib']) * 1024}`);
  const ws = new WorldState(db, {
    hash: HASH,
    ...(args['node-cache'] ? { nodeCacheSize: Number(args['node-cache']) } : {}),
  });
  const totalNodes = db.prepare('SELECT count(*) FROM state_nodes').pluck();
  const written = db.prepare(
    'SELECT count(*) AS nodes, coalesce(sum(length(data) + length(path) + 8), 0) AS bytes FROM state_nodes WHERE version = ?',
  );

  // Load: KEYS keys in blocks of BLOCK writes.
  let height = 0;
  const loadStart = performance.now();
  for (let i = 0; i < KEYS; ) {
    const writes: WorldStateWrite[] = [];
    for (let j = 0; j < BLOCK && i < KEYS; j++, i++) {
      writes.push({ contract: 'token', key: `account-${i}`, value: value(i, 0), txId: `load-${i}` });
    }
    ws.applyBlock(++height, writes);
  }
  const loadMs = performance.now() - loadStart;
  console.log(
    `load: ${KEYS} keys in ${height} blocks of ${BLOCK}: ${(loadMs / 1000).toFixed(1)} s, ` +
      `${Math.round((KEYS / loadMs) * 1000)} writes/s, ${totalNodes.get()} tree nodes`,
  );

  // Steady state: blocks of BLOCK writes — 80% updates of existing keys, 15% new keys, 5% deletes.
  const random = rng(42);
  let nextKey = KEYS;
  const times: number[] = [];
  let cpuMicros = 0;
  let lastBlock: WorldStateWrite[] = [];
  let lastRows = 0;
  let rows = 0;
  let bytes = 0;
  for (let b = 1; b <= BLOCKS; b++) {
    const writes: WorldStateWrite[] = [];
    for (let j = 0; j < BLOCK; j++) {
      const r = random();
      const txId = `b${b}-${j}`;
      if (r < 0.8) {
        const i = Math.floor(random() * KEYS);
        writes.push({ contract: 'token', key: `account-${i}`, value: value(i, b), txId });
      } else if (r < 0.95) {
        const i = nextKey++;
        writes.push({ contract: 'token', key: `account-${i}`, value: value(i, b), txId });
      } else {
        writes.push({ contract: 'token', key: `account-${Math.floor(random() * KEYS)}`, value: null, txId });
      }
    }
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    ws.applyBlock(++height, writes);
    const c1 = process.cpuUsage(c0);
    times.push(performance.now() - t0);
    cpuMicros += c1.user + c1.system;
    const w = written.get(height) as { nodes: number; bytes: number };
    rows += w.nodes;
    lastBlock = writes;
    lastRows = w.nodes;
    bytes += w.bytes;
  }
  const sorted = [...times].sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  console.log(
    `applyBlock (${BLOCK} writes into ${KEYS} keys, ${HASH}): mean ${mean.toFixed(1)} ms, ` +
      `p50 ${percentile(sorted, 50).toFixed(1)} ms, p95 ${percentile(sorted, 95).toFixed(1)} ms, ` +
      `${Math.round((BLOCK / mean) * 1000)} writes/s; CPU ${(cpuMicros / 1000 / BLOCKS).toFixed(1)} ms per block`,
  );
  console.log(
    `tree writes per block: ${Math.round(rows / BLOCKS)} nodes, ${Math.round(bytes / BLOCKS / 1024)} KiB ` +
      `(${(rows / BLOCKS / BLOCK).toFixed(2)} nodes per write)`,
  );

  // Write amplification of the alternative, a binary tree with one stored node per binary level
  // (content-addressed or keyed by path): every binary node on a changed key's path is rewritten.
  // Counted from the path depths of the last block's keys, as proofs report them.
  const binary = new Set<string>();
  for (const w of lastBlock) {
    if (w.value === null) continue;
    const p = ws.prove(w.contract, w.key);
    const bits = BigInt(`0x${p.proof.leaf!.keyHash}`).toString(2).padStart(256, '0');
    for (let d = 0; d <= p.proof.siblings.length; d++) binary.add(bits.slice(0, d));
  }
  console.log(
    `a binary-node layout would write ~${binary.size} nodes for the last block ` +
      `(${(binary.size / BLOCK).toFixed(2)} per write) vs ${lastRows} here`,
  );

  // Reads and proofs at the latest and at a past height.
  const n = 5000;
  const probe = rng(7);
  let t = performance.now();
  for (let i = 0; i < n; i++) ws.get('token', `account-${Math.floor(probe() * KEYS)}`);
  const getUs = ((performance.now() - t) / n) * 1000;
  const past = Math.floor(height / 2);
  t = performance.now();
  let proofBytes = 0;
  let siblings = 0;
  for (let i = 0; i < n; i++) {
    const p = ws.prove('token', `account-${Math.floor(probe() * KEYS)}`, i % 2 === 0 ? undefined : past);
    siblings += p.proof.siblings.length;
    proofBytes += JSON.stringify(p.proof).length;
  }
  const proveUs = ((performance.now() - t) / n) * 1000;
  const sample = ws.prove('token', 'account-1');
  t = performance.now();
  for (let i = 0; i < n; i++)
    verifyStateProof(sample.root, 'token', 'account-1', sample.value, sample.proof, HASH);
  const verifyUs = ((performance.now() - t) / n) * 1000;
  t = performance.now();
  const page = ws.range('token', 'account-5', undefined, 100);
  const rangeMs = performance.now() - t;
  console.log(
    `get ${getUs.toFixed(1)} µs, prove ${proveUs.toFixed(1)} µs (avg ${(siblings / n).toFixed(1)} siblings, ` +
      `${Math.round(proofBytes / n)} B JSON), verify ${verifyUs.toFixed(1)} µs, range of ${page.length}: ${rangeMs.toFixed(2)} ms`,
  );

  // A range over a region where many keys were written and then deleted: at the latest height it
  // reads state_live (only the rows it returns); at a past height it walks every version of every
  // key in the region (the baseline of the ratio). Gas pays for the returned rows only.
  const GONE = Number(args.deleted);
  const gone: WorldStateWrite[] = [];
  for (let i = 0; i < GONE; i++)
    gone.push({ contract: 'token', key: `gone-${i}`, value: i, txId: `gone-${i}` });
  ws.applyBlock(++height, gone);
  ws.applyBlock(
    ++height,
    gone.map((w) => ({ ...w, value: null })),
  );
  const allGone = height;
  ws.applyBlock(++height, [{ contract: 'token', key: 'gone-z', value: 1, txId: 'last' }]);
  const rangeTime = (h: number | undefined, runs: number) => {
    const t0 = performance.now();
    let found = 0;
    for (let i = 0; i < runs; i++) found += ws.range('token', 'gone-', 'gone.', 1, h).length;
    return { ms: (performance.now() - t0) / runs, found: found / runs };
  };
  const atHead = rangeTime(undefined, 1000);
  const atPast = rangeTime(allGone, 3);
  console.log(
    `range(limit 1) over ${GONE} keys written then deleted: latest height ${(atHead.ms * 1000).toFixed(1)} µs ` +
      `(${atHead.found} found), past height ${atPast.ms.toFixed(1)} ms (${atPast.found} found); ratio ${Math.round(atPast.ms / atHead.ms)}×`,
  );
  db.close();
  const size = fs.readdirSync(dir).reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);
  console.log(
    `heap used after the run: ${Math.round(process.memoryUsage().heapUsed / 1024 / 1024)} MiB (node cache included)`,
  );
  console.log(`database files: ${(size / 1024 / 1024).toFixed(1)} MiB after ${height} blocks`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
