/**
 * How a block's transactions are stored: each signer certificate once per block.
 *
 * A transaction carries its signer's whole certificate (about 670 bytes of PEM for a P-256 user
 * certificate, two thirds of a transfer's bytes), and a block's transactions come from a few signers. Stored as they arrive, a 500-tx
 * block of 50 signers writes the same 50 certificates ten times each, twice (SQLite's WAL, then
 * the database file). The stored text is instead
 *
 *   {"signers":[pem, …],"txs":[entry, …]}
 *
 * where an entry is `[signerIndex, payloadWithoutSigner, signature]` for a transaction of the usual
 * shape (exactly `payload` and `signature`, a payload object whose `signer` is a string), and
 * `[transaction]` for anything else a block may carry (it is kept as it came, so a malformed
 * transaction reads back as it was ordered). Decoding gives back JSON-equal transactions, so txIds,
 * the txRoot and signatures check as before. A text that starts with `[` is the earlier form (the
 * transactions as they came) and is still read.
 */
import { type Block, BsnError, isPlainObject } from '@bsn/core';

/** The stored text of a block's transactions. */
export function encodeBlockTxs(txs: readonly unknown[]): string {
  const signers: string[] = [];
  const index = new Map<string, number>();
  const entries: string[] = [];
  for (const tx of txs) {
    const signer = usualSigner(tx);
    if (signer === undefined) {
      entries.push(JSON.stringify([tx])); // [undefined] would not be JSON; [null] is, as JSON makes it
      continue;
    }
    let i = index.get(signer);
    if (i === undefined) {
      i = signers.length;
      signers.push(signer);
      index.set(signer, i);
    }
    const { payload, signature } = tx as { payload: Record<string, unknown>; signature: unknown };
    const { signer: _signer, ...rest } = payload;
    entries.push(`[${i},${JSON.stringify(rest)},${JSON.stringify(signature)}]`);
  }
  return `{"signers":${JSON.stringify(signers)},"txs":[${entries.join(',')}]}`;
}

/** A row of `ledger_blocks` (the columns a block is read back from). */
export interface StoredBlockRow {
  readonly header: string;
  readonly signature: string;
  readonly txs: string;
}

/** The block a `ledger_blocks` row holds. */
export function storedBlock(row: StoredBlockRow): Block {
  return {
    header: JSON.parse(row.header),
    signature: row.signature,
    txs: decodeBlockTxs(row.txs) as Block['txs'],
  };
}

/** The transactions of a stored text (either form), as they were ordered. */
export function decodeBlockTxs(text: string): unknown[] {
  let stored: unknown;
  try {
    stored = JSON.parse(text);
  } catch {
    corrupt('not JSON');
  }
  if (Array.isArray(stored)) return stored;
  const { signers, txs } = (stored ?? {}) as { signers?: unknown; txs?: unknown };
  if (!Array.isArray(signers) || !Array.isArray(txs)) corrupt('no signers and txs arrays');
  return txs.map((entry: unknown, n) => {
    if (!Array.isArray(entry)) corrupt(`entry ${n} is not an array`);
    if (entry.length === 1) return entry[0];
    const [i, rest, signature] = entry as [unknown, unknown, unknown];
    const signer = typeof i === 'number' ? signers[i] : undefined;
    if (entry.length !== 3 || typeof signer !== 'string' || !isPlainObject(rest)) {
      corrupt(`entry ${n} is not [signer, payload, signature]`);
    }
    return { payload: { ...rest, signer }, signature };
  });
}

/** The signer of a transaction of the usual shape, or undefined when it must be stored as it came. */
function usualSigner(tx: unknown): string | undefined {
  if (!isPlainObject(tx)) return undefined;
  let keys = 0;
  for (const key in tx) {
    if (key !== 'payload' && key !== 'signature') return undefined;
    keys++;
  }
  if (keys !== 2 || tx.signature === undefined) return undefined;
  const payload = tx.payload;
  if (!isPlainObject(payload)) return undefined;
  const signer = payload.signer;
  return typeof signer === 'string' ? signer : undefined;
}

function corrupt(why: string): never {
  throw new BsnError('BSN_LEDGER_STORE_CORRUPT', `a stored block body cannot be read: ${why}`);
}
