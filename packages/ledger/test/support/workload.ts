/**
 * A reproducible workload of blocks: puts, deletes, counters, ranges, failing and hostile calls,
 * duplicates and refused envelopes, from a seed. Used by the determinism, replay and crash tests.
 */
import { type Block, blockHash, type JsonValue, type SignedTransaction } from '@bsn/core';
import { fixedTx, makeBlock, type TestOrderer, type TestSigner } from './fixtures.js';

/** A small deterministic PRNG (mulberry32) so a seed always gives the same workload. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds `blocks` signed blocks of about `txsPerBlock` transactions each, from `seed`. */
export function buildWorkload(
  seed: number,
  blocks: number,
  txsPerBlock: number,
  signers: readonly TestSigner[],
  orderer: TestOrderer,
): Block[] {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const out: Block[] = [];
  let prev: { height: number; blockHash: string; time: number } | undefined;
  let n = 0;
  const earlier: SignedTransaction[] = [];
  for (let b = 0; b < blocks; b++) {
    const txs: SignedTransaction[] = [];
    for (let i = 0; i < txsPerBlock; i++) {
      const signer = pick(signers);
      const key = `k${Math.floor(rand() * 50)}`;
      const nonce = `${seed}-${n++}`;
      const r = rand();
      let args: JsonValue[];
      let method: string;
      let contract = 'kv';
      if (r < 0.45) {
        method = 'put';
        args = [key, { v: Math.floor(rand() * 1000), s: 'x'.repeat(Math.floor(rand() * 20)) }];
      } else if (r < 0.55) {
        method = 'del';
        args = [key];
      } else if (r < 0.7) {
        contract = 'counter';
        method = 'inc';
        args = [];
      } else if (r < 0.78) {
        method = 'range';
        args = [`k${Math.floor(rand() * 5)}`, null, 5];
      } else if (r < 0.86) {
        method = 'putThenFail';
        args = [key, 1];
      } else if (r < 0.9) {
        contract = 'hostile';
        method = pick(['crash', 'hugeValue', 'badKey', 'manyEvents']);
        args = [];
      } else if (r < 0.95 && earlier.length > 0) {
        txs.push(pick(earlier)); // a replayed transaction: refused as a duplicate
        continue;
      } else {
        method = 'get';
        args = [key];
      }
      const tx = fixedTx(signer, nonce, contract, method, args);
      txs.push(tx);
      if (rand() < 0.1) earlier.push(tx);
    }
    const block = makeBlock(orderer, txs, prev);
    out.push(block);
    prev = { height: block.header.height, blockHash: blockHash(block.header), time: block.header.time };
  }
  return out;
}
