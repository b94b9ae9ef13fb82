import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type Block, blockHash, ZERO_HASH } from '@bsn/core';
import { BlockFile } from '../../src/block-file.js';
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
  let prevHash = ZERO_HASH;
  for (let height = 1; height <= count; height++) {
    const header = { chain: 'c1', height, prevHash, txRoot: '0'.repeat(64), time: height, orderer: 'o' };
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
  const small = await BlockFile.open(join(dir, 'small.blocks'), 'c1');
  await appendBlocks(small, 100, 100);
  assert.equal(small.cached.blocks, 64);

  // 1.5 MB blocks: a count of 64 would keep ~96 MB of records parsed; the byte bound keeps 4 MiB.
  const large = await BlockFile.open(join(dir, 'large.blocks'), 'c1');
  const blocks = await appendBlocks(large, 8, 1_500_000);
  assert.ok(large.cached.bytes <= 4 * 1024 * 1024, `${large.cached.bytes} bytes cached`);
  assert.ok(large.cached.blocks >= 1 && large.cached.blocks < 8);
  for (const b of blocks) assert.deepEqual(await large.read(b.header.height), b);
  await large.close();

  // Reopened, the blocks read while opening fill the cache under the same bounds.
  const reopened = await BlockFile.open(join(dir, 'large.blocks'), 'c1');
  assert.equal(reopened.height, 8);
  assert.ok(reopened.cached.bytes <= 4 * 1024 * 1024);
  assert.deepEqual(await reopened.read(1), blocks[0]);
  await reopened.close();
  await small.close();
});

test('a single block larger than the byte bound is still kept, being the last', async () => {
  const file = await BlockFile.open(join(freshDir(), 'one.blocks'), 'c1');
  await appendBlocks(file, 1, 5_000_000);
  assert.equal(file.cached.blocks, 1);
  await file.close();
});
