import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesEqual, concatBytes, fromHex, isBsnError, toHex, utf8 } from '@bsn/core';
import fc from 'fast-check';

describe('hex', () => {
  it('encodes lower-case and decodes either case', () => {
    assert.equal(toHex(new Uint8Array([0, 1, 0xab, 0xff])), '0001abff');
    assert.deepEqual(fromHex('0001ABff'), new Uint8Array([0, 1, 0xab, 0xff]));
    assert.deepEqual(fromHex(''), new Uint8Array(0));
  });

  it('encodes only the viewed part of a subarray', () => {
    const whole = new Uint8Array([1, 2, 3, 4, 5]);
    assert.equal(toHex(whole.subarray(1, 3)), '0203');
  });

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        assert.deepEqual(fromHex(toHex(bytes)), bytes);
      }),
    );
  });

  it('rejects odd length, non-hex characters, prefixes and non-strings with BSN_HEX_INVALID', () => {
    for (const bad of ['0', 'abc', 'zz', '0x00', '00 ', ' 00', 'é0', '0g', '--']) {
      assert.throws(
        () => fromHex(bad),
        (e) => isBsnError(e, 'BSN_HEX_INVALID'),
        JSON.stringify(bad),
      );
    }
    assert.throws(
      () => fromHex(42 as unknown as string),
      (e) => isBsnError(e, 'BSN_HEX_INVALID'),
    );
    assert.throws(
      () => fromHex(null as unknown as string),
      (e) => isBsnError(e, 'BSN_HEX_INVALID'),
    );
  });
});

describe('byte helpers', () => {
  it('bytesEqual compares length and content', () => {
    assert.equal(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])), true);
    assert.equal(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])), false);
    assert.equal(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0])), false);
    assert.equal(bytesEqual(new Uint8Array(0), new Uint8Array(0)), true);
  });

  it('concatBytes joins in order', () => {
    assert.deepEqual(
      concatBytes(new Uint8Array([1]), new Uint8Array(0), new Uint8Array([2, 3])),
      new Uint8Array([1, 2, 3]),
    );
    assert.deepEqual(concatBytes(), new Uint8Array(0));
  });

  it('utf8 encodes multi-byte characters', () => {
    assert.equal(toHex(utf8('€a')), 'e282ac61');
    assert.equal(toHex(utf8('😀')), 'f09f9880');
  });
});
