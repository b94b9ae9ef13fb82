/**
 * Nodes of the persistent state tree and their byte encoding. The tree is stored Jellyfish-style:
 * one stored node per *nibble* (4 levels of the binary tree), keyed by (version, nibble path), so a
 * block of writes rewrites ~log16(n) nodes per key instead of ~log2(n). Hashes are still those of
 * the binary tree in `@bsn/core` (sparse-merkle.ts): an internal node's hash is computed from its
 * 16 child slots through the 4 binary levels inside it, with the same collapse rules.
 */
import { BsnError, type HashAlgorithm, hashLatin1, SPARSE_MERKLE_PLACEHOLDER } from '@bsn/core';

/**
 * A node hash inside the tree: its 32 bytes as a one-byte string, one char per byte (Node's
 * "latin1" encoding). Digests come out of the one-shot crypto.hash as such strings at less than
 * half the cost of a Buffer (no ArrayBuffer per digest for the collector to track), go into the
 * next digest and into node bytes with write(…, 'latin1'), and compare with ===. Converted to
 * bytes only at the tree's edges (roots and proofs).
 */
export type HashString = string;

/** The hash of an empty subtree: sparse-merkle's SPARSE_MERKLE_PLACEHOLDER as a tree hash. */
export const PLACEHOLDER: HashString = hashString(SPARSE_MERKLE_PLACEHOLDER);

/** A parent's reference to a child node: the version it was written at, its hash, and whether it is a leaf. */
export interface ChildRef {
  readonly version: number;
  readonly hash: HashString;
  readonly leaf: boolean;
  /** Its (version ‖ hash) bytes in a node's encoding, as latin1, once a node holding it was encoded. */
  entry: string | undefined;
}

/** A leaf: one key hash and its value hash. */
export interface LeafNode {
  readonly kind: 'leaf';
  readonly keyHash: Uint8Array;
  readonly valueHash: Uint8Array;
}

/** An internal node: 16 child slots, one per value of the next nibble of the key hash. */
export interface InternalNode {
  readonly kind: 'internal';
  readonly children: ReadonlyArray<ChildRef | undefined>;
  /** Bit i set when slot i holds a child. */
  readonly present: number;
  /** Bit i set when slot i holds a leaf. */
  readonly leaves: number;
  /**
   * Hashes of the binary subtrees inside the node, filled lazily, indexed like a heap: 1 is the
   * whole node, 2–3 its halves, 4–7 quarters, 8–15 pairs of slots. Lets a proof or an update
   * reuse the parts of a node that did not change instead of re-hashing all 15 of them.
   */
  readonly memo: Array<HashString | undefined>;
  /**
   * The leaves in its leaf slots, where known (those written with the node), as their 64 bytes
   * (key hash ‖ value hash) in a latin1 string: an update of such a key needs no read of its leaf,
   * for as long as the node stays in the cache. Strings, not views of pooled buffers, so that a
   * cached leaf holds only its own 64 bytes.
   */
  readonly leafData: Array<string | undefined>;
}

/** An internal node over `children`, reusing `memo` entries the caller knows are still valid. */
export function internalNode(
  children: ReadonlyArray<ChildRef | undefined>,
  memo: Array<HashString | undefined> = new Array(16),
  leafData: Array<string | undefined> = new Array(16),
): InternalNode {
  let present = 0;
  let leaves = 0;
  for (let i = 0; i < 16; i++) {
    const c = children[i];
    if (!c) continue;
    present |= 1 << i;
    if (c.leaf) leaves |= 1 << i;
  }
  return { kind: 'internal', children, present, leaves, memo, leafData };
}

/** The leaf kept as `data` in an {@link InternalNode#leafData}. */
export function leafFromData(data: string): LeafNode {
  const bytes = Buffer.from(data, 'latin1');
  return { kind: 'leaf', keyHash: bytes.subarray(0, HASH_BYTES), valueHash: bytes.subarray(HASH_BYTES) };
}

/** The slot mask covered by heap index `idx` (1 = all 16 slots, 16–31 = one slot). */
export function rangeMask(idx: number): number {
  const level = 31 - Math.clz32(idx);
  const width = 16 >> level;
  const lo = (idx - (1 << level)) * width;
  return ((1 << width) - 1) << lo;
}

/** A stored node of the state tree. */
export type TreeNode = LeafNode | InternalNode;

const LEAF_TAG = 0;
const INTERNAL_TAG = 1;
const VERSION_BYTES = 6; // 2^48 heights: centuries of one block per millisecond
const HASH_BYTES = 32;

/** The storage key of the node at `depth` nibbles along `keyHash`: [depth, packed nibbles…]. */
export function nodePath(keyHash: Uint8Array, depth: number): Uint8Array {
  const bytes = new Uint8Array(1 + ((depth + 1) >> 1));
  bytes[0] = depth;
  bytes.set(keyHash.subarray(0, (depth + 1) >> 1), 1);
  if (depth % 2 === 1) bytes[bytes.length - 1]! &= 0xf0;
  return bytes;
}

/** Nibble `i` (0 = high nibble of byte 0) of a key hash. */
export function nibble(keyHash: Uint8Array, i: number): number {
  const b = keyHash[i >> 1] ?? 0;
  return i % 2 === 0 ? b >> 4 : b & 0x0f;
}

/** The bytes of a node: 0x00 ‖ key ‖ value for a leaf; 0x01 ‖ present(u16) ‖ leaves(u16) ‖ (version ‖ hash)* otherwise. */
export function encodeNode(node: TreeNode): Buffer {
  if (node.kind === 'leaf') {
    const out = Buffer.allocUnsafe(1 + 2 * HASH_BYTES);
    out[0] = LEAF_TAG;
    out.set(node.keyHash, 1);
    out.set(node.valueHash, 1 + HASH_BYTES);
    return out;
  }
  const { present, leaves } = node;
  // The children's (version ‖ hash) bytes are gathered as one latin1 string and written with one
  // call: cheaper than a Buffer write per child.
  let body = '';
  for (const c of node.children) {
    if (!c) continue;
    // Children carried over unchanged from node to node are encoded once.
    if (c.entry === undefined) c.entry = versionChars(c.version) + c.hash;
    body += c.entry;
  }
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = INTERNAL_TAG;
  out.writeUInt16BE(present, 1);
  out.writeUInt16BE(leaves, 3);
  out.write(body, 5, 'latin1');
  return out;
}

/** The largest version a node encoding can hold (VERSION_BYTES bytes); the tree refuses larger ones. */
export const MAX_VERSION = 2 ** (8 * VERSION_BYTES) - 1;

/** A version's VERSION_BYTES big-endian bytes as latin1 chars (versions are checked by the tree's update). */
function versionChars(v: number): string {
  return String.fromCharCode(
    Math.floor(v / 2 ** 40) & 0xff,
    Math.floor(v / 2 ** 32) & 0xff,
    (v >>> 24) & 0xff,
    (v >>> 16) & 0xff,
    (v >>> 8) & 0xff,
    v & 0xff,
  );
}

function corrupt(message: string): never {
  throw new BsnError('BSN_LEDGER_STATE_CORRUPT', message);
}

/**
 * `n` as V8 keeps a small integer (a "Smi") when it is one: readUIntBE computes a 48-bit number in
 * floating point, so even version 7 comes back boxed. References made in memory hold Smi versions;
 * a boxed one in the same field makes V8 widen the field and throw away the code optimised for it
 * (each time the tree read a node from disk while the chain grew, until this).
 */
function smallInteger(n: number): number {
  return n <= 0x3fffffff ? n | 0 : n;
}

/** Parses node bytes written by {@link encodeNode}; BSN_LEDGER_STATE_CORRUPT when they are malformed. */
export function decodeNode(bytes: Uint8Array): TreeNode {
  // Views into `bytes` (no copies): a decoded node owns its buffer, which nothing else writes.
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] === LEAF_TAG && buf.length === 1 + 2 * HASH_BYTES) {
    return {
      kind: 'leaf',
      keyHash: buf.subarray(1, 1 + HASH_BYTES),
      valueHash: buf.subarray(1 + HASH_BYTES),
    };
  }
  if (buf[0] !== INTERNAL_TAG || buf.length < 5) corrupt('a state tree node has an unknown encoding');
  const present = buf.readUInt16BE(1);
  const leaves = buf.readUInt16BE(3);
  const children: Array<ChildRef | undefined> = new Array(16).fill(undefined);
  let off = 5;
  for (let i = 0; i < 16; i++) {
    if ((present & (1 << i)) === 0) continue;
    if (off + VERSION_BYTES + HASH_BYTES > buf.length) corrupt('a state tree node is truncated');
    children[i] = {
      version: smallInteger(buf.readUIntBE(off, VERSION_BYTES)),
      hash: buf.toString('latin1', off + VERSION_BYTES, off + VERSION_BYTES + HASH_BYTES),
      leaf: (leaves & (1 << i)) !== 0,
      entry: undefined,
    };
    off += VERSION_BYTES + HASH_BYTES;
  }
  if (off !== buf.length) corrupt('a state tree node has trailing bytes');
  return internalNode(children);
}

// Tree hashing is the hot path of a block commit: each digest is one 65-byte input, the same bytes
// as sparse-merkle's sparseMerkleLeafHash (a leaf's encoding) / sparseMerkleNodeHash (assembled
// in a scratch buffer).
const scratch = Buffer.alloc(1 + 2 * HASH_BYTES);

function digest(alg: HashAlgorithm, input: Uint8Array): HashString {
  return hashLatin1(input, alg);
}

/** H(0x00 ‖ keyHash ‖ valueHash), the hash of a leaf, from its encoding (as {@link encodeNode} makes it). */
export function leafBytesHash(encoded: Uint8Array, alg: HashAlgorithm): HashString {
  return digest(alg, encoded);
}

/** H(0x01 ‖ left ‖ right): the hash of a binary internal node. */
export function nodeHash(left: HashString, right: HashString, alg: HashAlgorithm): HashString {
  scratch[0] = 1;
  scratch.write(left + right, 1, 'latin1');
  return digest(alg, scratch);
}

/** The 32 bytes of a tree hash, for the tree's callers. */
export function hashBytes(hash: HashString): Uint8Array {
  return new Uint8Array(Buffer.from(hash, 'latin1'));
}

/** A caller's 32-byte hash as a tree hash. */
export function hashString(bytes: Uint8Array): HashString {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/**
 * The binary-tree hash of the slots under heap index `idx` of an internal node: empty → the
 * placeholder, a single leaf → that leaf (collapse), one slot → the child, otherwise
 * H(0x01 ‖ left half ‖ right half).
 */
export function rangeHash(node: InternalNode, idx: number, alg: HashAlgorithm): HashString {
  if (idx >= 16) return node.children[idx - 16]?.hash ?? PLACEHOLDER;
  const memo = node.memo[idx];
  if (memo !== undefined) return memo;
  const mask = rangeMask(idx);
  const inRange = node.present & mask;
  let out: HashString;
  if (inRange === 0) out = PLACEHOLDER;
  else if ((inRange & (inRange - 1)) === 0 && (node.leaves & inRange) !== 0) {
    out = node.children[31 - Math.clz32(inRange)]!.hash;
  } else {
    out = nodeHash(rangeHash(node, 2 * idx, alg), rangeHash(node, 2 * idx + 1, alg), alg);
  }
  node.memo[idx] = out;
  return out;
}
