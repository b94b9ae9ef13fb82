/**
 * A Map that holds at most `capacity` entries: adding a new key to a full map first drops the
 * oldest key (insertion order). The caches of hot paths (quoted strings, verified signatures,
 * certificate verdicts, public keys, receipt proofs) all need exactly this and nothing more.
 */
import { BsnError } from './errors.js';

export class BoundedMap<K, V> extends Map<K, V> {
  readonly capacity: number;

  constructor(capacity: number) {
    super();
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new BsnError('BSN_INVALID_ARGUMENT', 'a bounded map needs a capacity of at least 1', {
        details: { capacity },
      });
    }
    this.capacity = capacity;
  }

  /** Sets `key`; a new key in a full map first evicts the oldest one. */
  override set(key: K, value: V): this {
    if (this.size >= this.capacity && !this.has(key)) {
      const oldest = this.keys().next();
      if (!oldest.done) this.delete(oldest.value);
    }
    return super.set(key, value);
  }
}
