import type { BaseClient } from '../client.js';
import { BaseError } from '../errors.js';
import { aborted, sleep } from '../transport.js';
import { getTransaction, type TransactionResult } from './getTransaction.js';

/** Parameters of {@link waitForFinality}. */
export interface WaitForFinalityParameters {
  readonly chain: string;
  readonly txId: string;
  /** Give up after this long (default 60 s). */
  readonly timeoutMs?: number;
  /** Pause between polls when the gateway does not know the transaction yet (default 250 ms). */
  readonly pollIntervalMs?: number;
  readonly signal?: AbortSignal;
}
/** Return type of {@link waitForFinality}: a receipt verified against a commit certificate. */
export type WaitForFinalityReturnType = TransactionResult;
/** Error type of {@link waitForFinality}: BSN_SDK_TIMEOUT, verification and transport codes. */
export type WaitForFinalityErrorType = BaseError;

const KEEP_WAITING = new Set(['BSN_GATEWAY_TIMEOUT', 'BSN_GATEWAY_NOT_FOUND', 'BSN_SDK_NOT_FINAL']);

/**
 * Waits until a transaction is final (covered by a commit certificate the client verified), by
 * long-polling `getTransaction?wait=final`; a gateway that does not know the transaction yet (still
 * being ordered) is asked again after a pause.
 */
export async function waitForFinality(
  client: BaseClient,
  params: WaitForFinalityParameters,
): Promise<WaitForFinalityReturnType> {
  const timeoutMs = params.timeoutMs ?? 60_000;
  const deadline = client.now() + timeoutMs;
  let last: unknown;
  while (client.now() < deadline) {
    if (params.signal?.aborted) throw aborted();
    const remaining = deadline - client.now();
    try {
      const result = await getTransaction(client, {
        chain: params.chain,
        txId: params.txId,
        wait: 'final',
        timeoutMs: Math.max(1, Math.min(remaining, 30_000)),
        signal: params.signal,
      });
      if (result.final) return result;
      last = undefined;
    } catch (err) {
      if (!(err instanceof BaseError) || !KEEP_WAITING.has(err.code)) throw err;
      last = err;
    }
    await sleep(Math.min(params.pollIntervalMs ?? 250, Math.max(0, deadline - client.now())), params.signal);
  }
  throw new BaseError('BSN_SDK_TIMEOUT', `transaction ${params.txId} was not final within ${timeoutMs} ms`, {
    details: { chain: params.chain, txId: params.txId, timeoutMs },
    ...(last === undefined ? {} : { cause: last }),
  });
}
