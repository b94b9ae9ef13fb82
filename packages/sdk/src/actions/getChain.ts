import { type ChainResponse, ChainResponseSchema, routeById, routePath, SYSTEM_CHAIN_ID } from '@bsn/api';
import { acceptVerifiedHeight, type BaseClient, clientTrust } from '../client.js';
import { BaseError } from '../errors.js';
import { request } from '../transport.js';
import type { Host } from '../verify/verifyCertificate.js';
import { verifyHostingProof } from '../verify/verifyHostingProof.js';
import { getNetwork } from './getNetwork.js';

/** Parameters of {@link getChain}. */
export interface GetChainParameters {
  readonly chain: string;
  readonly signal?: AbortSignal;
}
/** Return type of {@link getChain}: the answer and the hosting set proven from the system chain. */
export interface GetChainReturnType {
  readonly chain: ChainResponse;
  readonly hosts: readonly Host[];
}
/** Error type of {@link getChain}: BSN_SDK_HOSTING_PROOF_INVALID, BSN_SDK_STALE_ANSWER, BSN_SDK_STATE_PROOF_INVALID, certificate and transport codes. */
export type GetChainErrorType = BaseError;

/** Asks who hosts `chain` and proves the answer against a certified system-chain state. */
export async function getChain(client: BaseClient, params: GetChainParameters): Promise<GetChainReturnType> {
  const { hosts: systemHosts, pcns: networkPcns } = await getNetwork(
    client,
    params.signal ? { signal: params.signal } : {},
  );
  const res = await request<ChainResponse>(client.transport, {
    method: 'GET',
    path: routePath(routeById('getChain'), { chain: params.chain }),
    auth: 'request',
    responses: { 200: ChainResponseSchema },
    signal: params.signal,
  });
  if (res.body.chain !== params.chain) {
    throw new BaseError(
      'BSN_SDK_RESPONSE_INVALID',
      `asked for chain ${params.chain}, the gateway described ${res.body.chain}`,
      {
        details: { chain: params.chain },
      },
    );
  }
  for (const pem of res.body.intermediates) {
    try {
      client.trustStore.addIntermediate(pem);
    } catch {
      // Unusable intermediates cannot make any chain verify: skipping them is safe.
    }
  }
  const hosts =
    params.chain === SYSTEM_CHAIN_ID
      ? systemHosts
      : verifyHostingProof(res.body, {
          ...clientTrust(client),
          systemHosts,
          networkPcns,
          // no older than the system state this client already knows to be certified
          minSystemHeight: client.verifiedHeights.get(SYSTEM_CHAIN_ID) ?? 0,
          layout: client.layout,
        });
  if (res.body.hostingProof !== null && params.chain !== SYSTEM_CHAIN_ID)
    acceptVerifiedHeight(client, SYSTEM_CHAIN_ID, res.body.hostingProof.height, { latest: false });
  client.hostsCache.set(params.chain, { hosts, at: client.now() });
  return { chain: res.body, hosts };
}
