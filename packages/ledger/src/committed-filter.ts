/**
 * A negative cache for the replay check: a Bloom filter of committed txIds, so the usual answer
 * ("this transaction is not on the chain") needs no database read. "Maybe" is answered by the
 * store as before, so the check stays exact: the filter never forgets a txId it must know.
 *
 * What it must know is small. A transaction's expiry is part of its hashed payload, so every
 * transaction with a given txId has the same `expires`; one that has expired is refused as expired
 * before anyone asks whether it is a duplicate. So only txIds whose `expires` is at or after the
 * time being checked matter. The filter therefore covers the txIds with `expires >= horizon`
 * (anything below the horizon is answered "maybe"), and as the horizon follows the committed
 * block time it drops whole generations (txIds grouped by `expires`) that fall below it: memory
 * holds about one time-to-live of transactions and never fills up (a generation that receives
 * more txIds than it was sized for adds a twice larger layer, keeping the false-positive rate).
 */
import { BsnError } from '@bsn/core';

/**
 * Bits per element at a layer's capacity: with {@link PROBES} probes, ≈0.06 % false positives
 * when full, so even a generation grown to several layers stays well under 1 %.
 */
const BITS_PER_ELEMENT = 16;
const PROBES = 8;
/** The first layer of a generation: 2^16 bits (8 KiB), room for 4,096 txIds. */
const FIRST_LAYER_BITS = 1 << 16;

/** One Bloom filter of fixed size. */
class Layer {
  readonly words: Int32Array;
  readonly mask: number;
  readonly capacity: number;
  count = 0;

  constructor(bits: number) {
    this.words = new Int32Array(bits >>> 5);
    this.mask = bits - 1;
    this.capacity = Math.floor(bits / BITS_PER_ELEMENT);
  }

  add(h1: number, h2: number): void {
    const { words, mask } = this;
    for (let i = 0, h = h1; i < PROBES; i++, h = (h + h2) | 0) {
      const bit = h & mask;
      words[bit >>> 5] = (words[bit >>> 5] as number) | (1 << (bit & 31));
    }
    this.count++;
  }

  has(h1: number, h2: number): boolean {
    const { words, mask } = this;
    for (let i = 0, h = h1; i < PROBES; i++, h = (h + h2) | 0) {
      const bit = h & mask;
      if (((words[bit >>> 5] as number) & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

/** The txIds whose `expires` falls in one span of time. */
class Generation {
  readonly layers: Layer[] = [new Layer(FIRST_LAYER_BITS)];

  add(h1: number, h2: number): void {
    let last = this.layers[this.layers.length - 1] as Layer;
    if (last.count >= last.capacity) {
      last = new Layer(Math.min((last.mask + 1) * 2, 2 ** 31));
      this.layers.push(last);
    }
    last.add(h1, h2);
  }

  has(h1: number, h2: number): boolean {
    for (const layer of this.layers) if (layer.has(h1, h2)) return true;
    return false;
  }
}

/**
 * Committed txIds (hex hashes) by expiry, for answering "definitely not committed" from memory.
 * The owner adds every accepted txId whose `expires` is at or after the horizon, and moves the
 * horizon forward only to times nothing will be checked before (the committed block time).
 */
export class CommittedFilter {
  /** Width of a generation in ms of `expires`. */
  readonly #span: number;
  readonly #generations = new Map<number, Generation>();
  #horizon: number;

  /**
   * @param span width of a generation (ms of `expires`), e.g. a fraction of the longest TTL.
   * @param horizon the earliest `expires` the filter covers: it starts out holding every
   *   committed txId that expires at or after it (the caller loads them).
   */
  constructor(span: number, horizon: number) {
    if (!Number.isFinite(span) || !Number.isFinite(horizon)) {
      // A NaN span or horizon would put every txId in a generation no horizon ever drops.
      throw new BsnError('BSN_INVALID_ARGUMENT', 'a committed-txId filter needs a finite span and horizon', {
        details: { span, horizon },
      });
    }
    this.#span = Math.max(1, Math.floor(span));
    this.#horizon = horizon;
  }

  /** The earliest `expires` covered: a txId expiring before it is always "maybe". */
  get horizon(): number {
    return this.#horizon;
  }

  /** Records a committed txId (one expiring before the horizon is not needed and is ignored). */
  add(txId: string, expires: number): void {
    // Written as in mightContain: a NaN expiry is never held (and is always "maybe" there).
    if (!(expires >= this.#horizon)) return;
    const g = Math.floor(expires / this.#span);
    let generation = this.#generations.get(g);
    if (!generation) {
      generation = new Generation();
      this.#generations.set(g, generation);
    }
    generation.add(probe1(txId), probe2(txId));
  }

  /**
   * False when no transaction with this id and this expiry was committed; true when one may have
   * been (the caller then asks the store). `expires` is the transaction's own expiry, which every
   * transaction with the same id shares.
   */
  mightContain(txId: string, expires: number): boolean {
    if (!(expires >= this.#horizon)) return true;
    const generation = this.#generations.get(Math.floor(expires / this.#span));
    return generation?.has(probe1(txId), probe2(txId)) ?? false;
  }

  /**
   * Moves the horizon to `time` (never back) and drops the generations entirely before it. Only
   * call it with a time before which nothing will be checked again (block times only increase).
   */
  advance(time: number): void {
    if (!(time > this.#horizon)) return;
    this.#horizon = time;
    for (const g of this.#generations.keys()) {
      if ((g + 1) * this.#span <= time) this.#generations.delete(g);
    }
  }

  /** Number of generations held (for tests: memory stays bounded). */
  get generations(): number {
    return this.#generations.size;
  }
}

// A txId is a hash: its bits are already uniform, so the probe sequence is taken from it directly
// (double hashing, h1 + i·h2, with h2 odd so it cycles through a power-of-two table).
function probe1(txId: string): number {
  return Number.parseInt(txId.slice(0, 8), 16) | 0;
}

function probe2(txId: string): number {
  return Number.parseInt(txId.slice(8, 16), 16) | 1;
}
