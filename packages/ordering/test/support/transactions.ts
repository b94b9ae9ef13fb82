/** Test helpers: keys, signed transactions and temporary directories for orderer tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, parsePrivateKey, type SignedTransaction, signTransaction } from '@bsn/core';

const client = generateKeyPair();
const clientKey = parsePrivateKey(client.privateKeyPem);

/** A signed transaction for `chain` with a unique nonce, expiring `ttlMs` after `now`. */
export function makeTx(
  chain: string,
  nonce: string,
  opts: { now?: number; ttlMs?: number; expires?: number; args?: unknown[] } = {},
): SignedTransaction {
  const expires = opts.expires ?? (opts.now ?? Date.now()) + (opts.ttlMs ?? 60_000);
  return signTransaction(
    {
      chain,
      contract: 'kv',
      method: 'put',
      args: (opts.args ?? [nonce, { n: nonce }]) as SignedTransaction['payload']['args'],
      nonce,
      expires,
      signer: client.publicKeyPem,
    },
    clientKey,
  );
}

/** A fresh temporary directory and a function that removes it. */
export function tempDir(prefix = 'bsn-ordering-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Collects `count` blocks from an async iterable, then stops. */
export async function take<T>(it: AsyncIterable<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  if (count <= 0) return out;
  for await (const x of it) {
    out.push(x);
    if (out.length >= count) break;
  }
  return out;
}
