import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deepFreeze } from '@bsn/core';

describe('deepFreeze', () => {
  it('freezes an object, its arrays and nested objects, and returns the same value', () => {
    const record = { id: 'a', owner: { org: 'o', tags: ['x', { deep: 1 }] } };
    assert.equal(deepFreeze(record), record);
    assert.ok(Object.isFrozen(record));
    assert.ok(Object.isFrozen(record.owner));
    assert.ok(Object.isFrozen(record.owner.tags));
    assert.ok(Object.isFrozen(record.owner.tags[1]));
    assert.throws(() => {
      (record.owner.tags as unknown[]).push('y');
    }, TypeError);
  });

  it('passes null and primitives through', () => {
    assert.equal(deepFreeze(null), null);
    assert.equal(deepFreeze(3), 3);
    assert.equal(deepFreeze('s'), 's');
  });
});
