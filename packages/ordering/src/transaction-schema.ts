/**
 * The shape check the orderer applies before it accepts a transaction. The gateway runs the full
 * envelope checks (certificate, signature, quota); the orderer only makes sure what it writes to
 * its log and into blocks is a well-formed {@link SignedTransaction} with a usable chain id.
 */
import { BsnError, canonicalEncode, isBsnError, type SignedTransaction, transactionId } from '@bsn/core';
import { type TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/** Chain ids the orderer accepts (the same rule as the ledger's envelope schema). */
export const ORDERING_CHAIN_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';

/** JSON schema of a submitted transaction. */
export const SubmittedTransactionSchema = Type.Object(
  {
    payload: Type.Object(
      {
        chain: Type.String({ pattern: ORDERING_CHAIN_ID_PATTERN }),
        contract: Type.String({ minLength: 1, maxLength: 64 }),
        method: Type.String({ minLength: 1, maxLength: 64 }),
        args: Type.Array(Type.Unknown()),
        nonce: Type.String({ minLength: 1, maxLength: 64 }),
        expires: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
        signer: Type.String({ minLength: 1 }),
      },
      { additionalProperties: false },
    ),
    signature: Type.String({ pattern: '^[0-9a-f]+$' }),
  },
  { additionalProperties: false },
);

const compiled = TypeCompiler.Compile(SubmittedTransactionSchema as TSchema);

/** A transaction that passed the shape and size checks, with its id and log record bytes. */
export interface CheckedTransaction {
  readonly tx: SignedTransaction;
  readonly txId: string;
  /** The canonical encoding of the whole signed transaction: what goes into the WAL. */
  readonly encoded: Uint8Array;
}

/**
 * Checks shape and size and computes the txId. Throws BSN_ORDERING_MALFORMED naming the bad
 * field, or BSN_ORDERING_TOO_LARGE.
 */
export function checkTransaction(value: unknown, maxTxBytes: number): CheckedTransaction {
  if (!compiled.Check(value)) {
    const first = compiled.Errors(value).First();
    const path = first?.path || '/';
    throw new BsnError(
      'BSN_ORDERING_MALFORMED',
      `transaction ${path}: ${first?.message ?? 'does not match the schema'}`,
      {
        details: { path },
      },
    );
  }
  const tx = value as SignedTransaction;
  let encoded: Uint8Array;
  try {
    encoded = canonicalEncode(tx);
  } catch (err) {
    throw new BsnError(
      'BSN_ORDERING_MALFORMED',
      `transaction /payload/args: ${isBsnError(err) ? err.message : 'not JSON'}`,
      {
        details: { path: '/payload/args' },
      },
    );
  }
  if (encoded.length > maxTxBytes) {
    throw new BsnError(
      'BSN_ORDERING_TOO_LARGE',
      `transaction is ${encoded.length} bytes, at most ${maxTxBytes} accepted`,
      {
        details: { size: encoded.length, limit: maxTxBytes },
      },
    );
  }
  return { tx, txId: transactionId(tx.payload), encoded };
}
