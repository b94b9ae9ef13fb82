import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedMap } from '@bsn/core';

describe('BoundedMap', () => {
  it('drops the oldest key when a new key is added to a full map, never for an existing key', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1).set('b', 2);
    m.set('a', 10); // existing key: nothing is evicted, its place in the order is kept
    assert.deepEqual(
      [...m],
      [
        ['a', 10],
        ['b', 2],
      ],
    );
    m.set('c', 3);
    assert.deepEqual([...m.keys()], ['b', 'c']);
    assert.equal(m.size, 2);
  });

  it('refuses a capacity below 1 or not an integer', () => {
    for (const capacity of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => new BoundedMap(capacity), { code: 'BSN_INVALID_ARGUMENT' });
    }
  });
});
