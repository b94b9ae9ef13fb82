import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertHashAlgorithm,
  type BsnError,
  canonicalEncode,
  concatBytes,
  DEFAULT_HASH,
  type HashAlgorithm,
  hash,
  hashCanonical,
  hashHex,
  hashLatin1,
  hashParts,
  isBsnError,
  toHex,
  utf8,
} from '@bsn/core';
import fc from 'fast-check';

describe('hash', () => {
  it('defaults to SHA-256', () => {
    assert.equal(DEFAULT_HASH, 'sha256');
    assert.equal(toHex(hash(utf8('abc'))), toHex(hash(utf8('abc'), 'sha256')));
  });

  it('SHA-256 matches the FIPS 180-2 vectors', () => {
    assert.equal(
      toHex(hash(utf8('abc'))),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    assert.equal(
      toHex(hash(new Uint8Array(0))),
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    assert.equal(
      toHex(hash(utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))),
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('SM3 matches the GB/T 32905-2016 examples', () => {
    assert.equal(
      toHex(hash(utf8('abc'), 'sm3')),
      '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
    );
    assert.equal(
      toHex(hash(utf8('abcd'.repeat(16)), 'sm3')),
      'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732',
    );
  });

  it('both algorithms give 32-byte digests', () => {
    for (const alg of ['sha256', 'sm3'] as const) assert.equal(hash(utf8('x'), alg).length, 32);
  });

  it('rejects an unsupported algorithm with BSN_HASH_UNSUPPORTED naming it and the supported ones', () => {
    for (const alg of ['md5', 'sha1', 'SHA256', 'sha512', '', 'sha3-256']) {
      assert.throws(
        () => hash(utf8('x'), alg as HashAlgorithm),
        (e) =>
          isBsnError(e, 'BSN_HASH_UNSUPPORTED') &&
          (e as BsnError).details['algorithm'] === alg &&
          JSON.stringify((e as BsnError).details['supported']) === '["sha256","sm3"]',
        alg,
      );
      assert.throws(
        () => hashParts([], alg as HashAlgorithm),
        (e) => isBsnError(e, 'BSN_HASH_UNSUPPORTED'),
      );
      assert.throws(
        () => hashCanonical({}, alg as HashAlgorithm),
        (e) => isBsnError(e, 'BSN_HASH_UNSUPPORTED'),
      );
      assert.throws(
        () => hashHex('x', alg as HashAlgorithm),
        (e) => isBsnError(e, 'BSN_HASH_UNSUPPORTED'),
      );
      assert.throws(
        () => hashLatin1('x', alg as HashAlgorithm),
        (e) => isBsnError(e, 'BSN_HASH_UNSUPPORTED'),
      );
      assert.throws(
        () => assertHashAlgorithm(alg),
        (e) => isBsnError(e, 'BSN_HASH_UNSUPPORTED'),
      );
    }
  });

  it('hashHex and hashLatin1 are hash as hex / one-byte text, of bytes or of the UTF-8 bytes of a string, for both algorithms', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }),
        fc.constantFrom<HashAlgorithm>('sha256', 'sm3'),
        (text, alg) => {
          const expected = toHex(hash(utf8(text), alg));
          assert.equal(hashHex(utf8(text), alg), expected);
          assert.equal(hashHex(text, alg), expected);
          assert.equal(Buffer.from(hashLatin1(text, alg), 'latin1').toString('hex'), expected);
          assert.equal(hashLatin1(utf8(text), alg), hashLatin1(text, alg));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('hashParts equals the hash of the concatenation, for both algorithms', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 6 }),
        fc.constantFrom<HashAlgorithm>('sha256', 'sm3'),
        (parts, alg) => {
          assert.deepEqual(hashParts(parts, alg), hash(concatBytes(...parts), alg));
        },
      ),
    );
  });

  it('hashCanonical is the hex hash of the canonical encoding, so member order does not matter', () => {
    assert.equal(hashCanonical({ b: 1, a: 2 }), toHex(hash(canonicalEncode({ a: 2, b: 1 }))));
    assert.equal(hashCanonical({ b: 1, a: 2 }), hashCanonical({ a: 2, b: 1 }));
    assert.notEqual(hashCanonical({ a: 1 }), hashCanonical({ a: 1 }, 'sm3'));
    assert.match(hashCanonical([1, 'x']), /^[0-9a-f]{64}$/);
  });
});
