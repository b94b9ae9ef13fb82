/**
 * State reads checked against a certified stateRoot: each value (or absence) must verify under the
 * root, and only what verified may be looked up afterwards.
 */
import type { StateRead } from '@bsn/api';
import { type HashAlgorithm, type JsonValue, verifyStateProof } from '@bsn/core';
import { BaseError } from '../errors.js';

/** The value of `contract`/`key` as proven (null: proven absent; undefined: not proven). */
export type ProvenReads = (contract: string, key: string) => JsonValue | null | undefined;

/** Throws BSN_SDK_STATE_PROOF_INVALID unless `read`'s value (null: its absence) verifies against `stateRoot`. */
export function assertRead(
  stateRoot: string,
  read: { contract: string; key: string; value: unknown; proof: StateRead['proof'] },
  hash?: HashAlgorithm,
): void {
  if (
    !verifyStateProof(stateRoot, read.contract, read.key, read.value as JsonValue | null, read.proof, hash)
  ) {
    throw new BaseError(
      'BSN_SDK_STATE_PROOF_INVALID',
      `${read.value === null ? 'absence' : 'value'} of ${read.contract}/${read.key} does not verify against the certified stateRoot`,
      { details: { contract: read.contract, key: read.key, stateRoot } },
    );
  }
}

/** Verifies every read against `stateRoot` (assertRead) and returns the proven values by contract and key. */
export function provenReads(
  stateRoot: string,
  reads: readonly StateRead[],
  hash?: HashAlgorithm,
): ProvenReads {
  const proven = new Map<string, JsonValue | null>();
  for (const read of reads) {
    assertRead(stateRoot, read, hash);
    proven.set(`${read.contract}\u0000${read.key}`, read.value as JsonValue | null);
  }
  return (contract, key) => proven.get(`${contract}\u0000${key}`);
}
