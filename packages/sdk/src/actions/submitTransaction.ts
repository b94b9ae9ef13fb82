import {
  routeById,
  routePath,
  type TransactionAccepted,
  TransactionAcceptedSchema,
  type TransactionResponse,
  TransactionResponseSchema,
  type WaitMode,
} from '@bsn/api';
import type { JsonValue } from '@bsn/core';
import type { BaseClient } from '../client.js';
import { BaseError } from '../errors.js';
import { request } from '../transport.js';
import { createTransaction } from './createTransaction.js';
import { checkTransactionResponse, type TransactionResult } from './getTransaction.js';
import { waitForFinality } from './waitForFinality.js';

/** Parameters of {@link submitTransaction}. */
export interface SubmitTransactionParameters {
  readonly chain: string;
  readonly contract: string;
  readonly method: string;
  readonly args?: readonly JsonValue[];
  /** `none`: return once accepted; `committed`: once executed on the answering PCN; `final` (default): once certified and verified. */
  readonly wait?: WaitMode;
  /** How long to wait for `committed`/`final` in all (default 60 s). */
  readonly timeoutMs?: number;
  readonly nonce?: string;
  readonly expiresInMs?: number;
  readonly signal?: AbortSignal;
}
/** Return type of {@link submitTransaction}: accepted (wait none), or the receipt (verified when final). */
export type SubmitTransactionReturnType = TransactionAccepted | TransactionResult;
/**
 * Error type of {@link submitTransaction}: the gateway's codes (BSN_GATEWAY_FORBIDDEN, …_TX_EXPIRED,
 * BSN_SIGNATURE_INVALID, …), BSN_SDK_TIMEOUT, verification codes, transport codes.
 */
export type SubmitTransactionErrorType = BaseError;

/**
 * Signs a transaction with the client's identity, submits it, and waits as asked. A retry after a
 * lost answer cannot apply the transaction twice: the envelope (and so its id) is the same, and the
 * gateway answers a resubmission with BSN_GATEWAY_TX_DUPLICATE or BSN_TX_DUPLICATE, which this
 * action treats as accepted before waiting for the receipt.
 */
export async function submitTransaction(
  client: BaseClient,
  params: SubmitTransactionParameters,
): Promise<SubmitTransactionReturnType> {
  const wait = params.wait ?? 'final';
  const timeoutMs = params.timeoutMs ?? 60_000;
  const started = client.now();
  const { tx, txId } = createTransaction(client.identity, {
    chain: params.chain,
    contract: params.contract,
    method: params.method,
    ...(params.args === undefined ? {} : { args: params.args }),
    ...(params.nonce === undefined ? {} : { nonce: params.nonce }),
    ...(params.expiresInMs === undefined ? {} : { expiresInMs: params.expiresInMs }),
    now: started,
    hash: client.hash,
  });
  const gatewayWait = Math.min(timeoutMs, 120_000);
  const qs = wait === 'none' ? '' : `?wait=${wait}&timeoutMs=${gatewayWait}`;
  let body: TransactionResponse | TransactionAccepted | undefined;
  try {
    const res = await request<TransactionResponse | TransactionAccepted>(client.transport, {
      method: 'POST',
      path: `${routePath(routeById('submitTransaction'), { chain: params.chain })}${qs}`,
      body: tx,
      auth: 'none',
      responses: { 200: TransactionResponseSchema, 202: TransactionAcceptedSchema },
      signal: params.signal,
      ...(wait === 'none' ? {} : { timeoutMs: gatewayWait + client.transport.requestTimeoutMs }),
    });
    body = res.body;
  } catch (err) {
    // Accepted before (a retry after a lost answer, or after the first gateway halted the chain
    // mid-wait: the gateway's transaction check answers BSN_TX_DUPLICATE), or accepted and still
    // waiting: all mean "poll".
    if (
      !(err instanceof BaseError) ||
      !['BSN_GATEWAY_TX_DUPLICATE', 'BSN_TX_DUPLICATE', 'BSN_GATEWAY_TIMEOUT'].includes(err.code)
    )
      throw err;
  }
  if (body !== undefined && body.txId !== txId) {
    throw new BaseError(
      'BSN_SDK_RESPONSE_INVALID',
      `submitted ${txId}, the gateway answered about ${body.txId}`,
      {
        details: { txId, answered: body.txId },
      },
    );
  }
  if (wait === 'none') return { txId, chain: params.chain, status: 'accepted' };
  if (body !== undefined && 'receipt' in body) {
    const result = await checkTransactionResponse(client, params.chain, txId, body, true, params.signal);
    if (wait === 'committed' || result.final) return result;
  }
  const remaining = Math.max(1, timeoutMs - (client.now() - started));
  return waitForFinality(client, {
    chain: params.chain,
    txId,
    timeoutMs: remaining,
    ...(params.signal === undefined ? {} : { signal: params.signal }),
  });
}
