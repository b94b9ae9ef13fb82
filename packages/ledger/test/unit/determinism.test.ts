import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { canonicalString } from '@bsn/core';
import { Chain, type ChainOptions, replayChain } from '@bsn/ledger';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import {
  fixedTx,
  makeBlock,
  makeOrderer,
  makeSigner,
  StubCertificates,
  testContracts,
  testRuntime,
} from '../support/fixtures.js';
import { buildWorkload } from '../support/workload.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function tempPath(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsn-det-'));
  dirs.push(dir);
  return path.join(dir, 'chain.db');
}

const orderer = makeOrderer();
const signers = [makeSigner('alice'), makeSigner('bob', 'ed25519'), makeSigner('carol')];
const certs = new StubCertificates();
for (const s of signers) certs.add(s);

function options(file: string): ChainOptions {
  return {
    path: file,
    chain: 'c1',
    runtimes: new Map([['native', testRuntime()]]),
    contracts: testContracts,
    certificates: certs,
    ordererKeys: new Map([[orderer.id, orderer.keys.publicKeyPem]]),
    synchronous: 'normal',
  };
}

/** Commits blocks on a fresh store; returns per-height canonical results and the store path. */
function run(blocks: ReturnType<typeof buildWorkload>) {
  const file = tempPath();
  const chain = Chain.open(options(file));
  const results = blocks.map((b) => canonicalString(chain.commitBlock(b)));
  chain.close();
  return { file, results };
}

describe('determinism and replay', () => {
  const blocks = buildWorkload(7, 12, 40, signers, orderer);

  it('the same blocks on two fresh stores give byte-identical receipts and roots', () => {
    const a = run(blocks);
    const b = run(blocks);
    assert.equal(a.results.length, 12);
    assert.deepEqual(a.results, b.results);
    // the workload exercises both outcomes
    const all = a.results.join('');
    assert.match(all, /"status":"ok"/);
    assert.match(all, /BSN_TX_DUPLICATE/);
    assert.match(all, /KV_REFUSED/);
  });

  it('any generated workload executes identically twice (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 4 }), (seed, count) => {
        const w = buildWorkload(seed, count, 8, signers, orderer);
        assert.deepEqual(run(w).results, run(w).results);
      }),
      { numRuns: 8 },
    );
  });

  it('a replay from genesis matches every stored root', () => {
    const { file } = run(blocks);
    const report = replayChain(file, { ...options(file) });
    assert.deepEqual(report, { ok: true, height: 12, mismatches: [] });
    const partial = replayChain(file, { ...options(file), toHeight: 5 });
    assert.equal(partial.height, 5);
  });

  it('a replay reports the height and field of a tampered root', () => {
    const { file } = run(blocks);
    const db = new Database(file);
    const stored = db
      .prepare('SELECT state_root FROM ledger_commits WHERE height = 4')
      .pluck()
      .get() as string;
    db.prepare('UPDATE ledger_commits SET state_root = ? WHERE height = 4').run('f'.repeat(64));
    db.close();
    const report = replayChain(file, options(file));
    assert.equal(report.ok, false);
    assert.deepEqual(report.mismatches, [
      { height: 4, field: 'stateRoot', expected: 'f'.repeat(64), actual: stored },
    ]);
  });

  it('a replay with different contract code reports where execution diverged', () => {
    const alice = signers[0]!;
    const file = tempPath();
    const chain = Chain.open(options(file));
    let prev: { height: number; blockHash: string; time: number } | undefined;
    for (let i = 0; i < 3; i++) {
      const block = makeBlock(orderer, [fixedTx(alice, `c${i}`, 'counter', 'inc', [])], prev);
      const r = chain.commitBlock(block);
      prev = { height: r.height, blockHash: r.blockHash, time: block.header.time };
    }
    chain.close();
    const runtime = testRuntime().register('counter', {
      inc(ctx) {
        const n = ((ctx.state.get('n') as number | null) ?? 0) + 2;
        ctx.state.put('n', n);
        return n;
      },
    });
    const report = replayChain(file, { ...options(file), runtimes: new Map([['native', runtime]]) });
    assert.equal(report.ok, false);
    assert.equal(report.mismatches[0]?.height, 1);
    assert.deepEqual(
      report.mismatches.filter((m) => m.height === 1).map((m) => m.field),
      ['stateRoot', 'receiptsRoot'],
    );
  });

  it('refuses to replay a store of another chain or a missing file', () => {
    const { file } = run(blocks.slice(0, 1));
    assert.throws(() => replayChain(file, { ...options(file), chain: 'c9' }), /c9/);
    assert.throws(() => replayChain(`${file}.missing`, options(file)), /no chain store/);
  });
});
