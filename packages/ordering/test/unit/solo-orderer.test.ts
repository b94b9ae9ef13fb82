import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  type Block,
  blockHash,
  canonicalString,
  errorCatalog,
  generateKeyPair,
  isBsnError,
  transactionId,
  transactionsRoot,
  verifyBlockSignature,
  ZERO_HASH,
} from '@bsn/core';
import { encodeFrame, FramedFile, SoloOrderer, type SoloOrdererInit } from '@bsn/ordering';
import { makeTx, take, tempDir } from '../support/transactions.js';

const key = generateKeyPair();
const cleanups: (() => void)[] = [];
after(() => {
  for (const c of cleanups) c();
});

function freshDir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

async function openOrderer(over: Partial<SoloOrdererInit> = {}): Promise<SoloOrderer> {
  return SoloOrderer.open({
    dir: over.dir ?? freshDir(),
    id: 'orderer-1',
    keyPem: key.privateKeyPem,
    maxTxPerBlock: 5,
    maxBlockDelayMs: 60_000,
    ...over,
  });
}

function rejectsWith(code: string) {
  return (err: unknown): boolean => {
    assert.ok(isBsnError(err), `expected a BsnError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.ok(err.message.length > 0);
    assert.ok(errorCatalog[code], `${code} is registered`);
    return true;
  };
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 2));
  }
}

function txIds(block: Block): string[] {
  return block.txs.map((t) => transactionId(t.payload));
}

describe('SoloOrderer cutting', () => {
  test('cuts a block as soon as maxTxPerBlock transactions are pending', async () => {
    const o = await openOrderer({ maxTxPerBlock: 5, maxBlockDelayMs: 60_000 });
    const txs = Array.from({ length: 10 }, (_, i) => makeTx('c1', `n${i}`));
    const results = await Promise.all(txs.map((t) => o.submit(t)));
    assert.deepEqual(
      results.map((r) => r.txId),
      txs.map((t) => transactionId(t.payload)),
    );
    const blocks = await take(o.blocks('c1', 1), 2);
    assert.deepEqual(
      blocks.map((b) => b.txs.length),
      [5, 5],
    );
    assert.deepEqual(
      blocks.flatMap(txIds),
      results.map((r) => r.txId),
    );
    assert.equal(o.height('c1'), 2);
    await o.close();
  });

  test('cuts a partial block once maxBlockDelayMs has passed since the oldest pending transaction', async () => {
    const o = await openOrderer({ maxTxPerBlock: 100, maxBlockDelayMs: 150 });
    const started = performance.now();
    await Promise.all([
      o.submit(makeTx('c1', 'a')),
      o.submit(makeTx('c1', 'b')),
      o.submit(makeTx('c1', 'c')),
    ]);
    assert.equal(o.height('c1'), 0, 'no block before the delay');
    const [block] = await take(o.blocks('c1', 1), 1);
    const waited = performance.now() - started;
    assert.equal(block?.txs.length, 3);
    assert.ok(waited >= 140, `block came after ${waited} ms`);
    assert.ok(waited < 2000, `block came after ${waited} ms`);
    await o.close();
  });

  test('links heights and prevHash, sets txRoot and orderer, and signs every block', async () => {
    const base = 1_700_000_000_000;
    let call = 0;
    // A clock that jumps back 5 s on every other reading: block time must still never decrease.
    const o = await openOrderer({ maxTxPerBlock: 2, clock: () => base + call++ - (call % 2) * 5000 });
    const now = base;
    for (let i = 0; i < 8; i++) await o.submit(makeTx('c1', `x${i}`, { now, ttlMs: 3_600_000 }));
    const blocks = await take(o.blocks('c1', 1), 4);
    let prev = ZERO_HASH;
    let prevTime = 0;
    for (const [i, b] of blocks.entries()) {
      assert.equal(b.header.chain, 'c1');
      assert.equal(b.header.height, i + 1);
      assert.equal(b.header.prevHash, prev);
      assert.equal(b.header.txRoot, transactionsRoot(b.txs));
      assert.equal(b.header.orderer, 'orderer-1');
      assert.ok(b.header.time >= prevTime, 'block time is monotone');
      assert.deepEqual(verifyBlockSignature(b, key.publicKeyPem), { ok: true });
      prev = blockHash(b.header);
      prevTime = b.header.time;
    }
    const other = generateKeyPair();
    assert.equal(verifyBlockSignature(blocks[0] as Block, other.publicKeyPem).ok, false);
    await o.close();
  });

  test('keeps chains apart: each chain has its own heights', async () => {
    const o = await openOrderer({ maxTxPerBlock: 2 });
    for (let i = 0; i < 4; i++) await o.submit(makeTx(i % 2 ? 'left' : 'right', `m${i}`));
    await waitFor(() => o.height('left') === 1 && o.height('right') === 1);
    const [l] = await take(o.blocks('left', 1), 1);
    assert.ok(l?.txs.every((t) => t.payload.chain === 'left'));
    assert.equal(o.height('never-used'), 0);
    await o.close();
  });

  test('batches concurrent submits into few WAL writes (group commit)', async () => {
    const o = await openOrderer({ maxTxPerBlock: 500 });
    await Promise.all(Array.from({ length: 1000 }, (_, i) => o.submit(makeTx('c1', `g${i}`))));
    const s = o.stats();
    assert.equal(s.walRecords, 1000);
    assert.ok(s.walAppends <= 10, `1000 concurrent submits took ${s.walAppends} WAL writes`);
    await o.close();
  });
});

describe('SoloOrderer refusals', () => {
  test('rejects a transaction that is already pending or already ordered', async () => {
    const o = await openOrderer({ maxTxPerBlock: 2 });
    const t = makeTx('c1', 'dup');
    const [first, second] = await Promise.allSettled([o.submit(t), o.submit(t)]);
    assert.equal(first.status, 'fulfilled');
    assert.equal(second.status, 'rejected');
    rejectsWith('BSN_ORDERING_DUPLICATE')((second as PromiseRejectedResult).reason);
    await o.submit(makeTx('c1', 'other'));
    await waitFor(() => o.height('c1') === 1);
    await assert.rejects(o.submit(t), rejectsWith('BSN_ORDERING_DUPLICATE'));
    assert.deepEqual(o.status(transactionId(t.payload)), { state: 'ordered', chain: 'c1', height: 1 });
    await o.close();
  });

  test('rejects an expired transaction at submit', async () => {
    const o = await openOrderer();
    await assert.rejects(
      o.submit(makeTx('c1', 'old', { expires: Date.now() - 1 })),
      rejectsWith('BSN_ORDERING_EXPIRED'),
    );
    await o.close();
  });

  test('drops a pending transaction that has expired when its block is cut, and says why', async () => {
    let now = 1_700_000_000_000;
    const o = await openOrderer({ maxTxPerBlock: 3, clock: () => now });
    const short = makeTx('c1', 'short', { now, ttlMs: 10 });
    const long1 = makeTx('c1', 'long1', { now, ttlMs: 60_000 });
    await o.submit(short);
    await o.submit(long1);
    now += 1000; // `short` expires before the block is cut
    await o.submit(makeTx('c1', 'long2', { now, ttlMs: 60_000 }));
    const [block] = await take(o.blocks('c1', 1), 1);
    assert.deepEqual(
      block?.txs.map((t) => t.payload.nonce),
      ['long1', 'long2'],
    );
    assert.deepEqual(o.status(transactionId(short.payload)), {
      state: 'dropped',
      chain: 'c1',
      reason: 'expired',
      blockTime: now,
    });
    await o.close();
  });

  test('rejects a transaction that expires beyond maxTxTtlMs', async () => {
    const o = await openOrderer({ maxTxTtlMs: 1000 });
    await assert.rejects(
      o.submit(makeTx('c1', 'far', { ttlMs: 10_000 })),
      rejectsWith('BSN_ORDERING_TTL_TOO_LONG'),
    );
    await o.close();
  });

  test('rejects a malformed transaction naming the bad field', async () => {
    const o = await openOrderer();
    const t = makeTx('c1', 'bad');
    await assert.rejects(
      o.submit({ ...t, payload: { ...t.payload, expires: 'soon' } } as never),
      (err: unknown) =>
        rejectsWith('BSN_ORDERING_MALFORMED')(err) && (err as Error).message.includes('/payload/expires'),
    );
    await assert.rejects(
      o.submit({ ...t, payload: { ...t.payload, chain: '../etc' } }),
      (err: unknown) =>
        rejectsWith('BSN_ORDERING_MALFORMED')(err) && (err as Error).message.includes('/payload/chain'),
    );
    await assert.rejects(o.submit(null as never), rejectsWith('BSN_ORDERING_MALFORMED'));
    await o.close();
  });

  test('rejects a transaction larger than maxTxBytes', async () => {
    const o = await openOrderer({ maxTxBytes: 2000 });
    const t = makeTx('c1', 'big');
    await assert.rejects(
      o.submit({ ...t, payload: { ...t.payload, args: ['x'.repeat(3000)] } }),
      rejectsWith('BSN_ORDERING_TOO_LARGE'),
    );
    await o.close();
  });

  test('rejects a chain it does not order when chains are restricted', async () => {
    const o = await openOrderer({ chains: (c) => c === 'c1' });
    await assert.rejects(o.submit(makeTx('c2', 'x')), rejectsWith('BSN_ORDERING_UNKNOWN_CHAIN'));
    assert.throws(() => o.blocks('c2', 1), rejectsWith('BSN_ORDERING_UNKNOWN_CHAIN'));
    await o.submit(makeTx('c1', 'ok'));
    await o.close();
  });

  test('refuses a chain past maxChains with CHAIN_LIMIT, and keeps ordering the chains it has', async () => {
    const dir = freshDir();
    const o = await openOrderer({ dir, maxChains: 2, maxTxPerBlock: 1 });
    await o.submit(makeTx('c1', 'a'));
    await o.submit(makeTx('c2', 'a'));
    // A stream of a third chain id is no chain of the orderer's: it does not count.
    const ac = new AbortController();
    const waiting = take(o.blocks('c3', 1, ac.signal), 1);
    await assert.rejects(o.submit(makeTx('c3', 'a')), rejectsWith('BSN_ORDERING_CHAIN_LIMIT'));
    await o.submit(makeTx('c1', 'b'));
    await waitFor(() => o.height('c1') === 2);
    ac.abort();
    await waiting;
    await o.close();
    // After a restart the chains on disk are the orderer's, and the limit still holds.
    const again = await openOrderer({ dir, maxChains: 2, maxTxPerBlock: 1 });
    await again.submit(makeTx('c2', 'b'));
    await assert.rejects(again.submit(makeTx('c4', 'a')), rejectsWith('BSN_ORDERING_CHAIN_LIMIT'));
    await again.close();
  });

  test('rejects with OVERLOADED when maxPending transactions are waiting', async () => {
    const o = await openOrderer({ maxPending: 3, maxTxPerBlock: 100 });
    const results = await Promise.allSettled([1, 2, 3, 4].map((i) => o.submit(makeTx('c1', `o${i}`))));
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'fulfilled', 'fulfilled', 'rejected'],
    );
    rejectsWith('BSN_ORDERING_OVERLOADED')((results[3] as PromiseRejectedResult).reason);
    await o.close();
  });

  test('rejects submits after close and a second open of the same directory', async () => {
    const dir = freshDir();
    const o = await openOrderer({ dir });
    await assert.rejects(openOrderer({ dir }), rejectsWith('BSN_ORDERING_LOCKED'));
    await o.close();
    await assert.rejects(o.submit(makeTx('c1', 'late')), rejectsWith('BSN_ORDERING_CLOSED'));
  });

  test('rejects bad options naming the option', async () => {
    await assert.rejects(
      openOrderer({ maxTxPerBlock: 0 }),
      (err: unknown) =>
        rejectsWith('BSN_INVALID_ARGUMENT')(err) && (err as Error).message.includes('maxTxPerBlock'),
    );
    await assert.rejects(
      openOrderer({ recentBlockBytes: 0 }),
      (err: unknown) =>
        rejectsWith('BSN_INVALID_ARGUMENT')(err) && (err as Error).message.includes('recentBlockBytes'),
    );
    await assert.rejects(openOrderer({ keyPem: 'not a key' }), rejectsWith('BSN_KEY_INVALID'));
  });

  test('refuses options that allow a block larger than a block record holds', async () => {
    // 1,100 acknowledged transactions of 250 KB would make a block no frame can hold: the orderer
    // would stop at that block, and again after every restart.
    await assert.rejects(
      openOrderer({ maxTxPerBlock: 1100, maxTxBytes: 256 * 1024 }),
      (err: unknown) =>
        rejectsWith('BSN_INVALID_ARGUMENT')(err) && /maxTxPerBlock × maxTxBytes/.test((err as Error).message),
    );
    const o = await openOrderer({ maxTxPerBlock: 1000, maxTxBytes: 128 * 1024 });
    await o.close();
  });
});

describe('SoloOrderer block streams', () => {
  test('streams from height 1 and from the middle, stored blocks then live ones', async () => {
    const o = await openOrderer({ maxTxPerBlock: 1 });
    for (let i = 0; i < 3; i++) await o.submit(makeTx('c1', `s${i}`));
    await waitFor(() => o.height('c1') === 3);
    const fromStart = take(o.blocks('c1', 1), 5);
    const fromMiddle = take(o.blocks('c1', 2), 4);
    const fromFuture = take(o.blocks('c1', 5), 1);
    for (let i = 3; i < 5; i++) await o.submit(makeTx('c1', `s${i}`));
    assert.deepEqual(
      (await fromStart).map((b) => b.header.height),
      [1, 2, 3, 4, 5],
    );
    assert.deepEqual(
      (await fromMiddle).map((b) => b.header.height),
      [2, 3, 4, 5],
    );
    assert.deepEqual(
      (await fromFuture).map((b) => b.txs[0]?.payload.nonce),
      ['s4'],
    );
    await o.close();
  });

  test('serves several concurrent subscribers the same blocks without gaps or repeats', async () => {
    const o = await openOrderer({ maxTxPerBlock: 3, maxBlockDelayMs: 5 });
    const subs = Array.from({ length: 4 }, () => take(o.blocks('c1', 1), 20));
    const submits: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i++) submits.push(o.submit(makeTx('c1', `cc${i}`)));
    await Promise.all(submits);
    await waitFor(() => o.height('c1') >= 20);
    const got = await Promise.all(subs);
    for (const blocks of got) {
      assert.deepEqual(
        blocks.map((b) => b.header.height),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      assert.deepEqual(
        blocks.map((b) => b.signature),
        got[0]?.map((b) => b.signature),
      );
    }
    await o.close();
  });

  test('keeps at most recentBlockBytes of recent blocks over all its chains, and streams every block', async () => {
    const dir = freshDir();
    const bound = 1024 * 1024;
    const o = await openOrderer({ dir, maxTxPerBlock: 1, recentBlockBytes: bound });
    const chains = ['a', 'b', 'c'];
    // One 200 KB transaction per block, 4 blocks on each of 3 chains: 2.4 MB of blocks, all of
    // which a bound per chain of 1 MiB would keep.
    for (let i = 0; i < 4; i++) {
      for (const c of chains) await o.submit(makeTx(c, `${c}${i}`, { args: ['x'.repeat(200_000)] }));
    }
    await waitFor(() => chains.every((c) => o.height(c) === 4));
    const { cachedBlocks, cachedBlockBytes } = o.stats();
    assert.ok(cachedBlockBytes <= bound && cachedBlockBytes > bound - 250_000, `${cachedBlockBytes} bytes`);
    assert.equal(cachedBlocks, 5);
    for (const c of chains) {
      const blocks = await take(o.blocks(c, 1), 4);
      assert.deepEqual(
        blocks.map((b) => b.txs[0]?.payload.nonce),
        [0, 1, 2, 3].map((i) => `${c}${i}`),
      );
    }
    await o.close();
    // Opening reads every chain's blocks into the cache, under the same bound.
    const again = await openOrderer({ dir, recentBlockBytes: bound });
    assert.ok(again.stats().cachedBlockBytes <= bound);
    assert.equal(again.stats().cachedBlocks, 5);
    await again.close();
  });

  test('ends a stream when its signal aborts', async () => {
    const o = await openOrderer({ maxTxPerBlock: 1 });
    await o.submit(makeTx('c1', 'a'));
    const ac = new AbortController();
    const seen: number[] = [];
    const done = (async () => {
      for await (const b of o.blocks('c1', 1, ac.signal)) seen.push(b.header.height);
    })();
    await waitFor(() => seen.length === 1);
    ac.abort();
    await done;
    assert.deepEqual(seen, [1]);
    await o.close();
  });

  test('a stream of a chain with nothing yet waits for its first block, and leaves nothing behind when it ends', async () => {
    const o = await openOrderer({ maxTxPerBlock: 1 });
    // Streams of made-up chain ids, each ended by its client: no state is kept for any of them.
    for (let i = 0; i < 50; i++) {
      const ac = new AbortController();
      const done = (async () => {
        for await (const _ of o.blocks(`made-up-${i}`, 1, ac.signal)) assert.fail('no block expected');
      })();
      ac.abort();
      await done;
    }
    assert.equal(o.stats().chains, 0);
    // A stream that waits for a chain before its first transaction still gets its blocks.
    const first = take(o.blocks('later', 1), 1);
    await o.submit(makeTx('later', 'a'));
    assert.equal((await first)[0]?.header.height, 1);
    assert.equal(o.stats().chains, 1);
    await o.close();
  });

  test('ends waiting streams with CLOSED when the orderer closes', async () => {
    const o = await openOrderer();
    const it = o.blocks('c1', 1)[Symbol.asyncIterator]();
    const outcome = assert.rejects(it.next(), rejectsWith('BSN_ORDERING_CLOSED'));
    await o.close();
    await outcome;
  });

  test('rejects a bad fromHeight', async () => {
    const o = await openOrderer();
    assert.throws(() => o.blocks('c1', 0), rejectsWith('BSN_INVALID_ARGUMENT'));
    assert.throws(() => o.blocks('c1', 1.5), rejectsWith('BSN_INVALID_ARGUMENT'));
    await o.close();
  });
});

describe('SoloOrderer restart', () => {
  test('re-queues acknowledged transactions not yet in a block, in their original order', async () => {
    const dir = freshDir();
    const o1 = await openOrderer({ dir, maxTxPerBlock: 3 });
    const txs = Array.from({ length: 8 }, (_, i) => makeTx('c1', `r${i}`));
    for (const t of txs) await o1.submit(t);
    await waitFor(() => o1.height('c1') === 2);
    await o1.close(); // two transactions are acknowledged but pending
    const o2 = await openOrderer({ dir, maxTxPerBlock: 3, maxBlockDelayMs: 10 });
    assert.equal(o2.stats().requeuedOnOpen, 2);
    const blocks = await take(o2.blocks('c1', 1), 3);
    assert.deepEqual(
      blocks.flatMap(txIds),
      txs.map((t) => transactionId(t.payload)),
    );
    await assert.rejects(o2.submit(txs[0] as never), rejectsWith('BSN_ORDERING_DUPLICATE'));
    await o2.close();
  });

  test('writes each block as its JSON with the transactions’ canonical encodings, and reads it back', async () => {
    const dir = freshDir();
    const o1 = await openOrderer({ dir, maxTxPerBlock: 2 });
    const plain = makeTx('c1', 'b0');
    // Members out of canonical order and text that needs escaping, as a client's JSON may have them.
    const odd = makeTx('c1', 'b1');
    const { args, ...rest } = odd.payload;
    const reordered = {
      signature: odd.signature,
      payload: { ...rest, args: [...args, { z: 'line\n"é😀"', a: [1.5, 0, 1e21] }] },
    } as typeof odd;
    const txs = [plain, reordered, makeTx('c1', 'b2'), makeTx('c1', 'b3')];
    for (const t of txs) await o1.submit(t);
    const streamed = await take(o1.blocks('c1', 1), 2);
    await o1.close();

    const records: string[] = [];
    const file = await FramedFile.open(join(dir, 'chains', 'c1.blocks'), (p) => records.push(p.toString()));
    await file.close();
    assert.deepEqual(
      records,
      streamed.map(
        (b) =>
          `{"header":${JSON.stringify(b.header)},"signature":"${b.signature}","txs":[${b.txs.map(canonicalString).join(',')}]}`,
      ),
    );
    assert.deepEqual(
      records.map((r) => JSON.parse(r)),
      streamed,
    );
    const o2 = await openOrderer({ dir, maxTxPerBlock: 2 });
    assert.deepEqual(await take(o2.blocks('c1', 1), 2), streamed);
    await o2.close();
  });

  test('reads block files whose records are JSON.stringify(block), and continues them', async () => {
    const dir = freshDir();
    const o1 = await openOrderer({ dir, maxTxPerBlock: 2 });
    for (let i = 0; i < 4; i++) await o1.submit(makeTx('c1', `j${i}`));
    const blocks = await take(o1.blocks('c1', 1), 2);
    await o1.close();
    // The record format before transactions' encodings were spliced in.
    const legacy = freshDir();
    mkdirSync(join(legacy, 'chains'));
    writeFileSync(
      join(legacy, 'chains', 'c1.blocks'),
      Buffer.concat(blocks.map((b) => encodeFrame(Buffer.from(JSON.stringify(b))))),
    );
    const o2 = await openOrderer({ dir: legacy, maxTxPerBlock: 1 });
    assert.deepEqual(await take(o2.blocks('c1', 1), 2), blocks);
    await o2.submit(makeTx('c1', 'j4'));
    const [third] = await take(o2.blocks('c1', 3), 1);
    assert.equal(third?.header.prevHash, blockHash((blocks[1] as Block).header));
    await o2.close();
  });

  test('cuts off a torn last record of the WAL and of a block file', async () => {
    const dir = freshDir();
    const o1 = await openOrderer({ dir, maxTxPerBlock: 2 });
    for (let i = 0; i < 5; i++) await o1.submit(makeTx('c1', `t${i}`));
    await waitFor(() => o1.height('c1') === 2);
    await o1.close();
    const walDir = join(dir, 'wal');
    const segment = readdirSync(walDir).find((f) => f.endsWith('.wal')) as string;
    // A frame header promising 500 bytes followed by only 3: a write cut short by a crash.
    appendFileSync(join(walDir, segment), Buffer.from([0, 0, 1, 244, 1, 2, 3, 4, 9, 9, 9]));
    appendFileSync(join(dir, 'chains', 'c1.blocks'), Buffer.from([0, 0, 0]));
    const o2 = await openOrderer({ dir, maxTxPerBlock: 2, maxBlockDelayMs: 10 });
    assert.equal(o2.stats().truncatedBytesOnOpen, 14);
    assert.equal(o2.height('c1'), 2);
    assert.equal(o2.stats().requeuedOnOpen, 1);
    const blocks = await take(o2.blocks('c1', 1), 3);
    assert.deepEqual(
      blocks.map((b) => b.txs.map((t) => t.payload.nonce)),
      [['t0', 't1'], ['t2', 't3'], ['t4']],
    );
    await o2.close();
  });

  test('refuses to start on a block file damaged in the middle', async () => {
    const dir = freshDir();
    const o1 = await openOrderer({ dir, maxTxPerBlock: 1 });
    for (let i = 0; i < 3; i++) await o1.submit(makeTx('c1', `d${i}`));
    await waitFor(() => o1.height('c1') === 3);
    await o1.close();
    const file = join(dir, 'chains', 'c1.blocks');
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(file);
    bytes[20] = (bytes[20] as number) ^ 0xff; // inside the first block's payload
    writeFileSync(file, bytes);
    await assert.rejects(openOrderer({ dir }), rejectsWith('BSN_ORDERING_CORRUPT'));
  });

  test('deletes WAL segments whose transactions are all in durable blocks', async () => {
    const dir = freshDir();
    const o1 = await openOrderer({ dir, maxTxPerBlock: 10, maxBlockDelayMs: 1, segmentBytes: 4096 });
    for (let i = 0; i < 100; i++) await o1.submit(makeTx('c1', `w${i}`));
    await waitFor(() => o1.stats().pending === 0);
    const s = o1.stats();
    assert.ok(s.walSegmentsDeleted > 5, `deleted ${s.walSegmentsDeleted} segments`);
    assert.ok(s.walSegments <= 2, `${s.walSegments} segments left`);
    await o1.close();
    const o2 = await openOrderer({ dir, maxTxPerBlock: 10, segmentBytes: 4096 });
    assert.equal(o2.stats().requeuedOnOpen, 0);
    const blocks = await take(o2.blocks('c1', 1), o2.height('c1'));
    assert.equal(blocks.flatMap(txIds).length, 100);
    await o2.close();
  });
});
