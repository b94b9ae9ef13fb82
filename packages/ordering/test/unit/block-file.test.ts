import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type Block, blockHash, canonicalString, ZERO_HASH } from '@bsn/core';
import fc from 'fast-check';
import { BlockFile } from '../../src/block-file.js';
import { FramedFile } from '../../src/framed-file.js';
import { RecentBlocks } from '../../src/recent-blocks.js';
import { stringifiedRecords } from '../support/stringified-records.js';
import { tempDir } from '../support/transactions.js';

const cleanups: (() => void)[] = [];
after(() => {
  for (const c of cleanups) c();
});

/** A fresh directory, removed after the tests. */
function freshDir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

/** Appends `count` blocks whose one transaction holds `filler` bytes; returns them. */
async function appendBlocks(file: BlockFile, count: number, filler: number): Promise<Block[]> {
  const out: Block[] = [];
  let prevHash = file.tipHash;
  const first = file.height + 1;
  for (let height = first; height < first + count; height++) {
    const header = {
      chain: file.chain,
      height,
      prevHash,
      txRoot: '0'.repeat(64),
      time: height,
      orderer: 'o',
    };
    const tx = { note: `${height}`.padEnd(filler, 'x') };
    const block = { header, signature: 'ab', txs: [tx] } as unknown as Block;
    await file.append(block, [Buffer.from(JSON.stringify(tx))]);
    out.push(block);
    prevHash = blockHash(header);
  }
  return out;
}

test('recent blocks are kept by count and by bytes, and evicted ones are read back from disk', async () => {
  const dir = freshDir();
  const limits = { maxBytes: 4 * 1024 * 1024, maxBlocks: 64 };
  const small = await BlockFile.open(join(dir, 'small.blocks'), 'c1', () => {}, new RecentBlocks(limits));
  await appendBlocks(small, 100, 100);
  assert.equal(small.cached.blocks, 64);

  // 1.5 MB blocks: a count of 64 would keep ~96 MB of JSON; the byte bound keeps 4 MiB.
  const large = await BlockFile.open(join(dir, 'large.blocks'), 'c1', () => {}, new RecentBlocks(limits));
  const blocks = await appendBlocks(large, 8, 1_500_000);
  assert.ok(large.cached.bytes <= 4 * 1024 * 1024, `${large.cached.bytes} bytes cached`);
  assert.ok(large.cached.blocks >= 1 && large.cached.blocks < 8);
  for (const b of blocks) assert.deepEqual(await large.read(b.header.height), b);
  await large.close();

  // Reopened, the blocks read while opening fill the cache under the same bounds.
  const reopened = await BlockFile.open(join(dir, 'large.blocks'), 'c1', () => {}, new RecentBlocks(limits));
  assert.equal(reopened.height, 8);
  assert.ok(reopened.cached.bytes <= 4 * 1024 * 1024);
  assert.deepEqual(await reopened.read(1), blocks[0]);
  await reopened.close();
  await small.close();
});

test('a single block larger than the byte bound is still kept, being the newest', async () => {
  const cache = new RecentBlocks({ maxBytes: 1024 * 1024, maxBlocks: 64 });
  const file = await BlockFile.open(join(freshDir(), 'one.blocks'), 'c1', () => {}, cache);
  await appendBlocks(file, 1, 5_000_000);
  assert.equal(file.cached.blocks, 1);
  assert.equal(cache.blocks, 1);
  await file.close();
});

test('one byte bound covers every chain sharing the cache, oldest block of any chain out first', async () => {
  const dir = freshDir();
  const cache = new RecentBlocks({ maxBytes: 4 * 1024 * 1024, maxBlocks: 1024 });
  const files = await Promise.all(
    ['a', 'b', 'c'].map((chain) => BlockFile.open(join(dir, `${chain}.blocks`), chain, () => {}, cache)),
  );
  const written: Block[][] = [[], [], []];
  // 1 MB blocks, taking turns: 9 MB written, where a bound per chain of 4 MiB kept all of it.
  for (let round = 0; round < 3; round++) {
    for (const [i, f] of files.entries()) written[i]?.push(...(await appendBlocks(f, 1, 1_000_000)));
  }
  assert.ok(cache.bytes <= 4 * 1024 * 1024, `${cache.bytes} bytes cached`);
  assert.equal(cache.blocks, 4);
  assert.deepEqual(
    files.map((f) => f.cached),
    [
      { blocks: 1, bytes: files[0]?.cached.bytes },
      { blocks: 1, bytes: files[1]?.cached.bytes },
      { blocks: 2, bytes: files[2]?.cached.bytes },
    ],
    'the newest four: c2, a3, b3, c3',
  );
  assert.equal(
    files.reduce((n, f) => n + f.cached.bytes, 0),
    cache.bytes,
  );
  for (const [i, f] of files.entries()) {
    for (const b of written[i] ?? []) assert.deepEqual(await f.read(b.header.height), b);
  }
  // A closed chain's blocks leave the cache.
  await files[2]?.close();
  assert.equal(cache.blocks, 2);
  await files[0]?.close();
  await files[1]?.close();
  assert.deepEqual([cache.blocks, cache.bytes], [0, 0]);
});

/** A block of transactions encoded the way the orderer encodes them (canonically). */
function canonicalBlock(height: number, prevHash: string, args: unknown[][]) {
  const header = { chain: 'c1', height, prevHash, txRoot: '0'.repeat(64), time: height, orderer: 'o' };
  const txs = args.map((a, i) => ({
    payload: { chain: 'c1', nonce: `${height}.${i}`, args: a },
    signature: 'ab',
  }));
  const block = { header, signature: 'cd', txs } as unknown as Block;
  return { block, records: txs.map((t) => Buffer.from(canonicalString(t))) };
}

test('the JSON of a block is byte for byte what stringifying the stored block gave, cached or read back', async () => {
  // Member names include digit-only ones, which JavaScript lists first in a parsed object while
  // the stored (canonical) record sorts them as strings.
  const name = fc.oneof(fc.constantFrom('0', '1', '9', '10', '01', '4294967295', 'a', 'b', ''), fc.string());
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.string({ unit: 'grapheme' }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(name, tie('value'), { maxKeys: 5 }),
    ),
  })).value;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(fc.array(json, { maxLength: 3 }), { maxLength: 3 }), { minLength: 1, maxLength: 4 }),
      async (blocks) => {
        const path = join(freshDir(), 'p.blocks');
        const file = await BlockFile.open(path, 'c1');
        const sent: Buffer[] = [];
        let prevHash = ZERO_HASH;
        for (const [i, args] of blocks.entries()) {
          const { block, records } = canonicalBlock(i + 1, prevHash, args);
          await file.append(block, records);
          sent.push(await file.readJson(i + 1));
          prevHash = blockHash(block.header);
        }
        await file.close();
        const expected = await stringifiedRecords(path);
        assert.deepEqual(sent, expected);
        const reopened = await BlockFile.open(path, 'c1', () => {});
        for (let h = 1; h <= blocks.length; h++)
          assert.deepEqual(await reopened.readJson(h), expected[h - 1]);
        await reopened.close();
      },
    ),
    { numRuns: 60 },
  );
});

test('a block whose objects have digit-only member names is sent in the order JavaScript gives them', async () => {
  const path = join(freshDir(), 'digits.blocks');
  const file = await BlockFile.open(path, 'c1');
  const { block, records } = canonicalBlock(1, ZERO_HASH, [[{ 10: 'ten', 9: 'nine', b: 1, a: 2 }]]);
  await file.append(block, records);
  const json = (await file.readJson(1)).toString();
  assert.match(json, /\{"9":"nine","10":"ten","a":2,"b":1\}/);
  assert.match((records[0] as Buffer).toString(), /\{"10":"ten","9":"nine","a":2,"b":1\}/);
  await file.close();
});

test('every reader of a recent block gets the one buffer of its JSON, read from memory', async (t) => {
  const file = await BlockFile.open(join(freshDir(), 'shared.blocks'), 'c1');
  await appendBlocks(file, 2, 1_000_000);
  const diskReads = t.mock.method(FramedFile.prototype, 'read');
  const [a, b] = await Promise.all([file.readJson(2), file.readJson(2)]);
  assert.equal(diskReads.mock.callCount(), 0, 'a recent block reads nothing from disk');
  assert.equal(a, b, 'the same Buffer object, not two copies');
  await file.close();
});

test('readers of a block no longer cached share one buffer while any of them holds it', async () => {
  const path = join(freshDir(), 'held.blocks');
  const limits = { maxBytes: 4 * 1024 * 1024, maxBlocks: 64 };
  const written = await BlockFile.open(path, 'c1', () => {}, new RecentBlocks(limits));
  await appendBlocks(written, 4, 1_500_000);
  await written.close();
  const file = await BlockFile.open(path, 'c1', () => {}, new RecentBlocks(limits));
  assert.equal(file.cached.blocks, 2, 'blocks 1 and 2 are only on disk');
  const [a, b] = await Promise.all([file.readJson(1), file.readJson(1)]);
  assert.equal(a, b, 'concurrent reads of a block share one read');
  assert.equal(await file.readJson(1), a, 'a later read gets the buffer still held');
  const held = await file.readJson(4);
  await appendBlocks(file, 3, 1_500_000);
  assert.equal(file.cached.blocks, 2, 'block 4 left the cache');
  assert.equal(
    await file.readJson(4),
    held,
    'a reader of a block dropped from the cache gets the held buffer',
  );
  await file.close();
});
