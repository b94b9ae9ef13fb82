/**
 * Contract bundles stored by hash on the system chain, so that every PCN a service chooses can
 * fetch the exact code the service registered. The hash is SHA-256 over the decoded bytes
 * (for a `utf8` bundle: the UTF-8 bytes of the module source, i.e. `ContractCode.codeHash`).
 */
import { Buffer } from 'node:buffer';
import { hashHex, type JsonValue, utf8 } from '@bsn/core';
import { type ContractContext, ContractError } from '@bsn/ledger';
import { type Static, Type } from '@sinclair/typebox';
import { SystemErrorCode } from '../../errors.js';
import { Sha256Hex } from '../../identifiers.js';
import type { State } from '../../state-access.js';
import { BUNDLE_STORED } from './events.js';
import { BUNDLE_CHUNK_CHARS, type BundleRecord, bundleChunkKey, bundleKey, readBundle } from './state.js';

/** Largest bundle the system chain stores: 2 MiB of decoded bytes. */
export const MAX_BUNDLE_BYTES = 2 * 1024 * 1024;

/** A bundle as uploaded: its text (`utf8`) or bytes (`base64`). */
export const BundleInput = Type.Object(
  {
    encoding: Type.Union([Type.Literal('utf8'), Type.Literal('base64')]),
    data: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

/** A bundle upload that names the hash it must have. */
export const HashedBundleInput = Type.Object(
  {
    hash: Sha256Hex,
    encoding: BundleInput.properties.encoding,
    data: BundleInput.properties.data,
  },
  { additionalProperties: false },
);

/** A stored bundle with its data, as `getBundle` returns it. */
export type StoredBundle = Omit<BundleRecord, 'chunks'> & { data: string };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decode(bundle: Static<typeof BundleInput>, field: string): Uint8Array {
  // Cheap bound first: a string never decodes to fewer bytes than this, so a huge upload is
  // refused before it is hashed.
  const lowerBound =
    bundle.encoding === 'utf8' ? bundle.data.length : Math.floor((bundle.data.length * 3) / 4) - 2;
  if (lowerBound > MAX_BUNDLE_BYTES) throw tooLarge(lowerBound);
  if (bundle.encoding === 'base64') {
    if (!BASE64.test(bundle.data)) {
      throw new ContractError(
        SystemErrorCode.INVALID_ARGUMENT,
        `invalid argument "${field}.data": not canonical base64`,
        {
          details: { field: `${field}.data`, problem: 'not canonical base64' },
        },
      );
    }
    return new Uint8Array(Buffer.from(bundle.data, 'base64'));
  }
  return utf8(bundle.data);
}

function tooLarge(size: number): ContractError {
  return new ContractError(
    SystemErrorCode.BUNDLE_TOO_LARGE,
    `contract bundle of ${size} bytes exceeds the limit of ${MAX_BUNDLE_BYTES} bytes`,
    { details: { size, limit: MAX_BUNDLE_BYTES } },
  );
}

/**
 * Stores a bundle that must hash to `expectedHash`; a bundle already stored is left as it is.
 * Returns its metadata.
 */
export function storeBundle(
  ctx: ContractContext,
  bundle: Static<typeof BundleInput>,
  expectedHash: string,
  field: string,
): BundleRecord {
  const bytes = decode(bundle, field);
  if (bytes.length > MAX_BUNDLE_BYTES) throw tooLarge(bytes.length);
  const actual = hashHex(bytes);
  if (actual !== expectedHash) {
    throw new ContractError(
      SystemErrorCode.BUNDLE_HASH_MISMATCH,
      `contract bundle hashes to ${actual}, not the declared ${expectedHash}`,
      { details: { field, expected: expectedHash, actual } },
    );
  }
  const existing = readBundle(ctx.state, actual);
  if (existing) return existing;
  const chunks = Math.ceil(bundle.data.length / BUNDLE_CHUNK_CHARS);
  for (let i = 0; i < chunks; i++) {
    ctx.state.put(
      bundleChunkKey(actual, i),
      bundle.data.slice(i * BUNDLE_CHUNK_CHARS, (i + 1) * BUNDLE_CHUNK_CHARS),
    );
  }
  const record: BundleRecord = {
    hash: actual,
    encoding: bundle.encoding,
    size: bytes.length,
    chunks,
    storedAt: ctx.tx.height,
    storedBy: ctx.caller.certFingerprint,
  };
  ctx.state.put(bundleKey(actual), record);
  ctx.emit(BUNDLE_STORED, { hash: actual, size: bytes.length, encoding: bundle.encoding });
  return record;
}

/** Fails with BSN_SYSTEM_BUNDLE_NOT_FOUND unless a bundle with `codeHash` is stored. */
export function requireBundle(state: State, codeHash: string): BundleRecord {
  const record = readBundle(state, codeHash);
  if (!record) {
    throw new ContractError(
      SystemErrorCode.BUNDLE_NOT_FOUND,
      `no contract bundle with hash ${codeHash} is stored: upload it with putBundle first`,
      { details: { codeHash } },
    );
  }
  return record;
}

/**
 * A stored bundle with its data reassembled, read through `get` (a contract's state, or a node
 * reading the system contract's keys from its world state); undefined when not stored.
 */
export function loadBundleFrom(
  get: (key: string) => JsonValue | null,
  codeHash: string,
): StoredBundle | undefined {
  const record = get(bundleKey(codeHash)) as BundleRecord | null;
  if (!record) return undefined;
  const { chunks, ...meta } = record;
  let data = '';
  for (let i = 0; i < chunks; i++) data += get(bundleChunkKey(codeHash, i)) as string;
  return { ...meta, data };
}

/** A stored bundle with its data; fails with BSN_SYSTEM_BUNDLE_NOT_FOUND. */
export function loadBundle(state: State, codeHash: string): StoredBundle {
  requireBundle(state, codeHash);
  return loadBundleFrom((key) => state.get(key), codeHash)!;
}
