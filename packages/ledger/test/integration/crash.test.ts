import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type CommitStatement, canonicalString } from '@bsn/core';
import { Chain, type ChainOptions, replayChain } from '@bsn/ledger';
import Database from 'better-sqlite3';
import {
  makeOrderer,
  makeSigner,
  StubCertificates,
  testContracts,
  testRuntime,
} from '../support/fixtures.js';
import { buildWorkload, prng } from '../support/workload.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsn-crash-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const BLOCKS = 80;
const orderer = makeOrderer();
const signers = [makeSigner('alice'), makeSigner('bob'), makeSigner('carol', 'ed25519')];
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
  };
}

/** Runs the child until it has committed past `minHeight`, then kills it with SIGKILL after a random delay. */
function runChild(
  fixture: string,
  store: string,
  killAfterMs: number | undefined,
): Promise<{ killed: boolean; lastReported: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@bsn/source', '--import', 'tsx', path.join(here, 'crash-child.ts'), fixture, store],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (timer === undefined && killAfterMs !== undefined && out.includes('ready')) {
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      const heights = [...out.matchAll(/committed (\d+)/g)].map((m) => Number(m[1]));
      const lastReported = heights.length ? (heights[heights.length - 1] as number) : -1;
      if (signal === 'SIGKILL') resolve({ killed: true, lastReported });
      else if (code === 0) resolve({ killed: false, lastReported });
      else reject(new Error(`child exited with ${code}: ${err}`));
    });
  });
}

describe('crash safety', () => {
  it('a chain killed with SIGKILL at random points reopens at a committed height with the reference roots, and finishes identically', async (t) => {
    const blocks = buildWorkload(42, BLOCKS, 25, signers, orderer);
    const fixture = path.join(dir, 'fixture.json');
    fs.writeFileSync(
      fixture,
      JSON.stringify({
        signers: signers.map((s) => ({ publicKeyPem: s.keys.publicKeyPem, caller: s.caller })),
        orderer: { id: orderer.id, publicKeyPem: orderer.keys.publicKeyPem },
        blocks,
      }),
    );

    // reference run, in-process, never interrupted
    const reference = Chain.open(options(path.join(dir, 'reference.db')));
    const expected: CommitStatement[] = [];
    const receipts: string[] = [];
    for (const b of blocks) {
      reference.commitBlock(b);
      expected.push(reference.statement(b.header.height)!);
      receipts.push(canonicalString(reference.receipts(b.header.height)));
    }
    reference.close();

    const store = path.join(dir, 'crashy.db');
    const rand = prng(1234);
    let kills = 0;
    const log: string[] = [];
    let previous = 0;
    for (let round = 0; round < 6; round++) {
      const { killed, lastReported } = await runChild(fixture, store, Math.floor(rand() * 200));
      const chain = Chain.open(options(store));
      const h = chain.height();
      // every block reported committed is there; nothing beyond a whole block is
      assert.ok(h >= lastReported, `reopened at ${h}, but the child had reported ${lastReported}`);
      assert.ok(h >= previous, 'the height never goes back');
      if (h > 0) {
        assert.deepEqual(chain.statement(h), expected[h - 1]);
        assert.equal(chain.state.root(), expected[h - 1]?.stateRoot);
        assert.equal(canonicalString(chain.receipts(h)), receipts[h - 1]);
      }
      assert.equal(chain.state.latestHeight(), h);
      assert.equal(chain.block(h + 1), undefined, 'no partial next block');
      chain.close();
      const db = new Database(store, { readonly: true });
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      db.close();
      log.push(
        `round ${round}: ${killed ? 'killed' : 'finished'} at height ${h} (child reported ${lastReported})`,
      );
      if (killed) kills++;
      previous = h;
      if (!killed) break;
    }
    t.diagnostic(log.join('; '));
    assert.ok(kills >= 3, `at least three runs were killed mid-way (${kills})`);

    // finish without interruption and compare the final roots
    const final = await runChild(fixture, store, undefined);
    assert.equal(final.killed, false);
    const chain = Chain.open(options(store));
    assert.equal(chain.height(), BLOCKS);
    assert.deepEqual(chain.statement(BLOCKS), expected[BLOCKS - 1]);
    for (let h = 1; h <= BLOCKS; h++) assert.deepEqual(chain.statement(h), expected[h - 1]);
    chain.close();
    assert.deepEqual(replayChain(store, options(store)), { ok: true, height: BLOCKS, mismatches: [] });
  });
});
