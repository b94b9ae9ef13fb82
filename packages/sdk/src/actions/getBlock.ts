import { type BlockResponse, BlockResponseSchema, routeById, routePath } from '@bsn/api';
import { assertHeight } from '../assertHeight.js';
import { acceptVerifiedHeight, type BaseClient } from '../client.js';
import { BaseError } from '../errors.js';
import { request } from '../transport.js';
import { verifyBlock } from '../verify/verifyBlock.js';
import { verifyWithHosts } from './getTrustedHosts.js';

/** Parameters of {@link getBlock}. */
export interface GetBlockParameters {
  readonly chain: string;
  readonly height: number | 'latest';
  /** Verify hashes, roots and the certificate (default true). */
  readonly verify?: boolean;
  readonly signal?: AbortSignal;
}
/**
 * Return type of {@link getBlock}: the answer; `final` when its certificate verified. Only then are
 * `commit` (equal to the certified roots) and `receipts` verified; when not final they are the
 * answering PCN's word.
 */
export type GetBlockReturnType = BlockResponse & {
  readonly final: boolean;
  readonly signers: readonly string[];
};
/** Error type of {@link getBlock}: BSN_SDK_BLOCK_INVALID, BSN_SDK_STALE_ANSWER (a certified latest block older than one verified), certificate and transport codes. */
export type GetBlockErrorType = BaseError;

/** Fetches a block with its receipts and certificate, and checks them. */
export async function getBlock(client: BaseClient, params: GetBlockParameters): Promise<GetBlockReturnType> {
  if (params.height !== 'latest') assertHeight('height', params.height);
  const res = await request<BlockResponse>(client.transport, {
    method: 'GET',
    path: routePath(routeById('getBlock'), { chain: params.chain, height: params.height }),
    auth: 'request',
    responses: { 200: BlockResponseSchema },
    signal: params.signal,
  });
  const body = res.body;
  const header = body.block.header;
  if (header.chain !== params.chain || (params.height !== 'latest' && header.height !== params.height)) {
    throw new BaseError(
      'BSN_SDK_RESPONSE_INVALID',
      `asked for ${params.chain}@${params.height}, got ${header.chain}@${header.height}`,
      {
        details: { chain: params.chain, height: params.height },
      },
    );
  }
  if (params.verify === false) return { ...body, final: false, signers: [] };
  const signed = await verifyWithHosts(
    client,
    params.chain,
    (trust) => verifyBlock(body, trust),
    params.signal,
  );
  if (signed !== null) {
    acceptVerifiedHeight(
      client,
      params.chain,
      header.height,
      params.height === 'latest' ? { latest: true, what: 'latest block' } : { latest: false },
    );
  }
  return { ...body, final: signed !== null, signers: signed?.signers ?? [] };
}
