/**
 * A Map that holds at most `capacity` entries: adding a new key to a full map first drops the
 * oldest key (insertion order). The caches of hot paths (quoted strings, verified signatures,
 * certificate verdicts, public keys, receipt proofs) all need exactly this and nothing more.
 */
import { BsnError } from './errors.js';

export class BoundedMap<K, V> extends Map<K, V> {
  readonly capacity: number;
  /**
   * A live iterator over the keys, just past the last one evicted. A fresh `keys().next()` per
   * eviction walks from the start of V8's entry table over every entry deleted since the table was
   * last rehashed: ~20 µs per insert in a full map of 200,000 (the verified-signature cache). A
   * live iterator keeps its place (V8 moves it along when the table is rehashed or cleared), and
   * since only the oldest key is evicted, its next key is always the oldest one left.
   */
  #oldest: IterableIterator<K> | undefined;

  constructor(capacity: number) {
    super();
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new BsnError('BSN_INVALID_ARGUMENT', 'a bounded map needs a capacity of at least 1', {
        details: { capacity },
      });
    }
    this.capacity = capacity;
  }

  /**
   * Removes every entry, and the eviction iterator with them: a live iterator over a cleared table
   * keeps that table, with every key and value it held, reachable until the map fills up again.
   */
  override clear(): void {
    this.#oldest = undefined;
    super.clear();
  }

  /** Sets `key`; a new key in a full map first evicts the oldest one. */
  override set(key: K, value: V): this {
    if (this.size >= this.capacity && !this.has(key)) {
      let oldest = this.#oldest?.next();
      if (oldest === undefined || oldest.done) {
        // Exhausted iterators stay exhausted, even when keys are added later: start a new one.
        this.#oldest = this.keys();
        oldest = this.#oldest.next();
      }
      if (!oldest.done) this.delete(oldest.value);
    }
    return super.set(key, value);
  }
}
