/**
 * The versioned sparse Merkle tree over a node store. Every version (block height) writes only the
 * nodes on the paths of its changed keys, keyed by (version, nibble path); older versions' nodes are
 * never modified, so every past root stays readable and provable. Unchanged subtrees are referenced,
 * not copied or re-hashed.
 *
 * Why (version, path) keys rather than content addressing (hash → node): new nodes of a block all
 * share the block's version, so in a B-tree keyed (version, path) they append at the end instead
 * of landing on random pages; and each node has exactly one birth version and (once replaced) one
 * death version, which is what makes pruning simple (see WorldState).
 */
import {
  BsnError,
  bytesEqual,
  type HashAlgorithm,
  SPARSE_MERKLE_PLACEHOLDER,
  type SparseMerkleProof,
  toHex,
} from '@bsn/core';
import {
  type ChildRef,
  decodeNode,
  encodeNode,
  type HashString,
  hashBytes,
  hashString,
  type InternalNode,
  internalNode,
  type LeafNode,
  leafBytesHash,
  leafFromData,
  MAX_VERSION,
  nibble,
  nodePath,
  rangeHash,
  rangeMask,
  type TreeNode,
} from './tree-node.js';

/** Where tree nodes live: raw bytes by (version, encoded nibble path). */
export interface TreeNodeStore {
  /** The node bytes at (version, path), or undefined; the tree keeps views into them, so never reuse the buffer. */
  getNode(version: number, path: Uint8Array): Uint8Array | undefined;
  /** Stores node bytes at (version, path). */
  putNode(version: number, path: Uint8Array, bytes: Uint8Array): void;
}

/** A version's root: its hash and the version its root node was written at (null for the empty tree). */
export interface TreeRoot {
  readonly hash: Uint8Array;
  readonly version: number | null;
}

/** The root of the empty tree. */
export const EMPTY_TREE_ROOT: TreeRoot = { hash: SPARSE_MERKLE_PLACEHOLDER, version: null };

/** One change to apply: set `keyHash` to `valueHash`, or delete it when `valueHash` is null. */
export interface TreeUpdate {
  readonly keyHash: Uint8Array;
  readonly valueHash: Uint8Array | null;
}

/** Options of a {@link VersionedStateTree}. */
export interface VersionedStateTreeOptions {
  /** The tree's hash algorithm. */
  readonly hash: HashAlgorithm;
  /** Decoded nodes kept in memory (least recently used evicted first). */
  readonly nodeCacheSize: number;
}

/** Defaults of {@link VersionedStateTreeOptions}. */
export const defaultVersionedStateTreeOptions: VersionedStateTreeOptions = {
  hash: 'sha256',
  nodeCacheSize: 8192,
};

/**
 * What an update yields for a subtree, before its parent places it in a slot: nothing, a leaf that
 * must be written where it is placed (new, changed, or moved by a split or a collapse), or the
 * reference of a node already stored at that very place (unchanged, or just written). Unwrapped,
 * so that a node's unchanged children are their own slots (no object per child per update).
 */
type Sub = null | LeafNode | ChildRef;

function isLeafSub(sub: LeafNode | ChildRef): sub is LeafNode {
  return (sub as LeafNode).kind === 'leaf';
}

function compareKeys(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** The path of slot `slot` of the node at `depth` along `pathKey`. */
function childPath(pathKey: Uint8Array, depth: number, slot: number): Uint8Array {
  const path = nodePath(pathKey, depth + 1);
  const at = 1 + (depth >> 1);
  path[at] = depth % 2 === 0 ? slot << 4 : (path[at]! & 0xf0) | slot;
  return path;
}

function sameRef(a: ChildRef | undefined, b: ChildRef | undefined): boolean {
  if (a === b) return true;
  return a !== undefined && b !== undefined && a.version === b.version && a.hash === b.hash;
}

/** A versioned Jellyfish-style sparse Merkle tree whose hashes are those of `@bsn/core`'s sparse-merkle. */
export class VersionedStateTree {
  readonly #store: TreeNodeStore;
  readonly #alg: HashAlgorithm;
  readonly #cacheSize: number;
  // Two generations instead of a strict LRU: a hit in the old one is promoted, and when the young
  // one is full it becomes the old one. O(1) per access; a Map-based LRU that deletes its oldest
  // entry is quadratic in V8 (iteration skips the holes deletes leave at the front).
  #young = new Map<string, TreeNode>();
  #old = new Map<string, TreeNode>();

  constructor(store: TreeNodeStore, options: Partial<VersionedStateTreeOptions> = {}) {
    const opts = { ...defaultVersionedStateTreeOptions, ...options };
    this.#store = store;
    this.#alg = opts.hash;
    this.#cacheSize = opts.nodeCacheSize;
  }

  /**
   * Applies `updates` to the tree at `root`, writing new nodes at `version`, and returns the new
   * root. Key hashes must be distinct; their order does not matter. `version` must be greater than
   * every version already written (the caller's block height), or nodes of other versions could be
   * overwritten.
   */
  update(root: TreeRoot, version: number, updates: readonly TreeUpdate[]): TreeRoot {
    if (!Number.isSafeInteger(version) || version < 1 || version > MAX_VERSION) {
      throw new BsnError('BSN_INVALID_ARGUMENT', `a tree version must be an integer in 1..${MAX_VERSION}`, {
        details: { version },
      });
    }
    if (updates.length === 0) return root;
    for (const u of updates) {
      if (u.keyHash.length !== 32 || (u.valueHash !== null && u.valueHash.length !== 32)) {
        throw new BsnError('BSN_INVALID_ARGUMENT', 'tree key and value hashes must be 32 bytes', {
          details: { keyHash: u.keyHash.length, valueHash: u.valueHash?.length ?? null },
        });
      }
    }
    // Sorted by the key hashes as latin1 strings: the same order as their bytes (one char per
    // byte, equal lengths), compared in JS instead of a Buffer.compare call per comparison.
    const keyed = updates.map((u) => ({ update: u, key: hashString(u.keyHash) }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const sorted = keyed.map((k) => k.update);
    for (let i = 1; i < keyed.length; i++) {
      if (keyed[i - 1]!.key === keyed[i]!.key) {
        throw new BsnError('BSN_INVALID_ARGUMENT', 'a tree update names the same key hash twice', {
          details: { keyHash: toHex(sorted[i]!.keyHash) },
        });
      }
    }
    const sub = this.#update(this.#rootRef(root), 0, sorted, 0, sorted.length, version);
    const placed = this.#place(sub, sorted[0]!.keyHash, 0, version);
    return placed ? { hash: hashBytes(placed.hash), version: placed.version } : EMPTY_TREE_ROOT;
  }

  /** The value hash stored for `keyHash` in the tree at `root`, or null when absent. */
  get(root: TreeRoot, keyHash: Uint8Array): Uint8Array | null {
    const { leaf } = this.#walk(root, keyHash, false);
    return leaf && bytesEqual(leaf.keyHash, keyHash) ? leaf.valueHash : null;
  }

  /** The membership or non-membership proof for `keyHash` in the tree at `root`. */
  prove(root: TreeRoot, keyHash: Uint8Array): SparseMerkleProof {
    const { leaf, siblings } = this.#walk(root, keyHash, true);
    return {
      leaf: leaf ? { keyHash: toHex(leaf.keyHash), valueHash: toHex(leaf.valueHash) } : null,
      siblings: siblings.map((h) => Buffer.from(h, 'latin1').toString('hex')),
    };
  }

  #rootRef(root: TreeRoot): ChildRef | undefined {
    // Whether the root is a leaf only matters to a parent's hashing, and the root has none.
    return root.version === null
      ? undefined
      : { version: root.version, hash: hashString(root.hash), leaf: false, entry: undefined };
  }

  /** The new content of the subtree `ref` at `depth` (on the path of ups[lo..hi)) after ups[lo..hi). */
  #update(
    ref: ChildRef | undefined,
    depth: number,
    ups: readonly TreeUpdate[],
    lo: number,
    hi: number,
    version: number,
    knownLeaf?: string,
  ): Sub {
    const pathKey = ups[lo]!.keyHash;
    if (!ref) return this.#build(this.#puts(ups, lo, hi, null), depth, version);
    if (knownLeaf !== undefined)
      return this.#updateLeaf(ref, leafFromData(knownLeaf), depth, ups, lo, hi, version);
    const path = nodePath(pathKey, depth);
    const key = cacheKey(ref.version, path);
    const node = this.#load(ref, path, key);
    if (node.kind === 'leaf') return this.#updateLeaf(ref, node, depth, ups, lo, hi, version);
    const slots = new Array<Sub>(16);
    for (let i = 0; i < 16; i++) slots[i] = node.children[i] ?? null;
    for (let i = lo; i < hi; ) {
      const n = nibble(ups[i]!.keyHash, depth);
      let j = i + 1;
      while (j < hi && nibble(ups[j]!.keyHash, depth) === n) j++;
      slots[n] = this.#update(node.children[n], depth + 1, ups, i, j, version, node.leafData[n]);
      i = j;
    }
    const sub = this.#assemble(slots, pathKey, depth, version, ref, node);
    // A replaced node is only read again for proofs at past heights: leave its cache room to live nodes.
    if (sub !== ref) this.#forget(key);
    return sub;
  }

  /** As {@link #update} for a subtree that is the leaf `node`, stored at `ref`. */
  #updateLeaf(
    ref: ChildRef,
    node: LeafNode,
    depth: number,
    ups: readonly TreeUpdate[],
    lo: number,
    hi: number,
    version: number,
  ): Sub {
    const entries = this.#puts(ups, lo, hi, node);
    const only = entries.length === 1 ? entries[0]! : undefined;
    // Deletes of absent keys and rewrites of the same value leave the leaf where it is.
    if (only && bytesEqual(only.keyHash, node.keyHash) && bytesEqual(only.valueHash, node.valueHash)) {
      return ref;
    }
    return this.#build(entries, depth, version);
  }

  /** The leaves after ups[lo..hi) are applied to `existing` (a leaf or nothing), in key order. */
  #puts(ups: readonly TreeUpdate[], lo: number, hi: number, existing: LeafNode | null): LeafNode[] {
    const out: LeafNode[] = [];
    let pending = existing;
    for (let i = lo; i < hi; i++) {
      const u = ups[i]!;
      if (pending) {
        const c = compareKeys(pending.keyHash, u.keyHash);
        if (c < 0) {
          out.push(pending);
          pending = null;
        } else if (c === 0) {
          pending = null; // the update replaces or deletes it
        }
      }
      if (u.valueHash) out.push({ kind: 'leaf', keyHash: u.keyHash, valueHash: u.valueHash });
    }
    if (pending) out.push(pending);
    return out;
  }

  /** A fresh subtree at `depth` holding `entries` (sorted, sharing the depth's path). */
  #build(entries: readonly LeafNode[], depth: number, version: number): Sub {
    if (entries.length === 0) return null;
    if (entries.length === 1) return entries[0]!;
    const slots: Sub[] = new Array(16).fill(null);
    for (let i = 0; i < entries.length; ) {
      const n = nibble(entries[i]!.keyHash, depth);
      let j = i + 1;
      while (j < entries.length && nibble(entries[j]!.keyHash, depth) === n) j++;
      slots[n] = this.#build(entries.slice(i, j), depth + 1, version);
      i = j;
    }
    return this.#assemble(slots, entries[0]!.keyHash, depth, version, undefined, undefined);
  }

  /**
   * The subtree at `depth` whose slots are `slots`: nothing, a single leaf floated up (the binary
   * tree collapses one-leaf subtrees, so a node never holds just one leaf), or an internal node —
   * the `original` one (stored at `originalRef`) when no slot changed, else a new one written at
   * `version`.
   */
  #assemble(
    slots: readonly Sub[],
    pathKey: Uint8Array,
    depth: number,
    version: number,
    originalRef: ChildRef | undefined,
    original: InternalNode | undefined,
  ): Sub {
    let count = 0;
    let last = -1;
    for (let i = 0; i < 16; i++) {
      if (slots[i] !== null) {
        count++;
        last = i;
      }
    }
    if (count === 0) return null;
    if (count === 1) {
      const single = slots[last]!;
      if (isLeafSub(single)) return single;
      if (single.leaf) {
        // A stored leaf in a slot is the original node's own child there.
        const known = original?.leafData[last];
        if (known !== undefined) return leafFromData(known);
        return this.#load(single, childPath(pathKey, depth, last)) as LeafNode;
      }
    }
    const children = new Array<ChildRef | undefined>(16);
    const leaves = new Array<string | undefined>(16);
    let changed = 0;
    for (let i = 0; i < 16; i++) {
      const child = this.#place(slots[i]!, pathKey, depth + 1, version, i, leaves);
      children[i] = child;
      if (original && !sameRef(child, original.children[i])) changed |= 1 << i;
      else if (original) leaves[i] = original.leafData[i];
    }
    if (original && changed === 0) return originalRef!;
    const node = internalNode(children, original ? reusableMemo(original, changed) : undefined, leaves);
    const hash = rangeHash(node, 1, this.#alg);
    this.#write(version, nodePath(pathKey, depth), node);
    return { version, hash, leaf: false, entry: undefined };
  }

  /**
   * Puts `sub` at `depth` along `pathKey` (in slot `slot` of its parent when given), writing a leaf
   * if needed (and keeping it in the parent's `leaves`, its {@link InternalNode#leafData}).
   */
  #place(
    sub: Sub,
    pathKey: Uint8Array,
    depth: number,
    version: number,
    slot?: number,
    leaves?: Array<string | undefined>,
  ): ChildRef | undefined {
    if (sub === null) return undefined;
    if (!isLeafSub(sub)) return sub;
    const path = slot === undefined ? nodePath(pathKey, depth) : childPath(pathKey, depth - 1, slot);
    const bytes = this.#write(version, path, sub);
    // A leaf's bytes are 0x00 ‖ key hash ‖ value hash: its leafData after the tag.
    if (leaves !== undefined && slot !== undefined) leaves[slot] = bytes.toString('latin1', 1);
    // The leaf's bytes (0x00 ‖ key hash ‖ value hash) are its hash input.
    return { version, hash: leafBytesHash(bytes, this.#alg), leaf: true, entry: undefined };
  }

  #write(version: number, path: Uint8Array, node: TreeNode): Buffer {
    const bytes = encodeNode(node);
    this.#store.putNode(version, path, bytes);
    // Internal nodes just written are the next block's starting point. Leaves are kept (as
    // leafData) only by their parent written with them: in the cache on their own they would
    // push internal nodes out.
    if (node.kind === 'internal') this.#remember(cacheKey(version, path), node);
    return bytes;
  }

  #walk(
    root: TreeRoot,
    keyHash: Uint8Array,
    withSiblings: boolean,
  ): { leaf: LeafNode | null; siblings: HashString[] } {
    const siblings: HashString[] = [];
    const ref = this.#rootRef(root);
    if (!ref) return { leaf: null, siblings };
    let node = this.#load(ref, nodePath(keyHash, 0));
    for (let depth = 0; ; depth++) {
      if (node.kind === 'leaf') return { leaf: node, siblings };
      const n = nibble(keyHash, depth);
      const slotBit = 1 << n;
      // Descend the 4 binary levels inside this node (heap indices); the binary path may end inside it.
      for (let idx = 1; idx < 16; ) {
        const left = (rangeMask(2 * idx) & slotBit) !== 0;
        const next = left ? 2 * idx : 2 * idx + 1;
        if (withSiblings) siblings.push(rangeHash(node, left ? 2 * idx + 1 : 2 * idx, this.#alg));
        idx = next;
        const inRange = node.present & rangeMask(idx);
        if (inRange === 0) return { leaf: null, siblings };
        if ((inRange & (inRange - 1)) === 0 && (node.leaves & inRange) !== 0) {
          const slot = 31 - Math.clz32(inRange);
          const known = node.leafData[slot];
          return {
            leaf:
              known !== undefined
                ? leafFromData(known)
                : (this.#load(node.children[slot]!, childPath(keyHash, depth, slot)) as LeafNode),
            siblings,
          };
        }
      }
      if (depth >= 63) this.#corrupt('a state tree path is deeper than 64 nibbles');
      node = this.#load(node.children[n]!, nodePath(keyHash, depth + 1));
    }
  }

  #load(ref: ChildRef, path: Uint8Array, key = cacheKey(ref.version, path)): TreeNode {
    const young = this.#young.get(key);
    if (young) return young;
    const old = this.#old.get(key);
    if (old) {
      this.#remember(key, old);
      return old;
    }
    const bytes = this.#store.getNode(ref.version, path);
    if (!bytes) this.#corrupt(`state tree node missing at version ${ref.version}`);
    const node = decodeNode(bytes);
    if (node.kind === 'internal') this.#remember(key, node);
    return node;
  }

  #forget(key: string): void {
    this.#young.delete(key);
    this.#old.delete(key);
  }

  #remember(key: string, node: TreeNode): void {
    this.#young.set(key, node);
    if (this.#young.size >= this.#cacheSize / 2) {
      this.#old = this.#young;
      this.#young = new Map();
    }
  }

  #corrupt(message: string): never {
    throw new BsnError('BSN_LEDGER_STATE_CORRUPT', message);
  }
}

/** The memo entries of `original` still valid after the slots in mask `changed` changed: those covering none of them. */
function reusableMemo(original: InternalNode, changed: number): Array<HashString | undefined> {
  const memo: Array<HashString | undefined> = new Array(16);
  for (let idx = 1; idx < 16; idx++) if ((rangeMask(idx) & changed) === 0) memo[idx] = original.memo[idx];
  return memo;
}

function cacheKey(version: number, path: Uint8Array): string {
  // Paths are short (1 + ⌈depth/2⌉ bytes); one char per byte is cheaper than hex.
  let key = version + ':';
  for (let i = 0; i < path.length; i++) key += String.fromCharCode(path[i]!);
  return key;
}
