/**
 * The thread of a {@link SignaturePool}: verifies batches of signatures with the very function the
 * chain's own checks use (`verifySignatureDetailed` of @bsn/core), so a signature a worker accepts
 * is one the chain would accept, and answers 1 (verified) or 0 (not) per signature.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { verifySignatureDetailed } from '@bsn/core';
import type { SignatureBatch, SignatureBatchResult } from './signature-pool.js';

/** Parsed keys by their SPKI DER (as latin1 text); a node sees a few hundred signers, not millions. */
const keys = new Map<string, KeyObject>();
const MAX_KEYS = 4096;

function keyOf(der: Uint8Array): KeyObject | undefined {
  const id = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('latin1');
  let key = keys.get(id);
  if (key === undefined) {
    try {
      key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
    } catch {
      return undefined;
    }
    if (keys.size >= MAX_KEYS) keys.clear();
    keys.set(id, key);
  }
  return key;
}

parentPort?.on('message', (batch: SignatureBatch) => {
  const count = batch.keyIndex.length;
  const ok = new Uint8Array(count);
  const batchKeys = batch.keys.map(keyOf);
  for (let i = 0; i < count; i++) {
    const key = batchKeys[batch.keyIndex[i] as number];
    if (key === undefined) continue;
    const data = batch.data.subarray(batch.offsets[i], batch.offsets[i + 1]);
    const signature = batch.signatures.subarray(64 * i, 64 * i + 64);
    ok[i] = verifySignatureDetailed(key, data, signature).ok ? 1 : 0;
  }
  const result: SignatureBatchResult = { id: batch.id, ok };
  parentPort?.postMessage(result, [ok.buffer]);
});
