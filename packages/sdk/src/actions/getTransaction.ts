import {
  routeById,
  routePath,
  type TransactionResponse,
  TransactionResponseSchema,
  type WaitMode,
} from '@bsn/api';
import { acceptVerifiedHeight, type BaseClient } from '../client.js';
import { BaseError } from '../errors.js';
import { request } from '../transport.js';
import { verifyReceipt } from '../verify/verifyReceipt.js';
import { verifyWithHosts } from './getTrustedHosts.js';

/** Parameters of {@link getTransaction}. */
export interface GetTransactionParameters {
  readonly chain: string;
  readonly txId: string;
  /** Long-poll until the transaction is committed or final (default: answer at once). */
  readonly wait?: Exclude<WaitMode, 'none'>;
  /** How long the gateway may wait (default 30 s, at most 120 s). */
  readonly timeoutMs?: number;
  /** Verify a certificate when one comes with the answer (default true). */
  readonly verify?: boolean;
  readonly signal?: AbortSignal | undefined;
}
/**
 * A transaction answer; `final` when it carries a certificate the client verified. Even then
 * `index` (the position in the block) is not verified: the receipt is proven to be in the block,
 * not where.
 */
export type TransactionResult = TransactionResponse & {
  readonly final: boolean;
  /** PCNs whose votes the client verified (empty when not final). */
  readonly signers: readonly string[];
};
/** Return type of {@link getTransaction}. */
export type GetTransactionReturnType = TransactionResult;
/** Error type of {@link getTransaction}: BSN_GATEWAY_NOT_FOUND, BSN_GATEWAY_TIMEOUT, verification and transport codes. */
export type GetTransactionErrorType = BaseError;

/** Checks a transaction answer is about the asked transaction and, if it carries a certificate, verifies it. */
export async function checkTransactionResponse(
  client: BaseClient,
  chain: string,
  txId: string,
  body: TransactionResponse,
  verify: boolean,
  signal?: AbortSignal,
): Promise<TransactionResult> {
  if (body.txId !== txId || body.chain !== chain) {
    throw new BaseError(
      'BSN_SDK_RESPONSE_INVALID',
      `asked for ${chain}/${txId}, the gateway answered about ${body.chain}/${body.txId}`,
      {
        details: { chain, txId },
      },
    );
  }
  if (body.certificate === null || !verify) return { ...body, final: false, signers: [] };
  const { signers } = await verifyWithHosts(client, chain, (trust) => verifyReceipt(body, trust), signal);
  acceptVerifiedHeight(client, chain, body.height, { latest: false });
  return { ...body, final: true, signers };
}

/** Fetches a transaction's receipt, inclusion proof and certificate, and verifies them. */
export async function getTransaction(
  client: BaseClient,
  params: GetTransactionParameters,
): Promise<GetTransactionReturnType> {
  const query = new URLSearchParams();
  const waitMs = Math.min(params.timeoutMs ?? 30_000, 120_000);
  if (params.wait !== undefined) {
    query.set('wait', params.wait);
    query.set('timeoutMs', String(waitMs));
  }
  const qs = query.size > 0 ? `?${query}` : '';
  const res = await request<TransactionResponse>(client.transport, {
    method: 'GET',
    path: `${routePath(routeById('getTransaction'), { chain: params.chain, txId: params.txId })}${qs}`,
    auth: 'request',
    responses: { 200: TransactionResponseSchema },
    signal: params.signal,
    ...(params.wait !== undefined ? { timeoutMs: waitMs + client.transport.requestTimeoutMs } : {}),
  });
  return checkTransactionResponse(
    client,
    params.chain,
    params.txId,
    res.body,
    params.verify ?? true,
    params.signal,
  );
}
