import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  EMPTY_STATE_ROOT,
  fromHex,
  type HashAlgorithm,
  isBsnError,
  type JsonValue,
  sparseMerkleProof,
  sparseMerkleRoot,
  stateKeyHash,
  stateValueHash,
  toHex,
  verifySparseMerkleProof,
  verifyStateProof,
} from '@bsn/core';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import {
  EMPTY_TREE_ROOT,
  type TreeRoot,
  VersionedStateTree,
  WorldState,
  type WorldStateWrite,
} from '../../src/state/index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bsn-world-state-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function memoryState(hash: HashAlgorithm = 'sha256'): { db: Database.Database; ws: WorldState } {
  const db = new Database(':memory:');
  return { db, ws: new WorldState(db, { hash }) };
}

const put = (key: string, value: JsonValue, txId = 'tx', contract = 'c'): WorldStateWrite => ({
  contract,
  key,
  value,
  txId,
});
const del = (key: string, txId = 'tx', contract = 'c'): WorldStateWrite => ({
  contract,
  key,
  value: null,
  txId,
});

/** Roots of the pinned-roots test, as computed when the storage format was fixed. */
const ROOTS_PINNED: Record<string, readonly string[]> = {
  sha256: [
    '543a6e80aa77bee7c270693d38ffcfff2ed4ea0c99b4084565af082b015d602c',
    '1dc5b5f44e1766a3b1466e1f87767e4c05e81779a05935949022586752f6e27d',
    'b3e4f99ab4130ca3847fdb1307c9a6fb79b9bc9f2aa90a497388cdc99064495c',
    'cbe5fa4068b491c49cbf0209e26f7d070c95947a0ea673fea4e2f346c77dba9b',
  ],
  sm3: [
    '73a6fc4c26e7d154a674e5c0325f3810e731196d02cf887bfdf466c4fbfdc65d',
    '65d97053bb848cc85ee811d6e9b6f5dc1ce8788023e0b22ba92e455101db3539',
    '82c51f5c62aac8d9180959df31d53e9a4e118cb0b01bb0420a26e14368a5091b',
    'ab142fe80257553ef0a2ed81f7b63e6d7840c9f08079f5f7d9b8e22226ddd10f',
  ],
};

/**
 * SHA-256 over the tree node rows (`version:path:data` in hex, one line each, in key order) the
 * pinned-roots test leaves in state_nodes, as stored when the storage format was fixed.
 */
const NODES_PINNED: Record<string, string> = {
  sha256: '4e2beb313d4fd396be746c86e60fd9e7f7f44f9c36f248f7da9460bc9c206ff0',
  sm3: '6f0b9c81d92f85a075eb5c5d03542fd24e2d664b1034c18d7e29f5a4d5f2c326',
};

/** The root the in-memory reference tree of `@bsn/core` gives for a model of the state. */
function referenceRoot(model: ReadonlyMap<string, JsonValue>, alg: HashAlgorithm = 'sha256'): string {
  return sparseMerkleRoot(
    [...model].map(([id, value]) => {
      const [contract, key] = id.split('\0') as [string, string];
      return { keyHash: stateKeyHash(contract, key, alg), valueHash: stateValueHash(value, alg) };
    }),
    alg,
  );
}

function applyToModel(model: Map<string, JsonValue>, writes: readonly WorldStateWrite[]): void {
  for (const w of writes) {
    const id = `${w.contract}\0${w.key}`;
    if (w.value === null) model.delete(id);
    else model.set(id, w.value);
  }
}

describe('WorldState basics', () => {
  it('starts empty at height 0 and proves any key absent there', () => {
    const { ws } = memoryState();
    assert.equal(ws.latestHeight(), 0);
    assert.equal(ws.root(), EMPTY_STATE_ROOT);
    assert.equal(ws.root(0), EMPTY_STATE_ROOT);
    assert.equal(ws.get('c', 'k'), null);
    const p = ws.prove('c', 'k');
    assert.equal(p.height, 0);
    assert.equal(p.value, null);
    assert.ok(verifyStateProof(p.root, 'c', 'k', null, p.proof));
  });

  it('gives the roots and tree node rows it gave when the storage format was fixed (pinned, sha256 and sm3)', () => {
    // State roots are in every block's commit record and every proof: a change to how the tree
    // hashes, splits or collapses nodes would leave existing chains unable to replay. The tests
    // above compare with core's reference tree, which would move with such a change; these do not.
    for (const [alg, pinned] of Object.entries(ROOTS_PINNED)) {
      const { db, ws } = memoryState(alg as HashAlgorithm);
      const roots: string[] = [];
      for (let height = 1; height <= 4; height++) {
        const writes: WorldStateWrite[] = [];
        for (let i = 0; i < 300; i++) {
          const n = (i * 7919 + height * 104_729) % 1000;
          writes.push(
            n % 11 === 0
              ? del(`k${n}`, `t${height}.${i}`)
              : put(`k${n}`, { n, h: height, s: 'é😀'.repeat(n % 3) }, `t${height}.${i}`, `c${n % 3}`),
          );
        }
        roots.push(ws.applyBlock(height, writes));
      }
      assert.deepEqual(roots, pinned, alg);
      // The stored node bytes too: every node of the chain reads them back at (version, path), so
      // they stay byte for byte what earlier versions wrote.
      const nodes = createHash('sha256');
      const rows = db
        .prepare('SELECT version, path, data FROM state_nodes ORDER BY version, path')
        .raw()
        .all() as Array<[number, Buffer, Buffer]>;
      for (const [version, path, data] of rows) {
        nodes.update(`${version}:${path.toString('hex')}:${data.toString('hex')}\n`);
      }
      assert.equal(nodes.digest('hex'), NODES_PINNED[alg], `${alg} node rows`);
    }
  });

  it('applies a block, returns its root, and serves values and proofs that verify against it', () => {
    const { ws } = memoryState();
    const root = ws.applyBlock(1, [
      put('alice', { balance: 10 }),
      put('bob', { balance: 5 }),
      put('x', 'y', 't', 'd'),
    ]);
    assert.equal(ws.latestHeight(), 1);
    assert.equal(ws.root(), root);
    assert.equal(ws.root(1), root);
    assert.deepEqual(ws.get('c', 'alice'), { balance: 10 });
    assert.equal(ws.get('d', 'alice'), null, 'contracts are separate namespaces');
    const p = ws.prove('c', 'bob');
    assert.deepEqual(p, { height: 1, root, value: { balance: 5 }, proof: p.proof });
    assert.ok(verifyStateProof(root, 'c', 'bob', { balance: 5 }, p.proof));
    assert.equal(verifyStateProof(root, 'c', 'bob', { balance: 6 }, p.proof), false);
    const absent = ws.prove('c', 'carol');
    assert.equal(absent.value, null);
    assert.ok(verifyStateProof(root, 'c', 'carol', null, absent.proof));
  });

  it('lets a later write to the same key in one block win, and records that transaction', () => {
    const { ws } = memoryState();
    ws.applyBlock(1, [put('k', 1, 'tx1'), put('k', 2, 'tx2'), del('j', 'tx3'), put('j', 'back', 'tx4')]);
    assert.equal(ws.get('c', 'k'), 2);
    assert.equal(ws.get('c', 'j'), 'back');
    assert.deepEqual(ws.history('c', 'k'), [{ height: 1, txId: 'tx2', value: 2, deleted: false }]);
    assert.equal(
      ws.root(),
      referenceRoot(
        new Map<string, JsonValue>([
          ['c\0k', 2],
          ['c\0j', 'back'],
        ]),
      ),
    );
  });

  it('serves the stored canonical text, and takes the canonical text a write carries instead of encoding it again', () => {
    const a = memoryState();
    const b = memoryState();
    const value = { b: 1, a: [1, 'x'] };
    const rootA = a.ws.applyBlock(1, [put('k', value)]);
    const rootB = b.ws.applyBlock(1, [{ ...put('k', value), canonical: '{"a":[1,"x"],"b":1}' }]);
    assert.equal(rootB, rootA);
    assert.equal(a.ws.getCanonical('c', 'k'), '{"a":[1,"x"],"b":1}');
    assert.equal(b.ws.getCanonical('c', 'k'), '{"a":[1,"x"],"b":1}');
    assert.equal(a.ws.getCanonical('c', 'k', 0), null);
    assert.equal(a.ws.getCanonical('c', 'missing'), null);
  });

  it('an empty block keeps the previous root', () => {
    const { ws } = memoryState();
    const r1 = ws.applyBlock(1, [put('a', 1)]);
    assert.equal(ws.applyBlock(2, []), r1);
    assert.equal(ws.root(2), r1);
    assert.ok(verifyStateProof(r1, 'c', 'a', 1, ws.prove('c', 'a', 2).proof));
  });

  it('deleting keys restores the earlier root, and so does writing an old value back', () => {
    const { ws } = memoryState();
    const r1 = ws.applyBlock(1, [put('a', 1), put('b', 2), put('c', 3)]);
    ws.applyBlock(2, [put('d', 4), put('e', 5), put('a', 100)]);
    assert.notEqual(ws.root(), r1);
    const r3 = ws.applyBlock(3, [del('d'), del('e'), put('a', 1)]);
    assert.equal(r3, r1);
    const r4 = ws.applyBlock(4, [del('a'), del('b'), del('c')]);
    assert.equal(r4, EMPTY_STATE_ROOT);
    assert.equal(ws.get('c', 'a'), null);
    assert.ok(verifyStateProof(r4, 'c', 'a', null, ws.prove('c', 'a').proof));
  });

  it('deleting a key that does not exist changes no root', () => {
    const { ws } = memoryState();
    const r1 = ws.applyBlock(1, [put('a', 1), put('b', 2)]);
    assert.equal(ws.applyBlock(2, [del('zzz')]), r1);
  });

  it('uses SM3 when configured, with roots the core reference gives for SM3', () => {
    const { ws } = memoryState('sm3');
    const root = ws.applyBlock(1, [put('a', 1), put('b', { x: [1, 2] })]);
    const model = new Map<string, JsonValue>([
      ['c\0a', 1],
      ['c\0b', { x: [1, 2] }],
    ]);
    assert.equal(root, referenceRoot(model, 'sm3'));
    assert.notEqual(root, referenceRoot(model, 'sha256'));
    assert.ok(verifyStateProof(root, 'c', 'a', 1, ws.prove('c', 'a').proof, 'sm3'));
  });
});

describe('WorldState at past heights', () => {
  it('answers get, prove and root at every retained height', () => {
    const { ws } = memoryState();
    const r1 = ws.applyBlock(1, [put('k', 'v1'), put('other', 1)]);
    const r2 = ws.applyBlock(2, [put('k', 'v2')]);
    const r3 = ws.applyBlock(3, [del('k')]);
    assert.deepEqual(
      [ws.get('c', 'k', 1), ws.get('c', 'k', 2), ws.get('c', 'k', 3), ws.get('c', 'k', 0)],
      ['v1', 'v2', null, null],
    );
    for (const [h, root, value] of [
      [1, r1, 'v1'],
      [2, r2, 'v2'],
      [3, r3, null],
    ] as const) {
      const p = ws.prove('c', 'k', h);
      assert.equal(p.height, h);
      assert.equal(p.root, root);
      assert.equal(p.value, value);
      assert.ok(verifyStateProof(root, 'c', 'k', value, p.proof), `height ${h}`);
    }
    // An old proof does not verify against a newer root.
    assert.equal(verifyStateProof(r3, 'c', 'k', 'v1', ws.prove('c', 'k', 1).proof), false);
  });

  it('refuses heights above the latest with BSN_LEDGER_HEIGHT_UNKNOWN and malformed ones with BSN_INVALID_ARGUMENT', () => {
    const { ws } = memoryState();
    ws.applyBlock(1, [put('a', 1)]);
    assert.throws(() => ws.root(2), { code: 'BSN_LEDGER_HEIGHT_UNKNOWN' });
    assert.throws(() => ws.get('c', 'a', 2), { code: 'BSN_LEDGER_HEIGHT_UNKNOWN' });
    assert.throws(() => ws.prove('c', 'a', 7), { code: 'BSN_LEDGER_HEIGHT_UNKNOWN' });
    assert.throws(() => ws.range('c', '', undefined, 10, 2), { code: 'BSN_LEDGER_HEIGHT_UNKNOWN' });
    assert.throws(() => ws.root(-1), { code: 'BSN_INVALID_ARGUMENT' });
    assert.throws(() => ws.get('c', 'a', 1.5), { code: 'BSN_INVALID_ARGUMENT' });
  });
});

describe('WorldState history', () => {
  it('lists the writes to a key newest first, with deletes, pages backwards with beforeHeight', () => {
    const { ws } = memoryState();
    ws.applyBlock(1, [put('k', 'a', 'tx1')]);
    ws.applyBlock(2, [put('unrelated', 1, 'tx2')]);
    ws.applyBlock(3, [put('k', 'b', 'tx3')]);
    ws.applyBlock(4, [del('k', 'tx4')]);
    ws.applyBlock(5, [put('k', 'c', 'tx5')]);
    assert.deepEqual(ws.history('c', 'k'), [
      { height: 5, txId: 'tx5', value: 'c', deleted: false },
      { height: 4, txId: 'tx4', value: null, deleted: true },
      { height: 3, txId: 'tx3', value: 'b', deleted: false },
      { height: 1, txId: 'tx1', value: 'a', deleted: false },
    ]);
    const page1 = ws.history('c', 'k', { limit: 2 });
    assert.deepEqual(
      page1.map((e) => e.height),
      [5, 4],
    );
    const page2 = ws.history('c', 'k', { limit: 2, beforeHeight: page1[1]!.height });
    assert.deepEqual(
      page2.map((e) => e.txId),
      ['tx3', 'tx1'],
    );
    assert.deepEqual(ws.history('c', 'never'), []);
    assert.throws(() => ws.history('c', 'k', { limit: 0 }), { code: 'BSN_INVALID_ARGUMENT' });
  });
});

describe('WorldState range', () => {
  it('returns live entries with start <= key < end in UTF-8 byte order, up to the limit', () => {
    const { ws } = memoryState();
    // U+FFFD sorts before U+1F600 in UTF-8 (and code point) order, but after it in UTF-16 order.
    const keys = ['b', 'a', 'a\u{1F600}', 'a\uFFFD', 'ab', 'c', 'B', 'é'];
    ws.applyBlock(
      1,
      keys.map((k, i) => put(k, i)),
    );
    ws.applyBlock(2, [put('z', 1, 'tx', 'other'), del('ab')]);
    const all = ws.range('c', '', undefined, 100);
    assert.deepEqual(
      all.map((e) => e.key),
      ['B', 'a', 'a\uFFFD', 'a\u{1F600}', 'b', 'c', 'é'],
    );
    assert.deepEqual(all[0], { key: 'B', value: 6 });
    assert.deepEqual(
      ws.range('c', 'a', 'c', 100).map((e) => e.key),
      ['a', 'a\uFFFD', 'a\u{1F600}', 'b'],
    );
    assert.deepEqual(
      ws.range('c', 'a', undefined, 2).map((e) => e.key),
      ['a', 'a\uFFFD'],
    );
    assert.deepEqual(ws.range('c', 'd', 'e', 10), []);
  });

  it('answers a range at a past height, including keys deleted since', () => {
    const { ws } = memoryState();
    ws.applyBlock(1, [put('k1', 1), put('k2', 2)]);
    ws.applyBlock(2, [del('k1'), put('k2', 22), put('k3', 3)]);
    assert.deepEqual(ws.range('c', 'k', 'l', 10, 1), [
      { key: 'k1', value: 1 },
      { key: 'k2', value: 2 },
    ]);
    assert.deepEqual(ws.range('c', 'k', 'l', 10), [
      { key: 'k2', value: 22 },
      { key: 'k3', value: 3 },
    ]);
  });

  it('at the latest height and at every past height, gives what a model of the state gives, whatever was deleted (property)', () => {
    const keyArb = fc.constantFrom(...Array.from({ length: 30 }, (_, i) => `k${String(i).padStart(2, '0')}`));
    const writeArb = fc.record({
      contract: fc.constantFrom('token', 'notary'),
      key: keyArb,
      value: fc.option(fc.integer(), { nil: null, freq: 3 }),
    });
    const boundArb = fc.option(keyArb, { nil: undefined });
    fc.assert(
      fc.property(
        fc.array(fc.array(writeArb, { maxLength: 20 }), { minLength: 1, maxLength: 6 }),
        fc.array(
          fc.tuple(fc.constantFrom('token', 'notary'), keyArb, boundArb, fc.integer({ min: 1, max: 40 })),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        (blocks, ranges) => {
          const { db, ws } = memoryState();
          const model = new Map<string, JsonValue>();
          const snapshots: Array<Map<string, JsonValue>> = [new Map()];
          blocks.forEach((block, i) => {
            const writes = block.map((w, j) => ({ ...w, txId: `tx-${i}-${j}` }));
            ws.applyBlock(i + 1, writes);
            applyToModel(model, writes);
            snapshots.push(new Map(model));
          });
          const expected = (
            snap: Map<string, JsonValue>,
            contract: string,
            start: string,
            end: string | undefined,
            limit: number,
          ) =>
            [...snap]
              .map(([id, value]) => ({ id: id.split('\0') as [string, string], value }))
              .filter(({ id: [c, k] }) => c === contract && k >= start && (end === undefined || k < end))
              .sort((a, b) => (a.id[1] < b.id[1] ? -1 : 1))
              .slice(0, limit)
              .map(({ id, value }) => ({ key: id[1], value }));
          for (const [contract, start, end, limit] of ranges) {
            assert.deepEqual(
              ws.range(contract, start, end, limit),
              expected(model, contract, start, end, limit),
            );
            for (let h = 0; h < snapshots.length; h++) {
              assert.deepEqual(
                ws.range(contract, start, end, limit, h),
                expected(snapshots[h]!, contract, start, end, limit),
                `${contract} [${start}, ${end}) ≤${limit} at ${h}`,
              );
            }
          }
          // The table the latest ranges read holds exactly the keys that exist, deleted ones not at all.
          const live = db
            .prepare('SELECT contract || char(0) || key FROM state_keys ORDER BY contract, key')
            .pluck()
            .all();
          assert.deepEqual(live, [...model.keys()].sort());
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a non-positive limit and non-string bounds', () => {
    const { ws } = memoryState();
    assert.throws(() => ws.range('c', '', undefined, 0), { code: 'BSN_INVALID_ARGUMENT' });
    assert.throws(() => ws.range('c', 1 as unknown as string, undefined, 1), {
      code: 'BSN_INVALID_ARGUMENT',
    });
  });
});

describe('WorldState input checks', () => {
  it('applies state only at the latest height + 1 (BSN_LEDGER_STATE_HEIGHT)', () => {
    const { ws } = memoryState();
    assert.throws(() => ws.applyBlock(2, [put('a', 1)]), { code: 'BSN_LEDGER_STATE_HEIGHT' });
    assert.throws(() => ws.applyBlock(0, []), { code: 'BSN_LEDGER_STATE_HEIGHT' });
    ws.applyBlock(1, [put('a', 1)]);
    assert.throws(() => ws.applyBlock(1, [put('a', 2)]), { code: 'BSN_LEDGER_STATE_HEIGHT' });
    assert.equal(ws.get('c', 'a'), 1);
  });

  it('refuses empty, oversized, NUL-containing or ill-formed keys and contract names (BSN_LEDGER_KEY_INVALID)', () => {
    const { ws } = memoryState();
    const bad: Array<[string, string]> = [
      ['c', ''],
      ['c', 'a\0b'],
      ['c', 'x'.repeat(1025)],
      ['c', 'é'.repeat(513)], // 1026 UTF-8 bytes in 513 characters
      ['c', 'lone\uD800'],
      ['', 'k'],
      ['c\0d', 'k'],
    ];
    for (const [contract, key] of bad) {
      assert.throws(() => ws.applyBlock(1, [put(key, 1, 'tx', contract)]), {
        code: 'BSN_LEDGER_KEY_INVALID',
      });
      assert.throws(() => ws.get(contract, key), { code: 'BSN_LEDGER_KEY_INVALID' });
      assert.throws(() => ws.prove(contract, key), { code: 'BSN_LEDGER_KEY_INVALID' });
    }
    ws.applyBlock(1, [put('x'.repeat(1024), 'max'), put('é'.repeat(512), 'max too')]);
    assert.equal(ws.get('c', 'x'.repeat(1024)), 'max');
  });

  it('a block with one bad write changes nothing', () => {
    const { ws } = memoryState();
    assert.throws(() => ws.applyBlock(1, [put('ok', 1), put('bad', Number.NaN)]), {
      code: 'BSN_ENCODING_INVALID',
    });
    assert.equal(ws.latestHeight(), 0);
    assert.equal(ws.get('c', 'ok'), null);
    assert.deepEqual(ws.history('c', 'ok'), []);
  });
});

describe('WorldState storage', () => {
  it('reopening the database file gives the same roots, values, history and proofs', () => {
    const file = path.join(tmp, 'reopen.db');
    let db = new Database(file);
    let ws = new WorldState(db);
    const roots = [
      ws.applyBlock(1, [put('a', 1), put('b', 2)]),
      ws.applyBlock(2, [put('a', 10), put('c', [3])]),
      ws.applyBlock(3, [del('b')]),
    ];
    db.close();
    db = new Database(file);
    ws = new WorldState(db);
    assert.equal(ws.latestHeight(), 3);
    assert.deepEqual([ws.root(1), ws.root(2), ws.root(3)], roots);
    assert.equal(ws.get('c', 'a', 1), 1);
    assert.deepEqual(ws.get('c', 'c'), [3]);
    assert.equal(ws.history('c', 'b').length, 2);
    assert.ok(verifyStateProof(roots[1]!, 'c', 'b', 2, ws.prove('c', 'b', 2).proof));
    // …and it keeps going from there.
    const r4 = ws.applyBlock(4, [put('d', 4)]);
    assert.equal(
      r4,
      referenceRoot(
        new Map<string, JsonValue>([
          ['c\0a', 10],
          ['c\0c', [3]],
          ['c\0d', 4],
        ]),
      ),
    );
    db.close();
  });

  it('opens a state of schema 1 (before state_keys) and fills state_keys from its history, in one go', () => {
    const file = path.join(tmp, 'schema1.db');
    let db = new Database(file);
    let ws = new WorldState(db);
    ws.applyBlock(1, [put('a', 1), put('b', 2), put('c', 3), put('x', 9, 'tx', 'other')]);
    ws.applyBlock(2, [put('a', 10), del('b')]);
    ws.applyBlock(3, [put('b', 20), del('c'), put('d', 4)]);
    const before = {
      root: ws.root(),
      all: ws.range('c', '', undefined, 100),
      past: ws.range('c', '', undefined, 100, 1),
    };
    // What a schema-1 file is: the same tables without state_keys.
    db.exec("DROP TABLE state_keys; UPDATE state_meta SET value = '1' WHERE name = 'schema'");
    db.close();
    db = new Database(file);
    ws = new WorldState(db);
    assert.equal(db.prepare("SELECT value FROM state_meta WHERE name = 'schema'").pluck().get(), '2');
    assert.deepEqual(ws.range('c', '', undefined, 100), before.all);
    assert.deepEqual(before.all, [
      { key: 'a', value: 10 },
      { key: 'b', value: 20 },
      { key: 'd', value: 4 },
    ]);
    assert.deepEqual(ws.range('other', '', undefined, 100), [{ key: 'x', value: 9 }]);
    assert.deepEqual(ws.range('c', '', undefined, 100, 1), before.past);
    assert.equal(ws.root(), before.root);
    // …and keeps it from there.
    ws.applyBlock(4, [del('a'), put('e', 5)]);
    assert.deepEqual(
      ws.range('c', '', undefined, 100).map((e) => e.key),
      ['b', 'd', 'e'],
    );
    db.close();
  });

  it('refuses a state of a schema newer than it knows (BSN_LEDGER_STATE_CONFIG), and leaves it as it was', () => {
    const file = path.join(tmp, 'schema9.db');
    const db = new Database(file);
    new WorldState(db).applyBlock(1, [put('a', 1)]);
    db.exec("DROP TABLE state_keys; UPDATE state_meta SET value = '9' WHERE name = 'schema'");
    assert.throws(() => new WorldState(db), {
      code: 'BSN_LEDGER_STATE_CONFIG',
      message: /schema "9", not "2"/,
    });
    assert.equal(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'state_keys'").pluck().get(), 0);
    db.close();
  });

  it('refuses to open a state created with another hash algorithm (BSN_LEDGER_STATE_CONFIG)', () => {
    const file = path.join(tmp, 'hash.db');
    const db = new Database(file);
    new WorldState(db, { hash: 'sha256' }).applyBlock(1, [put('a', 1)]);
    assert.throws(() => new WorldState(db, { hash: 'sm3' }), { code: 'BSN_LEDGER_STATE_CONFIG' });
    db.close();
  });

  it('an applyBlock inside a transaction that rolls back leaves no trace', () => {
    const { db, ws } = memoryState();
    const r1 = ws.applyBlock(1, [put('a', 1)]);
    const attempt = db.transaction(() => {
      ws.applyBlock(2, [put('a', 2), put('b', 3)]);
      db.prepare('CREATE TABLE IF NOT EXISTS blocks_probe (x)').run();
      throw new Error('block store failed');
    });
    assert.throws(attempt, /block store failed/);
    assert.equal(ws.latestHeight(), 1);
    assert.equal(ws.root(), r1);
    assert.equal(ws.get('c', 'a'), 1);
    assert.equal(ws.get('c', 'b'), null);
    assert.deepEqual(ws.history('c', 'a').length, 1);
    assert.throws(() => ws.root(2), { code: 'BSN_LEDGER_HEIGHT_UNKNOWN' });
    // Height 2 can be applied again, with other writes, and gives the right root.
    const r2 = ws.applyBlock(2, [put('c', 9)]);
    assert.equal(
      r2,
      referenceRoot(
        new Map<string, JsonValue>([
          ['c\0a', 1],
          ['c\0c', 9],
        ]),
      ),
    );
    assert.ok(verifyStateProof(r2, 'c', 'b', null, ws.prove('c', 'b').proof));
  });

  it('a block whose tree update fails (BSN_LEDGER_STATE_CORRUPT) writes nothing, and leaves nothing for the next one', () => {
    const block1 = Array.from({ length: 300 }, (_, i) => put(`k${i}`, i));
    const block2 = [put('new', 1)];
    const clean = memoryState();
    clean.ws.applyBlock(1, block1);
    clean.ws.applyBlock(2, block2);
    const { db, ws } = memoryState();
    ws.applyBlock(1, block1);
    // A fresh instance (empty node cache) over the same rows, with the last depth-1 node gone:
    // the update fails after it has written the nodes of the slots before it.
    const fresh = new WorldState(db);
    const lost = db
      .prepare(
        "SELECT version, path, data FROM state_nodes WHERE substr(path, 1, 1) = x'01' ORDER BY path DESC",
      )
      .get() as { version: number; path: Buffer; data: Buffer };
    db.prepare('DELETE FROM state_nodes WHERE version = ? AND path = ?').run(lost.version, lost.path);
    const many = Array.from({ length: 300 }, (_, i) => put(`k${i}`, i + 1));
    assert.throws(() => fresh.applyBlock(2, many), { code: 'BSN_LEDGER_STATE_CORRUPT' });
    assert.equal(fresh.latestHeight(), 1);
    assert.equal(db.prepare('SELECT count(*) FROM state_nodes WHERE version = 2').pluck().get(), 0);
    // Repaired, height 2 applies other writes and stores exactly the nodes a clean run stores.
    db.prepare('INSERT INTO state_nodes (version, path, data) VALUES (?, ?, ?)').run(
      lost.version,
      lost.path,
      lost.data,
    );
    assert.equal(fresh.applyBlock(2, block2), clean.ws.root(2));
    const rowsOf = (d: Database.Database) =>
      d.prepare('SELECT version, path, data FROM state_nodes ORDER BY version, path').raw().all();
    assert.deepEqual(rowsOf(db), rowsOf(clean.db));
  });

  it('commits with the caller transaction: state and the caller rows land together', () => {
    const { db, ws } = memoryState();
    db.exec('CREATE TABLE blocks (height INTEGER PRIMARY KEY)');
    const commit = db.transaction((h: number) => {
      db.prepare('INSERT INTO blocks (height) VALUES (?)').run(h);
      return ws.applyBlock(h, [put('a', h)]);
    });
    const root = commit(1);
    assert.equal(ws.root(1), root);
    assert.equal(db.prepare('SELECT count(*) FROM blocks').pluck().get(), 1);
  });
});

describe('WorldState roots (properties)', () => {
  const keyArb = fc.constantFrom(...Array.from({ length: 40 }, (_, i) => `key-${i}`));
  const writeArb = fc.record({
    contract: fc.constantFrom('token', 'notary'),
    key: keyArb,
    value: fc.option(
      fc.oneof(
        fc.integer(),
        fc.string({ maxLength: 5 }),
        fc.nat(3).map((n) => ({ n })),
      ),
      {
        nil: null,
        freq: 4,
      },
    ),
  });
  const blocksArb = fc.array(fc.array(writeArb, { maxLength: 25 }), { minLength: 1, maxLength: 8 });

  it('match the core reference tree at every height, and every key proves at every height', () => {
    fc.assert(
      fc.property(blocksArb, (blocks) => {
        const { ws } = memoryState();
        const model = new Map<string, JsonValue>();
        const snapshots: Array<Map<string, JsonValue>> = [new Map()];
        blocks.forEach((block, i) => {
          const writes = block.map((w, j) => ({ ...w, txId: `tx-${i}-${j}` }));
          const root = ws.applyBlock(i + 1, writes);
          applyToModel(model, writes);
          snapshots.push(new Map(model));
          assert.equal(root, referenceRoot(model));
        });
        for (let h = 0; h < snapshots.length; h++) {
          const snap = snapshots[h]!;
          for (const contract of ['token', 'notary']) {
            for (let k = 0; k < 40; k += 3) {
              const key = `key-${k}`;
              const expected = snap.get(`${contract}\0${key}`) ?? null;
              const p = ws.prove(contract, key, h);
              assert.deepEqual(p.value, expected);
              assert.ok(
                verifyStateProof(ws.root(h), contract, key, expected, p.proof),
                `${contract}/${key}@${h}`,
              );
            }
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('do not depend on the order of writes or on how they are split into blocks', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(writeArb, { selector: (w) => `${w.contract}\0${w.key}`, maxLength: 60 }),
        fc.nat(),
        (writes, seed) => {
          const tagged = writes.map((w, i) => ({ ...w, txId: `tx${i}` }));
          const a = memoryState().ws;
          const one = a.applyBlock(1, tagged);
          // Another order, split into blocks of pseudo-random sizes.
          const shuffled = tagged
            .map((w, i) => ({ w, r: (i * 2654435761 + seed) % 1000003 }))
            .sort((x, y) => x.r - y.r)
            .map((x) => x.w);
          const b = memoryState().ws;
          let height = 0;
          for (let i = 0; i < shuffled.length || height === 0; ) {
            const size = 1 + ((seed + i) % 7);
            b.applyBlock(++height, shuffled.slice(i, i + size));
            i += size;
          }
          assert.equal(b.root(), one);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('VersionedStateTree with adversarial key hashes (properties)', () => {
  // Key hashes from a tiny byte alphabet share long prefixes, so leaves split and collapse deep in
  // the tree, across nibble boundaries and inside 16-way nodes — shapes real key hashes rarely reach.
  const byteArb = fc.constantFrom(0x00, 0x01, 0x10, 0x80, 0xff);
  const keyArb = fc.array(byteArb, { minLength: 32, maxLength: 32 }).map((a) => toHex(new Uint8Array(a)));
  const opArb = fc.record({ key: fc.nat(11), value: fc.option(fc.nat(1000), { nil: null, freq: 3 }) });

  it('gives the reference root after every version and keeps every version provable', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(keyArb, { minLength: 1, maxLength: 12 }),
        fc.array(fc.array(opArb, { maxLength: 12 }), { minLength: 1, maxLength: 6 }),
        (keys, versions) => {
          const nodes = new Map<string, Uint8Array>();
          const id = (v: number, p: Uint8Array) => `${v}:${toHex(p)}`;
          const tree = new VersionedStateTree(
            {
              getNode: (v, p) => nodes.get(id(v, p)),
              putNode: (v, p, b) => {
                assert.equal(nodes.has(id(v, p)), false, 'a node is never written twice');
                nodes.set(id(v, p), b);
              },
            },
            { hash: 'sha256', nodeCacheSize: 4 }, // tiny: most reads go to the store
          );
          const model = new Map<string, string>();
          const history: Array<{ root: TreeRoot; model: Map<string, string> }> = [];
          let root = EMPTY_TREE_ROOT;
          versions.forEach((ops, v) => {
            const last = new Map<string, string | null>();
            for (const op of ops) {
              last.set(keys[op.key % keys.length]!, op.value === null ? null : stateValueHash(op.value));
            }
            const updates = [...last].map(([k, vh]) => ({
              keyHash: fromHex(k),
              valueHash: vh === null ? null : fromHex(vh),
            }));
            root = tree.update(root, v + 1, updates);
            for (const [k, vh] of last) {
              if (vh === null) model.delete(k);
              else model.set(k, vh);
            }
            const leaves = [...model].map(([keyHash, valueHash]) => ({ keyHash, valueHash }));
            assert.equal(toHex(root.hash), sparseMerkleRoot(leaves));
            history.push({ root, model: new Map(model) });
          });
          for (const { root: r, model: m } of history) {
            const leaves = [...m].map(([keyHash, valueHash]) => ({ keyHash, valueHash }));
            for (const k of keys) {
              const proof = tree.prove(r, fromHex(k));
              assert.deepEqual(proof, sparseMerkleProof(leaves, k));
              assert.ok(verifySparseMerkleProof(toHex(r.hash), k, m.get(k) ?? null, proof));
              const got = tree.get(r, fromHex(k));
              assert.equal(got === null ? null : toHex(got), m.get(k) ?? null);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses an update naming the same key hash twice', () => {
    const tree = new VersionedStateTree({ getNode: () => undefined, putNode: () => {} });
    const k = new Uint8Array(32);
    assert.throws(
      () =>
        tree.update(EMPTY_TREE_ROOT, 1, [
          { keyHash: k, valueHash: k },
          { keyHash: k, valueHash: null },
        ]),
      { code: 'BSN_INVALID_ARGUMENT' },
    );
  });

  it('refuses key or value hashes that are not 32 bytes', () => {
    const tree = new VersionedStateTree({ getNode: () => undefined, putNode: () => {} });
    assert.throws(() => tree.update(EMPTY_TREE_ROOT, 1, [{ keyHash: new Uint8Array(31), valueHash: null }]), {
      code: 'BSN_INVALID_ARGUMENT',
    });
    assert.throws(
      () => tree.update(EMPTY_TREE_ROOT, 1, [{ keyHash: new Uint8Array(32), valueHash: new Uint8Array(20) }]),
      { code: 'BSN_INVALID_ARGUMENT' },
    );
  });

  it('reports a missing node as BSN_LEDGER_STATE_CORRUPT', () => {
    const tree = new VersionedStateTree({ getNode: () => undefined, putNode: () => {} });
    const root: TreeRoot = { hash: new Uint8Array(32).fill(1), version: 3 };
    assert.throws(() => tree.prove(root, new Uint8Array(32)), { code: 'BSN_LEDGER_STATE_CORRUPT' });
  });
});

describe('VersionedStateTree input checks', () => {
  it('refuses a version a node encoding cannot hold with BSN_INVALID_ARGUMENT', () => {
    const tree = new VersionedStateTree({ getNode: () => undefined, putNode: () => {} }, { hash: 'sha256' });
    const update = [{ keyHash: new Uint8Array(32).fill(1), valueHash: new Uint8Array(32).fill(2) }];
    for (const version of [0, -1, 1.5, Number.NaN, 2 ** 48, Number.MAX_SAFE_INTEGER + 2]) {
      assert.throws(
        () => tree.update(EMPTY_TREE_ROOT, version, update),
        (err: unknown) => isBsnError(err) && err.code === 'BSN_INVALID_ARGUMENT',
        String(version),
      );
    }
    assert.equal(tree.update(EMPTY_TREE_ROOT, 2 ** 48 - 1, update).version, 2 ** 48 - 1);
  });
});
