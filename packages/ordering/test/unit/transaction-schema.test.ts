import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalEncode, isBsnError, type SignedTransaction, transactionId } from '@bsn/core';
import { checkTransaction } from '../../src/transaction-schema.js';
import { makeTx } from '../support/transactions.js';

function withPayload(over: Record<string, unknown>): SignedTransaction {
  const tx = makeTx('c1', 'n1');
  return { ...tx, payload: { ...tx.payload, ...over } as SignedTransaction['payload'] };
}

test('the WAL record is the canonical encoding of the whole transaction, and the txId is core’s', () => {
  const cases: SignedTransaction[] = [
    makeTx('c1', 'n1'),
    // Strings that need escaping or are not ASCII: the payload slice hashed for the txId must
    // still be exactly the payload's bytes.
    withPayload({ args: ['line\nbreak "quoted" \\ back', { é: 'ü', '😀': ['\u0001', 'ꙮ'] }], nonce: 'ñ😀' }),
    withPayload({ args: [], signer: '-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----\n' }),
    // Members in a non-canonical order, as a client's JSON may have them.
    {
      signature: makeTx('c1', 'n2').signature,
      payload: {
        signer: 'S',
        nonce: 'n2',
        method: 'm',
        expires: 5,
        contract: 'k',
        chain: 'c1',
        args: [{ b: 1, a: 2 }],
      },
    },
  ];
  for (const tx of cases) {
    const checked = checkTransaction(tx, 1 << 20);
    assert.deepEqual(new Uint8Array(checked.encoded), canonicalEncode(tx));
    assert.equal(checked.txId, transactionId(tx.payload));
    assert.equal(checked.tx, tx);
  }
});

test('size is judged on the whole canonical encoding', () => {
  const tx = makeTx('c1', 'n1');
  const size = canonicalEncode(tx).length;
  assert.equal(checkTransaction(tx, size).encoded.length, size);
  assert.throws(
    () => checkTransaction(tx, size - 1),
    (err: unknown) => isBsnError(err) && err.code === 'BSN_ORDERING_TOO_LARGE',
  );
});

test('an envelope or argument that is not plain JSON data is refused as malformed', () => {
  class Envelope {
    constructor(
      readonly payload: SignedTransaction['payload'],
      readonly signature: string,
    ) {}
  }
  const tx = makeTx('c1', 'n1');
  const malformed = (err: unknown) => isBsnError(err) && err.code === 'BSN_ORDERING_MALFORMED';
  assert.throws(() => checkTransaction(new Envelope(tx.payload, tx.signature), 1 << 20), malformed);
  assert.throws(() => checkTransaction(withPayload({ args: [new Date(0)] }), 1 << 20), malformed);
  assert.throws(() => checkTransaction(withPayload({ args: ['\uD800'] }), 1 << 20), malformed);
  assert.throws(() => checkTransaction(withPayload({ args: [Number.NaN] }), 1 << 20), malformed);
});

test('arguments nested deeper than canonical encoding allows are refused, not ordered', () => {
  // Thousands of levels pass JSON.parse but overflow JSON.stringify's stack at a depth that
  // differs by process: once in a block, the block could not be stored or streamed.
  let deep: unknown = 0;
  for (let i = 0; i < 4500; i++) deep = [deep];
  assert.throws(
    () => checkTransaction(withPayload({ args: [deep] }), 1 << 20),
    (err: unknown) =>
      isBsnError(err) && err.code === 'BSN_ORDERING_MALFORMED' && /nesting deeper than 128/.test(err.message),
  );
});
