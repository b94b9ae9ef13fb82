/**
 * The replay check: rebuild a chain from genesis, from its own stored blocks, into a fresh store
 * and compare every height's block hash, state root and receipts root with what was committed.
 * It is how an operator (or a test) shows that execution is deterministic and that a store was
 * not altered: the same blocks must give the same roots on any machine, after any restart.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BsnError } from '@bsn/core';
import Database from 'better-sqlite3';
import { type StoredBlockRow, storedBlock } from './block-body.js';
import { Chain, type ChainOptions } from './chain.js';

/** Options of {@link replayChain}: how to execute (as for the chain itself), minus where the store is. */
export type ReplayOptions = Omit<ChainOptions, 'path' | 'readonly'> & {
  /** Stop after this height (default: the source's committed height). */
  readonly toHeight?: number;
  /** Directory for the temporary store (default: the OS temp dir); it is removed afterwards. */
  readonly tempDir?: string;
  /** Stop at the first mismatching height instead of replaying to the end. */
  readonly stopOnMismatch?: boolean;
};

/** One difference between the stored chain and its replay. */
export interface ReplayMismatch {
  readonly height: number;
  readonly field: 'blockHash' | 'stateRoot' | 'receiptsRoot' | 'commit';
  readonly expected: string;
  readonly actual: string;
}

/** The outcome of a replay. */
export interface ReplayReport {
  readonly ok: boolean;
  /** The last height replayed. */
  readonly height: number;
  readonly mismatches: ReplayMismatch[];
}

interface CommitRow {
  height: number;
  block_hash: string;
  state_root: string;
  receipts_root: string;
}

/** Replays the chain stored at `file` from genesis in a fresh temporary store and compares every root. */
export function replayChain(file: string, options: ReplayOptions): ReplayReport {
  if (!fs.existsSync(file)) {
    throw new BsnError('BSN_LEDGER_REPLAY_FAILED', `no chain store at ${file}`, { details: { path: file } });
  }
  const source = new Database(file, { readonly: true, fileMustExist: true });
  const dir = fs.mkdtempSync(path.join(options.tempDir ?? os.tmpdir(), 'bsn-replay-'));
  let target: Chain | undefined;
  try {
    const chainId = source.prepare("SELECT value FROM ledger_meta WHERE key = 'chain'").pluck().get() as
      | string
      | undefined;
    if (chainId !== options.chain) {
      throw new BsnError(
        'BSN_LEDGER_CHAIN_MISMATCH',
        `store at ${file} holds chain "${chainId ?? ''}", not "${options.chain}"`,
      );
    }
    const last =
      (source.prepare('SELECT COALESCE(MAX(height), 0) FROM ledger_commits').pluck().get() as number) ?? 0;
    const to = Math.min(options.toHeight ?? last, last);
    const blockAt = source.prepare('SELECT header, signature, txs FROM ledger_blocks WHERE height = ?');
    const commitAt = source.prepare('SELECT * FROM ledger_commits WHERE height = ?');
    const { toHeight: _t, tempDir: _d, stopOnMismatch, ...chainOptions } = options;
    target = Chain.open({ ...chainOptions, path: path.join(dir, 'replay.db'), synchronous: 'normal' });
    const mismatches: ReplayMismatch[] = [];
    let height = 0;
    for (let h = 1; h <= to; h++) {
      const block = storedBlock(blockAt.get(h) as StoredBlockRow);
      const expected = commitAt.get(h) as CommitRow;
      let result: ReturnType<Chain['commitBlock']>;
      try {
        result = target.commitBlock(block);
      } catch (err) {
        const code = err instanceof BsnError ? err.code : 'BSN_INTERNAL';
        mismatches.push({
          height: h,
          field: 'commit',
          expected: 'committed',
          actual: `${code}: ${(err as Error).message}`,
        });
        break;
      }
      height = h;
      const compare: Array<[ReplayMismatch['field'], string, string]> = [
        ['blockHash', expected.block_hash, result.blockHash],
        ['stateRoot', expected.state_root, result.stateRoot],
        ['receiptsRoot', expected.receipts_root, result.receiptsRoot],
      ];
      let differs = false;
      for (const [field, want, got] of compare) {
        if (want !== got) {
          mismatches.push({ height: h, field, expected: want, actual: got });
          differs = true;
        }
      }
      if (differs && stopOnMismatch) break;
    }
    return { ok: mismatches.length === 0, height, mismatches };
  } finally {
    target?.close();
    source.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
