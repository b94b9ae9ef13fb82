/**
 * Checks a network description against the client's trust anchor: the gateway must describe the
 * network under the root the client was configured with, every PCN's node certificate must chain
 * to it, and the system chain's certificate must be signed by a quorum of the system chain's
 * hosting set. That set is the pinned PCNs when the client has them (the answer may not drop one),
 * else every listed PCN — which a lying gateway chooses, so pin.
 */
import { type NetworkResponse, SYSTEM_CHAIN_ID } from '@bsn/api';
import type { CommitCertificate } from '@bsn/core';
import { parseCertificate } from '@bsn/pki';
import { BaseError } from '../errors.js';
import {
  assertTrustedHost,
  type Host,
  type TrustOptions,
  trustStoreFor,
  type VerifyCertificateReturnType,
  verifyCertificate,
} from './verifyCertificate.js';
import { assertCertificateCovers } from './verifyReceipt.js';

/** Options of {@link verifyNetwork}. */
export interface VerifyNetworkOptions extends TrustOptions {
  /**
   * The network's PCN ids as its operator publishes them. When given, the system chain's hosting
   * set is these PCNs: the quorum is counted over them alone, and an answer omitting one is
   * refused (BSN_SDK_NETWORK_MISMATCH). When absent, every PCN the answer lists counts.
   */
  readonly pcns?: readonly string[];
  /**
   * Where `pcns` came from, told in a BSN_SDK_NETWORK_MISMATCH (`details.pinnedBy`): `options`, as
   * configured; `first-use`, the PCNs of the first description a client verified.
   */
  readonly pinnedBy?: 'options' | 'first-use';
}

/** A network description that verified. */
export interface VerifyNetworkReturnType {
  /** The system chain's hosting set: the pinned PCNs, or every listed PCN when none are pinned. */
  readonly hosts: readonly Host[];
  /** Every PCN the answer lists (pinned or not), each with a node certificate chaining to the root. */
  readonly pcns: readonly Host[];
  readonly intermediates: readonly string[];
  /** The system-chain height the verified certificate is for: the newest system state known to be certified. */
  readonly height: number;
}

/** Error type of {@link verifyNetwork}. */
export type VerifyNetworkErrorType = BaseError;

function fingerprint(pem: string): string | undefined {
  try {
    return parseCertificate(pem).fingerprint;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a system-chain certificate against the system chain's hosting set `systemHosts`. Votes
 * of other network PCNs (listed, but outside the pinned set) are left out before counting: they
 * neither count towards the quorum nor fail the certificate. Any other outsider's vote still does.
 */
export function verifySystemCertificate(
  cert: CommitCertificate,
  systemHosts: readonly Host[],
  networkPcns: readonly Host[],
  options: TrustOptions,
): VerifyCertificateReturnType {
  return verifyCertificate(cert, systemHosts, {
    ...options,
    uncountedVoters: networkPcns.map((h) => h.pcn),
  });
}

/**
 * Verifies `GET /v1/network`; throws BSN_SDK_ROOT_MISMATCH, BSN_SDK_PCN_UNTRUSTED,
 * BSN_SDK_NETWORK_MISMATCH, BSN_SDK_NOT_FINAL (no system-chain certificate) or a certificate error.
 */
export function verifyNetwork(
  network: NetworkResponse,
  options: VerifyNetworkOptions,
): VerifyNetworkReturnType {
  const trusted = fingerprint(options.rootCertPem);
  if (trusted === undefined) {
    throw new BaseError('BSN_SDK_INVALID_PARAMETER', 'rootCertPem is not a valid certificate', {
      details: { field: 'rootCertPem' },
    });
  }
  const claimed = fingerprint(network.rootCertPem);
  if (claimed !== trusted) {
    throw new BaseError(
      'BSN_SDK_ROOT_MISMATCH',
      `gateway describes network ${network.networkId} under another root certificate`,
      {
        details: { networkId: network.networkId, trusted, claimed: claimed ?? null },
      },
    );
  }
  const intermediates = [...(options.intermediates ?? []), ...network.intermediates];
  const store = trustStoreFor({ ...options, intermediates });
  for (const pem of network.intermediates) {
    try {
      store.addIntermediate(pem);
    } catch {
      // An intermediate that does not parse cannot help any chain verify; ignoring it is safe.
    }
  }
  const at = options.at ?? Date.now();
  const pcns = network.pcns.map((p) => ({ pcn: p.id, certPem: p.certPem }));
  const ids = new Set<string>();
  for (const host of pcns) {
    if (ids.has(host.pcn)) {
      throw new BaseError('BSN_SDK_RESPONSE_INVALID', `PCN ${host.pcn} is listed twice`, {
        details: { pcn: host.pcn },
      });
    }
    ids.add(host.pcn);
    assertTrustedHost(host, store, at);
  }
  let hosts: readonly Host[] = pcns;
  if (options.pcns !== undefined) {
    const missing = options.pcns.filter((id) => !ids.has(id));
    if (missing.length > 0) {
      throw new BaseError(
        'BSN_SDK_NETWORK_MISMATCH',
        `gateway describes network ${network.networkId} without pinned PCN(s) ${missing.join(', ')}`,
        {
          details: {
            networkId: network.networkId,
            missing,
            pinned: [...options.pcns],
            ...(options.pinnedBy === undefined ? {} : { pinnedBy: options.pinnedBy }),
          },
          metaMessages:
            options.pinnedBy === 'first-use'
              ? [
                  'This client pinned the PCNs of the first network description it verified (no ClientOptions.pcns).',
                ]
              : [],
        },
      );
    }
    const pinned = new Set(options.pcns);
    hosts = pcns.filter((h) => pinned.has(h.pcn));
  }
  const cert = network.systemChain.certificate;
  if (cert === null) {
    throw new BaseError(
      'BSN_SDK_NOT_FINAL',
      `gateway describes network ${network.networkId} without a system-chain certificate`,
      { details: { networkId: network.networkId, height: network.systemChain.height } },
    );
  }
  // The gateway states its system chain's height and gives the newest certificate it has, which
  // trails that height while the newest block waits for votes: the certificate may be older than
  // the stated height, never newer, and must be the system chain's.
  assertCertificateCovers(cert, { chain: SYSTEM_CHAIN_ID });
  if (cert.height > network.systemChain.height) {
    throw new BaseError(
      'BSN_SDK_CERT_MISMATCH',
      `system-chain certificate is for height ${cert.height}, the answer says the chain is at ${network.systemChain.height}`,
      { details: { field: 'height', certificate: cert.height, answer: network.systemChain.height } },
    );
  }
  verifySystemCertificate(cert, hosts, pcns, { ...options, trustStore: store, at });
  return { hosts, pcns, intermediates, height: cert.height };
}
