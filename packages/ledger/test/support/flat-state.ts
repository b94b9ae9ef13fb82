/**
 * A minimal ChainState for tests while (or where) the real WorldState is not wanted: values in a
 * table, and a root that is a hash chain over each block's writes. Deterministic, transactional
 * (it writes on the caller's connection inside the caller's transaction), but with no proofs.
 */
import { canonicalString, type HashAlgorithm, hash, type JsonValue, toHex, utf8 } from '@bsn/core';
import type { ChainState, StateEntry, StateWrite } from '@bsn/ledger';
import type Database from 'better-sqlite3';

export class FlatState implements ChainState {
  readonly #db: Database.Database;
  readonly #alg: HashAlgorithm;
  readonly #get: Database.Statement;
  readonly #range: Database.Statement;
  readonly #rangeAll: Database.Statement;
  readonly #put: Database.Statement;
  readonly #del: Database.Statement;
  readonly #root: Database.Statement;
  readonly #latest: Database.Statement;
  readonly #addRoot: Database.Statement;

  constructor(db: Database.Database, opts: { hash: HashAlgorithm }) {
    this.#db = db;
    this.#alg = opts.hash;
    db.exec(`CREATE TABLE IF NOT EXISTS flat_values (contract TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (contract, key)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS flat_roots (height INTEGER PRIMARY KEY, root TEXT NOT NULL);`);
    this.#get = db.prepare('SELECT value FROM flat_values WHERE contract = ? AND key = ?').pluck();
    this.#range = db.prepare(
      'SELECT key, value FROM flat_values WHERE contract = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?',
    );
    this.#rangeAll = db.prepare(
      'SELECT key, value FROM flat_values WHERE contract = ? AND key >= ? ORDER BY key LIMIT ?',
    );
    this.#put = db.prepare(
      'INSERT INTO flat_values (contract, key, value) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value',
    );
    this.#del = db.prepare('DELETE FROM flat_values WHERE contract = ? AND key = ?');
    this.#root = db.prepare('SELECT root FROM flat_roots WHERE height = ?').pluck();
    this.#latest = db.prepare('SELECT COALESCE(MAX(height), 0) FROM flat_roots').pluck();
    this.#addRoot = db.prepare('INSERT INTO flat_roots (height, root) VALUES (?, ?)');
  }

  latestHeight(): number {
    return this.#latest.get() as number;
  }

  root(height = this.latestHeight()): string {
    if (height === 0) return '0'.repeat(64);
    return this.#root.get(height) as string;
  }

  get(contract: string, key: string): JsonValue | null {
    const text = this.#get.get(contract, key) as string | undefined;
    return text === undefined ? null : (JSON.parse(text) as JsonValue);
  }

  range(contract: string, start: string, end: string | undefined, limit: number): StateEntry[] {
    const rows = (
      end === undefined
        ? this.#rangeAll.all(contract, start, limit)
        : this.#range.all(contract, start, end, limit)
    ) as Array<{
      key: string;
      value: string;
    }>;
    return rows.map((r) => ({ key: r.key, value: JSON.parse(r.value) as JsonValue }));
  }

  applyBlock(height: number, writes: readonly StateWrite[]): string {
    if (height !== this.latestHeight() + 1) throw new Error(`flat state: height ${height} out of order`);
    for (const w of writes) {
      if (w.value === null) this.#del.run(w.contract, w.key);
      else this.#put.run(w.contract, w.key, canonicalString(w.value));
    }
    const root = toHex(
      hash(utf8(this.root(height - 1) + canonicalString(writes as unknown as JsonValue)), this.#alg),
    );
    this.#addRoot.run(height, root);
    return root;
  }

  get db(): Database.Database {
    return this.#db;
  }
}

/** Chain modules using {@link FlatState}. */
export const flatStateModules = {
  createState: (db: Database.Database, o: { hash: HashAlgorithm }) => new FlatState(db, o),
};
