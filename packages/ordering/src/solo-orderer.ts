/**
 * The solo orderer: one process orders every chain it is given, cutting a block per chain when
 * `maxTxPerBlock` transactions are pending or `maxBlockDelayMs` has passed since the oldest
 * pending one arrived, and signing each block with its key.
 *
 * Durability. `submit` resolves only after the transaction is in the write-ahead log and
 * fdatasync'ed. Submits are group-committed: everything that arrives while one write+fsync is in
 * flight goes into the next single write+fsync, so throughput is bounded by batch size, not by
 * fsync latency. A block is appended to its chain's block file and fsynced before any subscriber
 * sees it. On open, the blocks are reloaded and every logged transaction that is in no block is
 * queued again, in log order.
 *
 * Layout of `dir`: `LOCK`, `wal/<segment>.wal` (one log for all chains; see {@link TransactionLog})
 * and `chains/<chain>.blocks` (one file per chain; see {@link BlockFile}).
 */

import type { KeyObject } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type Block,
  type BlockHeader,
  BsnError,
  isBsnError,
  merkleRoot,
  parsePrivateKey,
  type SignedTransaction,
  signBlockHeader,
  toHex,
  transactionId,
} from '@bsn/core';
import { BlockFile, chainFileName, chainFromFileName } from './block-file.js';
import { DataDirLock } from './data-dir-lock.js';
import { MAX_FRAME_PAYLOAD } from './framed-file.js';
import type { Orderer, SubmitResult, TransactionStatus } from './orderer.js';
import { positiveInt } from './positive-int.js';
import { defaultRecentBlocksLimits, RecentBlocks } from './recent-blocks.js';
import { TransactionLog } from './transaction-log.js';
import { checkTransaction, ORDERING_CHAIN_ID_PATTERN } from './transaction-schema.js';

/** Room for a block record's header, signature and punctuation around its transactions (the orderer id aside). */
const BLOCK_RECORD_OVERHEAD_BYTES = 4096;

/** Options of a {@link SoloOrderer}. */
export interface SoloOrdererOptions {
  /** Data directory (created if missing); holds the WAL and the block files. */
  readonly dir: string;
  /** Orderer id written into every block header. */
  readonly id: string;
  /** The orderer's private key (PEM), matching its orderer certificate; blocks are signed with it. */
  readonly keyPem: string;
  /** A block is cut as soon as this many transactions are pending for a chain. */
  readonly maxTxPerBlock: number;
  /** …or this many milliseconds after the oldest pending transaction of the chain arrived. */
  readonly maxBlockDelayMs: number;
  /** Most transactions accepted but not yet in a block (all chains); beyond it submit is BSN_ORDERING_OVERLOADED. */
  readonly maxPending: number;
  /** Largest canonical encoding of a signed transaction accepted, in bytes. */
  readonly maxTxBytes: number;
  /**
   * Furthest in the future a transaction may expire, in ms from now. It bounds how long txIds are
   * remembered for duplicate detection: a transaction is refused as expired after that anyway.
   */
  readonly maxTxTtlMs: number;
  /** A WAL segment is closed and a new one started once it reaches this many bytes. */
  readonly segmentBytes: number;
  /**
   * Most chains ordered: a transaction of a further chain is refused (BSN_ORDERING_CHAIN_LIMIT).
   * Each chain keeps its block file open, and the orderer stops when it cannot open a file, so
   * this keeps clients from using up its file descriptors with made-up chain ids. Chains already
   * on disk are ordered whatever their number.
   */
  readonly maxChains: number;
  /**
   * Most bytes of block JSON kept in memory for live streams, all chains together (the newest
   * block is kept whatever its size); older blocks are read back from disk.
   */
  readonly recentBlockBytes: number;
  /** Block time source (ms since epoch); also judges expiry. Defaults to `Date.now`. */
  readonly clock?: () => number;
  /** When given, only chains for which it returns true are ordered (others: BSN_ORDERING_UNKNOWN_CHAIN). */
  readonly chains?: (chain: string) => boolean;
}

/** Defaults for the tunable {@link SoloOrdererOptions}. */
export const defaultSoloOrdererOptions = Object.freeze({
  maxTxPerBlock: 500,
  maxBlockDelayMs: 50,
  maxPending: 100_000,
  maxTxBytes: 256 * 1024,
  maxTxTtlMs: 24 * 60 * 60 * 1000,
  segmentBytes: 64 * 1024 * 1024,
  maxChains: 256,
  recentBlockBytes: defaultRecentBlocksLimits.maxBytes,
}) satisfies Partial<SoloOrdererOptions>;

/** Collaborators of a {@link SoloOrderer}. */
export interface SoloOrdererModules {
  /** Told once when a storage error (or a bug) stops the orderer; the process should alert and restart. */
  readonly onFailure?: (err: BsnError) => void;
}

/** What {@link SoloOrderer.open} takes: the required options, the rest default. */
export type SoloOrdererInit = Pick<SoloOrdererOptions, 'dir' | 'id' | 'keyPem'> &
  Partial<Omit<SoloOrdererOptions, 'dir' | 'id' | 'keyPem'>>;

/** What the orderer found when it opened its directory, and where it is now. */
export interface SoloOrdererStats {
  /** Chains with at least one block or pending transaction. */
  readonly chains: number;
  /** Transactions accepted and not yet in a block. */
  readonly pending: number;
  /** Transactions re-queued from the WAL when the orderer opened. */
  readonly requeuedOnOpen: number;
  /** Bytes of torn records cut off when the orderer opened (WAL and block files). */
  readonly truncatedBytesOnOpen: number;
  /** WAL segment files on disk. */
  readonly walSegments: number;
  /** WAL segments deleted since open because all their transactions are in durable blocks. */
  readonly walSegmentsDeleted: number;
  /** WAL writes (one fdatasync each) since open. */
  readonly walAppends: number;
  /** Transactions written to the WAL since open. */
  readonly walRecords: number;
  /** Blocks whose JSON the recent-block cache keeps, all chains. */
  readonly cachedBlocks: number;
  /** Bytes of that JSON (at most recentBlockBytes, or the newest block's size if larger). */
  readonly cachedBlockBytes: number;
  /** Why the orderer stopped, after a storage error (it then refuses submits until restarted). */
  readonly failure?: string;
}

interface PendingTx {
  readonly tx: SignedTransaction;
  readonly txId: string;
  /** The transaction's canonical encoding (its WAL record), spliced into the block record. */
  readonly encoded: Uint8Array;
  readonly expires: number;
  readonly segment: number;
  /** performance.now() when it became durable: the block delay is measured from here. */
  readonly arrived: number;
}

interface QueuedSubmit {
  readonly tx: SignedTransaction;
  readonly txId: string;
  readonly encoded: Uint8Array;
  readonly resolve: (r: SubmitResult) => void;
  readonly reject: (e: unknown) => void;
}

interface ChainState {
  readonly chain: string;
  file: BlockFile | undefined;
  readonly pending: PendingTx[];
  timer: NodeJS.Timeout | undefined;
  cutting: Promise<void> | undefined;
  readonly waiters: Set<() => void>;
  /**
   * The chain is one of this orderer's: it has blocks on disk or an accepted transaction. Such a
   * chain counts towards maxChains; the state of any other (a stream waiting on a chain id) is
   * dropped when its last stream ends.
   */
  ordered: boolean;
}

type Known =
  | { state: 'queued' | 'pending'; chain: string; expires: number }
  | { state: 'ordered'; chain: string; height: number; expires: number }
  | { state: 'dropped'; chain: string; expires: number; blockTime: number };

/** Width of the buckets used to forget txIds once they have expired. */
const EXPIRY_BUCKET_MS = 60_000;
const MAX_BATCH = 10_000;
const CHAIN_ID = new RegExp(ORDERING_CHAIN_ID_PATTERN);

/** The embedded single-process orderer with a write-ahead log. */
export class SoloOrderer implements Orderer {
  private readonly opts: SoloOrdererOptions;
  private readonly clock: () => number;
  private readonly chainStates = new Map<string, ChainState>();
  private readonly known = new Map<string, Known>();
  private readonly expiryBuckets = new Map<number, string[]>();
  private lastPrune = 0;
  private queue: QueuedSubmit[] = [];
  private flushing: Promise<void> | undefined;
  private flushScheduled = false;
  private inFlight = 0;
  private closing = false;
  private closed = false;
  private failure: BsnError | undefined;
  private requeued = 0;
  private truncated = 0;
  private wal!: TransactionLog;
  /** The recent blocks of every chain, under the one recentBlockBytes bound. */
  private readonly recent: RecentBlocks;

  private constructor(
    opts: SoloOrdererOptions,
    private readonly modules: SoloOrdererModules,
    private readonly key: KeyObject,
    private readonly lock: DataDirLock,
  ) {
    this.opts = opts;
    this.clock = opts.clock ?? Date.now;
    this.recent = new RecentBlocks({
      maxBytes: opts.recentBlockBytes,
      maxBlocks: defaultRecentBlocksLimits.maxBlocks,
    });
  }

  /**
   * Opens (or creates) the orderer in `init.dir`: reloads blocks, truncates torn tails, re-queues
   * acknowledged transactions not yet in a block. Throws BSN_ORDERING_LOCKED when another live
   * process uses the directory, BSN_ORDERING_CORRUPT on damaged files, BSN_KEY_INVALID for a bad key.
   */
  static async open(init: SoloOrdererInit, modules: SoloOrdererModules = {}): Promise<SoloOrderer> {
    const opts: SoloOrdererOptions = { ...defaultSoloOrdererOptions, ...init };
    for (const name of [
      'maxTxPerBlock',
      'maxPending',
      'maxTxBytes',
      'maxTxTtlMs',
      'segmentBytes',
      'maxChains',
      'recentBlockBytes',
    ] as const) {
      positiveInt('solo orderer', name, opts[name]);
    }
    if (!Number.isSafeInteger(opts.maxBlockDelayMs) || opts.maxBlockDelayMs < 0) {
      throw new BsnError(
        'BSN_INVALID_ARGUMENT',
        'solo orderer option maxBlockDelayMs must be an integer ≥ 0',
        {
          details: { option: 'maxBlockDelayMs', value: opts.maxBlockDelayMs },
        },
      );
    }
    if (typeof opts.id !== 'string' || opts.id.length === 0) {
      throw new BsnError('BSN_INVALID_ARGUMENT', 'solo orderer option id must be a non-empty string', {
        details: { option: 'id' },
      });
    }
    // A block holds at most maxTxPerBlock transactions of at most maxTxBytes each, and is written as
    // one frame: options that let acknowledged transactions make a block no frame can hold would
    // stop the orderer at that block, and again at every restart.
    const largestBlock =
      opts.maxTxPerBlock * (opts.maxTxBytes + 1) + BLOCK_RECORD_OVERHEAD_BYTES + Buffer.byteLength(opts.id);
    if (largestBlock > MAX_FRAME_PAYLOAD) {
      throw new BsnError(
        'BSN_INVALID_ARGUMENT',
        `solo orderer options maxTxPerBlock × maxTxBytes allow blocks of ${largestBlock} bytes, more than a block record holds (${MAX_FRAME_PAYLOAD})`,
        {
          details: {
            maxTxPerBlock: opts.maxTxPerBlock,
            maxTxBytes: opts.maxTxBytes,
            limit: MAX_FRAME_PAYLOAD,
          },
        },
      );
    }
    const key = parsePrivateKey(opts.keyPem);
    mkdirSync(join(opts.dir, 'chains'), { recursive: true });
    const lock = DataDirLock.acquire(opts.dir);
    const orderer = new SoloOrderer(opts, modules, key, lock);
    try {
      await orderer.recover();
    } catch (err) {
      await orderer.closeFiles();
      lock.release();
      throw err;
    }
    return orderer;
  }

  private async recover(): Promise<void> {
    const now = this.clock();
    const arrived = performance.now();
    // The WAL first, so the block scan knows which logged transactions it must look for.
    const replayed: { tx: SignedTransaction; encoded: Buffer; segment: number }[] = [];
    this.wal = await TransactionLog.open(
      join(this.opts.dir, 'wal'),
      this.opts.segmentBytes,
      (payload, segment) => {
        // The record is the canonical encoding the transaction was accepted with.
        replayed.push({
          tx: JSON.parse(payload.toString('utf8')) as SignedTransaction,
          encoded: payload,
          segment,
        });
      },
    );
    this.truncated += this.wal.stats().truncatedBytes;
    // A cheap key (no hashing) to find blocked copies of logged transactions whatever their expiry.
    const cheapKey = (tx: SignedTransaction): string => `${tx.payload.expires}|${tx.payload.nonce}`;
    const logged = new Set(replayed.map((r) => cheapKey(r.tx)));
    const inBlocks = new Set<string>();
    const chainsDir = join(this.opts.dir, 'chains');
    for (const name of readdirSync(chainsDir).sort()) {
      const chain = chainFromFileName(name);
      if (chain === undefined) continue;
      const file = await BlockFile.open(
        join(chainsDir, name),
        chain,
        (block) => {
          for (const tx of block.txs) {
            const live = tx.payload.expires >= now;
            const wanted = logged.has(cheapKey(tx));
            if (!live && !wanted) continue;
            const txId = transactionId(tx.payload);
            if (wanted) inBlocks.add(txId);
            // Only still-valid transactions can be resubmitted, so only they need remembering.
            if (live) {
              this.remember(txId, {
                state: 'ordered',
                chain,
                height: block.header.height,
                expires: tx.payload.expires,
              });
            }
          }
        },
        this.recent,
      );
      this.truncated += file.truncatedBytes;
      const c = this.chainState(chain);
      c.file = file;
      c.ordered = true;
    }
    for (const { tx, encoded, segment } of replayed) {
      const txId = transactionId(tx.payload);
      // Already in a block, or (impossible through submit) logged twice: nothing to re-queue.
      if (inBlocks.has(txId) || this.known.get(txId)?.state === 'pending') {
        this.wal.release(segment);
        continue;
      }
      const chain = tx.payload.chain;
      this.known.set(txId, { state: 'pending', chain, expires: tx.payload.expires });
      const c = this.chainState(chain);
      c.ordered = true;
      c.pending.push({
        tx,
        txId,
        encoded,
        expires: tx.payload.expires,
        segment,
        arrived,
      });
      this.inFlight++;
      this.requeued++;
    }
    this.wal.collect();
    for (const c of this.chainStates.values()) this.kick(c);
  }

  /**
   * Accepts a transaction for ordering; resolves once it is durable in the WAL.
   * Rejects with BSN_ORDERING_* codes (see {@link Orderer.submit}); nothing rejected is ever ordered.
   */
  async submit(tx: SignedTransaction): Promise<SubmitResult> {
    if (this.closing) throw new BsnError('BSN_ORDERING_CLOSED', 'the orderer is closed');
    if (this.failure) throw this.storageFailure();
    const checked = checkTransaction(tx, this.opts.maxTxBytes);
    const { chain, expires } = checked.tx.payload;
    if (this.opts.chains && !this.opts.chains(chain)) {
      throw new BsnError('BSN_ORDERING_UNKNOWN_CHAIN', `this orderer does not order chain ${chain}`, {
        details: { chain },
      });
    }
    const now = this.clock();
    if (expires < now) {
      throw new BsnError(
        'BSN_ORDERING_EXPIRED',
        `transaction expired at ${expires}, orderer time is ${now}`,
        {
          details: { txId: checked.txId, expires, now },
        },
      );
    }
    if (expires > now + this.opts.maxTxTtlMs) {
      throw new BsnError(
        'BSN_ORDERING_TTL_TOO_LONG',
        `transaction expires ${expires - now} ms from now, at most ${this.opts.maxTxTtlMs} ms allowed`,
        { details: { txId: checked.txId, expires, now, maxTxTtlMs: this.opts.maxTxTtlMs } },
      );
    }
    const known = this.known.get(checked.txId);
    if (known !== undefined) {
      throw new BsnError('BSN_ORDERING_DUPLICATE', `transaction ${checked.txId} is already ${known.state}`, {
        details: { txId: checked.txId, status: this.status(checked.txId) },
      });
    }
    if (!this.chainStates.get(chain)?.ordered) {
      let chains = 0;
      for (const c of this.chainStates.values()) if (c.ordered) chains++;
      if (chains >= this.opts.maxChains) {
        throw new BsnError(
          'BSN_ORDERING_CHAIN_LIMIT',
          `this orderer orders at most ${this.opts.maxChains} chains, and chain ${chain} would be one more`,
          { details: { chain, limit: this.opts.maxChains } },
        );
      }
    }
    if (this.inFlight >= this.opts.maxPending) {
      throw new BsnError(
        'BSN_ORDERING_OVERLOADED',
        `the orderer has ${this.inFlight} transactions waiting; retry later`,
        {
          details: { pending: this.inFlight, limit: this.opts.maxPending },
        },
      );
    }
    this.known.set(checked.txId, { state: 'queued', chain, expires });
    this.chainState(chain).ordered = true;
    this.inFlight++;
    return new Promise<SubmitResult>((resolve, reject) => {
      this.queue.push({ tx: checked.tx, txId: checked.txId, encoded: checked.encoded, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.flushing !== undefined) return;
    this.flushScheduled = true;
    // setImmediate, not a microtask: every submit of this event-loop turn joins the batch.
    setImmediate(() => this.startFlush());
  }

  private startFlush(): void {
    this.flushScheduled = false;
    if (this.flushing !== undefined) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      // A submit made between the loop's last check and here still needs a flush.
      if (this.queue.length > 0) this.scheduleFlush();
    });
  }

  // Group commit: one write + one fdatasync per batch; submits that arrive meanwhile form the next batch.
  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.length <= MAX_BATCH ? this.queue : this.queue.slice(0, MAX_BATCH);
      this.queue = this.queue.length <= MAX_BATCH ? [] : this.queue.slice(MAX_BATCH);
      if (this.failure) {
        this.rejectBatch(batch, this.storageFailure());
        continue;
      }
      let segment: number;
      try {
        segment = await this.wal.append(batch.map((q) => q.encoded));
      } catch (err) {
        this.fail(err);
        this.rejectBatch(batch, this.storageFailure());
        continue;
      }
      const arrived = performance.now();
      const touched = new Set<ChainState>();
      for (const q of batch) {
        const { chain, expires } = q.tx.payload;
        this.known.set(q.txId, { state: 'pending', chain, expires });
        const c = this.chainState(chain);
        c.pending.push({ tx: q.tx, txId: q.txId, encoded: q.encoded, expires, segment, arrived });
        touched.add(c);
      }
      for (const q of batch) q.resolve({ txId: q.txId, chain: q.tx.payload.chain });
      for (const c of touched) this.kick(c);
    }
  }

  private rejectBatch(batch: readonly QueuedSubmit[], err: BsnError): void {
    for (const q of batch) {
      this.known.delete(q.txId);
      this.inFlight--;
      q.reject(err);
    }
  }

  private fail(err: unknown): void {
    if (this.failure) return;
    this.failure = isBsnError(err)
      ? err
      : new BsnError('BSN_ORDERING_STORAGE', 'the orderer could not write its files', { cause: err });
    for (const c of this.chainStates.values()) {
      if (c.timer) clearTimeout(c.timer);
      c.timer = undefined;
    }
    this.modules.onFailure?.(this.failure);
  }

  private storageFailure(): BsnError {
    return new BsnError(
      'BSN_ORDERING_STORAGE',
      'the orderer stopped after a storage error; restart it once the disk is healthy',
      { details: { reason: this.failure?.message ?? 'unknown' } },
    );
  }

  private chainState(chain: string): ChainState {
    let c = this.chainStates.get(chain);
    if (!c) {
      c = {
        chain,
        file: undefined,
        pending: [],
        timer: undefined,
        cutting: undefined,
        waiters: new Set(),
        ordered: false,
      };
      this.chainStates.set(chain, c);
    }
    return c;
  }

  // Starts a cut when one is due, otherwise makes sure a timer will start it.
  private kick(c: ChainState): void {
    if (c.cutting || this.closing || this.failure || c.pending.length === 0) return;
    if (this.due(c)) {
      if (c.timer) clearTimeout(c.timer);
      c.timer = undefined;
      c.cutting = this.runCuts(c).finally(() => {
        c.cutting = undefined;
        this.kick(c);
      });
      return;
    }
    if (c.timer) return;
    const head = c.pending[0] as PendingTx;
    const delay = Math.max(0, Math.ceil(head.arrived + this.opts.maxBlockDelayMs - performance.now()));
    c.timer = setTimeout(() => {
      c.timer = undefined;
      this.kick(c);
    }, delay);
  }

  private due(c: ChainState): boolean {
    const head = c.pending[0];
    if (head === undefined) return false;
    return (
      c.pending.length >= this.opts.maxTxPerBlock ||
      performance.now() >= head.arrived + this.opts.maxBlockDelayMs
    );
  }

  private async runCuts(c: ChainState): Promise<void> {
    try {
      while (!this.closing && !this.failure && this.due(c)) await this.cut(c);
    } catch (err) {
      this.fail(err);
    }
  }

  private async cut(c: ChainState): Promise<void> {
    const take = c.pending.slice(0, this.opts.maxTxPerBlock);
    const time = Math.max(this.clock(), c.file?.tipTime ?? 0);
    const included = take.filter((p) => p.expires >= time);
    if (included.length > 0) {
      if (!c.file) {
        c.file = await BlockFile.open(
          join(this.opts.dir, 'chains', chainFileName(c.chain)),
          c.chain,
          undefined,
          this.recent,
        );
      }
      const header: BlockHeader = {
        chain: c.chain,
        height: c.file.height + 1,
        prevHash: c.file.tipHash,
        // Same value as core's transactionsRoot(txs), from the txIds already computed at submit
        // (digests this orderer made, so plain hex decoding, without fromHex's validation).
        txRoot: toHex(merkleRoot(included.map((p) => Buffer.from(p.txId, 'hex')))),
        time,
        orderer: this.opts.id,
      };
      const block: Block = {
        header,
        signature: signBlockHeader(header, this.key),
        txs: included.map((p) => p.tx),
      };
      // Durable before anything else changes: a failure here leaves the transactions pending.
      await c.file.append(
        block,
        included.map((p) => p.encoded),
      );
      for (const p of included) {
        this.remember(p.txId, {
          state: 'ordered',
          chain: c.chain,
          height: header.height,
          expires: p.expires,
        });
      }
    }
    for (const p of take) {
      if (p.expires < time) {
        this.remember(p.txId, { state: 'dropped', chain: c.chain, expires: p.expires, blockTime: time });
      }
    }
    c.pending.splice(0, take.length);
    this.inFlight -= take.length;
    const perSegment = new Map<number, number>();
    for (const p of take) perSegment.set(p.segment, (perSegment.get(p.segment) ?? 0) + 1);
    for (const [segment, n] of perSegment) this.wal.release(segment, n);
    for (const wake of [...c.waiters]) wake();
    this.prune(time);
  }

  private remember(txId: string, entry: Known): void {
    this.known.set(txId, entry);
    const bucket = Math.floor(entry.expires / EXPIRY_BUCKET_MS);
    let ids = this.expiryBuckets.get(bucket);
    if (!ids) {
      ids = [];
      this.expiryBuckets.set(bucket, ids);
    }
    ids.push(txId);
  }

  // Forgets ordered and dropped txIds whose expiry has passed: resubmitting them is refused as expired anyway.
  private prune(now: number): void {
    if (now - this.lastPrune < EXPIRY_BUCKET_MS / 4) return;
    this.lastPrune = now;
    const current = Math.floor(now / EXPIRY_BUCKET_MS);
    for (const [bucket, ids] of this.expiryBuckets) {
      if (bucket >= current) continue;
      for (const id of ids) {
        const k = this.known.get(id);
        if (k && (k.state === 'ordered' || k.state === 'dropped') && k.expires < now) this.known.delete(id);
      }
      this.expiryBuckets.delete(bucket);
    }
  }

  /**
   * The chain's blocks from `fromHeight`: stored ones first, then each new one once it is durable.
   * Ends when `signal` aborts; throws BSN_ORDERING_CLOSED when the orderer closes.
   */
  blocks(chain: string, fromHeight: number, signal?: AbortSignal): AsyncIterable<Block> {
    this.checkStream(chain, fromHeight);
    return this.follow(chain, fromHeight, signal, (file, height) => file.read(height));
  }

  /**
   * The same blocks as {@link blocks}, each as its JSON in UTF-8 (exactly what `JSON.stringify`
   * writes for the block), for a server to send as they are: the subscribers of a recent block all
   * get one shared buffer, which they must not modify.
   */
  blockJson(chain: string, fromHeight: number, signal?: AbortSignal): AsyncIterable<Uint8Array> {
    this.checkStream(chain, fromHeight);
    return this.follow(chain, fromHeight, signal, (file, height) => file.readJson(height));
  }

  private checkStream(chain: string, fromHeight: number): void {
    if (typeof chain !== 'string' || !CHAIN_ID.test(chain)) {
      throw new BsnError('BSN_INVALID_ARGUMENT', 'chain must be a chain id', { details: { chain } });
    }
    if (!Number.isSafeInteger(fromHeight) || fromHeight < 1) {
      throw new BsnError('BSN_INVALID_ARGUMENT', 'fromHeight must be an integer ≥ 1', {
        details: { fromHeight },
      });
    }
    if (this.opts.chains && !this.opts.chains(chain)) {
      throw new BsnError('BSN_ORDERING_UNKNOWN_CHAIN', `this orderer does not order chain ${chain}`, {
        details: { chain },
      });
    }
  }

  private async *follow<T>(
    chain: string,
    fromHeight: number,
    signal: AbortSignal | undefined,
    read: (file: BlockFile, height: number) => Promise<T>,
  ): AsyncGenerator<T> {
    // A stream may wait for a chain that has nothing yet (a node subscribing before the chain's
    // first transaction), which needs the chain's state to wait on; the state of a chain that still
    // has nothing is dropped again when its last stream ends, so streams of made-up chain ids leave
    // nothing behind.
    const c = this.chainState(chain);
    let next = fromHeight;
    try {
      for (;;) {
        if (signal?.aborted) return;
        if (this.closed) throw new BsnError('BSN_ORDERING_CLOSED', 'the orderer is closed');
        if (c.file && next <= c.file.height) {
          const block = await read(c.file, next);
          if (signal?.aborted) return;
          yield block;
          next++;
          continue;
        }
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            c.waiters.delete(wake);
            signal?.removeEventListener('abort', wake);
            resolve();
          };
          c.waiters.add(wake);
          signal?.addEventListener('abort', wake, { once: true });
        });
      }
    } finally {
      // Blocks, pending transactions, a cut or its timer all come after an accepted transaction.
      if (!c.ordered && c.waiters.size === 0 && this.chainStates.get(chain) === c) {
        this.chainStates.delete(chain);
      }
    }
  }

  /** Height of the chain's last durable block (0 for none). */
  height(chain: string): number {
    return this.chainStates.get(chain)?.file?.height ?? 0;
  }

  /** Where a transaction is; 'unknown' once it has expired and been forgotten, or if never seen. */
  status(txId: string): TransactionStatus {
    const k = this.known.get(txId);
    if (!k) return { state: 'unknown' };
    switch (k.state) {
      case 'queued':
      case 'pending':
        return { state: 'pending', chain: k.chain };
      case 'ordered':
        return { state: 'ordered', chain: k.chain, height: k.height };
      case 'dropped':
        return { state: 'dropped', chain: k.chain, reason: 'expired', blockTime: k.blockTime };
    }
  }

  /** Counters about the orderer, for logs and metrics. */
  stats(): SoloOrdererStats {
    const wal = this.wal.stats();
    return {
      chains: this.chainStates.size,
      pending: this.inFlight,
      requeuedOnOpen: this.requeued,
      truncatedBytesOnOpen: this.truncated,
      walSegments: wal.segments,
      walSegmentsDeleted: wal.deletedSegments,
      walAppends: wal.appends,
      walRecords: wal.records,
      cachedBlocks: this.recent.blocks,
      cachedBlockBytes: this.recent.bytes,
      ...(this.failure ? { failure: this.failure.message } : {}),
    };
  }

  /**
   * Stops accepting transactions, finishes the WAL write and any block cut in progress (queued
   * submits are still acknowledged), ends block streams with BSN_ORDERING_CLOSED and closes files.
   * Pending transactions stay in the WAL and are ordered after the next open.
   */
  async close(): Promise<void> {
    if (this.closing) {
      while (!this.closed) await new Promise((r) => setTimeout(r, 5));
      return;
    }
    this.closing = true;
    if (this.flushScheduled) this.startFlush();
    await this.flushing;
    for (const c of this.chainStates.values()) {
      if (c.timer) clearTimeout(c.timer);
      c.timer = undefined;
    }
    await Promise.all([...this.chainStates.values()].map((c) => c.cutting));
    this.closed = true;
    for (const c of this.chainStates.values()) for (const wake of [...c.waiters]) wake();
    await this.closeFiles();
    this.lock.release();
  }

  private async closeFiles(): Promise<void> {
    const files = [...this.chainStates.values()].map((c) => c.file).filter((f) => f !== undefined);
    await Promise.all(files.map((f) => f.close()));
    if (this.wal) await this.wal.close();
  }
}
