import { randomBytes } from 'node:crypto';
import {
  canonicalEncode,
  type HashAlgorithm,
  type JsonValue,
  type SignedTransaction,
  signTransaction,
  transactionId,
} from '@bsn/core';
import { BaseError, invalidParameter as invalid } from '../errors.js';
import type { Identity } from '../identity.js';

/** Parameters of {@link createTransaction}. */
export interface CreateTransactionParameters {
  readonly chain: string;
  readonly contract: string;
  readonly method: string;
  readonly args?: readonly JsonValue[];
  /** Uniqueness of the envelope (default 16 random bytes, hex). */
  readonly nonce?: string;
  /** Validity from now (default 5 minutes). */
  readonly expiresInMs?: number;
  /** The clock (default Date.now). */
  readonly now?: number;
  readonly hash?: HashAlgorithm;
}
/** Return type of {@link createTransaction}: the signed envelope and its id. */
export interface CreateTransactionReturnType {
  readonly tx: SignedTransaction;
  readonly txId: string;
}
/** Error type of {@link createTransaction}: BSN_SDK_INVALID_PARAMETER naming the field. */
export type CreateTransactionErrorType = BaseError;

/** Default validity of a transaction envelope. */
export const DEFAULT_TRANSACTION_TTL_MS = 5 * 60_000;

/** Builds and signs a transaction envelope with `identity` (also the body of a query). */
export function createTransaction(
  identity: Identity,
  params: CreateTransactionParameters,
): CreateTransactionReturnType {
  for (const field of ['contract', 'method'] as const) {
    const v = params[field];
    if (typeof v !== 'string' || v.length === 0 || v.length > 128)
      throw invalid(field, 'must be 1–128 characters');
  }
  if (typeof params.chain !== 'string' || !/^[a-z][a-z0-9-]{0,63}$/.test(params.chain))
    throw invalid('chain', 'is not a chain id (^[a-z][a-z0-9-]{0,63}$)');
  const args = params.args ?? [];
  try {
    canonicalEncode(args);
  } catch (cause) {
    throw new BaseError(
      'BSN_SDK_INVALID_PARAMETER',
      'args cannot be canonically encoded (non-finite number, cycle, unsupported type)',
      {
        details: { field: 'args' },
        cause,
      },
    );
  }
  const nonce = params.nonce ?? randomBytes(16).toString('hex');
  if (nonce.length === 0 || nonce.length > 64) throw invalid('nonce', 'must be 1–64 characters');
  const ttl = params.expiresInMs ?? DEFAULT_TRANSACTION_TTL_MS;
  if (!Number.isSafeInteger(ttl) || ttl <= 0)
    throw invalid('expiresInMs', 'must be a positive whole number of ms');
  const payload = {
    chain: params.chain,
    contract: params.contract,
    method: params.method,
    args: [...args],
    nonce,
    expires: Math.floor(params.now ?? Date.now()) + ttl,
    signer: identity.certPem,
  };
  const tx = signTransaction(payload, identity.privateKey);
  return { tx, txId: transactionId(payload, params.hash) };
}
