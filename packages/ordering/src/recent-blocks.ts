/**
 * The JSON of the most recently written blocks of all of an orderer's chains, kept in memory so
 * the live streams of a new block share one buffer and read nothing from disk. One bound on bytes
 * (and one on blocks) covers every chain: per-chain bounds let an orderer of 256 chains keep about
 * 1 GiB.
 *
 * Eviction is oldest first across chains, and the newest block is always kept, even when it alone
 * is over the bound, so the streams of a large block still share it while they send it. The last
 * block of each chain is deliberately not kept: with up to maxChains chains of blocks up to 256 MiB
 * that would be no bound at all, and it is not needed — when a chain cuts a block, its waiting
 * streams read it at once, while it is the newest; a stream that falls behind reads an evicted
 * block from disk, and the block file shares that read with every other reader of the block that
 * still holds it (see BlockFile).
 */

/** A block's JSON in the cache. */
interface Entry {
  /** The chain's view of the cache the block belongs to. */
  readonly owner: RecentChainBlocks;
  readonly height: number;
  readonly json: Buffer;
}

/** The bounds of a {@link RecentBlocks} cache. */
export interface RecentBlocksLimits {
  /** Most bytes of JSON kept, all chains together (the newest block is kept whatever its size). */
  readonly maxBytes: number;
  /**
   * Most blocks kept, all chains together: bytes alone would let many tiny blocks each pin their
   * Map entry and, below 4 KiB, the 8 KiB buffer pool slab their record was allocated in.
   */
  readonly maxBlocks: number;
}

/**
 * Default bounds for the whole orderer: 32 MiB (the old bound of 4 MiB per chain for eight busy
 * chains; the old worst case was 1 GiB over 256) and 1,024 blocks.
 */
export const defaultRecentBlocksLimits: RecentBlocksLimits = Object.freeze({
  maxBytes: 32 * 1024 * 1024,
  maxBlocks: 1024,
});

/** The recent blocks of all chains, under one bound. */
export class RecentBlocks {
  /** Every entry, oldest first. */
  private readonly order = new Set<Entry>();
  private held = 0;

  constructor(private readonly limits: RecentBlocksLimits = defaultRecentBlocksLimits) {}

  /** A chain's view of the cache: what it kept of that chain's blocks. */
  chain(evicted?: (height: number, json: Buffer) => void): RecentChainBlocks {
    return new RecentChainBlocks(this, evicted);
  }

  /** Blocks kept, all chains. */
  get blocks(): number {
    return this.order.size;
  }

  /** Bytes of JSON kept, all chains. */
  get bytes(): number {
    return this.held;
  }

  /** @internal Adds a chain's block, then evicts the oldest blocks of any chain while over a bound. */
  add(owner: RecentChainBlocks, height: number, json: Buffer): void {
    const entry: Entry = { owner, height, json };
    owner.entries.set(height, entry);
    this.order.add(entry);
    this.held += json.length;
    while (
      this.order.size > 1 &&
      (this.order.size > this.limits.maxBlocks || this.held > this.limits.maxBytes)
    ) {
      const oldest = this.order.values().next().value as Entry;
      this.remove(oldest);
      oldest.owner.evicted?.(oldest.height, oldest.json);
    }
  }

  /** @internal Drops one entry. */
  remove(entry: Entry): void {
    if (!this.order.delete(entry)) return;
    entry.owner.entries.delete(entry.height);
    this.held -= entry.json.length;
  }
}

/** One chain's part of a {@link RecentBlocks} cache. */
export class RecentChainBlocks {
  /** @internal The chain's blocks kept, height → entry. */
  readonly entries = new Map<number, Entry>();

  constructor(
    private readonly cache: RecentBlocks,
    /** @internal Told when one of the chain's blocks is evicted (not when the chain is cleared). */
    readonly evicted: ((height: number, json: Buffer) => void) | undefined,
  ) {}

  /**
   * Keeps the JSON of the chain's block at `height`, a height not kept yet (a block file adds each
   * block once), evicting other blocks, of any chain, if over a bound.
   */
  set(height: number, json: Buffer): void {
    this.cache.add(this, height, json);
  }

  /** The kept JSON of the chain's block at `height`, if still kept. */
  get(height: number): Buffer | undefined {
    return this.entries.get(height)?.json;
  }

  /** Blocks of this chain kept. */
  get size(): number {
    return this.entries.size;
  }

  /** Bytes of this chain's kept JSON. */
  get bytes(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.json.length;
    return n;
  }

  /** Drops every block of this chain (its file is closing). */
  clear(): void {
    for (const e of [...this.entries.values()]) this.cache.remove(e);
  }
}
