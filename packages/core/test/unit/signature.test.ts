import assert from 'node:assert/strict';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as nodeSign,
  verify as nodeVerify,
  randomBytes,
} from 'node:crypto';
import { describe, it } from 'node:test';
import {
  type BsnError,
  DEFAULT_SIGNATURE,
  generateKeyPair,
  isBsnError,
  keyAlgorithm,
  parsePrivateKey,
  parsePublicKey,
  publicKeyPem,
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
  signBytes,
  utf8,
  verifySignature,
  verifySignatureDetailed,
} from '@bsn/core';
import fc from 'fast-check';

const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
// Ed25519 group order L (RFC 8032).
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

const big = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex')}`);
const be32 = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');
const p1363 = (r: bigint, s: bigint) => new Uint8Array(Buffer.concat([be32(r), be32(s)]));
const keyInvalid = (e: unknown) => isBsnError(e, 'BSN_KEY_INVALID');

const p256 = generateKeyPair('ecdsa-p256-sha256');
const ed = generateKeyPair('ed25519');
const msg = utf8('transfer 10 to bob');

function pem(pair: {
  privateKey: import('node:crypto').KeyObject;
  publicKey: import('node:crypto').KeyObject;
}) {
  return {
    privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

describe('key generation and parsing', () => {
  it('defaults to ECDSA P-256 and supports exactly P-256 and Ed25519', () => {
    assert.equal(DEFAULT_SIGNATURE, 'ecdsa-p256-sha256');
    assert.deepEqual([...SIGNATURE_ALGORITHMS], ['ecdsa-p256-sha256', 'ed25519']);
  });

  it('generates PKCS#8 private and SPKI public PEM for both algorithms', () => {
    for (const alg of SIGNATURE_ALGORITHMS) {
      const pair = generateKeyPair(alg);
      assert.match(pair.privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n/);
      assert.match(pair.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);
      assert.equal(keyAlgorithm(parsePrivateKey(pair.privateKeyPem)), alg);
      assert.equal(keyAlgorithm(parsePublicKey(pair.publicKeyPem)), alg);
      assert.equal(publicKeyPem(pair.privateKeyPem), pair.publicKeyPem);
    }
  });

  it('rejects an unknown algorithm with BSN_SIGNATURE_UNSUPPORTED', () => {
    assert.throws(
      () => generateKeyPair('rsa' as SignatureAlgorithm),
      (e) => isBsnError(e, 'BSN_SIGNATURE_UNSUPPORTED') && (e as BsnError).details['algorithm'] === 'rsa',
    );
  });

  it('accepts a SEC1 ("EC PRIVATE KEY") P-256 key and KeyObjects', () => {
    const sec1 = createPrivateKey(p256.privateKeyPem).export({ type: 'sec1', format: 'pem' }).toString();
    assert.match(sec1, /BEGIN EC PRIVATE KEY/);
    const sig = signBytes(sec1, msg);
    assert.ok(verifySignature(p256.publicKeyPem, msg, sig));
    assert.ok(
      verifySignature(
        createPublicKey(p256.publicKeyPem),
        msg,
        signBytes(createPrivateKey(p256.privateKeyPem), msg),
      ),
    );
  });

  it('derives the public key from a private key', () => {
    assert.equal(keyAlgorithm(parsePublicKey(createPrivateKey(ed.privateKeyPem))), 'ed25519');
    assert.ok(verifySignature(ed.privateKeyPem, msg, signBytes(ed.privateKeyPem, msg)));
  });

  const wrongKeys: [string, () => { privateKeyPem: string; publicKeyPem: string }][] = [
    ['P-384', () => pem(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }))],
    ['secp256k1', () => pem(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }))],
    ['RSA', () => pem(generateKeyPairSync('rsa', { modulusLength: 1024 }))],
    ['Ed448', () => pem(generateKeyPairSync('ed448'))],
    ['X25519', () => pem(generateKeyPairSync('x25519'))],
  ];
  for (const [name, make] of wrongKeys) {
    it(`rejects a ${name} key with BSN_KEY_INVALID when parsing, signing and verifying`, () => {
      const pair = make();
      assert.throws(() => parsePrivateKey(pair.privateKeyPem), keyInvalid);
      assert.throws(() => parsePublicKey(pair.publicKeyPem), keyInvalid);
      assert.throws(() => signBytes(pair.privateKeyPem, msg), keyInvalid);
      assert.deepEqual(verifySignatureDetailed(pair.publicKeyPem, msg, new Uint8Array(64)), {
        ok: false,
        code: 'BSN_KEY_INVALID',
      });
    });
  }

  it('rejects garbage, truncated and empty PEM with BSN_KEY_INVALID', () => {
    const lines = p256.publicKeyPem.split('\n');
    const truncated = [...lines.slice(0, 2), lines.at(-2), ''].join('\n');
    const corrupted = p256.publicKeyPem.replace(/[A-Za-z]{8}/, 'AAAAAAAA');
    for (const bad of [
      '',
      'not a key',
      '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
      truncated,
      corrupted,
    ]) {
      assert.throws(() => parsePublicKey(bad), keyInvalid, bad);
      assert.throws(() => parsePrivateKey(bad), keyInvalid, bad);
      assert.deepEqual(verifySignatureDetailed(bad, msg, new Uint8Array(64)), {
        ok: false,
        code: 'BSN_KEY_INVALID',
      });
    }
  });

  it('refuses a public key where a private key is needed', () => {
    assert.throws(() => signBytes(p256.publicKeyPem, msg), keyInvalid);
    assert.throws(() => parsePrivateKey(createPublicKey(p256.publicKeyPem)), keyInvalid);
  });
});

describe('signatures', () => {
  for (const alg of SIGNATURE_ALGORITHMS) {
    it(`${alg}: a signature is 64 bytes and verifies only for its key and data`, () => {
      const pair = alg === 'ed25519' ? ed : p256;
      const other = generateKeyPair(alg);
      const sig = signBytes(pair.privateKeyPem, msg);
      assert.equal(sig.length, 64);
      assert.deepEqual(verifySignatureDetailed(pair.publicKeyPem, msg, sig), { ok: true });
      assert.deepEqual(verifySignatureDetailed(pair.publicKeyPem, utf8('transfer 11 to bob'), sig), {
        ok: false,
        code: 'BSN_SIGNATURE_INVALID',
      });
      assert.deepEqual(verifySignatureDetailed(other.publicKeyPem, msg, sig), {
        ok: false,
        code: 'BSN_SIGNATURE_INVALID',
      });
    });

    it(`${alg}: truncated, extended and empty signatures are BSN_SIGNATURE_MALFORMED`, () => {
      const pair = alg === 'ed25519' ? ed : p256;
      const sig = signBytes(pair.privateKeyPem, msg);
      for (const bad of [
        sig.subarray(0, 63),
        new Uint8Array([...sig, 0]),
        new Uint8Array(0),
        sig.subarray(0, 32),
      ]) {
        assert.deepEqual(verifySignatureDetailed(pair.publicKeyPem, msg, bad), {
          ok: false,
          code: 'BSN_SIGNATURE_MALFORMED',
        });
      }
    });

    it(`${alg}: a key of the other algorithm than expected is BSN_SIGNATURE_UNSUPPORTED`, () => {
      const pair = alg === 'ed25519' ? ed : p256;
      const sig = signBytes(pair.privateKeyPem, msg);
      const otherAlg = SIGNATURE_ALGORITHMS.find((a) => a !== alg)!;
      assert.deepEqual(verifySignatureDetailed(pair.publicKeyPem, msg, sig, alg), { ok: true });
      assert.deepEqual(verifySignatureDetailed(pair.publicKeyPem, msg, sig, otherAlg), {
        ok: false,
        code: 'BSN_SIGNATURE_UNSUPPORTED',
      });
    });

    it(`${alg}: sign then verify holds for any data, and any flipped bit of data or signature fails`, () => {
      const pair = alg === 'ed25519' ? ed : p256;
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 256 }), fc.nat(), fc.boolean(), (data, pos, inSignature) => {
          const sig = signBytes(pair.privateKeyPem, data);
          assert.ok(verifySignature(pair.publicKeyPem, data, sig));
          if (inSignature) {
            const bad = sig.slice();
            bad[(pos >> 3) % 64]! ^= 1 << (pos & 7);
            assert.equal(verifySignature(pair.publicKeyPem, data, bad), false);
          } else if (data.length > 0) {
            const bad = data.slice();
            bad[(pos >> 3) % data.length]! ^= 1 << (pos & 7);
            assert.equal(verifySignature(pair.publicKeyPem, bad, sig), false);
          }
        }),
        { numRuns: 100 },
      );
    });
  }

  it('an Ed25519 signature does not verify under a P-256 key, nor the reverse', () => {
    assert.equal(verifySignature(p256.publicKeyPem, msg, signBytes(ed.privateKeyPem, msg)), false);
    assert.equal(verifySignature(ed.publicKeyPem, msg, signBytes(p256.privateKeyPem, msg)), false);
  });
});

describe('ECDSA P-256 hostile signatures', () => {
  it('always signs with s in the lower half of the group order', () => {
    for (let i = 0; i < 64; i++) {
      const sig = signBytes(p256.privateKeyPem, utf8(`message ${i}`));
      assert.ok(big(sig.subarray(32)) <= N >> 1n, `signature ${i}`);
    }
  });

  it('rejects the high-S twin of a valid signature, which OpenSSL alone would accept', () => {
    const sig = signBytes(p256.privateKeyPem, msg);
    const high = p1363(big(sig.subarray(0, 32)), N - big(sig.subarray(32)));
    // The twin is a mathematically valid ECDSA signature: without the low-S rule it would be a second valid form.
    assert.ok(
      nodeVerify('sha256', msg, { key: createPublicKey(p256.publicKeyPem), dsaEncoding: 'ieee-p1363' }, high),
    );
    assert.deepEqual(verifySignatureDetailed(p256.publicKeyPem, msg, high), {
      ok: false,
      code: 'BSN_SIGNATURE_MALFORMED',
    });
  });

  it('rejects r or s equal to 0 or not below the group order', () => {
    const sig = signBytes(p256.privateKeyPem, msg);
    const r = big(sig.subarray(0, 32));
    const s = big(sig.subarray(32));
    for (const [rr, ss] of [
      [0n, s],
      [r, 0n],
      [0n, 0n],
      [N, s],
      [r + N, s],
      [r, N],
      [2n ** 256n - 1n, s],
    ] as const) {
      if (rr >= 2n ** 256n) continue;
      assert.deepEqual(verifySignatureDetailed(p256.publicKeyPem, msg, p1363(rr, ss)), {
        ok: false,
        code: 'BSN_SIGNATURE_MALFORMED',
      });
    }
  });

  it('rejects a DER-encoded signature (only the 64-byte P1363 form is accepted)', () => {
    const der = nodeSign('sha256', msg, { key: createPrivateKey(p256.privateKeyPem), dsaEncoding: 'der' });
    assert.notEqual(der.length, 64);
    assert.deepEqual(verifySignatureDetailed(p256.publicKeyPem, msg, new Uint8Array(der)), {
      ok: false,
      code: 'BSN_SIGNATURE_MALFORMED',
    });
  });
});

describe('Ed25519 hostile signatures', () => {
  it('rejects a signature whose S is pushed above the group order (no malleable twin)', () => {
    const sig = signBytes(ed.privateKeyPem, msg);
    const sLe = Buffer.from(sig.subarray(32)).reverse();
    const twin = Buffer.from((big(sLe) + L).toString(16).padStart(64, '0'), 'hex').reverse();
    const bad = new Uint8Array(Buffer.concat([sig.subarray(0, 32), twin]));
    assert.equal(verifySignature(ed.publicKeyPem, msg, bad), false);
  });
});

describe('verification never throws', () => {
  it('on random keys-as-text, random data and random signatures of any length', () => {
    const keys = [p256.publicKeyPem, ed.publicKeyPem];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constantFrom(...keys),
          fc.string(),
          fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b).toString('base64')),
        ),
        fc.uint8Array({ maxLength: 64 }),
        fc.oneof(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ maxLength: 128 })),
        (key, data, sig) => {
          const result = verifySignatureDetailed(key, data, sig);
          assert.equal(typeof result.ok, 'boolean');
          if (!result.ok)
            assert.match(result.code, /^BSN_(KEY_INVALID|SIGNATURE_MALFORMED|SIGNATURE_INVALID)$/);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('on values that are not byte arrays at all', () => {
    const hostile: unknown[] = [
      null,
      undefined,
      'ab',
      64,
      { length: 64 },
      Array.from({ length: 64 }, () => 0),
    ];
    for (const sig of hostile) {
      assert.deepEqual(verifySignatureDetailed(p256.publicKeyPem, msg, sig as Uint8Array), {
        ok: false,
        code: 'BSN_SIGNATURE_MALFORMED',
      });
    }
    for (const key of [null, undefined, 42, {}, []]) {
      assert.deepEqual(verifySignatureDetailed(key as unknown as string, msg, new Uint8Array(64)), {
        ok: false,
        code: 'BSN_KEY_INVALID',
      });
    }
    assert.equal(
      verifySignature(p256.publicKeyPem, 'not bytes' as unknown as Uint8Array, randomBytes(64)),
      false,
    );
  });
});
