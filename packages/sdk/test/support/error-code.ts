/** Assertions on the code of a thrown BsnError, for `assert.throws` and `assert.rejects`. */
import assert from 'node:assert/strict';
import { BsnError } from '@bsn/core';

/**
 * A validator for `assert.throws`/`assert.rejects`: the error is a BsnError with `code`, and then
 * passes `check` (e.g. assertions on its details).
 */
export function hasCode(code: string, check?: (err: BsnError) => void): (err: unknown) => true {
  return (err: unknown) => {
    assert.ok(err instanceof BsnError, `expected a BsnError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    check?.(err);
    return true;
  };
}

/** Asserts that `fn` throws a BsnError with `code`. */
export function rejects(fn: () => unknown, code: string): void {
  assert.throws(fn, hasCode(code));
}
