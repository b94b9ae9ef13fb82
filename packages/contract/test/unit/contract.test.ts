import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CONTRACT_ERROR_CODE,
  ContractError,
  compositeKey,
  compositeKeyRange,
  requireBoolean,
  requireInteger,
  requireObject,
  requireString,
  splitCompositeKey,
} from '@bsn/contract';
import fc from 'fast-check';

function invalidArgument(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: ContractError) => {
    assert.ok(err instanceof ContractError);
    assert.equal(err.name, 'ContractError');
    assert.equal(err.code, 'INVALID_ARGUMENT');
    assert.match(err.message, message);
    return true;
  });
}

describe('ContractError', () => {
  test('carries a code and a message', () => {
    const err = new ContractError('ASSET_NOT_FOUND', 'no asset a1');
    assert.deepEqual([err.name, err.code, err.message], ['ContractError', 'ASSET_NOT_FOUND', 'no asset a1']);
    assert.ok(err instanceof Error);
  });

  test('the documented code pattern accepts upper-case codes of 3 to 64 characters', () => {
    for (const ok of ['ABC', 'ASSET_NOT_FOUND', `A${'B'.repeat(63)}`]) assert.match(ok, CONTRACT_ERROR_CODE);
    for (const bad of ['AB', 'asset', '1ABC', 'A B C', `A${'B'.repeat(64)}`])
      assert.doesNotMatch(bad, CONTRACT_ERROR_CODE);
  });
});

describe('argument checks', () => {
  test('requireString returns a string within bounds and names the argument otherwise', () => {
    assert.equal(requireString('abc', 'id'), 'abc');
    invalidArgument(() => requireString(42, 'id'), /^id must be a string, got number$/);
    invalidArgument(() => requireString('', 'id'), /id must be 1 to 1024 characters long, got 0/);
    invalidArgument(() => requireString('abcd', 'id', { maxLength: 3 }), /got 4/);
    assert.equal(requireString('', 'memo', { minLength: 0 }), '');
  });

  test('requireInteger accepts safe integers within bounds only', () => {
    assert.equal(requireInteger(5, 'amount', { min: 0, max: 10 }), 5);
    invalidArgument(() => requireInteger(1.5, 'amount'), /amount must be a safe integer, got number/);
    invalidArgument(() => requireInteger('5', 'amount'), /got string/);
    invalidArgument(() => requireInteger(2 ** 53, 'amount'), /safe integer/);
    invalidArgument(() => requireInteger(-1, 'amount', { min: 0 }), /at least 0, got -1/);
    invalidArgument(() => requireInteger(11, 'amount', { max: 10 }), /at most 10, got 11/);
  });

  test('requireBoolean and requireObject check their types', () => {
    assert.equal(requireBoolean(false, 'flag'), false);
    invalidArgument(() => requireBoolean(0, 'flag'), /flag must be a boolean/);
    assert.deepEqual(requireObject({ a: 1 }, 'opts'), { a: 1 });
    invalidArgument(() => requireObject([], 'opts'), /opts must be an object, got an array/);
    invalidArgument(() => requireObject(null, 'opts'), /got null/);
  });
});

describe('composite keys', () => {
  const part = fc.string().filter((s) => !s.includes('\u0001') && !s.includes('\u0000'));

  test('split(compose(type, ...attrs)) gives back type and attrs', () => {
    fc.assert(
      fc.property(
        part.filter((s) => s.length > 0),
        fc.array(part, { maxLength: 5 }),
        (type, attrs) => {
          assert.deepEqual(splitCompositeKey(compositeKey(type, ...attrs)), {
            objectType: type,
            attributes: attrs,
          });
        },
      ),
    );
  });

  test('different part lists never give the same key', () => {
    fc.assert(
      fc.property(
        fc.array(part, { minLength: 1, maxLength: 4 }),
        fc.array(part, { minLength: 1, maxLength: 4 }),
        (a, b) => {
          fc.pre(a[0] !== '' && b[0] !== '');
          const same = a.length === b.length && a.every((x, i) => x === b[i]);
          assert.equal(
            compositeKey(a[0] as string, ...a.slice(1)) === compositeKey(b[0] as string, ...b.slice(1)),
            same,
          );
        },
      ),
    );
  });

  test('a key is inside the range of a prefix exactly when its attributes start with that prefix', () => {
    fc.assert(
      fc.property(fc.array(part, { maxLength: 4 }), fc.array(part, { maxLength: 2 }), (attrs, prefix) => {
        const key = compositeKey('asset', ...attrs);
        const { start, end } = compositeKeyRange('asset', ...prefix);
        const inRange = key >= start && key < end;
        const hasPrefix = prefix.length <= attrs.length && prefix.every((p, i) => p === attrs[i]);
        assert.equal(inRange, hasPrefix);
      }),
    );
  });

  test('keys of another object type are outside the range', () => {
    const { start, end } = compositeKeyRange('asset');
    for (const key of [compositeKey('assets', 'a'), compositeKey('asse', 'a'), compositeKey('order', 'a')]) {
      assert.equal(key >= start && key < end, false, JSON.stringify(key));
    }
  });

  test('refuses parts containing the U+0001 separator and an empty object type', () => {
    invalidArgument(() => compositeKey('asset', 'a\u0001b'), /must not contain U\+0001/);
    invalidArgument(() => compositeKey(''), /object type must be a non-empty string/);
    invalidArgument(() => splitCompositeKey('plain'), /not a composite key/);
  });
});
