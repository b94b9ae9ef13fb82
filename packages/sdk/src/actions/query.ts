import { type QueryResponse, QueryResponseSchema, routeById, routePath, type StateRead } from '@bsn/api';
import type { CommitCertificate, JsonValue } from '@bsn/core';
import { acceptVerifiedHeight, type BaseClient } from '../client.js';
import type { BaseError } from '../errors.js';
import { request } from '../transport.js';
import { type ProvenStateReader, verifyQueryProof } from '../verify/verifyQueryProof.js';
import { createTransaction } from './createTransaction.js';
import { verifyWithHosts } from './getTrustedHosts.js';

/** Parameters of {@link query}. */
export interface QueryParameters {
  readonly chain: string;
  readonly contract: string;
  readonly method: string;
  readonly args?: readonly JsonValue[];
  /** Ask for proofs and verify them (default false). */
  readonly proof?: boolean;
  /**
   * With proof: recompute the result from proven state, e.g. by running the method's logic with
   * `get` as its state; a different result fails verification (BSN_SDK_STATE_PROOF_INVALID), a
   * key the answer did not prove fails with BSN_SDK_STATE_PROOF_MISSING. Sets `resultVerified`.
   */
  readonly recompute?: (get: ProvenStateReader) => JsonValue;
  readonly signal?: AbortSignal;
}
/** Return type of {@link query}. */
export interface QueryReturnType {
  readonly result: unknown;
  readonly height: number;
  /**
   * With proof, after every check passed: each read the answer lists is proven against a certified
   * stateRoot. Says nothing of `result`: the PCN chooses which reads to list, and computes it.
   */
  readonly verified: boolean;
  /** True only when `recompute` ran over proven state and gave this result. */
  readonly resultVerified: boolean;
  readonly reads: readonly StateRead[];
  readonly certificate: CommitCertificate | null;
  readonly signers: readonly string[];
}
/** Error type of {@link query}: gateway codes, BSN_SDK_STATE_PROOF_INVALID, BSN_SDK_STATE_PROOF_MISSING, BSN_SDK_NOT_FINAL, BSN_SDK_STALE_ANSWER, certificate and transport codes. */
export type QueryErrorType = BaseError;

/**
 * Calls a read-only contract method. With `proof`, every state read the answer lists is verified
 * against a certified stateRoot; the result itself is the answering PCN's word — it may have left
 * reads out — unless `recompute` checks it against proven state (`resultVerified`).
 */
export async function query(client: BaseClient, params: QueryParameters): Promise<QueryReturnType> {
  const { tx } = createTransaction(client.identity, {
    chain: params.chain,
    contract: params.contract,
    method: params.method,
    ...(params.args === undefined ? {} : { args: params.args }),
    now: client.now(),
    hash: client.hash,
  });
  const res = await request<QueryResponse>(client.transport, {
    method: 'POST',
    path: `${routePath(routeById('query'), { chain: params.chain })}${params.proof ? '?proof=true' : ''}`,
    body: tx,
    auth: 'none',
    responses: { 200: QueryResponseSchema },
    signal: params.signal,
  });
  const body = res.body;
  if (params.proof !== true) {
    return {
      result: body.result,
      height: body.height,
      verified: false,
      resultVerified: false,
      reads: [],
      certificate: null,
      signers: [],
    };
  }
  const verified = await verifyWithHosts(
    client,
    params.chain,
    (trust) =>
      verifyQueryProof(params.chain, body, {
        ...trust,
        ...(params.recompute === undefined ? {} : { recompute: params.recompute }),
      }),
    params.signal,
  );
  // A query runs at the latest height: a certified answer older than one already verified is stale.
  acceptVerifiedHeight(client, params.chain, verified.height, {
    latest: true,
    what: `query ${params.contract}.${params.method}`,
  });
  return {
    result: verified.result,
    height: verified.height,
    verified: true,
    resultVerified: verified.resultVerified,
    reads: verified.reads,
    certificate: verified.certificate,
    signers: verified.signers,
  };
}
