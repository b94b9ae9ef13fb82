import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalString, isBsnError } from '@bsn/core';
import fc from 'fast-check';
import { decodeBlockTxs, encodeBlockTxs } from '../../src/block-body.js';

const pem = (n: number) =>
  `-----BEGIN CERTIFICATE-----\n${'MIIB'.repeat(300)}${n}\n-----END CERTIFICATE-----\n`;

const usualTx = (signer: string, nonce: string) => ({
  payload: { chain: 'c1', contract: 'asset', method: 'transfer', args: ['a', 1], nonce, expires: 9, signer },
  signature: 'ab'.repeat(64),
});

/** Canonical text of each transaction: what txIds, the txRoot and signatures are computed over. */
const canonical = (txs: readonly unknown[]) => txs.map((tx) => canonicalString(tx as never));

describe('stored block bodies', () => {
  it('keep each signer certificate once per block and read back as the transactions ordered', () => {
    const txs = Array.from({ length: 500 }, (_, i) => usualTx(pem(i % 50), `n${i}`));
    const text = encodeBlockTxs(txs);
    assert.deepEqual(decodeBlockTxs(text), txs);
    assert.deepEqual(canonical(decodeBlockTxs(text)), canonical(txs));
    const asTheyCame = JSON.stringify(txs).length;
    // 50 certificates instead of 500: the body is a fraction of the transactions' own JSON.
    assert.equal(text.split('BEGIN CERTIFICATE').length - 1, 50);
    assert.ok(text.length < asTheyCame / 4, `${text.length} vs ${asTheyCame}`);
  });

  it('keep transactions of any other shape exactly as they came', () => {
    const odd = [
      null,
      7,
      'text',
      [usualTx(pem(1), 'n')],
      { payload: usualTx(pem(1), 'n').payload },
      { payload: { ...usualTx(pem(1), 'n').payload, signer: 5 }, signature: 'x' },
      { payload: [1, 2], signature: 'x' },
      { ...usualTx(pem(1), 'n'), extra: true },
      { payload: { signer: pem(2) }, signature: { nested: ['ok'] } },
      usualTx(pem(1), 'n'),
    ];
    assert.deepEqual(decodeBlockTxs(encodeBlockTxs(odd)), odd);
    // What JSON cannot hold is stored as JSON would hold it.
    assert.deepEqual(decodeBlockTxs(encodeBlockTxs([undefined, usualTx(pem(1), 'u')])), [
      null,
      usualTx(pem(1), 'u'),
    ]);
  });

  it('round-trip any JSON transactions (property)', () => {
    const signer = fc.constantFrom(pem(1), pem(2), 'short', '');
    const payload = fc.record({
      signer,
      nonce: fc.string(),
      args: fc.array(fc.jsonValue(), { maxLength: 3 }),
    });
    const tx = fc.oneof(
      fc.record({ payload, signature: fc.jsonValue() }),
      fc.jsonValue(),
      fc.record({ payload: fc.dictionary(fc.string(), fc.jsonValue()), signature: fc.string() }),
    );
    fc.assert(
      fc.property(fc.array(tx, { maxLength: 20 }), (txs) => {
        // Transactions reach a block as JSON: compare with what JSON makes of them (e.g. -0 is 0).
        const ordered = JSON.parse(JSON.stringify(txs)) as unknown[];
        assert.deepEqual(decodeBlockTxs(encodeBlockTxs(ordered)), ordered);
      }),
    );
  });

  it('still read the earlier form, the transactions as they came', () => {
    const txs = [usualTx(pem(1), 'a'), { odd: true }];
    assert.deepEqual(decodeBlockTxs(JSON.stringify(txs)), txs);
  });

  it('refuse a body that was changed outside the node with BSN_LEDGER_STORE_CORRUPT', () => {
    const good = encodeBlockTxs([usualTx(pem(1), 'a')]);
    const bad = [
      '{}',
      '{"signers":[],"txs":[{"payload":{}}]}',
      good.replace('[0,', '[1,'),
      good.replace('[0,', '["0",'),
      '{"signers":["s"],"txs":[[0,[1],"sig"]]}',
      '{"signers":["s"],"txs":[[0,{}]]}',
      good.slice(0, -5),
      '',
    ];
    for (const text of bad) {
      assert.throws(
        () => decodeBlockTxs(text),
        (err: unknown) => isBsnError(err) && err.code === 'BSN_LEDGER_STORE_CORRUPT',
        text,
      );
    }
  });
});
