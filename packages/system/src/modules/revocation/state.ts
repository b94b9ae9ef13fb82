/**
 * Revocation module state. A revocation is permanent; each is stored twice so the node can both
 * look one up and follow the list incrementally:
 *
 * | key                              | value                        |
 * |----------------------------------|------------------------------|
 * | `revoked/<fingerprint>`          | {@link RevocationRecord}     |
 * | `revoked-at/<height:12>/<fp>`    | the fingerprint (ordered by height) |
 *
 * A certificate revoked in block h is refused from block h+1 on: the set as of a height is the
 * entries with `height <=` it ({@link revocationSetAt}).
 */
import { readPrefix, readRecord, type State, writeRecord } from '../../state-access.js';

/** One revoked certificate. */
export type RevocationRecord = {
  fingerprint: string;
  reason: string;
  /** Height of the block whose execution revoked it. */
  height: number;
  /** That block's time (ms). */
  time: number;
  proposalId: string;
};

/** Key prefixes of the revocation module. */
export const REVOKED_PREFIX = 'revoked/';
export const REVOKED_AT_PREFIX = 'revoked-at/';

/** Fixed-width height so that key order is height order. */
export function heightKey(height: number): string {
  return String(height).padStart(12, '0');
}

/** The revocation of a fingerprint, or null. */
export function readRevocation(state: State, fingerprint: string): RevocationRecord | null {
  return readRecord<RevocationRecord>(state, REVOKED_PREFIX + fingerprint);
}

/** Records a revocation under both keys. */
export function writeRevocation(state: State, record: RevocationRecord): void {
  writeRecord(state, REVOKED_PREFIX + record.fingerprint, record);
  state.put(`${REVOKED_AT_PREFIX}${heightKey(record.height)}/${record.fingerprint}`, record.fingerprint);
}

/** Revocations in fingerprint order, after fingerprint `after`. */
export function readRevocations(state: State, after?: string, limit?: number): RevocationRecord[] {
  return readPrefix<RevocationRecord>(state, REVOKED_PREFIX, after, limit);
}

/** Fingerprints revoked at heights `>= fromHeight`, in height order. */
export function readRevokedSince(state: State, fromHeight: number, limit?: number): RevocationRecord[] {
  const entries = state.range(`${REVOKED_AT_PREFIX}${heightKey(fromHeight)}`, 'revoked-at0', limit);
  return entries.map((e) => readRevocation(state, e.value as string)!);
}

/** The set of fingerprints revoked as of `height` (blocks up to and including it). */
export function revocationSetAt(
  records: Iterable<Pick<RevocationRecord, 'fingerprint' | 'height'>>,
  height: number,
): Set<string> {
  const set = new Set<string>();
  for (const r of records) if (r.height <= height) set.add(r.fingerprint);
  return set;
}

/**
 * A revocation schedule (ledger `RevocationSchedule`) over revocation records: each certificate
 * is revoked at the time of the block that revoked it, so the ledger refuses it in every later
 * block and the revoking block itself replays the same.
 */
export function revocationSchedule(records: Iterable<Pick<RevocationRecord, 'fingerprint' | 'time'>>): {
  revokedAt(fingerprint: string): number | undefined;
} {
  const times = new Map<string, number>();
  for (const r of records) times.set(r.fingerprint, r.time);
  return { revokedAt: (fingerprint) => times.get(fingerprint) };
}
