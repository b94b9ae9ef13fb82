import { type NetworkResponse, NetworkResponseSchema, routeById, routePath, SYSTEM_CHAIN_ID } from '@bsn/api';
import { acceptVerifiedHeight, type BaseClient, clientTrust } from '../client.js';
import type { BaseError } from '../errors.js';
import { request } from '../transport.js';
import type { Host } from '../verify/verifyCertificate.js';
import { verifyNetwork } from '../verify/verifyNetwork.js';

/** Parameters of {@link getNetwork}. */
export interface GetNetworkParameters {
  readonly signal?: AbortSignal;
}
/** Return type of {@link getNetwork}: the description, the system chain's verified hosts (the pinned PCNs), every listed PCN, and the certified system height. */
export interface GetNetworkReturnType {
  readonly network: NetworkResponse;
  readonly hosts: readonly Host[];
  readonly pcns: readonly Host[];
  readonly height: number;
}
/** Error type of {@link getNetwork}: BSN_SDK_ROOT_MISMATCH, BSN_SDK_PCN_UNTRUSTED, BSN_SDK_NETWORK_MISMATCH, certificate codes, transport codes. */
export type GetNetworkErrorType = BaseError;

/**
 * Fetches the network description and verifies it against the client's root: the PCNs' node
 * certificates chain to it, none of the pinned PCNs is missing, and the system chain's latest
 * certificate is signed by a quorum of the pinned PCNs. A client without `pcns` pins the PCNs of
 * the first description that verifies. Remembers the pinned set as the system chain's hosting set,
 * and the other listed PCNs as those whose system-chain votes do not count.
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
  const pins = client.pinnedPcns;
  const { hosts, pcns, height } = verifyNetwork(res.body, {
    ...clientTrust(client),
    ...(pins === undefined ? {} : { pcns: pins.ids, pinnedBy: pins.source }),
  });
  // The client's view of the network is read-only to its users; only this action writes it.
  const view = client as { -readonly [K in 'pinnedPcns' | 'unpinnedPcns']: BaseClient[K] };
  // Trust on first use; no await since reading `pins`, so no other call can have pinned meanwhile.
  if (pins === undefined) view.pinnedPcns = { ids: hosts.map((h) => h.pcn), source: 'first-use' };
  const pinned = new Set(hosts.map((h) => h.pcn));
  view.unpinnedPcns = pcns.map((h) => h.pcn).filter((id) => !pinned.has(id));
  client.hostsCache.set(SYSTEM_CHAIN_ID, { hosts, at: client.now() });
  acceptVerifiedHeight(client, SYSTEM_CHAIN_ID, height, { latest: false });
  return { network: res.body, hosts, pcns, height };
}
