import { routeById, routePath, type StateResponse, StateResponseSchema } from '@bsn/api';
import type { CommitCertificate } from '@bsn/core';
import { assertHeight } from '../assertHeight.js';
import { acceptVerifiedHeight, type BaseClient } from '../client.js';
import { BaseError } from '../errors.js';
import { request } from '../transport.js';
import { verifyStateResponse } from '../verify/verifyQueryProof.js';
import { verifyWithHosts } from './getTrustedHosts.js';

/** Parameters of {@link getState}. */
export interface GetStateParameters {
  readonly chain: string;
  readonly contract: string;
  readonly key: string;
  /** Ask for a proof and verify it (default false). */
  readonly proof?: boolean;
  /**
   * A past height; the answer must be of exactly this height. Default: latest (latest certified
   * with proof, which must then be no older than the newest height this client verified of the chain).
   */
  readonly height?: number;
  readonly signal?: AbortSignal;
}
/** Return type of {@link getState}: the value (null = absent), and with proof the verified certificate. */
export interface GetStateReturnType {
  readonly value: unknown;
  readonly height: number;
  readonly verified: boolean;
  readonly certificate: CommitCertificate | null;
  readonly signers: readonly string[];
}
/** Error type of {@link getState}: BSN_SDK_RESPONSE_INVALID (another key or height), BSN_SDK_STALE_ANSWER, proof, certificate and transport codes. */
export type GetStateErrorType = BaseError;

/** Reads one state value of a contract; with `proof`, verifies it (or its absence) against a certified stateRoot. */
export async function getState(client: BaseClient, params: GetStateParameters): Promise<GetStateReturnType> {
  if (params.height !== undefined) assertHeight('height', params.height);
  const query = new URLSearchParams({ contract: params.contract });
  if (params.proof) query.set('proof', 'true');
  if (params.height !== undefined) query.set('height', String(params.height));
  const res = await request<StateResponse>(client.transport, {
    method: 'GET',
    path: `${routePath(routeById('getState'), { chain: params.chain, key: params.key })}?${query}`,
    auth: 'request',
    responses: { 200: StateResponseSchema },
    signal: params.signal,
  });
  const body = res.body;
  if (body.contract !== params.contract || body.key !== params.key) {
    throw new BaseError(
      'BSN_SDK_RESPONSE_INVALID',
      `asked for ${params.contract}/${params.key}, the gateway answered ${body.contract}/${body.key}`,
      {
        details: { contract: params.contract, key: params.key },
      },
    );
  }
  if (params.height !== undefined && body.height !== params.height) {
    throw new BaseError(
      'BSN_SDK_RESPONSE_INVALID',
      `asked for ${params.chain}@${params.height}, the gateway answered with height ${body.height}`,
      { details: { chain: params.chain, height: params.height, answered: body.height } },
    );
  }
  if (params.proof !== true)
    return { value: body.value, height: body.height, verified: false, certificate: null, signers: [] };
  const v = await verifyWithHosts(
    client,
    params.chain,
    (trust) => verifyStateResponse(params.chain, body, trust),
    params.signal,
  );
  acceptVerifiedHeight(
    client,
    params.chain,
    v.height,
    params.height === undefined
      ? { latest: true, what: `state ${params.contract}/${params.key}` }
      : { latest: false },
  );
  return { value: v.value, height: v.height, verified: true, certificate: v.certificate, signers: v.signers };
}
