/**
 * An in-memory HostApi for tests, shaped like the executor's: a transaction's writes and events
 * are buffered and applied only when its call succeeds.
 */
import type { JsonValue } from '@bsn/core';
import type { ContractInstance, HostApi, Invocation, InvocationResult, StateEntry } from '@bsn/ledger';

/** Committed state plus one transaction's pending writes and events. */
export class MemoryHost implements HostApi {
  readonly committed = new Map<string, JsonValue>();
  readonly committedEvents: { name: string; data: JsonValue }[] = [];
  #writes = new Map<string, JsonValue | null>();
  #events: { name: string; data: JsonValue }[] = [];
  /** Every host call made, for tests that check what a contract did. */
  readonly log: string[] = [];

  get(key: string): JsonValue | null {
    this.log.push(`get ${key}`);
    return this.#writes.has(key) ? (this.#writes.get(key) ?? null) : (this.committed.get(key) ?? null);
  }

  put(key: string, value: JsonValue): void {
    this.log.push(`put ${key}`);
    this.#writes.set(key, value);
  }

  del(key: string): void {
    this.log.push(`del ${key}`);
    this.#writes.set(key, null);
  }

  range(start: string, end: string | undefined, limit: number): StateEntry[] {
    this.log.push(`range ${start} ${end ?? ''} ${limit}`);
    const merged = new Map(this.committed);
    for (const [k, v] of this.#writes) {
      if (v === null) merged.delete(k);
      else merged.set(k, v);
    }
    return [...merged.keys()]
      .filter((k) => k >= start && (end === undefined || k < end))
      .sort()
      .slice(0, limit)
      .map((key) => ({ key, value: merged.get(key) as JsonValue }));
  }

  emit(name: string, data: JsonValue): void {
    this.#events.push({ name, data });
  }

  /** Runs one call as the executor would: writes and events survive only if it succeeds. */
  execute(instance: ContractInstance, call: Invocation): InvocationResult {
    this.#writes = new Map();
    this.#events = [];
    const result = instance.invoke(call, this);
    if (result.ok) {
      for (const [k, v] of this.#writes) {
        if (v === null) this.committed.delete(k);
        else this.committed.set(k, v);
      }
      this.committedEvents.push(...this.#events);
    }
    this.#writes = new Map();
    this.#events = [];
    return result;
  }
}
