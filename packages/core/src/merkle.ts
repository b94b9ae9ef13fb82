/**
 * A Merkle tree over ordered leaves, as specified for Certificate Transparency (RFC 6962 §2.1,
 * verification per RFC 9162 §2.1.3): leaves hashed as H(0x00‖leaf), inner nodes as H(0x01‖l‖r), a
 * tree of n leaves split at the largest power of two below n. The domain-separation bytes make a
 * leaf impossible to pass off as an inner node. Used for transaction and receipt roots.
 */
import { createHash } from 'node:crypto';
import { BsnError } from './errors.js';
import { assertHashAlgorithm, DEFAULT_HASH, type HashAlgorithm, hash, hashLatin1 } from './hash.js';
import { bytesEqual } from './hex.js';

const LEAF = new Uint8Array([0]);

// Roots are computed on digests kept as one-byte (latin1) strings: a digest as a Buffer costs an
// ArrayBuffer each, three to four times the hashing itself for these 33- and 65-byte inputs, and a
// root is taken over every transaction of a block (txRoot, by the orderer and each node) and every
// receipt. The bytes hashed, and so the roots, are those of merkleLeafHash and nodeHash.
/** Leaves up to this many bytes are hashed from a scratch copy in one call; longer ones are streamed. */
const SMALL_LEAF = 1024;
const scratch = Buffer.allocUnsafe(1 + SMALL_LEAF);

function leafLatin1(leaf: Uint8Array, alg: HashAlgorithm): string {
  if (leaf.length > SMALL_LEAF) {
    assertHashAlgorithm(alg);
    return createHash(alg).update(LEAF).update(leaf).digest('binary'); // latin1
  }
  scratch[0] = 0;
  scratch.set(leaf, 1);
  return hashLatin1(scratch.subarray(0, 1 + leaf.length), alg);
}

function nodeLatin1(left: string, right: string, alg: HashAlgorithm): string {
  scratch[0] = 1;
  const end = 1 + scratch.write(left, 1, 'latin1');
  return hashLatin1(scratch.subarray(0, end + scratch.write(right, end, 'latin1')), alg);
}

/** An inclusion proof of the leaf at `index` in a tree of `size` leaves. */
export interface MerkleProof {
  readonly index: number;
  readonly size: number;
  /** Sibling hashes from the leaf up to the root. */
  readonly path: readonly Uint8Array[];
}

/** A digest kept as latin1 as its bytes. */
function bytesOf(digest: string): Uint8Array {
  return new Uint8Array(Buffer.from(digest, 'latin1'));
}

/** Bytes as a latin1 string, without copying them first. */
function latin1Of(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** H(0x00‖leaf). */
export function merkleLeafHash(leaf: Uint8Array, alg: HashAlgorithm = DEFAULT_HASH): Uint8Array {
  return bytesOf(leafLatin1(leaf, alg));
}

/** H(0x01‖left‖right). */
function nodeHash(left: Uint8Array, right: Uint8Array, alg: HashAlgorithm): Uint8Array {
  return bytesOf(nodeLatin1(latin1Of(left), latin1Of(right), alg));
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The root over a level of digests (at least one), reusing `level` as scratch. Bottom-up: pair
 * neighbours; an odd last node is carried up unchanged. This yields exactly the RFC 6962 tree (left
 * subtrees are always perfect), without recursion.
 */
function rootOfLevel(level: string[], alg: HashAlgorithm): string {
  for (let n = level.length; n > 1; n = (n + 1) >> 1) {
    let k = 0;
    for (let i = 0; i + 1 < n; i += 2)
      level[k++] = nodeLatin1(level[i] as string, level[i + 1] as string, alg);
    if (n % 2 === 1) level[k] = level[n - 1] as string;
  }
  return level[0] as string;
}

function rootOfHashes(hashes: readonly Uint8Array[], alg: HashAlgorithm): Uint8Array {
  return bytesOf(rootOfLevel(hashes.map(latin1Of), alg));
}

/** The Merkle tree hash of `leaves` (the empty tree's root is H of the empty string). */
export function merkleRoot(leaves: readonly Uint8Array[], alg: HashAlgorithm = DEFAULT_HASH): Uint8Array {
  if (leaves.length === 0) return hash(new Uint8Array(0), alg);
  return bytesOf(
    rootOfLevel(
      leaves.map((l) => leafLatin1(l, alg)),
      alg,
    ),
  );
}

function auditPath(hashes: readonly Uint8Array[], index: number, alg: HashAlgorithm): Uint8Array[] {
  if (hashes.length <= 1) return [];
  const k = largestPowerOfTwoBelow(hashes.length);
  if (index < k) {
    return [...auditPath(hashes.slice(0, k), index, alg), rootOfHashes(hashes.slice(k), alg)];
  }
  return [...auditPath(hashes.slice(k), index - k, alg), rootOfHashes(hashes.slice(0, k), alg)];
}

/** The inclusion proof of leaf `index` among `leaves`. */
export function merkleProof(
  leaves: readonly Uint8Array[],
  index: number,
  alg: HashAlgorithm = DEFAULT_HASH,
): MerkleProof {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
    throw new BsnError('BSN_INVALID_ARGUMENT', `leaf index ${index} is outside a tree of ${leaves.length}`, {
      details: { index, size: leaves.length },
    });
  }
  const hashes = leaves.map((l) => merkleLeafHash(l, alg));
  return { index, size: leaves.length, path: auditPath(hashes, index, alg) };
}

/**
 * The inclusion proofs of every leaf at once, in O(n log n) hashing (one proof at a time costs O(n)
 * each). The levels are built as in {@link merkleRoot} (neighbours paired, an odd last node carried
 * up), which is the RFC 6962 tree, so each proof equals {@link merkleProof}'s.
 */
export function merkleProofs(
  leaves: readonly Uint8Array[],
  alg: HashAlgorithm = DEFAULT_HASH,
): MerkleProof[] {
  const size = leaves.length;
  const paths: Uint8Array[][] = leaves.map(() => []);
  let level = leaves.map((l) => merkleLeafHash(l, alg));
  // members[k] = the leaf indexes under node k of the current level
  let members: number[][] = leaves.map((_, i) => [i]);
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    const nextMembers: number[][] = [];
    for (let k = 0; k + 1 < level.length; k += 2) {
      for (const i of members[k]!) paths[i]!.push(level[k + 1]!);
      for (const i of members[k + 1]!) paths[i]!.push(level[k]!);
      next.push(nodeHash(level[k]!, level[k + 1]!, alg));
      nextMembers.push([...members[k]!, ...members[k + 1]!]);
    }
    if (level.length % 2 === 1) {
      next.push(level[level.length - 1]!);
      nextMembers.push(members[members.length - 1]!);
    }
    level = next;
    members = nextMembers;
  }
  return paths.map((path, index) => ({ index, size, path }));
}

/**
 * True when `proof` shows `leaf` at `proof.index` in the tree whose root is `root` (RFC 9162
 * §2.1.3.2). Never throws: malformed proofs give `false`.
 */
export function verifyMerkleProof(
  root: Uint8Array,
  leaf: Uint8Array,
  proof: MerkleProof,
  alg: HashAlgorithm = DEFAULT_HASH,
): boolean {
  try {
    const { index, size, path } = proof;
    if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
      return false;
    if (!Array.isArray(path)) return false;
    let fn = index;
    let sn = size - 1;
    let r = merkleLeafHash(leaf, alg);
    for (const p of path) {
      if (!(p instanceof Uint8Array) || p.length !== r.length) return false;
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = nodeHash(p, r, alg);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) {
            fn = Math.floor(fn / 2);
            sn = Math.floor(sn / 2);
          }
        }
      } else {
        r = nodeHash(r, p, alg);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 && bytesEqual(r, root);
  } catch {
    return false;
  }
}
