/**
 * The sparse Merkle tree that commits to a chain's world state, and its proof verifier. Pure: no
 * storage (the ledger keeps the persistent, versioned tree; this module is what an SDK or light
 * client needs to check an answer against a certified `stateRoot`).
 *
 * Hashing rules (Jellyfish / Diem style binary sparse Merkle tree over 256-bit key hashes):
 * - a leaf is H(0x00 ‖ keyHash ‖ valueHash); an internal node is H(0x01 ‖ left ‖ right);
 * - an empty subtree is the placeholder: 32 zero bytes (so the empty tree's root is all zeros);
 * - a subtree holding exactly one leaf *is* that leaf (no chain of internal nodes above it), so a
 *   path is only as long as needed to separate a key from its nearest neighbour (~log2 n);
 * - bit i of the key hash (most significant bit of byte 0 first) picks the side at depth i: 0 left.
 * The domain bytes keep leaves and internal nodes apart. The tree shape is a function of the key
 * set alone, so the root is independent of insertion order and of how writes were batched.
 */
import { canonicalEncode, type JsonValue } from './encoding.js';
import { BsnError } from './errors.js';
import { DEFAULT_HASH, type HashAlgorithm, hashHex, hashParts } from './hash.js';
import { bytesEqual, fromHex, toHex, utf8 } from './hex.js';

const SEPARATOR = new Uint8Array([0]);
const HASH_HEX = /^[0-9a-f]{64}$/;

/** Number of bits in a key hash, and so the greatest depth of the tree. */
export const SPARSE_MERKLE_KEY_BITS = 256;

/** The hash of an empty subtree: 32 zero bytes. */
export const SPARSE_MERKLE_PLACEHOLDER: Uint8Array = new Uint8Array(32);

/** The state root of an empty world state (the placeholder, hex). */
export const EMPTY_STATE_ROOT: string = '0'.repeat(64);

/** A leaf of the tree as it appears in proofs: hex key hash and hex value hash. */
export interface SparseMerkleLeaf {
  readonly keyHash: string;
  readonly valueHash: string;
}

/**
 * A membership or non-membership proof. `leaf` is the leaf found where the key's path ends (the
 * key's own leaf for membership; another key's leaf, or `null` for an empty subtree, for absence).
 * `siblings[i]` is the hex hash of the sibling subtree at depth i+1 along the key's path, from the
 * root downwards (so `siblings.length` is the depth at which the path ends).
 */
export interface SparseMerkleProof {
  readonly leaf: SparseMerkleLeaf | null;
  readonly siblings: readonly string[];
}

// The domain-separation byte of a leaf (0) and of an internal node (1).
const TAGS = [new Uint8Array([0]), new Uint8Array([1])] as const;

// H(tag ‖ a ‖ b): hashParts copies such small inputs into one buffer and uses the one-shot digest
// (tree hashing is the hot path of a block commit: thousands of node hashes per block).
function hash65(tag: 0 | 1, a: Uint8Array, b: Uint8Array, alg: HashAlgorithm): Uint8Array {
  return hashParts([TAGS[tag], a, b], alg);
}

/** H(0x00 ‖ keyHash ‖ valueHash): the hash of a leaf. */
export function sparseMerkleLeafHash(
  keyHash: Uint8Array,
  valueHash: Uint8Array,
  alg: HashAlgorithm = DEFAULT_HASH,
): Uint8Array {
  return hash65(0, keyHash, valueHash, alg);
}

/** H(0x01 ‖ left ‖ right): the hash of an internal node. */
export function sparseMerkleNodeHash(
  left: Uint8Array,
  right: Uint8Array,
  alg: HashAlgorithm = DEFAULT_HASH,
): Uint8Array {
  return hash65(1, left, right, alg);
}

/** Bit `i` (0 = most significant bit of byte 0) of a key hash. */
export function sparseMerkleKeyBit(keyHash: Uint8Array, i: number): number {
  return ((keyHash[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
}

/**
 * The key hash of a state entry: H(utf8(contract) ‖ 0x00 ‖ utf8(key)). A contract name containing
 * NUL would make the encoding ambiguous, so it is refused (BSN_INVALID_ARGUMENT).
 */
export function stateKeyHash(contract: string, key: string, alg: HashAlgorithm = DEFAULT_HASH): string {
  if (typeof contract !== 'string' || contract.includes('\0') || typeof key !== 'string') {
    throw new BsnError(
      'BSN_INVALID_ARGUMENT',
      'a state key needs a contract name without NUL and a string key',
      {
        details: { field: typeof key !== 'string' ? 'key' : 'contract' },
      },
    );
  }
  return hashHex(Buffer.concat([utf8(contract), SEPARATOR, utf8(key)]), alg);
}

/** The value hash of a state entry: H(canonicalEncode(value)). */
export function stateValueHash(value: JsonValue, alg: HashAlgorithm = DEFAULT_HASH): string {
  return hashHex(canonicalEncode(value), alg);
}

function commonPrefixBits(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const x = (a[i] ?? 0) ^ (b[i] ?? 0);
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return a.length * 8;
}

/**
 * True when `proof` shows that, in the tree with root `root`, `keyHash` maps to `valueHash`
 * (membership) or, with `valueHash === null`, that `keyHash` is absent. All hashes are lower-case
 * hex. Never throws: a malformed proof or argument gives `false`.
 */
export function verifySparseMerkleProof(
  root: string,
  keyHash: string,
  valueHash: string | null,
  proof: SparseMerkleProof,
  alg: HashAlgorithm = DEFAULT_HASH,
): boolean {
  try {
    if (typeof root !== 'string' || !HASH_HEX.test(root)) return false;
    if (typeof keyHash !== 'string' || !HASH_HEX.test(keyHash)) return false;
    if (valueHash !== null && (typeof valueHash !== 'string' || !HASH_HEX.test(valueHash))) return false;
    if (typeof proof !== 'object' || proof === null) return false;
    const { leaf, siblings } = proof;
    if (!Array.isArray(siblings) || siblings.length > SPARSE_MERKLE_KEY_BITS) return false;
    for (const s of siblings) if (typeof s !== 'string' || !HASH_HEX.test(s)) return false;
    const key = fromHex(keyHash);
    let current: Uint8Array;
    if (leaf === null) {
      // An empty subtree on the key's path proves absence, and only absence.
      if (valueHash !== null) return false;
      current = SPARSE_MERKLE_PLACEHOLDER;
    } else {
      if (typeof leaf !== 'object' || leaf === undefined) return false;
      const { keyHash: leafKey, valueHash: leafValue } = leaf;
      if (typeof leafKey !== 'string' || !HASH_HEX.test(leafKey)) return false;
      if (typeof leafValue !== 'string' || !HASH_HEX.test(leafValue)) return false;
      const leafKeyBytes = fromHex(leafKey);
      if (valueHash !== null) {
        if (leafKey !== keyHash || leafValue !== valueHash) return false;
      } else {
        // Another key's leaf proves absence only if it sits where our key's path ends: then our
        // key, were it present, would share that subtree and the subtree could not be one leaf.
        if (leafKey === keyHash) return false;
        if (commonPrefixBits(key, leafKeyBytes) < siblings.length) return false;
      }
      current = sparseMerkleLeafHash(leafKeyBytes, fromHex(leafValue), alg);
    }
    // In the canonical tree a path never ends beside an empty sibling: that parent would hold a
    // single leaf (or nothing) and would have collapsed. Refusing such proofs keeps one proof shape
    // per (root, key) instead of relying on collision resistance alone.
    const last = siblings[siblings.length - 1];
    if (last !== undefined && last === EMPTY_STATE_ROOT) return false;
    for (let i = siblings.length - 1; i >= 0; i--) {
      const sibling = fromHex(siblings[i]!);
      current =
        sparseMerkleKeyBit(key, i) === 1
          ? sparseMerkleNodeHash(sibling, current, alg)
          : sparseMerkleNodeHash(current, sibling, alg);
    }
    return bytesEqual(current, fromHex(root));
  } catch {
    return false;
  }
}

/**
 * Verifies a proof about a state entry: `value` stored under (`contract`, `key`), or its absence
 * when `value` is `null` (so a JSON `null` can never be a stored value). Never throws.
 */
export function verifyStateProof(
  root: string,
  contract: string,
  key: string,
  value: JsonValue | null,
  proof: SparseMerkleProof,
  alg: HashAlgorithm = DEFAULT_HASH,
): boolean {
  try {
    const keyHash = stateKeyHash(contract, key, alg);
    const valueHash = value === null ? null : stateValueHash(value, alg);
    return verifySparseMerkleProof(root, keyHash, valueHash, proof, alg);
  } catch {
    return false;
  }
}

interface Entry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

function toEntries(leaves: Iterable<SparseMerkleLeaf>): Entry[] {
  const byKey = new Map<string, Entry>();
  for (const leaf of leaves) {
    if (!HASH_HEX.test(leaf.keyHash) || !HASH_HEX.test(leaf.valueHash)) {
      throw new BsnError('BSN_INVALID_ARGUMENT', 'leaf hashes must be 64 lower-case hex digits', {
        details: { keyHash: leaf.keyHash },
      });
    }
    if (byKey.has(leaf.keyHash)) {
      throw new BsnError('BSN_INVALID_ARGUMENT', 'a key hash appears twice among the leaves', {
        details: { keyHash: leaf.keyHash },
      });
    }
    byKey.set(leaf.keyHash, { key: fromHex(leaf.keyHash), value: fromHex(leaf.valueHash) });
  }
  return [...byKey.values()];
}

function subtreeHash(entries: readonly Entry[], depth: number, alg: HashAlgorithm): Uint8Array {
  if (entries.length === 0) return SPARSE_MERKLE_PLACEHOLDER;
  if (entries.length === 1) return sparseMerkleLeafHash(entries[0]!.key, entries[0]!.value, alg);
  const left = entries.filter((e) => sparseMerkleKeyBit(e.key, depth) === 0);
  const right = entries.filter((e) => sparseMerkleKeyBit(e.key, depth) === 1);
  return sparseMerkleNodeHash(subtreeHash(left, depth + 1, alg), subtreeHash(right, depth + 1, alg), alg);
}

/**
 * The root of the tree holding `leaves` (hex key hash → hex value hash), computed in memory. A
 * reference implementation for tests, light clients and small sets; the ledger's persistent tree
 * gives the same roots incrementally.
 */
export function sparseMerkleRoot(
  leaves: Iterable<SparseMerkleLeaf>,
  alg: HashAlgorithm = DEFAULT_HASH,
): string {
  return toHex(subtreeHash(toEntries(leaves), 0, alg));
}

/** The proof for `keyHash` (membership if present, else non-membership) in the tree of `leaves`, in memory. */
export function sparseMerkleProof(
  leaves: Iterable<SparseMerkleLeaf>,
  keyHash: string,
  alg: HashAlgorithm = DEFAULT_HASH,
): SparseMerkleProof {
  if (!HASH_HEX.test(keyHash)) {
    throw new BsnError('BSN_INVALID_ARGUMENT', 'a key hash must be 64 lower-case hex digits', {
      details: { keyHash },
    });
  }
  const key = fromHex(keyHash);
  let entries = toEntries(leaves);
  const siblings: string[] = [];
  for (let depth = 0; ; depth++) {
    if (entries.length === 0) return { leaf: null, siblings };
    if (entries.length === 1) {
      const only = entries[0]!;
      return { leaf: { keyHash: toHex(only.key), valueHash: toHex(only.value) }, siblings };
    }
    const bit = sparseMerkleKeyBit(key, depth);
    const same = entries.filter((e) => sparseMerkleKeyBit(e.key, depth) === bit);
    const other = entries.filter((e) => sparseMerkleKeyBit(e.key, depth) !== bit);
    siblings.push(toHex(subtreeHash(other, depth + 1, alg)));
    entries = same;
  }
}
