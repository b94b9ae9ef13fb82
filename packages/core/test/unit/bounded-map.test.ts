import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedMap } from '@bsn/core';
import fc from 'fast-check';

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

  it('evicts exactly as "delete the first key, then set" would, whatever else is done to it (property)', () => {
    type Op = { kind: 'set' | 'delete'; key: number } | { kind: 'clear' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 14, arbitrary: fc.record({ kind: fc.constant('set' as const), key: fc.nat(12) }) },
      { weight: 5, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.nat(12) }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 300 }), (capacity, ops) => {
        const bounded = new BoundedMap<number, number>(capacity);
        const model = new Map<number, number>();
        ops.forEach((o, i) => {
          if (o.kind === 'clear') {
            bounded.clear();
            model.clear();
          } else if (o.kind === 'delete') {
            bounded.delete(o.key);
            model.delete(o.key);
          } else {
            bounded.set(o.key, i);
            if (model.size >= capacity && !model.has(o.key))
              model.delete(model.keys().next().value as number);
            model.set(o.key, i);
          }
          assert.deepEqual([...bounded], [...model]);
        });
      }),
    );
  });

  it('refuses a capacity below 1 or not an integer', () => {
    for (const capacity of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => new BoundedMap(capacity), { code: 'BSN_INVALID_ARGUMENT' });
    }
  });
});
