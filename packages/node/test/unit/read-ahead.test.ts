import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readAhead } from '../../src/read-ahead.js';

/** A source of `items` that records how far it was read and whether it was closed. */
function source<T>(items: readonly T[], failAfter?: number) {
  const log = { pulled: 0, closed: false };
  async function* gen() {
    try {
      for (let i = 0; i < items.length; i++) {
        if (failAfter !== undefined && i === failAfter) throw new Error('stream broke');
        log.pulled++;
        yield items[i] as T;
      }
    } finally {
      log.closed = true;
    }
  }
  return { iterable: gen(), log };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('readAhead', () => {
  it('hands out every item in order, each after its preparation, preparing at most depth ahead', async () => {
    const { iterable, log } = source([1, 2, 3, 4, 5, 6, 7]);
    const prepared: number[] = [];
    const seen: Array<{ item: number; prepared: number[] }> = [];
    const prepare = async (n: number) => {
      for (let i = 0; i < 3; i++) await tick();
      prepared.push(n);
    };
    for await (const item of readAhead(iterable, prepare, 3)) {
      const now = [...prepared];
      for (let i = 0; i < 6; i++) await tick(); // the items ahead get prepared meanwhile
      seen.push({ item, prepared: now });
      if (item === 1) seen.push({ item: 0, prepared: [...prepared] });
    }
    const ahead = seen.splice(1, 1)[0];
    assert.deepEqual(
      seen.map((s) => s.item),
      [1, 2, 3, 4, 5, 6, 7],
    );
    for (const { item, prepared: p } of seen) {
      assert.ok(p.includes(item), `${item} was prepared before it came out`);
      assert.ok(Math.max(...p) <= item + 3, `while ${item} is handled, at most 3 more are prepared: ${p}`);
    }
    // While 1 was handled, the next three were prepared, and no more.
    assert.deepEqual(ahead?.prepared, [1, 2, 3, 4]);
    assert.equal(log.pulled, 7);
  });

  it('ignores a failed preparation, and gives the source error after the items before it', async () => {
    const { iterable } = source(['a', 'b', 'c'], 2);
    const got: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const item of readAhead(iterable, async () => Promise.reject(new Error('no')), 2)) {
          got.push(item);
        }
      })(),
      /stream broke/,
    );
    assert.deepEqual(got, ['a', 'b']);
  });

  it('closes the source when the caller stops early', async () => {
    const { iterable, log } = source([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for await (const item of readAhead(iterable, async () => {}, 2)) {
      if (item === 2) break;
    }
    await tick();
    assert.equal(log.closed, true);
    assert.ok(log.pulled <= 5, `read ${log.pulled} of 9`);
  });
});
