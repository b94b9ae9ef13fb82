/**
 * Hashing. The algorithm is a parameter everywhere (SHA-256 by default) so that SM3 — which Node's
 * OpenSSL already provides — and others can be chosen per network without touching callers.
 */
import { createHash, getHashes, hash as oneShotHash } from 'node:crypto';
import { canonicalString } from './encoding.js';
import { BsnError } from './errors.js';

/** Hash algorithms BSN knows; `sm3` works where Node's OpenSSL provides it. */
export type HashAlgorithm = 'sha256' | 'sm3';

/** The default hash of the network: SHA-256. */
export const DEFAULT_HASH: HashAlgorithm = 'sha256';

const SUPPORTED: readonly HashAlgorithm[] = ['sha256', 'sm3'];
const available = new Set(getHashes());

/** Throws BSN_HASH_UNSUPPORTED unless `alg` is a supported hash on this machine. */
export function assertHashAlgorithm(alg: string): asserts alg is HashAlgorithm {
  if (!(SUPPORTED as readonly string[]).includes(alg) || !available.has(alg)) {
    throw new BsnError('BSN_HASH_UNSUPPORTED', `hash algorithm "${alg}" is not supported`, {
      details: { algorithm: alg, supported: SUPPORTED.filter((a) => available.has(a)) },
    });
  }
}

/** Checks `alg` only when it is not one of the two names every caller passes (the hot path). */
function checkAlgorithm(alg: string): asserts alg is HashAlgorithm {
  if (alg !== 'sha256' && alg !== 'sm3') assertHashAlgorithm(alg);
}

/**
 * Runs the one-shot crypto.hash (no Hash object per digest: these run thousands of times per
 * block), naming the algorithm if this machine's OpenSSL turns out to lack it.
 */
function oneShot(alg: HashAlgorithm, data: Uint8Array | string, output: 'buffer'): Buffer;
function oneShot(alg: HashAlgorithm, data: Uint8Array | string, output: 'hex' | 'binary'): string;
function oneShot(
  alg: HashAlgorithm,
  data: Uint8Array | string,
  output: 'buffer' | 'hex' | 'binary',
): Buffer | string {
  try {
    return oneShotHash(alg, data, output);
  } catch (cause) {
    assertHashAlgorithm(alg);
    throw cause;
  }
}

function digestOf(alg: HashAlgorithm, data: Uint8Array): Uint8Array {
  const out = oneShot(alg, data, 'buffer');
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The digest of `data` (32 bytes for both SHA-256 and SM3). */
export function hash(data: Uint8Array, alg: HashAlgorithm = DEFAULT_HASH): Uint8Array {
  checkAlgorithm(alg);
  return digestOf(alg, data);
}

/**
 * The digest of `data` as lower-case hex, the same as `toHex(hash(data))` without the digest's
 * bytes in between; a string is hashed as its UTF-8 bytes (no copy of it is made first).
 */
export function hashHex(data: Uint8Array | string, alg: HashAlgorithm = DEFAULT_HASH): string {
  checkAlgorithm(alg);
  return oneShot(alg, data, 'hex');
}

/**
 * The digest of `data` as a one-byte string (latin1: one character per byte), the cheapest form
 * the one-shot digest comes in — no ArrayBuffer per digest — for code that keeps many hashes as
 * map keys or splices them into encodings (the state tree). A string is hashed as its UTF-8 bytes.
 */
export function hashLatin1(data: Uint8Array | string, alg: HashAlgorithm = DEFAULT_HASH): string {
  checkAlgorithm(alg);
  return oneShot(alg, data, 'binary'); // 'binary' is Node's name for latin1
}

/** Parts up to this many bytes in all are copied into one buffer and hashed in one call. */
const SMALL_PARTS = 1024;
const scratch = Buffer.allocUnsafe(SMALL_PARTS);

/** The digest of the concatenation of `parts`, without copying large ones together first. */
export function hashParts(parts: readonly Uint8Array[], alg: HashAlgorithm = DEFAULT_HASH): Uint8Array {
  checkAlgorithm(alg);
  let total = 0;
  for (const p of parts) total += p.length;
  if (total <= SMALL_PARTS) {
    let off = 0;
    for (const p of parts) {
      scratch.set(p, off);
      off += p.length;
    }
    return digestOf(alg, scratch.subarray(0, total));
  }
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** Hex digest of the canonical encoding of `value`: how BSN names a structured object (e.g. a txId). */
export function hashCanonical(value: unknown, alg: HashAlgorithm = DEFAULT_HASH): string {
  return hashHex(canonicalString(value), alg);
}
