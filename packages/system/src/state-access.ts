/**
 * Typed reads and writes of the system contract's state. The contract owns its namespace, so
 * what it reads back is what it wrote: records are trusted and cast, not re-validated.
 */
import type { JsonValue } from '@bsn/core';
import type { ContractContext } from '@bsn/ledger';

/** The state handle a contract method receives. */
export type State = ContractContext['state'];

/** Reads a record written by {@link writeRecord}, or null. */
export function readRecord<T>(state: State, key: string): T | null {
  return state.get(key) as T | null;
}

/** Writes a record (any JSON-shaped object). */
export function writeRecord<T>(state: State, key: string, value: T): void {
  state.put(key, value as unknown as JsonValue);
}

/** The exclusive upper bound of all keys starting with `prefix`. */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** Values of the keys under `prefix`, in key order, starting after key suffix `after`. */
export function readPrefix<T>(state: State, prefix: string, after?: string, limit?: number): T[] {
  const start = after === undefined ? prefix : `${prefix}${after}\u0000`;
  return state.range(start, prefixEnd(prefix), limit).map((e) => e.value as T);
}

/** Keys under `prefix` (with the prefix removed), in key order. */
export function readPrefixKeys(state: State, prefix: string, limit?: number): string[] {
  return state.range(prefix, prefixEnd(prefix), limit).map((e) => e.key.slice(prefix.length));
}
