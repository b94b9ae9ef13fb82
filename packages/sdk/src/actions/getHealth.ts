import { type HealthResponse, HealthResponseSchema, routeById, routePath } from '@bsn/api';
import type { BaseClient } from '../client.js';
import type { BaseError } from '../errors.js';
import { request } from '../transport.js';

/** Parameters of {@link getHealth}. */
export interface GetHealthParameters {
  readonly signal?: AbortSignal;
}
/** Return type of {@link getHealth}: the answering PCN's status (unverified: it is the PCN speaking of itself). */
export type GetHealthReturnType = HealthResponse;
/** Error type of {@link getHealth}. */
export type GetHealthErrorType = BaseError;

/** Asks a gateway for its PCN's health and per-chain heights. */
export async function getHealth(
  client: BaseClient,
  params: GetHealthParameters = {},
): Promise<GetHealthReturnType> {
  const res = await request<HealthResponse>(client.transport, {
    method: 'GET',
    path: routePath(routeById('getHealth'), {}),
    auth: 'none',
    responses: { 200: HealthResponseSchema },
    signal: params.signal,
  });
  return res.body;
}
