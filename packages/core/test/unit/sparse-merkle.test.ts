import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EMPTY_STATE_ROOT,
  fromHex,
  hashParts,
  type SparseMerkleLeaf,
  type SparseMerkleProof,
  sparseMerkleLeafHash,
  sparseMerkleNodeHash,
  sparseMerkleProof,
  sparseMerkleRoot,
  stateKeyHash,
  stateValueHash,
  toHex,
  utf8,
  verifySparseMerkleProof,
  verifyStateProof,
} from '@bsn/core';
import fc from 'fast-check';

/** A key hash whose first byte is `first` and the rest `fill` — lets a test choose the tree's shape. */
function key(first: number, fill = 0x11): string {
  const bytes = new Uint8Array(32).fill(fill);
  bytes[0] = first;
  return toHex(bytes);
}
const value = (n: number) => toHex(hashParts([utf8(`value-${n}`)]));
const leafHash = (l: SparseMerkleLeaf) => sparseMerkleLeafHash(fromHex(l.keyHash), fromHex(l.valueHash));
const node = (l: Uint8Array, r: Uint8Array) => sparseMerkleNodeHash(l, r);
const ZERO = new Uint8Array(32);

// k1 = 000…, k3 = 010…, k6 = 011…, k2 = 100…  (bits read from the most significant bit of byte 0)
const k1 = { keyHash: key(0x00), valueHash: value(1) };
const k2 = { keyHash: key(0x80), valueHash: value(2) };
const k3 = { keyHash: key(0x40), valueHash: value(3) };
const k6 = { keyHash: key(0x60), valueHash: value(6) };

function flipBit(hex: string, bit: number): string {
  const bytes = fromHex(hex);
  bytes[bit >> 3]! ^= 0x80 >> (bit & 7);
  return toHex(bytes);
}

describe('sparse Merkle tree hashing rules', () => {
  it('the empty tree has the all-zero root, and every key is provably absent from it', () => {
    assert.equal(EMPTY_STATE_ROOT, '0'.repeat(64));
    assert.equal(sparseMerkleRoot([]), EMPTY_STATE_ROOT);
    const proof = sparseMerkleProof([], k1.keyHash);
    assert.deepEqual(proof, { leaf: null, siblings: [] });
    assert.ok(verifySparseMerkleProof(EMPTY_STATE_ROOT, k1.keyHash, null, proof));
    assert.equal(verifySparseMerkleProof(EMPTY_STATE_ROOT, k1.keyHash, k1.valueHash, proof), false);
  });

  it('a tree of one leaf has that leaf as its root', () => {
    assert.equal(sparseMerkleRoot([k1]), toHex(leafHash(k1)));
    const proof = sparseMerkleProof([k1], k1.keyHash);
    assert.deepEqual(proof, { leaf: k1, siblings: [] });
    assert.ok(verifySparseMerkleProof(toHex(leafHash(k1)), k1.keyHash, k1.valueHash, proof));
  });

  it('hashes a hand-built tree as specified, collapsing single-leaf subtrees', () => {
    // {k1,k3,k2}: root = N( N(L1, L3), L2 ) — k1 and k3 separate at bit 1, k2 at bit 0.
    const expected = node(node(leafHash(k1), leafHash(k3)), leafHash(k2));
    assert.equal(sparseMerkleRoot([k2, k3, k1]), toHex(expected));
    // {k3,k6,k2}: k3 and k6 share bits 0..1, so an internal node with an empty left child appears.
    const expected2 = node(node(ZERO, node(leafHash(k3), leafHash(k6))), leafHash(k2));
    assert.equal(sparseMerkleRoot([k3, k6, k2]), toHex(expected2));
  });

  it('membership and non-membership proofs of a hand-built tree verify', () => {
    const leaves = [k1, k2, k3];
    const root = toHex(node(node(leafHash(k1), leafHash(k3)), leafHash(k2)));
    const p3 = sparseMerkleProof(leaves, k3.keyHash);
    assert.deepEqual(p3, { leaf: k3, siblings: [toHex(leafHash(k2)), toHex(leafHash(k1))] });
    assert.ok(verifySparseMerkleProof(root, k3.keyHash, k3.valueHash, p3));
    // 0xc0 (11…) ends at k2's leaf; 0x20 (001…) ends at k1's leaf.
    const absentC0 = sparseMerkleProof(leaves, key(0xc0));
    assert.deepEqual(absentC0, { leaf: k2, siblings: [toHex(node(leafHash(k1), leafHash(k3)))] });
    assert.ok(verifySparseMerkleProof(root, key(0xc0), null, absentC0));
    const absent20 = sparseMerkleProof(leaves, key(0x20));
    assert.equal(absent20.leaf?.keyHash, k1.keyHash);
    assert.ok(verifySparseMerkleProof(root, key(0x20), null, absent20));
  });

  it('a non-membership proof can end in an empty subtree', () => {
    const root = sparseMerkleRoot([k3, k6, k2]);
    const proof = sparseMerkleProof([k3, k6, k2], k1.keyHash);
    assert.deepEqual(proof, {
      leaf: null,
      siblings: [toHex(leafHash(k2)), toHex(node(leafHash(k3), leafHash(k6)))],
    });
    assert.ok(verifySparseMerkleProof(root, k1.keyHash, null, proof));
  });

  it("refuses another key's leaf as proof of absence when that leaf is off the key's path", () => {
    const root = sparseMerkleRoot([k1, k2, k3]);
    // k2's own membership proof, offered as proof that 0x00ff… (path 0…) is absent.
    const p2 = sparseMerkleProof([k1, k2, k3], k2.keyHash);
    assert.equal(verifySparseMerkleProof(root, key(0x01), null, p2), false);
  });

  it('refuses a proof padded with an empty sibling below the real leaf', () => {
    const root = sparseMerkleRoot([k1, k2]);
    const honest = sparseMerkleProof([k1, k2], k1.keyHash);
    assert.ok(verifySparseMerkleProof(root, k1.keyHash, k1.valueHash, honest));
    const padded: SparseMerkleProof = { leaf: k1, siblings: [...honest.siblings, EMPTY_STATE_ROOT] };
    assert.equal(verifySparseMerkleProof(root, k1.keyHash, k1.valueHash, padded), false);
  });

  it('returns false, never throws, on malformed input', () => {
    const root = sparseMerkleRoot([k1, k2]);
    const good = sparseMerkleProof([k1, k2], k1.keyHash);
    const bad: unknown[] = [
      null,
      {},
      { leaf: k1 },
      { leaf: k1, siblings: 'x' },
      { leaf: k1, siblings: [123] },
      { leaf: { keyHash: k1.keyHash }, siblings: good.siblings },
      { leaf: k1, siblings: good.siblings.map((s) => s.toUpperCase()) },
      { leaf: k1, siblings: new Array(257).fill(good.siblings[0]) },
    ];
    for (const p of bad) {
      assert.equal(verifySparseMerkleProof(root, k1.keyHash, k1.valueHash, p as SparseMerkleProof), false);
    }
    assert.equal(verifySparseMerkleProof('zz', k1.keyHash, k1.valueHash, good), false);
    assert.equal(verifySparseMerkleProof(root.toUpperCase(), k1.keyHash, k1.valueHash, good), false);
    assert.equal(verifySparseMerkleProof(root, 'abc', k1.valueHash, good), false);
    assert.equal(verifySparseMerkleProof(root, k1.keyHash, 'abc', good), false);
    assert.equal(verifySparseMerkleProof(root, k1.keyHash, k1.valueHash, good, 'md5' as 'sha256'), false);
  });

  it('supports SM3 as the tree hash, giving a different root', () => {
    const leaves = [k1, k2, k3];
    const root = sparseMerkleRoot(leaves, 'sm3');
    assert.notEqual(root, sparseMerkleRoot(leaves));
    const proof = sparseMerkleProof(leaves, k3.keyHash, 'sm3');
    assert.ok(verifySparseMerkleProof(root, k3.keyHash, k3.valueHash, proof, 'sm3'));
    assert.equal(verifySparseMerkleProof(root, k3.keyHash, k3.valueHash, proof, 'sha256'), false);
  });

  it('rejects duplicate or malformed leaves in the in-memory builder', () => {
    assert.throws(() => sparseMerkleRoot([k1, { ...k1 }]), { code: 'BSN_INVALID_ARGUMENT' });
    assert.throws(() => sparseMerkleRoot([{ keyHash: 'ab', valueHash: value(1) }]), {
      code: 'BSN_INVALID_ARGUMENT',
    });
    assert.throws(() => sparseMerkleProof([k1], 'xyz'), { code: 'BSN_INVALID_ARGUMENT' });
  });
});

describe('state key and value hashes', () => {
  it('hashes contract ‖ 0x00 ‖ key, so contract and key cannot be shifted into each other', () => {
    assert.equal(stateKeyHash('c', 'k'), toHex(hashParts([utf8('c'), new Uint8Array([0]), utf8('k')])));
    assert.notEqual(stateKeyHash('ab', 'c'), stateKeyHash('a', 'bc'));
    assert.throws(() => stateKeyHash('a\0b', 'c'), { code: 'BSN_INVALID_ARGUMENT' });
  });

  it('hashes values by their canonical encoding, so member order does not matter', () => {
    assert.equal(stateValueHash({ a: 1, b: [true, 'x'] }), stateValueHash({ b: [true, 'x'], a: 1 }));
    assert.notEqual(stateValueHash({ a: 1 }), stateValueHash({ a: 2 }));
  });

  it('verifyStateProof checks a stored value and the absence of a key', () => {
    const entries: Array<[string, string, { n: number }]> = [
      ['token', 'alice', { n: 1 }],
      ['token', 'bob', { n: 2 }],
      ['notary', 'doc1', { n: 3 }],
    ];
    const leaves = entries.map(([c, k, v]) => ({
      keyHash: stateKeyHash(c, k),
      valueHash: stateValueHash(v),
    }));
    const root = sparseMerkleRoot(leaves);
    const proof = sparseMerkleProof(leaves, stateKeyHash('token', 'bob'));
    assert.ok(verifyStateProof(root, 'token', 'bob', { n: 2 }, proof));
    assert.equal(verifyStateProof(root, 'token', 'bob', { n: 3 }, proof), false);
    assert.equal(verifyStateProof(root, 'token', 'bob', null, proof), false);
    const absent = sparseMerkleProof(leaves, stateKeyHash('token', 'carol'));
    assert.ok(verifyStateProof(root, 'token', 'carol', null, absent));
    assert.equal(verifyStateProof(root, 'token', 'carol', { n: 0 }, absent), false);
    assert.equal(verifyStateProof(root, 'bad\0contract', 'x', null, absent), false);
  });
});

describe('sparse Merkle proofs (properties)', () => {
  // Bytes drawn from a tiny alphabet give keys with long shared prefixes (deep paths, empty
  // siblings); uniform bytes give the shallow, balanced trees real key hashes produce.
  const deepByte = fc.constantFrom(0x00, 0x01, 0x80, 0xff);
  const keyArb = fc.oneof(
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    fc.array(deepByte, { minLength: 32, maxLength: 32 }).map((a) => new Uint8Array(a)),
  );
  const keysArb = fc.uniqueArray(keyArb.map(toHex), { minLength: 0, maxLength: 40 });
  const setArb = fc.record({ present: keysArb, absent: keysArb, seed: fc.nat() });

  function build(present: string[]) {
    const leaves = present.map((k, i) => ({ keyHash: k, valueHash: value(i) }));
    return { leaves, root: sparseMerkleRoot(leaves) };
  }

  it("every present key's membership proof verifies and every absent key's non-membership proof verifies", () => {
    fc.assert(
      fc.property(setArb, ({ present, absent }) => {
        const { leaves, root } = build(present);
        for (const leaf of leaves) {
          const proof = sparseMerkleProof(leaves, leaf.keyHash);
          assert.ok(verifySparseMerkleProof(root, leaf.keyHash, leaf.valueHash, proof));
          // …and cannot be passed off as a proof of absence.
          assert.equal(verifySparseMerkleProof(root, leaf.keyHash, null, proof), false);
        }
        for (const k of absent.filter((a) => !present.includes(a))) {
          const proof = sparseMerkleProof(leaves, k);
          assert.ok(verifySparseMerkleProof(root, k, null, proof));
          // …and a proof of absence cannot be passed off as membership, with any value.
          assert.equal(verifySparseMerkleProof(root, k, value(0), proof), false);
          if (proof.leaf) assert.equal(verifySparseMerkleProof(root, k, proof.leaf.valueHash, proof), false);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('flipping any bit of the root, a sibling, the leaf or the value makes verification fail', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(keyArb.map(toHex), { minLength: 1, maxLength: 30 }),
        keyArb.map(toHex),
        fc.nat(),
        fc.nat(255),
        (present, probe, pick, bit) => {
          const { leaves, root } = build(present);
          const target = leaves[pick % leaves.length]!;
          const cases: Array<{ key: string; valueHash: string | null; proof: SparseMerkleProof }> = [
            {
              key: target.keyHash,
              valueHash: target.valueHash,
              proof: sparseMerkleProof(leaves, target.keyHash),
            },
          ];
          if (!present.includes(probe)) {
            cases.push({ key: probe, valueHash: null, proof: sparseMerkleProof(leaves, probe) });
          }
          for (const { key: k, valueHash, proof } of cases) {
            assert.ok(verifySparseMerkleProof(root, k, valueHash, proof));
            assert.equal(verifySparseMerkleProof(flipBit(root, bit), k, valueHash, proof), false, 'root');
            if (valueHash !== null) {
              assert.equal(verifySparseMerkleProof(root, k, flipBit(valueHash, bit), proof), false, 'value');
              assert.equal(verifySparseMerkleProof(root, flipBit(k, bit), valueHash, proof), false, 'key');
            }
            proof.siblings.forEach((_, i) => {
              const siblings = proof.siblings.map((s, j) => (j === i ? flipBit(s, bit) : s));
              assert.equal(
                verifySparseMerkleProof(root, k, valueHash, { ...proof, siblings }),
                false,
                'sibling',
              );
            });
            if (proof.leaf) {
              const { keyHash: lk, valueHash: lv } = proof.leaf;
              const leafKey = { ...proof, leaf: { keyHash: flipBit(lk, bit), valueHash: lv } };
              const leafValue = { ...proof, leaf: { keyHash: lk, valueHash: flipBit(lv, bit) } };
              assert.equal(verifySparseMerkleProof(root, k, valueHash, leafKey), false, 'leaf key');
              assert.equal(verifySparseMerkleProof(root, k, valueHash, leafValue), false, 'leaf value');
            }
            // Dropping the leaf or a sibling breaks the proof too.
            if (proof.siblings.length > 0) {
              const shorter = { ...proof, siblings: proof.siblings.slice(1) };
              assert.equal(verifySparseMerkleProof(root, k, valueHash, shorter), false, 'shorter');
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the root does not depend on the order the leaves are given in', () => {
    fc.assert(
      fc.property(keysArb, fc.nat(), (present, seed) => {
        const { leaves, root } = build(present);
        const shuffled = [...leaves].sort(
          (a, b) =>
            ((parseInt(a.keyHash.slice(0, 8), 16) ^ seed) >>> 0) -
            ((parseInt(b.keyHash.slice(0, 8), 16) ^ seed) >>> 0),
        );
        assert.equal(sparseMerkleRoot(shuffled), root);
      }),
      { numRuns: 100 },
    );
  });
});
