/**
 * Storage engine comparison for the ledger: a block-commit-like workload on SQLite
 * (better-sqlite3, WAL) and LMDB (lmdb-js), each batch one atomic, durable commit:
 *   - append 1,000 small records (~300 B: a receipt per transaction) keyed (height, index),
 *   - index them by a 32-byte txId,
 *   - write ~20,000 small tree nodes (~100 B) keyed (version, path), as the state tree does.
 * Then point reads of random txIds and nodes. Prints one line per engine and mode.
 * Run: node --conditions=@bsn/source --import tsx bench/storage-engines.ts [batches]
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { open as openLmdb } from 'lmdb';

const BATCHES = Number(process.argv[2] ?? 20);
const RECORDS = 1_000;
const NODES = 20_000;
const READS = 20_000;

/** One batch's data, generated up front so the engines do the same work. */
interface Batch {
  readonly height: number;
  readonly records: Buffer[];
  readonly txIds: Buffer[];
  readonly nodePaths: Buffer[];
  readonly nodes: Buffer[];
}

function makeBatches(): Batch[] {
  const out: Batch[] = [];
  for (let h = 1; h <= BATCHES; h++) {
    const records = Array.from({ length: RECORDS }, () => randomBytes(300));
    const txIds = records.map((r) => createHash('sha256').update(r).digest());
    const nodePaths = Array.from({ length: NODES }, () => randomBytes(8 + Math.floor(Math.random() * 24)));
    const nodes = Array.from({ length: NODES }, () => randomBytes(100));
    out.push({ height: h, records, txIds, nodePaths, nodes });
  }
  return out;
}

interface Result {
  readonly engine: string;
  readonly commitMs: number[];
  readonly readsPerSec: number;
  readonly bytes: number;
}

function dirSize(dir: string): number {
  let total = 0;
  for (const f of fs.readdirSync(dir)) total += fs.statSync(path.join(dir, f)).size;
  return total;
}

function runSqlite(batches: Batch[], synchronous: 'FULL' | 'NORMAL'): Result {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsn-bench-sqlite-'));
  const db = new Database(path.join(dir, 'chain.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec(`
    CREATE TABLE records (height INTEGER NOT NULL, idx INTEGER NOT NULL, tx_id BLOB NOT NULL, data BLOB NOT NULL,
      PRIMARY KEY (height, idx)) WITHOUT ROWID;
    CREATE INDEX records_by_tx ON records (tx_id);
    CREATE TABLE nodes (version INTEGER NOT NULL, path BLOB NOT NULL, data BLOB NOT NULL, PRIMARY KEY (version, path)) WITHOUT ROWID;
  `);
  const insRecord = db.prepare('INSERT INTO records (height, idx, tx_id, data) VALUES (?, ?, ?, ?)');
  const insNode = db.prepare('INSERT OR REPLACE INTO nodes (version, path, data) VALUES (?, ?, ?)');
  const commit = db.transaction((b: Batch) => {
    for (let i = 0; i < b.records.length; i++) insRecord.run(b.height, i, b.txIds[i], b.records[i]);
    for (let i = 0; i < b.nodes.length; i++) insNode.run(b.height, b.nodePaths[i], b.nodes[i]);
  });
  const commitMs: number[] = [];
  for (const b of batches) {
    const t = performance.now();
    commit(b);
    commitMs.push(performance.now() - t);
  }
  const getTx = db.prepare('SELECT height, idx FROM records WHERE tx_id = ?');
  const getNode = db.prepare('SELECT data FROM nodes WHERE version = ? AND path = ?').pluck();
  const t = performance.now();
  for (let i = 0; i < READS; i++) {
    const b = batches[i % batches.length]!;
    const j = (i * 7919) % RECORDS;
    if (!getTx.get(b.txIds[j])) throw new Error('missing record');
    if (!getNode.get(b.height, b.nodePaths[(i * 104729) % NODES])) throw new Error('missing node');
  }
  const readsPerSec = (2 * READS) / ((performance.now() - t) / 1000);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const bytes = dirSize(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  return { engine: `sqlite WAL synchronous=${synchronous}`, commitMs, readsPerSec, bytes };
}

function heightIdx(height: number, idx: number): Buffer {
  const k = Buffer.alloc(12);
  k.writeBigUInt64BE(BigInt(height));
  k.writeUInt32BE(idx, 8);
  return k;
}

async function runLmdb(batches: Batch[], durable: boolean): Promise<Result> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsn-bench-lmdb-'));
  const root = openLmdb({
    path: path.join(dir, 'chain.mdb'),
    compression: false,
    noSync: !durable,
    mapSize: 4 * 1024 ** 3,
  });
  const records = root.openDB({ name: 'records', keyEncoding: 'binary', encoding: 'binary' });
  const index = root.openDB({ name: 'index', keyEncoding: 'binary', encoding: 'binary' });
  const nodes = root.openDB({ name: 'nodes', keyEncoding: 'binary', encoding: 'binary' });
  const commitMs: number[] = [];
  for (const b of batches) {
    const t = performance.now();
    root.transactionSync(() => {
      b.records.forEach((r, i) => {
        const key = heightIdx(b.height, i);
        records.putSync(key, r);
        index.putSync(b.txIds[i]!, key);
      });
      const version = Buffer.alloc(8);
      version.writeBigUInt64BE(BigInt(b.height));
      for (let i = 0; i < b.nodes.length; i++) {
        nodes.putSync(Buffer.concat([version, b.nodePaths[i]!]), b.nodes[i]!);
      }
    });
    commitMs.push(performance.now() - t);
  }
  const t = performance.now();
  for (let i = 0; i < READS; i++) {
    const b = batches[i % batches.length]!;
    const j = (i * 7919) % RECORDS;
    if (!index.getBinary(b.txIds[j]!)) throw new Error('missing record');
    const version = Buffer.alloc(8);
    version.writeBigUInt64BE(BigInt(b.height));
    if (!nodes.getBinary(Buffer.concat([version, b.nodePaths[(i * 104729) % NODES]!])))
      throw new Error('missing node');
  }
  const readsPerSec = (2 * READS) / ((performance.now() - t) / 1000);
  await root.close();
  const bytes = dirSize(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  return { engine: `lmdb ${durable ? 'sync' : 'noSync'}`, commitMs, readsPerSec, bytes };
}

function report(r: Result): void {
  const sorted = [...r.commitMs].sort((a, b) => a - b);
  const total = r.commitMs.reduce((a, b) => a + b, 0);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const rowsPerSec = ((RECORDS * 2 + NODES) * r.commitMs.length) / (total / 1000);
  console.log(
    `${r.engine.padEnd(30)} commit median ${median.toFixed(1).padStart(6)} ms, max ${sorted[sorted.length - 1]!.toFixed(1).padStart(6)} ms, ` +
      `${(rowsPerSec / 1000).toFixed(0).padStart(4)}k rows/s; point reads ${(r.readsPerSec / 1000).toFixed(0)}k/s; ` +
      `on disk ${(r.bytes / 1024 ** 2).toFixed(0)} MiB`,
  );
}

const batches = makeBatches();
console.log(
  `${BATCHES} batches of ${RECORDS} records + ${RECORDS} index entries + ${NODES} nodes, one durable commit each (node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)})`,
);
report(runSqlite(batches, 'FULL'));
report(await runLmdb(batches, true));
report(runSqlite(batches, 'NORMAL'));
report(await runLmdb(batches, false));
