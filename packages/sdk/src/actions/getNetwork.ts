import { type NetworkResponse, NetworkResponseSchema, routeById, routePath, SYSTEM_CHAIN_ID } from '@bsn/api';
import { type BaseClient, clientTrust } from '../client.js';
import type { BaseError } from '../errors.js';
import { request } from '../transport.js';
import type { Host } from '../verify/verifyCertificate.js';
import { verifyNetwork } from '../verify/verifyNetwork.js';

/** Parameters of {@link getNetwork}. */
export interface GetNetworkParameters {
  readonly signal?: AbortSignal;
}
/** Return type of {@link getNetwork}: the description and the system chain's verified hosts (every PCN). */
export interface GetNetworkReturnType {
  readonly network: NetworkResponse;
  readonly hosts: readonly Host[];
}
/** Error type of {@link getNetwork}: BSN_SDK_ROOT_MISMATCH, BSN_SDK_PCN_UNTRUSTED, certificate codes, transport codes. */
export type GetNetworkErrorType = BaseError;

/**
 * Fetches the network description and verifies it against the client's root: the PCNs' node
 * certificates chain to it and the system chain's latest certificate is signed by their quorum.
 * Remembers the PCN set as the system chain's hosting set.
 */
export async function getNetwork(
  client: BaseClient,
  params: GetNetworkParameters = {},
): Promise<GetNetworkReturnType> {
  const res = await request<NetworkResponse>(client.transport, {
    method: 'GET',
    path: routePath(routeById('getNetwork'), {}),
    auth: 'none',
    responses: { 200: NetworkResponseSchema },
    signal: params.signal,
  });
  const { hosts } = verifyNetwork(res.body, clientTrust(client));
  client.hostsCache.set(SYSTEM_CHAIN_ID, { hosts, at: client.now() });
  return { network: res.body, hosts };
}
