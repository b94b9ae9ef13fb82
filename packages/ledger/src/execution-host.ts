/**
 * The state a contract call sees while a block executes, in layers: the call's own writes, then
 * the writes of the block's earlier successful transactions, then committed world state. Writes
 * and events are buffered per call and only folded into the block when the call succeeds, so a
 * failed call leaves no trace. Values are kept as canonical JSON text, so nothing a contract does
 * to an object after `put` (or to what `get` returned) can change what is stored.
 */
import { BsnError, type ContractEvent, canonicalString, hasLoneSurrogate, type JsonValue } from '@bsn/core';
import type { ChainLimits } from './limits.js';
import type { HostApi, StateEntry } from './runtime.js';

/** Read access to committed world state (a subset of the WorldState API). */
export interface StateReader {
  get(contract: string, key: string): JsonValue | null;
  /** Optional: the stored canonical JSON text of the value (null when absent), saving a parse and re-encode. */
  getCanonical?(contract: string, key: string): string | null;
  /** Entries with `start <= key < end` in key order (UTF-8 byte order), at most `limit`. */
  range(contract: string, start: string, end: string | undefined, limit: number): StateEntry[];
}

/** One state write of a block, as handed to WorldState#applyBlock (later writes to a key win). */
export interface StateWrite {
  readonly contract: string;
  readonly key: string;
  readonly value: JsonValue | null;
  readonly txId: string;
  /** The canonical JSON text of `value` (null for a delete), so applyBlock need not encode it again. */
  readonly canonical: string | null;
}

/** UTF-8 byte order of keys, which is SQLite's BINARY collation: the order WorldState ranges return. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The limits a host enforces on one call. */
export type HostLimits = Pick<
  ChainLimits,
  'maxKeyBytes' | 'maxValueBytes' | 'maxWritesPerTx' | 'maxEventsPerTx' | 'maxEventBytes'
>;

const MAX_EVENT_NAME = 128;

/** The writes of a block's successful transactions so far, layered over committed state. */
export class BlockOverlay {
  /** contract → key → canonical value text, or null for a delete. */
  readonly #layers = new Map<string, Map<string, string | null>>();
  readonly #writes: StateWrite[] = [];
  readonly #state: StateReader;

  constructor(state: StateReader) {
    this.#state = state;
  }

  /** A host for one call of `contract`; `readOnly` for queries. */
  host(contract: string, limits: HostLimits, readOnly: boolean): CallHost {
    return new CallHost(this, contract, limits, readOnly);
  }

  /** Folds a successful call's writes into the block, in the order the call made them. */
  commit(call: CallHost, txId: string): void {
    let layer = this.#layers.get(call.contract);
    if (!layer) {
      layer = new Map();
      this.#layers.set(call.contract, layer);
    }
    for (const [key, text] of call.writes) {
      layer.set(key, text);
      this.#writes.push({
        contract: call.contract,
        key,
        value: text === null ? null : JSON.parse(text),
        txId,
        canonical: text,
      });
    }
  }

  /** Every write of the block's successful transactions, in execution order. */
  writes(): readonly StateWrite[] {
    return this.#writes;
  }

  /** The block-level value text of a key: undefined when the block has not touched it. */
  layered(contract: string, key: string): string | null | undefined {
    return this.#layers.get(contract)?.get(key);
  }

  layer(contract: string): ReadonlyMap<string, string | null> | undefined {
    return this.#layers.get(contract);
  }

  get state(): StateReader {
    return this.#state;
  }
}

/** The {@link HostApi} of one call: buffers writes and events until the executor commits or drops them. */
export class CallHost implements HostApi {
  readonly contract: string;
  /** key → canonical value text (null = delete), in first-write order. */
  readonly writes = new Map<string, string | null>();
  readonly events: ContractEvent[] = [];
  /** The canonical text of each event's data, in the order of {@link events}. */
  readonly eventTexts: string[] = [];
  readonly #overlay: BlockOverlay;
  readonly #limits: HostLimits;
  readonly #readOnly: boolean;
  #eventBytes = 0;

  constructor(overlay: BlockOverlay, contract: string, limits: HostLimits, readOnly: boolean) {
    this.#overlay = overlay;
    this.contract = contract;
    this.#limits = limits;
    this.#readOnly = readOnly;
  }

  get(key: string): JsonValue | null {
    this.#checkKey(key);
    const own = this.writes.get(key);
    if (own !== undefined) return own === null ? null : (JSON.parse(own) as JsonValue);
    const block = this.#overlay.layered(this.contract, key);
    if (block !== undefined) return block === null ? null : (JSON.parse(block) as JsonValue);
    return this.#overlay.state.get(this.contract, key);
  }

  getCanonical(key: string): string | null {
    this.#checkKey(key);
    const own = this.writes.get(key);
    if (own !== undefined) return own;
    const block = this.#overlay.layered(this.contract, key);
    if (block !== undefined) return block;
    const state = this.#overlay.state;
    if (state.getCanonical) return state.getCanonical(this.contract, key);
    const value = state.get(this.contract, key);
    return value === null ? null : canonicalString(value);
  }

  put(key: string, value: JsonValue, canonical?: string): void {
    this.#writable('put');
    this.#checkKey(key);
    if (value === null || value === undefined) {
      throw new BsnError(
        'BSN_LEDGER_VALUE_TOO_LARGE',
        'a state value cannot be null or undefined; use del to delete',
        {
          details: { key },
        },
      );
    }
    const text = canonical ?? canonicalString(value);
    const size = Buffer.byteLength(text);
    if (size > this.#limits.maxValueBytes) {
      throw new BsnError(
        'BSN_LEDGER_VALUE_TOO_LARGE',
        `value of key "${key}" is ${size} bytes, at most ${this.#limits.maxValueBytes} allowed`,
        { details: { key, size, limit: this.#limits.maxValueBytes } },
      );
    }
    this.#record(key, text);
  }

  del(key: string): void {
    this.#writable('del');
    this.#checkKey(key);
    this.#record(key, null);
  }

  range(start: string, end: string | undefined, limit: number): StateEntry[] {
    if (typeof start !== 'string' || (end !== undefined && typeof end !== 'string')) {
      throw new BsnError('BSN_LEDGER_STATE_KEY', 'range bounds must be strings');
    }
    const max = Number.isInteger(limit) && limit > 0 ? Math.min(limit, 10_000) : 0;
    if (max === 0) return [];
    const inRange = (k: string) =>
      compareKeys(k, start) >= 0 && (end === undefined || compareKeys(k, end) < 0);
    // Each overlaid key can hide at most one committed entry, so fetching that many more is enough.
    const merged = new Map<string, string | JsonValue | null>();
    const overlaid: Array<[string, string | null]> = [];
    const layer = this.#overlay.layer(this.contract);
    if (layer) for (const [k, v] of layer) if (inRange(k)) overlaid.push([k, v]);
    for (const [k, v] of this.writes) if (inRange(k)) overlaid.push([k, v]);
    for (const entry of this.#overlay.state.range(this.contract, start, end, max + overlaid.length)) {
      merged.set(entry.key, entry.value);
    }
    const texts = new Set<string>();
    for (const [k, v] of overlaid) {
      merged.set(k, v);
      texts.add(k);
    }
    const keys = [...merged.keys()].sort(compareKeys);
    const out: StateEntry[] = [];
    for (const key of keys) {
      if (out.length >= max) break;
      const v = merged.get(key);
      if (v === null || v === undefined) continue;
      out.push({ key, value: texts.has(key) ? (JSON.parse(v as string) as JsonValue) : (v as JsonValue) });
    }
    return out;
  }

  emit(name: string, data: JsonValue, canonical?: string): void {
    this.#writable('emit');
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_EVENT_NAME) {
      throw new BsnError(
        'BSN_LEDGER_EVENT_INVALID',
        `an event name must be 1 to ${MAX_EVENT_NAME} characters`,
      );
    }
    if (hasLoneSurrogate(name)) {
      throw new BsnError(
        'BSN_LEDGER_EVENT_INVALID',
        'an event name must be well-formed Unicode (no lone surrogates)',
      );
    }
    if (this.events.length >= this.#limits.maxEventsPerTx) {
      throw new BsnError(
        'BSN_LEDGER_EVENT_INVALID',
        `a transaction may emit at most ${this.#limits.maxEventsPerTx} events`,
      );
    }
    const text = canonical ?? canonicalString(data === undefined ? null : data);
    this.#eventBytes += Buffer.byteLength(text) + name.length;
    if (this.#eventBytes > this.#limits.maxEventBytes) {
      throw new BsnError(
        'BSN_LEDGER_EVENT_INVALID',
        `events of a transaction may total at most ${this.#limits.maxEventBytes} bytes`,
      );
    }
    // A copy, so the caller changing `data` later cannot change the event, unless it handed it over.
    const owned = canonical !== undefined && data !== undefined ? data : (JSON.parse(text) as JsonValue);
    this.events.push({ contract: this.contract, name, data: owned });
    this.eventTexts.push(text);
  }

  #writable(op: string): void {
    if (this.#readOnly) {
      throw new BsnError('BSN_LEDGER_READ_ONLY', `${op} is not allowed in a read-only query`);
    }
  }

  #record(key: string, text: string | null): void {
    if (!this.writes.has(key) && this.writes.size >= this.#limits.maxWritesPerTx) {
      throw new BsnError(
        'BSN_LEDGER_TOO_MANY_WRITES',
        `a transaction may write at most ${this.#limits.maxWritesPerTx} keys`,
      );
    }
    this.writes.set(key, text);
  }

  #checkKey(key: string): void {
    if (typeof key !== 'string' || key.length === 0) {
      throw new BsnError('BSN_LEDGER_STATE_KEY', 'a state key must be a non-empty string');
    }
    if (key.includes('\u0000')) {
      throw new BsnError('BSN_LEDGER_STATE_KEY', 'a state key cannot contain NUL');
    }
    if (hasLoneSurrogate(key)) {
      throw new BsnError(
        'BSN_LEDGER_STATE_KEY',
        'a state key must be well-formed Unicode (no lone surrogates)',
      );
    }
    if (key.length * 3 > this.#limits.maxKeyBytes && Buffer.byteLength(key) > this.#limits.maxKeyBytes) {
      throw new BsnError(
        'BSN_LEDGER_STATE_KEY',
        `a state key may be at most ${this.#limits.maxKeyBytes} bytes`,
      );
    }
  }
}
