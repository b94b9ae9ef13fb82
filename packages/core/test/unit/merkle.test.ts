import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, merkleProof, merkleRoot, toHex, verifyMerkleProof } from '@bsn/core';

// RFC 6962 test leaves and roots, as used by the Certificate Transparency reference implementations.
const leaves = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(
  fromHex,
);
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
