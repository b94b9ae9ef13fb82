import { SYSTEM_CHAIN_ID } from '@bsn/api';
import { type BaseClient, clientTrust } from '../client.js';
import { BaseError } from '../errors.js';
import type { Host } from '../verify/verifyCertificate.js';
import { getChain } from './getChain.js';
import { getNetwork } from './getNetwork.js';

/** Parameters of {@link getTrustedHosts}. */
export interface GetTrustedHostsParameters {
  readonly chain: string;
  /** Fetch and prove again even if a recent proven set is known. */
  readonly refresh?: boolean;
  readonly signal?: AbortSignal | undefined;
}
/** Return type of {@link getTrustedHosts}. */
export type GetTrustedHostsReturnType = readonly Host[];
/** Error type of {@link getTrustedHosts}. */
export type GetTrustedHostsErrorType = BaseError;

/** The proven hosting set of `chain`, from the client's cache while fresh, else from the network. */
export async function getTrustedHosts(
  client: BaseClient,
  params: GetTrustedHostsParameters,
): Promise<GetTrustedHostsReturnType> {
  const cached = client.hostsCache.get(params.chain);
  if (params.refresh !== true && cached !== undefined && client.now() - cached.at < client.hostsTtlMs)
    return cached.hosts;
  const signal = params.signal ? { signal: params.signal } : {};
  if (params.chain === SYSTEM_CHAIN_ID) return (await getNetwork(client, signal)).hosts;
  return (await getChain(client, { chain: params.chain, ...signal })).hosts;
}

/** Codes after which a verification is worth one retry with a freshly proven hosting set (it may have changed). */
const HOSTING_CODES = new Set(['BSN_SDK_VOTE_NOT_HOST', 'BSN_SDK_CERT_QUORUM', 'BSN_SDK_PCN_UNTRUSTED']);

/** What a verifier of a chain's answer is given: the client's trust and the chain's proven hosts. */
export type HostTrust = ReturnType<typeof clientTrust> & {
  readonly hosts: readonly Host[];
  readonly uncountedVoters?: readonly string[];
};

function hostTrust(client: BaseClient, chain: string, hosts: readonly Host[]): HostTrust {
  return {
    ...clientTrust(client),
    hosts,
    // the system chain's hosts are the pinned PCNs: votes of the other listed ones do not count
    ...(chain === SYSTEM_CHAIN_ID ? { uncountedVoters: client.unpinnedPcns } : {}),
  };
}

/**
 * Runs `verify` with the client's trust in the chain's proven hosts; if it fails in a way a changed
 * hosting set explains and the set came from the cache, proves the set again and retries once.
 */
export async function verifyWithHosts<T>(
  client: BaseClient,
  chain: string,
  verify: (trust: HostTrust) => T,
  signal?: AbortSignal,
): Promise<T> {
  const cachedAt = client.hostsCache.get(chain)?.at;
  const hosts = await getTrustedHosts(client, { chain, signal });
  try {
    return verify(hostTrust(client, chain, hosts));
  } catch (err) {
    const fromCache = cachedAt !== undefined && client.hostsCache.get(chain)?.at === cachedAt;
    if (!(err instanceof BaseError) || !HOSTING_CODES.has(err.code) || !fromCache) throw err;
    const fresh = await getTrustedHosts(client, { chain, refresh: true, signal });
    return verify(hostTrust(client, chain, fresh));
  }
}
