import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

  it('holds nothing of what it held once cleared', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const map = new BoundedMap<number, object>(100);
    const refs: WeakRef<object>[] = [];
    // In a function of its own, so no local of this one still points at the last value.
    const fill = () => {
      for (let i = 0; i < 150; i++) {
        const value = {};
        refs.push(new WeakRef(value));
        map.set(i, value); // the last 50 evict, so the map keeps its eviction iterator
      }
    };
    fill();
    map.clear();
    // WeakRefs are kept alive until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    gc();
    assert.equal(refs.filter((r) => r.deref() !== undefined).length, 0);
    // And it still evicts oldest-first afterwards.
    for (let i = 0; i < 101; i++) map.set(i, {});
    assert.deepEqual([map.has(0), map.has(1), map.size], [false, true, 100]);
  });

  it('refuses a capacity below 1 or not an integer', () => {
    for (const capacity of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => new BoundedMap(capacity), { code: 'BSN_INVALID_ARGUMENT' });
    }
  });
});
