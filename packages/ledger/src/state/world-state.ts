/**
 * The authenticated, versioned world state of one chain, stored in the chain's SQLite database
 * next to its blocks so that a block's state changes commit in the same SQLite transaction as the
 * block itself.
 *
 * Tables (all prefixed `state_`):
 * - `state_values (contract, key, height) → value, tx_id`: every write ever made, so `get`/`range`
 *   at any height are "latest row with height ≤ h" lookups, and `history` is a scan of one key;
 *   a delete is a row with a NULL value.
 * - `state_nodes (version, path) → node bytes`: the sparse Merkle tree (see state-tree.ts), one
 *   16-way node per nibble level, written only along changed paths.
 * - `state_roots (height) → root hash, root node version`: the commitment per height.
 * - `state_keys (contract, key)`: the keys that exist at the latest height (a deleted key has no
 *   row), kept in the same transaction as the rest; only creating or deleting a key writes it.
 *   Ranges at the latest height (every range a block's execution makes) walk it and look up each
 *   key's value, so they visit only the entries they return: a walk of `state_values` would pass
 *   every deleted key and every old version in the range, work that gas (which counts what is
 *   returned) does not pay for.
 * - `state_meta`: the hash algorithm and schema version the file was created with.
 *
 * Pruning (not done: retention is all heights for now). To keep only heights ≥ H: a tree node
 * written at version v is live until the first version that rewrites its path or removes it. That
 * "stale since" version is known at update time (every node the update replaces or drops), so a
 * `state_stale (stale_since, version, path)` index written by applyBlock lets a pruner delete all
 * nodes with stale_since ≤ H, and state_roots below H; in state_values, per key, every row older
 * than the newest row at or below H goes. Nothing in the current layout has to change for that,
 * because nodes are never shared between versions by content.
 */

import {
  assertHashAlgorithm,
  BsnError,
  canonicalString,
  DEFAULT_HASH,
  EMPTY_STATE_ROOT,
  type HashAlgorithm,
  hashLatin1,
  hasLoneSurrogate,
  type JsonValue,
  type SparseMerkleProof,
  toHex,
} from '@bsn/core';
import type Database from 'better-sqlite3';
import type { StateEntry } from '../runtime.js';
import './errors.js';
import { EMPTY_TREE_ROOT, type TreeRoot, type TreeUpdate, VersionedStateTree } from './state-tree.js';

/** One state write of a block; `value: null` deletes the key (so JSON null cannot be stored). */
export interface WorldStateWrite {
  readonly contract: string;
  readonly key: string;
  readonly value: JsonValue | null;
  readonly txId: string;
  /** `canonicalString(value)` (null for a delete) when the caller has it already; encoded here otherwise. */
  readonly canonical?: string | null;
}

/** A value (or its absence) at a height, with the proof that ties it to that height's state root. */
export interface StateProofResult {
  readonly height: number;
  readonly root: string;
  readonly value: JsonValue | null;
  readonly proof: SparseMerkleProof;
}

/** One entry of a key's history: the transaction that wrote it at `height`, and what it wrote. */
export interface StateHistoryEntry {
  readonly height: number;
  readonly txId: string;
  readonly value: JsonValue | null;
  readonly deleted: boolean;
}

/** Options of {@link WorldState#history}. */
export interface StateHistoryOptions {
  /** At most this many entries (default {@link DEFAULT_HISTORY_LIMIT}). */
  readonly limit?: number;
  /** Only entries written strictly below this height (for paging backwards). */
  readonly beforeHeight?: number;
}

/** Options of a {@link WorldState}. */
export interface WorldStateOptions {
  /** The hash of the state tree; fixed when the database is created. */
  readonly hash: HashAlgorithm;
  /** How many decoded internal tree nodes to keep in memory (8192 ≈ 25 MiB: the top four levels of a 100k-key tree and recent paths). */
  readonly nodeCacheSize: number;
}

/** Defaults of {@link WorldStateOptions}. */
export const defaultWorldStateOptions: WorldStateOptions = { hash: DEFAULT_HASH, nodeCacheSize: 8192 };

/** How many history entries {@link WorldState#history} returns when no limit is given. */
export const DEFAULT_HISTORY_LIMIT = 100;

/** The longest state key or contract name, in UTF-8 bytes. */
export const MAX_STATE_KEY_BYTES = 1024;

/** 2 added `state_keys` (a state of schema 1 is migrated when opened). */
const SCHEMA_VERSION = '2';

/** Throws BSN_LEDGER_KEY_INVALID unless `value` can name a contract or key in the state. */
export function assertStateKey(field: 'contract' | 'key', value: unknown): asserts value is string {
  let problem: string | undefined;
  if (typeof value !== 'string') problem = 'must be a string';
  else if (value.length === 0) problem = 'must not be empty';
  else if (value.includes('\0')) problem = 'must not contain NUL';
  else if (hasLoneSurrogate(value)) problem = 'must be well-formed Unicode (no lone surrogates)';
  else if (Buffer.byteLength(value, 'utf8') > MAX_STATE_KEY_BYTES) {
    problem = `must be at most ${MAX_STATE_KEY_BYTES} UTF-8 bytes`;
  }
  if (problem) {
    throw new BsnError('BSN_LEDGER_KEY_INVALID', `state ${field} ${problem}`, {
      details: { field, ...(typeof value === 'string' ? { bytes: Buffer.byteLength(value, 'utf8') } : {}) },
    });
  }
}

function invalid(message: string, details: Record<string, unknown>): never {
  throw new BsnError('BSN_INVALID_ARGUMENT', message, { details });
}

/**
 * H(utf8(text)) as bytes. Taken from the one-shot crypto.hash as a latin1 ('binary') string and
 * copied into a pooled Buffer: about half the cost of asking for a Buffer, which is a fresh
 * ArrayBuffer per digest.
 */
function digestBytes(alg: HashAlgorithm, text: string): Buffer {
  return Buffer.from(hashLatin1(text, alg), 'latin1');
}

/**
 * A state key's tree key, H(utf8(contract) ‖ 0x00 ‖ utf8(key)) as core's stateKeyHash, from
 * `id` = contract + '\0' + key: both parts are well-formed and NUL-free (callers check them with
 * assertStateKey first), so the UTF-8 of `id` is exactly those bytes.
 */
function keyDigest(alg: HashAlgorithm, id: string): Buffer {
  return digestBytes(alg, id);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function parse(text: string | null): JsonValue | null {
  return text === null ? null : (JSON.parse(text) as JsonValue);
}

interface RootRow {
  height: number;
  root: Buffer;
  root_version: number | null;
}

interface PreparedWrite {
  readonly contract: string;
  readonly key: string;
  readonly text: string | null;
  readonly txId: string;
  readonly update: TreeUpdate;
}

/**
 * The entries of a contract's keys that exist at the latest height, from `state_keys`, each with
 * its newest value (never a delete: a deleted key has no row there); bound: contract, start.
 */
const LIVE_RANGE =
  'SELECT k.key AS key, (SELECT v.value FROM state_values v WHERE v.contract = k.contract AND v.key = k.key ' +
  'ORDER BY v.height DESC LIMIT 1) AS value FROM state_keys k WHERE k.contract = ? AND k.key >= ?';

/** Rows per multi-row INSERT of tree nodes or values; a block's remainder goes one row at a time. */
const CHUNK = 64;

/**
 * Inserts `rows` (a flat array, `width` parameters per row) with `many`, the INSERT of CHUNK rows,
 * then the remainder with `one`, the single-row INSERT.
 */
function insertRows(
  many: Database.Statement,
  one: Database.Statement,
  rows: ReadonlyArray<unknown>,
  width: number,
): void {
  const chunk = CHUNK * width;
  let i = 0;
  if (rows.length >= chunk) {
    const params = new Array<unknown>(chunk);
    for (; i + chunk <= rows.length; i += chunk) {
      for (let k = 0; k < chunk; k++) params[k] = rows[i + k];
      many.run(params);
    }
  }
  for (; i < rows.length; i += width) one.run(rows.slice(i, i + width));
}

function prepareStatements(db: Database.Database) {
  return {
    latest: db.prepare('SELECT height, root, root_version FROM state_roots ORDER BY height DESC LIMIT 1'),
    rootAt: db.prepare('SELECT height, root, root_version FROM state_roots WHERE height = ?'),
    insertRoot: db.prepare('INSERT INTO state_roots (height, root, root_version) VALUES (?, ?, ?)'),
    getNode: db.prepare('SELECT data FROM state_nodes WHERE version = ? AND path = ?').pluck(),
    putNode: db.prepare('INSERT OR REPLACE INTO state_nodes (version, path, data) VALUES (?, ?, ?)'),
    putNodes: db.prepare(
      `INSERT OR REPLACE INTO state_nodes (version, path, data) VALUES ${new Array(CHUNK).fill('(?, ?, ?)').join(', ')}`,
    ),
    getValue: db
      .prepare(
        'SELECT value FROM state_values WHERE contract = ? AND key = ? AND height <= ? ORDER BY height DESC LIMIT 1',
      )
      .pluck(),
    putValue: db.prepare(
      'INSERT INTO state_values (contract, key, height, value, tx_id) VALUES (?, ?, ?, ?, ?)',
    ),
    putValues: db.prepare(
      `INSERT INTO state_values (contract, key, height, value, tx_id) VALUES ${new Array(CHUNK).fill('(?, ?, ?, ?, ?)').join(', ')}`,
    ),
    range: db.prepare(
      'SELECT key, value FROM state_values WHERE contract = ? AND key >= ? AND height <= ? ORDER BY key, height DESC',
    ),
    rangeTo: db.prepare(
      'SELECT key, value FROM state_values WHERE contract = ? AND key >= ? AND key < ? AND height <= ? ' +
        'ORDER BY key, height DESC',
    ),
    liveRange: db.prepare(`${LIVE_RANGE} ORDER BY k.key LIMIT ?`),
    liveRangeTo: db.prepare(`${LIVE_RANGE} AND k.key < ? ORDER BY k.key LIMIT ?`),
    putKey: db.prepare('INSERT OR IGNORE INTO state_keys (contract, key) VALUES (?, ?)'),
    putKeys: db.prepare(
      `INSERT OR IGNORE INTO state_keys (contract, key) VALUES ${new Array(CHUNK).fill('(?, ?)').join(', ')}`,
    ),
    delKey: db.prepare('DELETE FROM state_keys WHERE contract = ? AND key = ?'),
    history: db.prepare(
      'SELECT height, tx_id, value FROM state_values WHERE contract = ? AND key = ? AND height < ? ' +
        'ORDER BY height DESC LIMIT ?',
    ),
  };
}

/** The authenticated, versioned world state of a chain on a better-sqlite3 database. */
export class WorldState {
  readonly #db: Database.Database;
  readonly #alg: HashAlgorithm;
  readonly #tree: VersionedStateTree;
  readonly #stmt: ReturnType<typeof prepareStatements>;
  readonly #applyTx: (height: number, writes: readonly PreparedWrite[]) => string;
  /** Tree nodes written by the update in progress, as (version, path, bytes) triples, inserted together at its end. */
  readonly #pending: Array<number | Uint8Array> = [];

  /** Opens the state in `db`, creating its tables if missing (BSN_LEDGER_STATE_CONFIG if made with another hash). */
  constructor(db: Database.Database, options: Partial<WorldStateOptions> = {}) {
    const opts = { ...defaultWorldStateOptions, ...options };
    assertHashAlgorithm(opts.hash);
    this.#db = db;
    this.#alg = opts.hash;
    db.exec(`
      CREATE TABLE IF NOT EXISTS state_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS state_values (
        contract TEXT NOT NULL, key TEXT NOT NULL, height INTEGER NOT NULL, value TEXT, tx_id TEXT NOT NULL,
        PRIMARY KEY (contract, key, height)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS state_nodes (
        version INTEGER NOT NULL, path BLOB NOT NULL, data BLOB NOT NULL,
        PRIMARY KEY (version, path)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS state_roots (height INTEGER PRIMARY KEY, root BLOB NOT NULL, root_version INTEGER);
    `);
    this.#checkMeta('hash', opts.hash);
    this.#migrate();
    this.#checkMeta('schema', SCHEMA_VERSION);
    this.#stmt = prepareStatements(db);
    const stmt = this.#stmt;
    this.#tree = new VersionedStateTree(
      {
        // better-sqlite3 binds any Uint8Array (view) as a BLOB: no Buffer wrappers needed.
        getNode: (version, path) => {
          // Pending nodes are all of the version being written, which an update never reads back.
          if (this.#pending.length > 0 && this.#pending[0] === version) this.#flushNodes();
          return stmt.getNode.get(version, path) as Buffer | undefined;
        },
        putNode: (version, path, bytes) => {
          this.#pending.push(version, path, bytes);
        },
      },
      { hash: opts.hash, nodeCacheSize: opts.nodeCacheSize },
    );
    // A transaction function: its own transaction when called alone, a savepoint inside the
    // caller's transaction — so it is atomic either way and commits or rolls back with the block.
    this.#applyTx = db.transaction((height: number, writes: readonly PreparedWrite[]) => {
      const values: Array<string | number | null> = [];
      const keys: string[] = [];
      for (const w of writes) {
        values.push(w.contract, w.key, height, w.text, w.txId);
        if (w.text === null) stmt.delKey.run(w.contract, w.key);
        else keys.push(w.contract, w.key);
      }
      insertRows(stmt.putValues, stmt.putValue, values, 5);
      insertRows(stmt.putKeys, stmt.putKey, keys, 2);
      let next: TreeRoot;
      try {
        next = this.#tree.update(
          this.#treeRoot(this.#latestRow()),
          height,
          writes.map((w) => w.update),
        );
        this.#flushNodes();
      } finally {
        this.#pending.length = 0; // after a failure the savepoint rolls back what was inserted
      }
      stmt.insertRoot.run(height, asBuffer(next.hash), next.version);
      return toHex(next.hash);
    });
  }

  /** The latest height whose state was applied (0 before the first block). */
  latestHeight(): number {
    return this.#latestRow()?.height ?? 0;
  }

  /** The state root at `height` (latest by default); EMPTY_STATE_ROOT at 0; BSN_LEDGER_HEIGHT_UNKNOWN beyond the latest. */
  root(height?: number): string {
    const row = this.#rowAt(height);
    return row ? toHex(row.root) : EMPTY_STATE_ROOT;
  }

  /** The value of (`contract`, `key`) at `height` (latest by default), or null when absent. */
  get(contract: string, key: string, height?: number): JsonValue | null {
    return parse(this.getCanonical(contract, key, height));
  }

  /** As {@link get}, but the stored canonical JSON text of the value (null when absent). */
  getCanonical(contract: string, key: string, height?: number): string | null {
    assertStateKey('contract', contract);
    assertStateKey('key', key);
    const h = height === undefined ? Number.MAX_SAFE_INTEGER : this.#checkHeight(height);
    return (this.#stmt.getValue.get(contract, key, h) as string | null | undefined) ?? null;
  }

  /**
   * Up to `limit` entries of `contract` with `start <= key < end` (no upper bound when `end` is
   * undefined) at `height` (latest by default), in key order: UTF-8 byte order, SQLite's BINARY
   * collation.
   */
  range(
    contract: string,
    start: string,
    end: string | undefined,
    limit: number,
    height?: number,
  ): StateEntry[] {
    assertStateKey('contract', contract);
    if (typeof start !== 'string' || (end !== undefined && typeof end !== 'string')) {
      invalid('range bounds must be strings', { start: typeof start, end: typeof end });
    }
    if (!Number.isSafeInteger(limit) || limit < 1)
      invalid('range limit must be a positive integer', { limit });
    if (height === undefined || height === this.latestHeight()) {
      const live = (
        end === undefined
          ? this.#stmt.liveRange.all(contract, start, limit)
          : this.#stmt.liveRangeTo.all(contract, start, end, limit)
      ) as Array<{ key: string; value: string }>;
      return live.map((row) => ({ key: row.key, value: JSON.parse(row.value) as JsonValue }));
    }
    // A past height: the latest row of each key at or below it, walking every version and
    // deleted key in the range (bounded only by what the state holds; see docs/ledger.md).
    const h = this.#checkHeight(height);
    const rows = (
      end === undefined
        ? this.#stmt.range.iterate(contract, start, h)
        : this.#stmt.rangeTo.iterate(contract, start, end, h)
    ) as IterableIterator<{ key: string; value: string | null }>;
    const out: StateEntry[] = [];
    let previous: string | undefined;
    // Rows come key by key, newest first: the first row of each key is its value at `h`.
    for (const row of rows) {
      if (row.key === previous) continue;
      previous = row.key;
      if (row.value === null) continue;
      out.push({ key: row.key, value: JSON.parse(row.value) as JsonValue });
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * Applies a block's writes at `height` (which must be the latest height + 1, else
   * BSN_LEDGER_STATE_HEIGHT), later writes to a key winning, records them in the keys' history
   * and returns the new state root. Runs inside the caller's transaction when there is one (as a
   * savepoint), so the state commits or rolls back with the block; alone it is its own transaction.
   */
  applyBlock(height: number, writes: ReadonlyArray<WorldStateWrite>): string {
    const latest = this.latestHeight();
    if (!Number.isSafeInteger(height) || height !== latest + 1) {
      throw new BsnError(
        'BSN_LEDGER_STATE_HEIGHT',
        `state can only be applied at height ${latest + 1}, not ${height}`,
        {
          details: { height, expected: latest + 1 },
        },
      );
    }
    if (!Array.isArray(writes)) invalid('writes must be an array', {});
    const byKey = new Map<string, PreparedWrite>();
    // Validate and hash everything before touching the database.
    for (const w of writes) {
      assertStateKey('contract', w.contract);
      assertStateKey('key', w.key);
      if (typeof w.txId !== 'string')
        invalid('a state write needs a txId', { contract: w.contract, key: w.key });
      const text = w.value === null ? null : (w.canonical ?? canonicalString(w.value));
      const id = w.contract + '\0' + w.key;
      const keyHash = keyDigest(this.#alg, id);
      byKey.set(id, {
        contract: w.contract,
        key: w.key,
        text,
        txId: w.txId,
        // H(canonical bytes), as stateValueHash in core; the text is already canonical JSON.
        update: { keyHash, valueHash: text === null ? null : digestBytes(this.#alg, text) },
      });
    }
    // The value rows in (contract, key) order, their order in state_values: the inserts then walk
    // its B-tree forwards instead of jumping between pages. ('\0' sorts first, so ordering the ids
    // orders by contract, then key.)
    const ids = [...byKey.keys()].sort();
    return this.#applyTx(
      height,
      ids.map((id) => byKey.get(id)!),
    );
  }

  /** The value of (`contract`, `key`) at `height` (latest by default) with its membership or non-membership proof. */
  prove(contract: string, key: string, height?: number): StateProofResult {
    assertStateKey('contract', contract);
    assertStateKey('key', key);
    const row = this.#rowAt(height);
    const h = row?.height ?? 0;
    const proof = this.#tree.prove(this.#treeRoot(row), keyDigest(this.#alg, contract + '\0' + key));
    return {
      height: h,
      root: row ? toHex(row.root) : EMPTY_STATE_ROOT,
      value: parse((this.#stmt.getValue.get(contract, key, h) as string | null | undefined) ?? null),
      proof,
    };
  }

  /** The writes to (`contract`, `key`), newest first: which transaction wrote what at which height. */
  history(contract: string, key: string, options: StateHistoryOptions = {}): StateHistoryEntry[] {
    assertStateKey('contract', contract);
    assertStateKey('key', key);
    const limit = options.limit ?? DEFAULT_HISTORY_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1)
      invalid('history limit must be a positive integer', { limit });
    const before = options.beforeHeight ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(before) || before < 0) {
      invalid('beforeHeight must be a non-negative integer', { beforeHeight: before });
    }
    const rows = this.#stmt.history.all(contract, key, before, limit) as Array<{
      height: number;
      tx_id: string;
      value: string | null;
    }>;
    return rows.map((r) => ({
      height: r.height,
      txId: r.tx_id,
      value: parse(r.value),
      deleted: r.value === null,
    }));
  }

  /**
   * Brings a state made with an older schema up to this one: schema 1 had no `state_keys`, which
   * is filled from `state_values` (each key whose latest row is not a delete) in one transaction.
   */
  #migrate(): void {
    const schema = this.#db.prepare("SELECT value FROM state_meta WHERE name = 'schema'").pluck().get() as
      | string
      | undefined;
    const hasLive = this.#db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'state_keys'")
      .pluck()
      .get();
    if (hasLive !== undefined) return;
    if (schema !== undefined && schema !== '1') return; // refused by #checkMeta with what it found
    this.#db.transaction(() => {
      this.#db.exec(`
        CREATE TABLE state_keys (contract TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (contract, key)) WITHOUT ROWID;
        INSERT INTO state_keys (contract, key)
          SELECT contract, key FROM (
            SELECT contract, key, value, ROW_NUMBER() OVER (PARTITION BY contract, key ORDER BY height DESC) AS n
            FROM state_values)
          WHERE n = 1 AND value IS NOT NULL;
      `);
      if (schema !== undefined) {
        this.#db.prepare("UPDATE state_meta SET value = ? WHERE name = 'schema'").run(SCHEMA_VERSION);
      }
    })();
  }

  #checkMeta(name: string, expected: string): void {
    const found = this.#db.prepare('SELECT value FROM state_meta WHERE name = ?').pluck().get(name) as
      | string
      | undefined;
    if (found === undefined) {
      this.#db.prepare('INSERT INTO state_meta (name, value) VALUES (?, ?)').run(name, expected);
    } else if (found !== expected) {
      throw new BsnError(
        'BSN_LEDGER_STATE_CONFIG',
        `the state database has ${name} "${found}", not "${expected}"`,
        {
          details: { name, found, expected },
        },
      );
    }
  }

  /**
   * Inserts the pending tree nodes, CHUNK rows per statement, in (path, write order) order: all are
   * of one version, so the rows then go into the B-tree in key order (appends instead of inserts
   * in the middle of pages); a later row for the same place would still replace an earlier one.
   */
  #flushNodes(): void {
    const raw = this.#pending;
    const order: Array<{ key: string; at: number }> = [];
    for (let at = 0; at < raw.length; at += 3) {
      order.push({ key: asBuffer(raw[at + 1] as Uint8Array).toString('latin1'), at });
    }
    order.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.at - b.at));
    const rows: Array<number | Uint8Array> = [];
    for (const o of order) rows.push(raw[o.at]!, raw[o.at + 1]!, raw[o.at + 2]!);
    raw.length = 0;
    insertRows(this.#stmt.putNodes, this.#stmt.putNode, rows, 3);
  }

  #latestRow(): RootRow | undefined {
    return this.#stmt.latest.get() as RootRow | undefined;
  }

  /** The root row at `height` (latest by default); undefined at height 0 / before the first block. */
  #rowAt(height: number | undefined): RootRow | undefined {
    if (height === undefined) return this.#latestRow();
    if (!Number.isSafeInteger(height) || height < 0)
      invalid('height must be a non-negative integer', { height });
    if (height === 0) return undefined;
    const row = this.#stmt.rootAt.get(height) as RootRow | undefined;
    if (!row) {
      throw new BsnError('BSN_LEDGER_HEIGHT_UNKNOWN', `no state at height ${height}`, {
        details: { height, latest: this.latestHeight() },
      });
    }
    return row;
  }

  #checkHeight(height: number): number {
    this.#rowAt(height);
    return height;
  }

  #treeRoot(row: RootRow | undefined): TreeRoot {
    if (!row) return EMPTY_TREE_ROOT;
    return { hash: new Uint8Array(row.root), version: row.root_version };
  }
}
