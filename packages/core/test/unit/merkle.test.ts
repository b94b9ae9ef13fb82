import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bytesEqual,
  fromHex,
  type HashAlgorithm,
  hashParts,
  isBsnError,
  type MerkleProof,
  merkleLeafHash,
  merkleProof,
  merkleProofs,
  merkleRoot,
  toHex,
  verifyMerkleProof,
} from '@bsn/core';
import fc from 'fast-check';

// RFC 6962 test leaves and roots, as used by the Certificate Transparency reference implementations.
const leaves = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(fromHex);
const roots = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

describe('merkle tree (RFC 6962)', () => {
  it('computes the published roots for 1..8 leaves', () => {
    for (let n = 1; n <= 8; n++) assert.equal(toHex(merkleRoot(leaves.slice(0, n))), roots[n - 1]);
  });
  it('the empty tree hashes to SHA-256 of nothing', () => {
    assert.equal(toHex(merkleRoot([])), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
  it('every leaf of every size has a verifying inclusion proof', () => {
    for (let n = 1; n <= 8; n++) {
      const root = merkleRoot(leaves.slice(0, n));
      for (let i = 0; i < n; i++) {
        const proof = merkleProof(leaves.slice(0, n), i);
        assert.ok(verifyMerkleProof(root, leaves[i]!, proof), `n=${n} i=${i}`);
      }
    }
  });
});

describe('merkle tree: roots of random trees', () => {
  /** RFC 6962 §2.1 as written: MTH(D[n]) = H(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])), k the largest power of 2 below n. */
  function reference(leaves: readonly Uint8Array[], alg: HashAlgorithm): Uint8Array {
    if (leaves.length === 1) return merkleLeafHash(leaves[0] as Uint8Array, alg);
    let k = 1;
    while (k * 2 < leaves.length) k *= 2;
    const left = reference(leaves.slice(0, k), alg);
    const right = reference(leaves.slice(k), alg);
    return hashParts([new Uint8Array([1]), left, right], alg);
  }

  it('equals the recursive definition, for leaves short and long (past the one-call size), under both algorithms', () => {
    const leaf = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.uint8Array({ minLength: 1000, maxLength: 3000 }),
    );
    fc.assert(
      fc.property(
        fc.array(leaf, { minLength: 1, maxLength: 40 }),
        fc.constantFrom<HashAlgorithm>('sha256', 'sm3'),
        (leaves, alg) => {
          assert.equal(toHex(merkleRoot(leaves, alg)), toHex(reference(leaves, alg)));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('merkle tree: proofs of random trees', () => {
  const tree = fc
    .array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 70 })
    .chain((leaves) => fc.tuple(fc.constant(leaves), fc.nat({ max: leaves.length - 1 })));

  it('every leaf of a random tree has a proof that verifies, under both hash algorithms', () => {
    fc.assert(
      fc.property(tree, fc.constantFrom<HashAlgorithm>('sha256', 'sm3'), ([leaves, index], alg) => {
        const root = merkleRoot(leaves, alg);
        const proof = merkleProof(leaves, index, alg);
        assert.equal(proof.size, leaves.length);
        assert.ok(proof.path.length <= Math.ceil(Math.log2(leaves.length)));
        assert.ok(verifyMerkleProof(root, leaves[index]!, proof, alg));
        // A proof is bound to its hash algorithm.
        assert.equal(
          verifyMerkleProof(root, leaves[index]!, proof, alg === 'sha256' ? 'sm3' : 'sha256'),
          false,
        );
      }),
      { numRuns: 200 },
    );
  });

  it('a flipped bit anywhere in the leaf, the root or any path element fails', () => {
    fc.assert(
      fc.property(tree, ([leaves, index]) => {
        const root = merkleRoot(leaves);
        const proof = merkleProof(leaves, index);
        const leaf = leaves[index]!;
        for (let bit = 0; bit < root.length * 8; bit++)
          assert.equal(verifyMerkleProof(flip(root, bit), leaf, proof), false);
        for (let bit = 0; bit < leaf.length * 8; bit++)
          assert.equal(verifyMerkleProof(root, flip(leaf, bit), proof), false);
        proof.path.forEach((node, i) => {
          for (let bit = 0; bit < node.length * 8; bit++) {
            const path = proof.path.map((p, j) => (j === i ? flip(p, bit) : p));
            assert.equal(verifyMerkleProof(root, leaf, { ...proof, path }), false, `element ${i} bit ${bit}`);
          }
        });
      }),
      { numRuns: 40 },
    );
  });

  it('the proof of one leaf does not prove another leaf value or another index', () => {
    fc.assert(
      fc.property(tree, fc.nat(), ([leaves, index], other) => {
        const root = merkleRoot(leaves);
        const proof = merkleProof(leaves, index);
        const otherIndex = other % leaves.length;
        if (otherIndex !== index) {
          // A proof moved to another index may verify only when what it then claims is true: the
          // leaf there has the same value (e.g. two equal leaves, whose paths mirror each other).
          if (verifyMerkleProof(root, leaves[index]!, { ...proof, index: otherIndex })) {
            assert.ok(
              bytesEqual(leaves[otherIndex]!, leaves[index]!),
              'a moved proof verified a false claim',
            );
          }
          if (!bytesEqual(leaves[otherIndex]!, leaves[index]!)) {
            assert.equal(verifyMerkleProof(root, leaves[otherIndex]!, proof), false);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  // RFC 6962 roots do not commit to the tree size: a size with the same path shape for this index
  // (e.g. index 0 in trees of 6 and 7 leaves) verifies too, and still proves the same fact, "this leaf
  // is at this index under this root". A size that changes the shape, or cannot hold the index, fails.
  it('a wrong tree size that changes the proof shape or excludes the index fails', () => {
    fc.assert(
      fc.property(tree, fc.integer({ min: -5, max: 5 }), ([leaves, index], delta) => {
        const size = leaves.length + delta;
        if (delta === 0) return;
        const root = merkleRoot(leaves);
        const proof = merkleProof(leaves, index);
        const accepted = verifyMerkleProof(root, leaves[index]!, { ...proof, size });
        if (size <= index) {
          assert.equal(accepted, false, `size ${size} cannot hold index ${index}`);
          return;
        }
        const shapeAtSize = merkleProof(
          Array.from({ length: size }, () => new Uint8Array(0)),
          index,
        ).path.length;
        if (shapeAtSize !== proof.path.length) assert.equal(accepted, false, `size ${size}`);
      }),
      { numRuns: 300 },
    );
  });

  it('an extra or missing path element fails', () => {
    fc.assert(
      fc.property(tree, ([leaves, index]) => {
        const root = merkleRoot(leaves);
        const proof = merkleProof(leaves, index);
        const leaf = leaves[index]!;
        assert.equal(verifyMerkleProof(root, leaf, { ...proof, path: [...proof.path, root] }), false);
        assert.equal(verifyMerkleProof(root, leaf, { ...proof, path: [root, ...proof.path] }), false);
        if (proof.path.length > 0) {
          assert.equal(verifyMerkleProof(root, leaf, { ...proof, path: proof.path.slice(1) }), false);
          assert.equal(verifyMerkleProof(root, leaf, { ...proof, path: proof.path.slice(0, -1) }), false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a leaf hash or inner node cannot be passed off as a leaf (second-preimage resistance)', () => {
    const four = leaves.slice(0, 4);
    const root = merkleRoot(four);
    // The left inner node of a 4-leaf tree, presented as a "leaf" of a 2-leaf tree, must not verify.
    const proof = merkleProof(four, 2);
    const inner = proof.path[1]!;
    assert.equal(verifyMerkleProof(root, inner, { index: 0, size: 2, path: [proof.path[1]!] }), false);
    assert.equal(
      verifyMerkleProof(root, merkleLeafHash(four[0]!), {
        index: 0,
        size: 4,
        path: merkleProof(four, 0).path,
      }),
      false,
    );
  });
});

describe('merkle tree: malformed input', () => {
  const root = merkleRoot(leaves);
  const good = merkleProof(leaves, 3);

  it('merkleProof rejects an index outside the tree with BSN_INVALID_ARGUMENT', () => {
    for (const index of [-1, 8, 1.5, Number.NaN]) {
      assert.throws(
        () => merkleProof(leaves, index),
        (e) => isBsnError(e, 'BSN_INVALID_ARGUMENT'),
        String(index),
      );
    }
    assert.throws(
      () => merkleProof([], 0),
      (e) => isBsnError(e, 'BSN_INVALID_ARGUMENT'),
    );
  });

  it('verifyMerkleProof returns false, never throws, on malformed proofs', () => {
    const hostile: unknown[] = [
      { ...good, index: -1 },
      { ...good, index: 8 },
      { ...good, index: 3.5 },
      { ...good, size: 0 },
      { ...good, size: Number.MAX_SAFE_INTEGER + 2 },
      { ...good, index: '3' },
      { ...good, path: null },
      { ...good, path: 'abc' },
      { ...good, path: [...good.path.slice(0, 2), 'ff'.repeat(32)] },
      { ...good, path: [...good.path.slice(0, 2), good.path[2]!.subarray(0, 31)] },
      { ...good, path: [...good.path.slice(0, 2), null] },
      { index: 3, size: 8 },
      {},
      null,
    ];
    for (const proof of hostile) {
      assert.equal(verifyMerkleProof(root, leaves[3]!, proof as MerkleProof), false, JSON.stringify(proof));
    }
    assert.equal(verifyMerkleProof(root.subarray(0, 31), leaves[3]!, good), false);
    assert.equal(verifyMerkleProof(root, leaves[3]!, good), true);
  });
});

function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

describe('merkleProofs (every proof at once)', () => {
  it('gives exactly the proof merkleProof gives, for every leaf of random trees', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 8 }), { minLength: 1, maxLength: 70 }), (leaves) => {
        const all = merkleProofs(leaves);
        assert.equal(all.length, leaves.length);
        all.forEach((p, i) => {
          const one = merkleProof(leaves, i);
          assert.equal(p.index, one.index);
          assert.equal(p.size, one.size);
          assert.deepEqual(p.path.map(toHex), one.path.map(toHex));
        });
      }),
      { numRuns: 60 },
    );
  });
});
