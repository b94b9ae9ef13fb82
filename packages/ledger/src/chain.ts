/**
 * One chain on local disk: one SQLite database file holding blocks, receipts, the txId index,
 * commit statements and certificates, and (through WorldState, on the same connection) the
 * versioned world state.
 *
 * Commit protocol: {@link Chain.commitBlock} checks linkage and the orderer signature, executes
 * the block in memory, then writes block, receipts, txId index, state and the commit statement
 * in ONE SQLite transaction (WAL mode). The commit statement row is the head; it exists if and
 * only if everything else of its block does, so a process killed at any instant reopens at the
 * last committed height with that height's roots.
 */
import {
  assertHashAlgorithm,
  type Block,
  type BlockHeader,
  BsnError,
  blockHash,
  type CommitCertificate,
  type CommitStatement,
  canonicalString,
  canonicalTransactionId,
  DEFAULT_HASH,
  fromHex,
  type HashAlgorithm,
  type JsonValue,
  type KeyInput,
  merkleRoot,
  parsePublicKey,
  type Receipt,
  toHex,
  utf8,
  verifyBlockSignature,
  ZERO_HASH,
} from '@bsn/core';
import Database from 'better-sqlite3';
import { encodeBlockTxs, type StoredBlockRow, storedBlock } from './block-body.js';
import {
  type BlockExecution,
  type ContractResolver,
  executeBlock,
  type TransactionAuthorizer,
} from './block-executor.js';
import { type CertificateVerifier, PublicKeyCache } from './certificates.js';
import { CommittedFilter } from './committed-filter.js';
import { TRANSACTION_SIGNATURE_PATTERN, transactionSigningBytes, VerifiedSignatures } from './envelope.js';
import { BlockOverlay, type StateReader } from './execution-host.js';
import { type ChainLimits, defaultChainLimits } from './limits.js';
import type { Caller, ContractRuntime, InvocationResult } from './runtime.js';
import type { SignatureJob, SignaturePool } from './signature-pool.js';
import { MAX_STATE_KEY_BYTES, WorldState } from './state/index.js';
import { TransactionChecker } from './transaction-checker.js';

/** Options of {@link Chain.open}. */
export interface ChainOptions {
  /** The SQLite database file (created if missing). */
  readonly path: string;
  /** The chain id this store holds; a store of another chain is refused. */
  readonly chain: string;
  readonly hash?: HashAlgorithm;
  /** Contract runtimes by name (`native`, `js`, …). */
  readonly runtimes: ReadonlyMap<string, ContractRuntime>;
  /** Which code runs as a contract at a height. */
  readonly contracts: ContractResolver;
  readonly certificates: CertificateVerifier;
  /** Access rules re-checked for every transaction as its block executes (see {@link TransactionAuthorizer}). */
  readonly authorize?: TransactionAuthorizer;
  /** Orderer id → public key for block signatures; absent: block signatures are not checked. */
  readonly ordererKeys?: ReadonlyMap<string, KeyInput>;
  /** Gas per transaction (overrides `limits.gasLimit`). */
  readonly gasLimit?: number;
  /** Consensus limits; every node of the chain must use the same. */
  readonly limits?: Partial<ChainLimits>;
  /**
   * `full` (default): a commit is on disk when commitBlock returns (survives power loss).
   * `normal`: survives a killed process but a power loss may lose the last few blocks (the store
   * stays consistent; they are executed again from the orderer).
   */
  readonly synchronous?: 'full' | 'normal';
  /** Open an existing store for reading only (replay sources, explorers). */
  readonly readonly?: boolean;
}

/** The latest committed block and its roots. */
export interface ChainHead extends Omit<CommitStatement, 'chain'> {
  /** The block's time (0 before the first block). */
  readonly time: number;
}

/** What committing a block produced. */
export interface CommitResult {
  readonly height: number;
  readonly blockHash: string;
  readonly stateRoot: string;
  readonly receiptsRoot: string;
  readonly receipts: readonly Receipt[];
}

/** Options of {@link Chain.query}. */
export interface QueryOptions {
  /** Committed height to read at (default: the latest). */
  readonly height?: number;
  /** Called with every state key the call reads. */
  readonly onRead?: (contract: string, key: string) => void;
}

/** A stored receipt and where its transaction is. */
export interface StoredReceipt {
  readonly receipt: Receipt;
  readonly height: number;
  readonly index: number;
  readonly blockHash: string;
}

const SCHEMA_VERSION = '1';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledger_kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledger_blocks (
  height INTEGER PRIMARY KEY, hash TEXT NOT NULL, header TEXT NOT NULL, signature TEXT NOT NULL, txs TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_commits (
  height INTEGER PRIMARY KEY, block_hash TEXT NOT NULL, state_root TEXT NOT NULL, receipts_root TEXT NOT NULL,
  time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_txs (
  height INTEGER NOT NULL, idx INTEGER NOT NULL, tx_id BLOB NOT NULL, accepted INTEGER NOT NULL,
  expires INTEGER NOT NULL, receipt TEXT NOT NULL, PRIMARY KEY (height, idx)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ledger_txs_by_id ON ledger_txs (tx_id, accepted);
CREATE TABLE IF NOT EXISTS ledger_certificates (height INTEGER PRIMARY KEY, certificate TEXT NOT NULL);
`;

/** What a block's write produced, before its transaction commits. */
interface Written {
  readonly stateRoot: string;
  readonly receiptsRoot: string;
  readonly receipts: Receipt[];
}

interface CommitRow {
  height: number;
  block_hash: string;
  state_root: string;
  receipts_root: string;
  time: number;
}

/** The receipts root of no receipts (height 0). */
const EMPTY_RECEIPTS_ROOT = (alg: HashAlgorithm) => toHex(merkleRoot([], alg));

const SIGNATURE_HEX = new RegExp(TRANSACTION_SIGNATURE_PATTERN);

/** A chain's store and executor: commit ordered blocks, read blocks, receipts and state, run queries. */
export class Chain {
  /** The chain id. */
  readonly id: string;
  readonly hash: HashAlgorithm;
  readonly limits: ChainLimits;
  /** The world state (on the same database). */
  readonly state: WorldState;
  /** Pre-ordering checks against this chain (committed txIds, deployed contracts). */
  readonly checker: TransactionChecker;
  readonly #db: Database.Database;
  readonly #options: ChainOptions;
  readonly #ordererKeys: ReadonlyMap<string, KeyInput> | undefined;
  readonly #keys = new PublicKeyCache();
  readonly #signatures = new VerifiedSignatures();
  readonly #methods = new Map<string, readonly string[]>();
  readonly #stmt: ReturnType<Chain['prepare']>;
  /** Committed txIds in memory for the replay check; loaded on first use. */
  #committedIds: CommittedFilter | undefined;
  #head: ChainHead;
  #closed = false;

  private constructor(db: Database.Database, options: ChainOptions) {
    this.#db = db;
    this.#options = options;
    this.id = options.chain;
    this.hash = options.hash ?? DEFAULT_HASH;
    this.limits = Object.freeze({
      ...defaultChainLimits,
      ...options.limits,
      ...(options.gasLimit === undefined ? {} : { gasLimit: options.gasLimit }),
    });
    if (this.limits.maxKeyBytes > MAX_STATE_KEY_BYTES) {
      // the world state refuses longer keys; letting a contract write one would fail the whole commit
      this.limits = Object.freeze({ ...this.limits, maxKeyBytes: MAX_STATE_KEY_BYTES });
    }
    if (options.ordererKeys) {
      const parsed = new Map<string, KeyInput>();
      for (const [id, key] of options.ordererKeys) parsed.set(id, parsePublicKey(key));
      this.#ordererKeys = parsed;
    }
    this.state = new WorldState(db, { hash: this.hash });
    this.#stmt = this.prepare();
    this.#head = this.#readHead();
    const stateHeight = this.state.latestHeight();
    if (stateHeight !== this.#head.height) {
      throw new BsnError(
        'BSN_LEDGER_STORE_INVALID',
        `store at ${options.path} has blocks up to ${this.#head.height} but state up to ${stateHeight}`,
        { details: { path: options.path, height: this.#head.height, stateHeight } },
      );
    }
    this.checker = new TransactionChecker(
      {
        maxTxBytes: this.limits.maxTxBytes,
        maxArgsBytes: this.limits.maxArgsBytes,
        maxTtlMs: this.limits.maxTtlMs,
        clockSkewMs: this.limits.clockSkewMs,
        hash: this.hash,
      },
      {
        chain: this.id,
        certificates: options.certificates,
        isCommitted: (txId, expires) => this.#isCommitted(txId, expires),
        contractMethods: (name) => this.contractMethods(name),
        signatures: this.#signatures,
        keys: this.#keys,
      },
    );
  }

  /** Opens (or creates) the store of `options.chain` at `options.path`. */
  static open(options: ChainOptions): Chain {
    const hash = options.hash ?? DEFAULT_HASH;
    assertHashAlgorithm(hash);
    const db = new Database(options.path, options.readonly ? { readonly: true, fileMustExist: true } : {});
    try {
      if (!options.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
        db.exec(SCHEMA);
      }
      Chain.#checkMeta(db, options, hash);
      return new Chain(db, options);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  static #checkMeta(db: Database.Database, options: ChainOptions, hash: HashAlgorithm): void {
    const rows = db.prepare('SELECT key, value FROM ledger_meta').all() as Array<{
      key: string;
      value: string;
    }>;
    const meta = new Map(rows.map((r) => [r.key, r.value]));
    const expected: Record<string, string> = { chain: options.chain, hash, schema: SCHEMA_VERSION };
    if (meta.size === 0 && !options.readonly) {
      const insert = db.prepare('INSERT INTO ledger_meta (key, value) VALUES (?, ?)');
      db.transaction(() => {
        for (const [k, v] of Object.entries(expected)) insert.run(k, v);
      })();
      return;
    }
    for (const [k, v] of Object.entries(expected)) {
      if (meta.get(k) !== v) {
        throw new BsnError(
          'BSN_LEDGER_STORE_INVALID',
          `store at ${options.path} has ${k} "${meta.get(k) ?? ''}", expected "${v}"`,
          { details: { path: options.path, field: k, stored: meta.get(k) ?? null, expected: v } },
        );
      }
    }
  }

  private prepare() {
    const db = this.#db;
    return {
      head: db.prepare('SELECT * FROM ledger_commits ORDER BY height DESC LIMIT 1'),
      commitAt: db.prepare('SELECT * FROM ledger_commits WHERE height = ?'),
      blockAt: db.prepare('SELECT header, signature, txs FROM ledger_blocks WHERE height = ?'),
      receiptsAt: db.prepare('SELECT receipt FROM ledger_txs WHERE height = ? ORDER BY idx').pluck(),
      receiptById: db.prepare(
        'SELECT height, idx, receipt FROM ledger_txs WHERE tx_id = ? ORDER BY accepted DESC, height DESC LIMIT 1',
      ),
      committed: db.prepare('SELECT 1 FROM ledger_txs WHERE tx_id = ? AND accepted = 1 LIMIT 1').pluck(),
      committedSince: db
        .prepare('SELECT tx_id, expires FROM ledger_txs WHERE height >= ? AND accepted = 1 AND expires >= ?')
        .raw(),
      insertBlock: db.prepare(
        'INSERT INTO ledger_blocks (height, hash, header, signature, txs) VALUES (?, ?, ?, ?, ?)',
      ),
      insertTx: db.prepare(
        'INSERT INTO ledger_txs (height, idx, tx_id, accepted, expires, receipt) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      insertCommit: db.prepare(
        'INSERT INTO ledger_commits (height, block_hash, state_root, receipts_root, time) VALUES (?, ?, ?, ?, ?)',
      ),
      certificateAt: db.prepare('SELECT certificate FROM ledger_certificates WHERE height = ?').pluck(),
      upsertCertificate: db.prepare(
        'INSERT INTO ledger_certificates (height, certificate) VALUES (?, ?) ON CONFLICT(height) DO UPDATE SET certificate = excluded.certificate',
      ),
      kvGet: db.prepare('SELECT value FROM ledger_kv WHERE key = ?').pluck(),
      kvSet: db.prepare(
        'INSERT INTO ledger_kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
      kvDel: db.prepare('DELETE FROM ledger_kv WHERE key = ?'),
    };
  }

  #readHead(): ChainHead {
    const row = this.#stmt.head.get() as CommitRow | undefined;
    if (!row) {
      return {
        height: 0,
        blockHash: ZERO_HASH,
        stateRoot: this.state.root(0),
        receiptsRoot: EMPTY_RECEIPTS_ROOT(this.hash),
        time: 0,
      };
    }
    return rowToHead(row);
  }

  #open(): void {
    if (this.#closed) throw new BsnError('BSN_LEDGER_CLOSED', `chain "${this.id}" is closed`);
  }

  /** The committed height (0 before the first block). */
  height(): number {
    return this.#head.height;
  }

  /** The latest committed block's hash, roots and time. */
  head(): ChainHead {
    return this.#head;
  }

  /** The commit statement (what PCNs vote on) at a committed height, or undefined. */
  statement(height: number): CommitStatement | undefined {
    this.#open();
    const row = this.#stmt.commitAt.get(height) as CommitRow | undefined;
    if (!row) return undefined;
    const { time: _time, ...rest } = rowToHead(row);
    return { chain: this.id, ...rest };
  }

  /** The block committed at `height`, or undefined. */
  block(height: number): Block | undefined {
    this.#open();
    const row = this.#stmt.blockAt.get(height) as StoredBlockRow | undefined;
    return row && storedBlock(row);
  }

  /** The receipts of the block at `height` in transaction order (empty if not committed). */
  receipts(height: number): Receipt[] {
    this.#open();
    return (this.#stmt.receiptsAt.all(height) as string[]).map((r) => JSON.parse(r) as Receipt);
  }

  /**
   * The receipt of a transaction and where it is. When a txId occurs more than once (a refused
   * duplicate), the executed occurrence is returned.
   */
  receipt(txId: string): StoredReceipt | undefined {
    this.#open();
    if (!/^[0-9a-f]{64}$/.test(txId)) return undefined;
    const row = this.#stmt.receiptById.get(Buffer.from(txId, 'hex')) as
      | { height: number; idx: number; receipt: string }
      | undefined;
    if (!row) return undefined;
    const commit = this.#stmt.commitAt.get(row.height) as CommitRow;
    return {
      receipt: JSON.parse(row.receipt),
      height: row.height,
      index: row.idx,
      blockHash: commit.block_hash,
    };
  }

  /**
   * True when a transaction with this id is committed. `expires` is its expiry (part of the hashed
   * payload, so shared by every transaction with this id): the in-memory filter answers "no"
   * without a read for almost every new transaction; "maybe" is answered by the store.
   */
  #isCommitted(txId: string, expires: number): boolean {
    if (!this.#filter().mightContain(txId, expires)) return false;
    return this.#stmt.committed.get(Buffer.from(txId, 'hex')) !== undefined;
  }

  /**
   * The committed-txId filter, built on first use from the blocks that can hold a transaction
   * expiring at or after the head's time: the executor refuses an expiry later than block time +
   * maxTtlMs + clockSkewMs, so older blocks hold only transactions that expired before the head
   * (block times never decrease), which no check can accept anyway.
   */
  #filter(): CommittedFilter {
    if (this.#committedIds) return this.#committedIds;
    const { maxTtlMs, clockSkewMs } = this.limits;
    const horizon = this.#head.time;
    const filter = new CommittedFilter((maxTtlMs + clockSkewMs) / 8, horizon);
    const from = this.#firstHeightAtOrAfter(horizon - maxTtlMs - clockSkewMs);
    for (const [id, expires] of this.#stmt.committedSince.iterate(from, horizon) as Iterable<
      [Buffer, number]
    >) {
      filter.add(id.toString('hex'), expires);
    }
    this.#committedIds = filter;
    return filter;
  }

  /** The lowest committed height whose block time is at least `time` (head + 1 when none is). */
  #firstHeightAtOrAfter(time: number): number {
    let lo = 1;
    let hi = this.#head.height + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if ((this.#stmt.commitAt.get(mid) as CommitRow).time >= time) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The public methods of the contract deployed as `name` for the next block, or undefined. */
  contractMethods(name: string): readonly string[] | undefined {
    const code = this.#options.contracts(name, this.#head.height + 1);
    if (!code) return undefined;
    const cacheKey = `${code.runtime}\u0000${code.codeHash}`;
    const cached = this.#methods.get(cacheKey);
    if (cached) return cached;
    const runtime = this.#options.runtimes.get(code.runtime);
    if (!runtime) return undefined;
    let methods: readonly string[];
    try {
      const instance = runtime.instantiate(code);
      methods = instance.methods.filter((m) => !m.startsWith('_'));
      instance.dispose();
    } catch {
      return undefined;
    }
    this.#methods.set(cacheKey, methods);
    return methods;
  }

  /**
   * Verifies the signatures of `block`'s transactions on `pool`'s threads, so that commitBlock,
   * called after, finds them verified instead of verifying each on this thread (a PCN calls it for
   * the next block while the current one executes). Only what verified is remembered; a transaction
   * it skips or that fails is judged by commitBlock exactly as without it. Resolves to how many
   * signatures it verified; never rejects.
   */
  async preverify(block: Block, pool: SignaturePool): Promise<number> {
    const jobs: SignatureJob[] = [];
    const pairs: Array<readonly [string, string]> = [];
    const txs = (block as { txs?: unknown } | null)?.txs;
    const time = (block as { header?: { time?: unknown } } | null)?.header?.time;
    if (!Array.isArray(txs) || typeof time !== 'number') return 0;
    for (const tx of txs as unknown[]) {
      try {
        const { payload, signature } = tx as { payload: { signer?: unknown }; signature: unknown };
        if (typeof signature !== 'string' || !SIGNATURE_HEX.test(signature)) continue;
        if (typeof payload?.signer !== 'string') continue;
        const { text, txId } = this.#identify(tx);
        if (this.#signatures.has(txId, signature)) continue;
        // The key as commitBlock takes it: from the certificate's verdict at the block's time.
        const cert = this.#options.certificates.verify(payload.signer, time);
        if (!cert.ok) continue;
        jobs.push({
          key: this.#keys.keyOf(payload.signer, cert.publicKey),
          data: transactionSigningBytes(text),
          signature: Buffer.from(signature, 'hex'),
        });
        pairs.push([txId, signature]);
      } catch {
        // Not a transaction this can read: commitBlock refuses it with its code.
      }
    }
    const ok = await pool.verify(jobs);
    let verified = 0;
    for (let i = 0; i < pairs.length; i++) {
      if (ok[i] !== 1) continue;
      const [txId, signature] = pairs[i] as readonly [string, string];
      this.#signatures.add(txId, signature);
      verified++;
    }
    return verified;
  }

  /**
   * Validates, executes and commits the next block. Committing a block that is already committed
   * returns the stored result; a different block at a committed height is BSN_LEDGER_FORK.
   */
  commitBlock(block: Block): CommitResult {
    this.#open();
    const header = checkHeaderShape(block);
    if (header.chain !== this.id) {
      throw new BsnError(
        'BSN_LEDGER_CHAIN_MISMATCH',
        `block is for chain "${header.chain}", not "${this.id}"`,
        {
          details: { chain: header.chain, expected: this.id },
        },
      );
    }
    const hash = blockHash(header, this.hash);
    const head = this.#head;
    if (header.height <= head.height) return this.#committedResult(header.height, hash);
    if (header.height !== head.height + 1) {
      throw new BsnError(
        'BSN_LEDGER_HEIGHT_GAP',
        `block ${header.height} cannot follow committed height ${head.height}`,
        { details: { height: header.height, committed: head.height } },
      );
    }
    if (header.prevHash !== head.blockHash) {
      throw new BsnError(
        'BSN_LEDGER_PREV_HASH_MISMATCH',
        `block ${header.height} does not link to block ${head.height}`,
        {
          details: { prevHash: header.prevHash, expected: head.blockHash },
        },
      );
    }
    if (header.time < head.time) {
      throw new BsnError(
        'BSN_LEDGER_BLOCK_TIME',
        `block ${header.height} has time ${header.time} < ${head.time}`,
        {
          details: { time: header.time, previous: head.time },
        },
      );
    }
    const prepared = this.#prepare(block);
    const { txIds } = prepared;
    const txRoot = toHex(merkleRoot(txIds.map(fromHex), this.hash));
    if (txRoot !== header.txRoot) {
      throw new BsnError(
        'BSN_LEDGER_TX_ROOT_MISMATCH',
        `block ${header.height} txRoot does not match its transactions`,
        {
          details: { txRoot: header.txRoot, computed: txRoot },
        },
      );
    }
    this.#checkOrderer(block);
    // Execution and the writes share one transaction: the block's state reads then begin no read
    // transaction each (in WAL mode, a lock round trip on the shared-memory index per read), and
    // nothing else can run on this connection in between anyway (both are synchronous).
    const run = this.#db.transaction(() => {
      const execution = executeBlock(block, prepared, {
        chain: this.id,
        hash: this.hash,
        limits: this.limits,
        runtimes: this.#options.runtimes,
        contracts: this.#options.contracts,
        certificates: this.#options.certificates,
        ...(this.#options.authorize ? { authorize: this.#options.authorize } : {}),
        state: this.state,
        isCommitted: (txId, expires) => this.#isCommitted(txId, expires),
        keys: this.#keys,
        signatures: this.#signatures,
      });
      return { execution, written: this.#write(block, hash, execution) };
    });
    const { execution, written } = run.immediate();
    const result = this.#committed(block, hash, execution, written);
    this.checker.settle(txIds);
    return result;
  }

  /** Canonical payload texts and txIds of a block's transactions (computed once, used by every check). */
  #prepare(block: Block): { txIds: string[]; payloadTexts: string[] } {
    const payloadTexts: string[] = [];
    const txIds: string[] = [];
    try {
      for (const tx of block.txs) {
        const { text, txId } = this.#identify(tx);
        payloadTexts.push(text);
        txIds.push(txId);
      }
    } catch (cause) {
      throw new BsnError('BSN_LEDGER_BLOCK_INVALID', 'block carries a transaction that is not JSON', {
        cause,
      });
    }
    return { txIds, payloadTexts };
  }

  /** A transaction's canonical payload text and txId; throws when its payload is not JSON. */
  #identify(tx: unknown): { readonly text: string; readonly txId: string } {
    const payload = (tx as { payload?: unknown } | null)?.payload;
    const text = canonicalString((payload === undefined ? null : payload) as JsonValue);
    return { text, txId: canonicalTransactionId(text, this.hash) };
  }

  #checkOrderer(block: Block): void {
    if (!this.#ordererKeys) return;
    const key = this.#ordererKeys.get(block.header.orderer);
    if (key === undefined) {
      throw new BsnError(
        'BSN_LEDGER_ORDERER_UNKNOWN',
        `block was cut by unknown orderer "${block.header.orderer}"`,
        {
          details: { orderer: block.header.orderer },
        },
      );
    }
    const check = verifyBlockSignature(block, key);
    if (!check.ok) {
      throw new BsnError(
        'BSN_LEDGER_BLOCK_SIGNATURE_INVALID',
        `block ${block.header.height} orderer signature is invalid`,
        {
          details: { orderer: block.header.orderer, reason: check.code },
        },
      );
    }
  }

  /** Writes a block's rows (inside commitBlock's transaction); returns its roots and receipts. */
  #write(block: Block, hash: string, execution: BlockExecution): Written {
    const { header } = block;
    const receipts = execution.results.map((r) => r.receipt);
    const receiptTexts = execution.results.map((r) => r.receiptText ?? canonicalString(r.receipt));
    const receiptsRoot = toHex(merkleRoot(receiptTexts.map(utf8), this.hash));
    const stmt = this.#stmt;
    const stateRoot = this.state.applyBlock(header.height, execution.writes);
    stmt.insertBlock.run(
      header.height,
      hash,
      canonicalString(header),
      String(block.signature),
      encodeBlockTxs(block.txs),
    );
    execution.results.forEach((r, idx) => {
      stmt.insertTx.run(
        header.height,
        idx,
        Buffer.from(execution.txIds[idx] as string, 'hex'),
        r.accepted ? 1 : 0,
        r.expires,
        receiptTexts[idx],
      );
    });
    stmt.insertCommit.run(header.height, hash, stateRoot, receiptsRoot, header.time);
    return { stateRoot, receiptsRoot, receipts };
  }

  /** After the block's transaction committed: the head, the replay filter, and the result. */
  #committed(block: Block, hash: string, execution: BlockExecution, written: Written): CommitResult {
    const { header } = block;
    const { stateRoot, receiptsRoot, receipts } = written;
    this.#head = { height: header.height, blockHash: hash, stateRoot, receiptsRoot, time: header.time };
    const filter = this.#committedIds;
    if (filter) {
      execution.results.forEach((r, idx) => {
        if (r.accepted) filter.add(execution.txIds[idx] as string, r.expires);
      });
      filter.advance(header.time);
    }
    return { height: header.height, blockHash: hash, stateRoot, receiptsRoot, receipts };
  }

  #committedResult(height: number, hash: string): CommitResult {
    const row = this.#stmt.commitAt.get(height) as CommitRow;
    if (row.block_hash !== hash) {
      throw new BsnError('BSN_LEDGER_FORK', `a different block is already committed at height ${height}`, {
        details: { height, committed: row.block_hash, offered: hash },
      });
    }
    return {
      height,
      blockHash: row.block_hash,
      stateRoot: row.state_root,
      receiptsRoot: row.receipts_root,
      receipts: this.receipts(height),
    };
  }

  /**
   * A read-only call on committed state (the latest, or `options.height`), with the contract code
   * that executed that height's block. Writes and events fail
   * the call with BSN_LEDGER_READ_ONLY; unknown contracts and methods fail it with their BSN_TX_*
   * code. `options.onRead` learns every state key the call read (point reads and each key a range
   * returned), so the gateway can prove the answer's inputs against that height's state root.
   */
  query(
    contract: string,
    method: string,
    args: readonly JsonValue[],
    caller: Caller,
    options: QueryOptions = {},
  ): InvocationResult {
    this.#open();
    const latest = this.#head;
    const height = options.height ?? latest.height;
    if (!Number.isInteger(height) || height < 0 || height > latest.height) {
      throw new BsnError(
        'BSN_LEDGER_HEIGHT_UNKNOWN',
        `height ${height} is not committed (head is ${latest.height})`,
        {
          details: { height, head: latest.height },
        },
      );
    }
    const head = height === latest.height ? latest : { height, time: this.block(height)?.header.time ?? 0 };
    // The code that executed block `height`: committed, so every node answers a height with the
    // same code. (The code of block height + 1 depended on this node's view of a block not yet
    // cut: after an upgrade, two PCNs answered one certified height with different code.) Before
    // any block, the code block 1 would run.
    const code = this.#options.contracts(contract, Math.max(head.height, 1));
    if (!code) {
      return {
        ok: false,
        code: 'BSN_TX_UNKNOWN_CONTRACT',
        message: `contract "${contract}" is not deployed`,
        gasUsed: 0,
      };
    }
    const runtime = this.#options.runtimes.get(code.runtime);
    if (!runtime) {
      return {
        ok: false,
        code: 'BSN_LEDGER_RUNTIME_UNKNOWN',
        message: `runtime "${code.runtime}" is not available`,
        gasUsed: 0,
      };
    }
    let instance: ReturnType<ContractRuntime['instantiate']>;
    try {
      instance = runtime.instantiate(code);
    } catch (err) {
      return err instanceof BsnError
        ? { ok: false, code: err.code, message: err.message, gasUsed: 0 }
        : { ok: false, code: 'BSN_INTERNAL', message: `runtime failed to load "${contract}"`, gasUsed: 0 };
    }
    try {
      if (method.startsWith('_') || !instance.methods.includes(method)) {
        return {
          ok: false,
          code: 'BSN_TX_UNKNOWN_METHOD',
          message: `contract "${contract}" has no public method "${method}"`,
          gasUsed: 0,
        };
      }
      const state = this.state;
      const onRead = options.onRead;
      const reader: StateReader = {
        get: (c, k) => {
          onRead?.(c, k);
          return state.get(c, k, height);
        },
        range: (c, start, end, limit) => {
          const entries = state.range(c, start, end, limit, height);
          if (onRead) for (const e of entries) onRead(c, e.key);
          return entries;
        },
      };
      const host = new BlockOverlay(reader).host(contract, this.limits, true);
      return instance.invoke(
        {
          method,
          args,
          caller,
          tx: { id: '', chain: this.id, height: head.height, time: head.time, index: 0 },
          gasLimit: this.limits.gasLimit,
          readOnly: true,
        },
        host,
      );
    } catch (err) {
      return {
        ok: false,
        code: 'BSN_INTERNAL',
        message: `runtime failed: ${err instanceof Error ? err.message : String(err)}`,
        gasUsed: 0,
      };
    } finally {
      instance.dispose();
    }
  }

  /**
   * Stores a commit certificate for a committed height (replacing an earlier one). It must certify
   * exactly this node's block hash and roots; checking its votes is the node's job.
   */
  saveCertificate(cert: CommitCertificate): void {
    this.#open();
    const own = this.statement(cert.height);
    if (!own) {
      throw new BsnError('BSN_LEDGER_BLOCK_UNKNOWN', `no block is committed at height ${cert.height}`, {
        details: { height: cert.height },
      });
    }
    for (const field of ['chain', 'blockHash', 'stateRoot', 'receiptsRoot'] as const) {
      if (cert[field] !== own[field]) {
        throw new BsnError(
          'BSN_LEDGER_CERTIFICATE_MISMATCH',
          `certificate for height ${cert.height} has ${field} ${cert[field]}, this node committed ${own[field]}`,
          { details: { height: cert.height, field, certified: cert[field], committed: own[field] } },
        );
      }
    }
    this.#stmt.upsertCertificate.run(cert.height, canonicalString(cert));
  }

  /** The stored commit certificate at `height`, or undefined. */
  certificate(height: number): CommitCertificate | undefined {
    this.#open();
    const text = this.#stmt.certificateAt.get(height) as string | undefined;
    return text === undefined ? undefined : (JSON.parse(text) as CommitCertificate);
  }

  /** A small piece of chain-level metadata stored by the node (null when absent). */
  metadata(key: string): JsonValue | null {
    this.#open();
    const text = this.#stmt.kvGet.get(key) as string | undefined;
    return text === undefined ? null : (JSON.parse(text) as JsonValue);
  }

  /** Stores (or with null, deletes) a piece of chain-level metadata. */
  setMetadata(key: string, value: JsonValue | null): void {
    this.#open();
    if (value === null) this.#stmt.kvDel.run(key);
    else this.#stmt.kvSet.run(key, canonicalString(value));
  }

  /** Closes the database. Further calls fail with BSN_LEDGER_CLOSED. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}

function rowToHead(row: CommitRow): ChainHead {
  return {
    height: row.height,
    blockHash: row.block_hash,
    stateRoot: row.state_root,
    receiptsRoot: row.receipts_root,
    time: row.time,
  };
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Checks a block's header field types (a block comes from the network: trust nothing). */
function checkHeaderShape(block: Block): BlockHeader {
  const h = (block as { header?: Partial<BlockHeader> } | null)?.header;
  const problem =
    !h || typeof h !== 'object'
      ? 'header'
      : typeof h.chain !== 'string'
        ? 'header.chain'
        : !Number.isSafeInteger(h.height) || (h.height as number) < 1
          ? 'header.height'
          : typeof h.prevHash !== 'string' || !HEX64.test(h.prevHash)
            ? 'header.prevHash'
            : typeof h.txRoot !== 'string' || !HEX64.test(h.txRoot)
              ? 'header.txRoot'
              : !Number.isSafeInteger(h.time) || (h.time as number) < 0
                ? 'header.time'
                : typeof h.orderer !== 'string'
                  ? 'header.orderer'
                  : Object.keys(h).length !== 6
                    ? 'header (unknown fields)'
                    : !Array.isArray(block.txs)
                      ? 'txs'
                      : typeof block.signature !== 'string'
                        ? 'signature'
                        : undefined;
  if (problem) {
    throw new BsnError('BSN_LEDGER_BLOCK_INVALID', `block ${problem} is missing or malformed`, {
      details: { field: problem },
    });
  }
  return h as BlockHeader;
}
