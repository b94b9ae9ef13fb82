import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isBsnError } from '@bsn/core';
import { encodeFrame, FramedFile } from '@bsn/ordering';
import fc from 'fast-check';
import { encodeFrameParts } from '../../src/framed-file.js';
import { tempDir } from '../support/transactions.js';

const { dir, cleanup } = tempDir('bsn-framed-');
after(cleanup);
let n = 0;
const nextPath = (): string => join(dir, `f${n++}.log`);

async function readAll(path: string): Promise<{ payloads: Buffer[]; truncated: number; size: number }> {
  const payloads: Buffer[] = [];
  const f = await FramedFile.open(path, (p) => payloads.push(p));
  const out = { payloads, truncated: f.recovery.truncatedBytes, size: f.bytes };
  await f.close();
  return out;
}

test('reads back appended records in order, and by offset', async () => {
  const path = nextPath();
  const f = await FramedFile.open(path);
  const offsets = await f.append([Buffer.from('one'), Buffer.from('two')]);
  const [third] = await f.append([Buffer.from('three')]);
  assert.equal((await f.read(offsets[1] as number)).toString(), 'two');
  assert.equal((await f.read(third as number)).toString(), 'three');
  await f.close();
  const back = await readAll(path);
  assert.deepEqual(
    back.payloads.map((p) => p.toString()),
    ['one', 'two', 'three'],
  );
  assert.equal(back.truncated, 0);
});

test('a file cut at any byte reopens as exactly the records that were whole', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 8 }),
      fc.nat(),
      async (records, cutSeed) => {
        const path = nextPath();
        const frames = records.map((r) => encodeFrame(r));
        writeFileSync(path, Buffer.concat(frames));
        const total = statSync(path).size;
        const cut = cutSeed % (total + 1);
        truncateSync(path, cut);
        let whole = 0;
        let end = 0;
        for (const f of frames) {
          if (end + f.length > cut) break;
          end += f.length;
          whole++;
        }
        const back = await readAll(path);
        assert.equal(back.payloads.length, whole);
        for (const [i, p] of back.payloads.entries()) assert.deepEqual(new Uint8Array(p), records[i]);
        assert.equal(back.truncated, cut - end);
        assert.equal(statSync(path).size, end, 'the torn tail is cut off on disk');
      },
    ),
    { numRuns: 150 },
  );
});

test('treats a zero-filled tail as torn and cuts it off', async () => {
  const path = nextPath();
  writeFileSync(path, Buffer.concat([encodeFrame(Buffer.from('kept')), Buffer.alloc(4096)]));
  const back = await readAll(path);
  assert.deepEqual(
    back.payloads.map((p) => p.toString()),
    ['kept'],
  );
  assert.equal(back.truncated, 4096);
});

test('treats a last record with a bad CRC as torn', async () => {
  const path = nextPath();
  const last = encodeFrame(Buffer.from('last'));
  last[last.length - 1] = (last[last.length - 1] as number) ^ 1;
  writeFileSync(path, Buffer.concat([encodeFrame(Buffer.from('first')), last]));
  const back = await readAll(path);
  assert.equal(back.payloads.length, 1);
  assert.equal(back.truncated, last.length);
});

test('refuses a file with a damaged record followed by good ones', async () => {
  const path = nextPath();
  const bad = encodeFrame(Buffer.from('middle'));
  bad[9] = (bad[9] as number) ^ 1;
  writeFileSync(path, Buffer.concat([encodeFrame(Buffer.from('a')), bad, encodeFrame(Buffer.from('c'))]));
  await assert.rejects(FramedFile.open(path), (err: unknown) => {
    assert.ok(isBsnError(err, 'BSN_ORDERING_CORRUPT'));
    assert.equal(err.details.offset, 9);
    return true;
  });
  assert.equal(readFileSync(path).length, 9 + bad.length + 9, 'a corrupt file is left untouched');
});

test('appends after a truncated tail continue cleanly', async () => {
  const path = nextPath();
  writeFileSync(path, encodeFrame(Buffer.from('a')));
  appendFileSync(path, Buffer.from([0, 0, 0, 99, 1]));
  const f = await FramedFile.open(path);
  await f.append([Buffer.from('b')]);
  await f.close();
  assert.deepEqual(
    (await readAll(path)).payloads.map((p) => p.toString()),
    ['a', 'b'],
  );
});

test('refuses an empty payload', () => {
  assert.throws(
    () => encodeFrame(new Uint8Array(0)),
    (err: unknown) => isBsnError(err, 'BSN_INVALID_ARGUMENT'),
  );
});

test('a record framed from parts is the frame of their concatenation, and appends as one record', async () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }), (parts) => {
      const joined = Buffer.concat(parts);
      if (joined.length === 0) {
        assert.throws(
          () => encodeFrameParts(parts),
          (err: unknown) => isBsnError(err, 'BSN_INVALID_ARGUMENT'),
        );
      } else {
        assert.deepEqual(encodeFrameParts(parts), encodeFrame(joined));
      }
    }),
  );
  const path = nextPath();
  const f = await FramedFile.open(path);
  const [first] = await f.append([Buffer.from('one')]);
  const [second] = await f.appendFrames([encodeFrameParts([Buffer.from('tw'), Buffer.from('o')])]);
  assert.equal((await f.read(first as number)).toString(), 'one');
  assert.equal((await f.read(second as number)).toString(), 'two');
  await f.close();
  assert.deepEqual(
    (await readAll(path)).payloads.map((p) => p.toString()),
    ['one', 'two'],
  );
});

test('the frame layout is fixed: u32 BE length, u32 BE CRC-32 of the payload, the payload', async () => {
  // Files written by earlier versions must stay readable: pinned bytes, not a second encoder.
  const abc = '00000003352441c2616263';
  assert.equal(encodeFrame(Buffer.from('abc')).toString('hex'), abc);
  assert.equal(encodeFrameParts([Buffer.from('a'), Buffer.from('bc')]).toString('hex'), abc);
  const path = nextPath();
  const f = await FramedFile.open(path);
  await f.append([Buffer.from('abc'), Buffer.from('abc')]);
  await f.close();
  assert.equal(readFileSync(path).toString('hex'), abc + abc);
});
