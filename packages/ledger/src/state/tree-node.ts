/**
 * Nodes of the persistent state tree and their byte encoding. The tree is stored Jellyfish-style:
 * one stored node per *nibble* (4 levels of the binary tree), keyed by (version, nibble path), so a
 * block of writes rewrites ~log16(n) nodes per key instead of ~log2(n). Hashes are still those of
 * the binary tree in `@bsn/core` (sparse-merkle.ts): an internal node's hash is computed from its
 * 16 child slots through the 4 binary levels inside it, with the same collapse rules.
 */
import {
  BsnError,
  type HashAlgorithm,
  SPARSE_MERKLE_PLACEHOLDER,
  sparseMerkleLeafHash,
  sparseMerkleNodeHash,
} from '@bsn/core';

/** A parent's reference to a child node: the version it was written at, its hash, and whether it is a leaf. */
export interface ChildRef {
  readonly version: number;
  readonly hash: Uint8Array;
  readonly leaf: boolean;
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
export function encodeNode(node: TreeNode): Uint8Array {
  if (node.kind === 'leaf') {
    const out = Buffer.allocUnsafe(1 + 2 * HASH_BYTES);
    out[0] = LEAF_TAG;
    out.set(node.keyHash, 1);
    out.set(node.valueHash, 1 + HASH_BYTES);
    return out;
  }
  let present = 0;
  let leaves = 0;
  let count = 0;
  node.children.forEach((c, i) => {
    if (!c) return;
    present |= 1 << i;
    if (c.leaf) leaves |= 1 << i;
    count++;
  });
  const out = Buffer.allocUnsafe(5 + count * (VERSION_BYTES + HASH_BYTES));
  out[0] = INTERNAL_TAG;
  out.writeUInt16BE(present, 1);
  out.writeUInt16BE(leaves, 3);
  let off = 5;
  for (const c of node.children) {
    if (!c) continue;
    out.writeUIntBE(c.version, off, VERSION_BYTES);
    out.set(c.hash, off + VERSION_BYTES);
    off += VERSION_BYTES + HASH_BYTES;
  }
  return out;
}

function corrupt(message: string): never {
  throw new BsnError('BSN_LEDGER_STATE_CORRUPT', message);
}

/** Parses node bytes written by {@link encodeNode}; BSN_LEDGER_STATE_CORRUPT when they are malformed. */
export function decodeNode(bytes: Uint8Array): TreeNode {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] === LEAF_TAG && buf.length === 1 + 2 * HASH_BYTES) {
    return {
      kind: 'leaf',
      keyHash: new Uint8Array(buf.subarray(1, 1 + HASH_BYTES)),
      valueHash: new Uint8Array(buf.subarray(1 + HASH_BYTES)),
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
      version: buf.readUIntBE(off, VERSION_BYTES),
      hash: new Uint8Array(buf.subarray(off + VERSION_BYTES, off + VERSION_BYTES + HASH_BYTES)),
      leaf: (leaves & (1 << i)) !== 0,
    };
    off += VERSION_BYTES + HASH_BYTES;
  }
  if (off !== buf.length) corrupt('a state tree node has trailing bytes');
  return { kind: 'internal', children };
}

/**
 * The binary-tree hash of the child slots [lo, lo+width) of an internal node: empty → placeholder,
 * a single leaf → that leaf (collapse), one slot → the child, otherwise H(0x01 ‖ left ‖ right).
 */
export function slotRangeHash(
  children: ReadonlyArray<ChildRef | undefined>,
  lo: number,
  width: number,
  alg: HashAlgorithm,
): Uint8Array {
  let count = 0;
  let only: ChildRef | undefined;
  for (let i = lo; i < lo + width; i++) {
    const c = children[i];
    if (c) {
      count++;
      only = c;
    }
  }
  if (count === 0) return SPARSE_MERKLE_PLACEHOLDER;
  if (count === 1 && (only!.leaf || width === 1)) return only!.hash;
  const half = width >> 1;
  return sparseMerkleNodeHash(
    slotRangeHash(children, lo, half, alg),
    slotRangeHash(children, lo + half, half, alg),
    alg,
  );
}

/** The hash of a node as the binary tree sees it. */
export function treeNodeHash(node: TreeNode, alg: HashAlgorithm): Uint8Array {
  return node.kind === 'leaf'
    ? sparseMerkleLeafHash(node.keyHash, node.valueHash, alg)
    : slotRangeHash(node.children, 0, 16, alg);
}
