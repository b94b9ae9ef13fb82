/**
 * The shape check the orderer applies before it accepts a transaction. The gateway runs the full
 * envelope checks (certificate, signature, quota); the orderer only makes sure what it writes to
 * its log and into blocks is a well-formed {@link SignedTransaction} with a usable chain id.
 */
import {
  BsnError,
  canonicalString,
  canonicalTransactionId,
  isBsnError,
  isPlainObject,
  type SignedTransaction,
} from '@bsn/core';
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
  /** The canonical encoding of the whole signed transaction: what goes into the WAL and block records. */
  readonly encoded: Buffer;
}

// The canonical encoding of a signed transaction is `{"payload":<payload>,"signature":"<hex>"}`:
// its only two members in sorted order, and the signature (hex by the schema) needs no escaping.
const PAYLOAD_PREFIX = '{"payload":';
const SIGNATURE_PREFIX = ',"signature":"';
const SUFFIX = '"}';

/**
 * Checks shape and size and computes the txId. Throws BSN_ORDERING_MALFORMED naming the bad
 * field, or BSN_ORDERING_TOO_LARGE.
 *
 * The payload is encoded once: the whole transaction's encoding is built around it, and the txId
 * (core's `transactionId`, the hash of the payload's canonical encoding) is hashed from those very
 * bytes, so the signer's certificate and the arguments are not encoded twice.
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
  // canonicalString below encodes only the payload; the envelope must be plain JSON data too.
  if (!isPlainObject(tx)) {
    throw new BsnError('BSN_ORDERING_MALFORMED', 'transaction /: must be a plain JSON object', {
      details: { path: '/' },
    });
  }
  let payload: string;
  try {
    payload = canonicalString(tx.payload);
  } catch (err) {
    throw new BsnError(
      'BSN_ORDERING_MALFORMED',
      `transaction /payload/args: ${isBsnError(err) ? err.message : 'not JSON'}`,
      {
        details: { path: '/payload/args' },
      },
    );
  }
  const encoded = Buffer.from(
    `${PAYLOAD_PREFIX}${payload}${SIGNATURE_PREFIX}${tx.signature}${SUFFIX}`,
    'utf8',
  );
  if (encoded.length > maxTxBytes) {
    throw new BsnError(
      'BSN_ORDERING_TOO_LARGE',
      `transaction is ${encoded.length} bytes, at most ${maxTxBytes} accepted`,
      {
        details: { size: encoded.length, limit: maxTxBytes },
      },
    );
  }
  // Every byte around the payload is ASCII, so the payload's bytes are this slice.
  const payloadEnd = encoded.length - SIGNATURE_PREFIX.length - tx.signature.length - SUFFIX.length;
  const txId = canonicalTransactionId(encoded.subarray(PAYLOAD_PREFIX.length, payloadEnd));
  return { tx, txId, encoded };
}
