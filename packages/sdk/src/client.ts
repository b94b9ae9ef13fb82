/**
 * The client every action takes: gateways, identity, trust anchor and the state worth keeping
 * between calls (the last good gateway, a memoising TrustStore, proven hosting sets). Actions are
 * plain functions `action(client, parameters)`; {@link createClient} binds them as methods.
 */

import type { KeyObject } from 'node:crypto';
import { defaultHostingRecordLayout, type HostingRecordLayout } from '@bsn/api';
import { DEFAULT_HASH, type HashAlgorithm } from '@bsn/core';
import type { TrustStore } from '@bsn/pki';
import { BaseError, invalidParameter, staleAnswer } from './errors.js';
import type { Identity } from './identity.js';
import { defaultRetryOptions, type RetryOptions, type TransportConfig } from './transport.js';
import type { Host } from './verify/verifyCertificate.js';
import { trustStoreFor } from './verify/verifyCertificate.js';

/** Options of {@link createBaseClient} and `createClient`. */
export interface ClientOptions {
  /** One gateway base URL, or several (PCNs of the network) to fail over between. */
  readonly gateway: string | readonly string[];
  readonly identity: Identity;
  /** The network root CA certificate: the only thing the client trusts. */
  readonly rootCertPem: string;
  /**
   * The network's PCN ids, as its operator publishes them: the system chain's hosting set. A
   * system-chain certificate then needs a quorum of these PCNs (others the gateway lists do not
   * count) and a network description omitting one is refused (BSN_SDK_NETWORK_MISMATCH). Without
   * it the client trusts the first verified description's PCNs for its lifetime (trust on first
   * use): weaker, since a lying first gateway chooses that set.
   */
  readonly pcns?: readonly string[];
  /** Known intermediate CA certificates (the network's are fetched; untrusted until chained). */
  readonly intermediates?: readonly string[];
  /** A fetch implementation; default the global one. */
  readonly fetch?: typeof fetch;
  readonly retry?: Partial<RetryOptions>;
  /** Time limit of one request that does not wait on the chain (default 10 s). */
  readonly requestTimeoutMs?: number;
  /** Hash algorithm of the network (default sha256). */
  readonly hash?: HashAlgorithm;
  /** Where the system chain keeps service and PCN records. */
  readonly layout?: HostingRecordLayout;
  /** How long a proven hosting set is reused before it is fetched again (default 60 s). */
  readonly hostsTtlMs?: number;
  /** The clock (ms), for signing reads and checking certificate validity. */
  readonly now?: () => number;
}

/** Defaults of {@link ClientOptions}. */
export const defaultClientOptions = {
  requestTimeoutMs: 10_000,
  hash: DEFAULT_HASH,
  hostsTtlMs: 60_000,
} as const;

/** A proven hosting set and when it was proven. */
export interface CachedHosts {
  readonly hosts: readonly Host[];
  readonly at: number;
}

/** The PCN ids the system chain's hosting set is pinned to, and where they came from. */
export interface PinnedPcns {
  readonly ids: readonly string[];
  /** `options`: ClientOptions.pcns; `first-use`: the first network description the client verified. */
  readonly source: 'options' | 'first-use';
}

/** The state all actions share. */
export interface BaseClient {
  readonly transport: TransportConfig;
  readonly identity: Identity;
  readonly rootCertPem: string;
  readonly trustStore: TrustStore;
  /** Public keys of node certificates already parsed. */
  readonly keyCache: Map<string, KeyObject>;
  readonly hash: HashAlgorithm;
  readonly layout: HostingRecordLayout;
  readonly hostsTtlMs: number;
  readonly now: () => number;
  /** Proven hosting sets by chain id ('system' included). */
  readonly hostsCache: Map<string, CachedHosts>;
  /** The system chain's hosting set; set by `getNetwork` on first use when not configured, then never changed. */
  readonly pinnedPcns: PinnedPcns | undefined;
  /**
   * The PCNs the last verified network description lists beyond the pinned ones: their votes on a
   * system-chain certificate neither count nor fail it. Set by `getNetwork`.
   */
  readonly unpinnedPcns: readonly string[];
  /** The highest height verified so far, by chain ('system' included): older answers are stale. */
  readonly verifiedHeights: Map<string, number>;
}

function gatewayList(gateway: string | readonly string[]): string[] {
  const list = typeof gateway === 'string' ? [gateway] : [...gateway];
  if (list.length === 0) {
    throw new BaseError('BSN_SDK_INVALID_PARAMETER', 'at least one gateway URL is needed', {
      details: { field: 'gateway' },
    });
  }
  for (const url of list) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new BaseError('BSN_SDK_INVALID_PARAMETER', `gateway "${url}" is not a URL`, {
        details: { field: 'gateway', url },
      });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new BaseError('BSN_SDK_INVALID_PARAMETER', `gateway "${url}" is not http(s)`, {
        details: { field: 'gateway', url },
      });
    }
  }
  return list;
}

function pinnedPcns(pcns: readonly string[] | undefined): PinnedPcns | undefined {
  if (pcns === undefined) return undefined;
  if (!Array.isArray(pcns) || pcns.length === 0)
    throw invalidParameter('pcns', 'must be a non-empty list of PCN ids');
  const seen = new Set<string>();
  for (const id of pcns as readonly unknown[]) {
    if (typeof id !== 'string' || id.length === 0)
      throw invalidParameter('pcns', `has ${JSON.stringify(id) ?? String(id)}, which is not a PCN id`, {
        bad: id,
      });
    if (seen.has(id)) throw invalidParameter('pcns', `lists ${id} twice`, { bad: id });
    seen.add(id);
  }
  return { ids: Object.freeze([...pcns]), source: 'options' };
}

/** Builds the shared client state from options (validating them). */
export function createBaseClient(options: ClientOptions): BaseClient {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') {
    throw new BaseError('BSN_SDK_INVALID_PARAMETER', 'no fetch implementation: pass options.fetch', {
      details: { field: 'fetch' },
    });
  }
  const retry = { ...defaultRetryOptions, ...options.retry };
  if (!Number.isInteger(retry.attempts) || retry.attempts < 1) {
    throw new BaseError('BSN_SDK_INVALID_PARAMETER', 'retry.attempts must be a whole number ≥ 1', {
      details: { field: 'retry.attempts' },
    });
  }
  const now = options.now ?? Date.now;
  return {
    transport: {
      gateways: gatewayList(options.gateway),
      identity: options.identity,
      fetch: fetchImpl,
      retry,
      requestTimeoutMs: options.requestTimeoutMs ?? defaultClientOptions.requestTimeoutMs,
      now,
      preferred: 0,
    },
    identity: options.identity,
    rootCertPem: options.rootCertPem,
    trustStore: trustStoreFor({
      rootCertPem: options.rootCertPem,
      intermediates: options.intermediates ?? [],
    }),
    keyCache: new Map(),
    hash: options.hash ?? defaultClientOptions.hash,
    layout: options.layout ?? defaultHostingRecordLayout,
    hostsTtlMs: options.hostsTtlMs ?? defaultClientOptions.hostsTtlMs,
    now,
    hostsCache: new Map(),
    pinnedPcns: pinnedPcns(options.pcns),
    unpinnedPcns: [],
    verifiedHeights: new Map(),
  };
}

/** The trust options of a client, for the verifiers. */
export function clientTrust(client: BaseClient): {
  rootCertPem: string;
  trustStore: TrustStore;
  at: number;
  hash: HashAlgorithm;
} {
  return {
    rootCertPem: client.rootCertPem,
    trustStore: client.trustStore,
    at: client.now(),
    hash: client.hash,
  };
}

/**
 * Takes note of a verified answer of `chain` at `height`, raising the client's mark of the chain.
 * An answer given as the latest (`latest`) below the mark is refused first with
 * BSN_SDK_STALE_ANSWER: a certified but older answer is true of the past only, and a gateway
 * replaying one could hide what happened since. An answer about a height asked for is not.
 */
export function acceptVerifiedHeight(
  client: BaseClient,
  chain: string,
  height: number,
  answer: { readonly latest: false } | { readonly latest: true; readonly what: string },
): void {
  const known = client.verifiedHeights.get(chain);
  if (known !== undefined && height < known) {
    if (answer.latest) throw staleAnswer(chain, height, known, `${answer.what} of ${chain}`);
    return;
  }
  client.verifiedHeights.set(chain, height);
}
