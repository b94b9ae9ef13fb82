/**
 * Derives a chain's hosting set from proven system-chain records, so a client accepts votes only
 * from the PCNs the system chain says host the chain: the service record (active) names the PCN
 * ids, each PCN record (active) binds an id to its node certificate, and both are proven against
 * the stateRoot of a system-chain certificate signed by a quorum of the network's pinned PCNs, at
 * a system height no older than the one the client already knows: records of a past height may
 * name PCNs that no longer host the chain, or are no longer in the network.
 */
import {
  type ChainResponse,
  defaultHostingRecordLayout,
  type HostingRecordLayout,
  SYSTEM_CHAIN_ID,
  serviceOfChain,
  splitCertificateBundle,
} from '@bsn/api';
import type { HashAlgorithm } from '@bsn/core';
import { BaseError, staleAnswer } from '../errors.js';
import { provenReads } from './provenReads.js';
import { assertTrustedHost, type Host, type TrustOptions, trustStoreFor } from './verifyCertificate.js';
import { verifySystemCertificate } from './verifyNetwork.js';
import { assertCertificateCovers } from './verifyReceipt.js';

/** Options of {@link verifyHostingProof}. */
export interface VerifyHostingProofOptions extends TrustOptions {
  /** The system chain's hosts: the pinned PCNs of the verified network description. */
  readonly systemHosts: readonly Host[];
  /**
   * Every PCN of the verified network description (default `systemHosts`): a proven host must be
   * one; votes of those not in `systemHosts` do not count.
   */
  readonly networkPcns?: readonly Host[];
  /** The lowest system height a proof may be from: the newest certified system height the caller knows (default 0). */
  readonly minSystemHeight?: number;
  readonly layout?: HostingRecordLayout;
  readonly hash?: HashAlgorithm;
}

function invalid(message: string, details: Record<string, unknown>): BaseError {
  return new BaseError('BSN_SDK_HOSTING_PROOF_INVALID', message, { details });
}

function sameHosts(a: readonly Host[], b: readonly Host[]): boolean {
  if (a.length !== b.length) return false;
  const m = new Map(b.map((h) => [h.pcn, h.certPem.trim()]));
  return a.every((h) => m.get(h.pcn) === h.certPem.trim());
}

/**
 * Verifies a `getChain` answer and returns the chain's proven hosting set; throws
 * BSN_SDK_HOSTING_PROOF_INVALID, BSN_SDK_STALE_ANSWER, BSN_SDK_STATE_PROOF_INVALID or a certificate error.
 */
export function verifyHostingProof(
  response: ChainResponse,
  options: VerifyHostingProofOptions,
): readonly Host[] {
  const chain = response.chain;
  const hosts: Host[] = response.hosts.map((h) => ({ pcn: h.pcn, certPem: h.certPem }));
  if (chain === SYSTEM_CHAIN_ID) {
    if (!sameHosts(hosts, options.systemHosts)) {
      throw invalid('the system chain’s hosts differ from the network’s PCNs', { chain });
    }
    return options.systemHosts;
  }
  const layout = options.layout ?? defaultHostingRecordLayout;
  const proof = response.hostingProof;
  if (proof === null) throw invalid(`chain ${chain} comes without a hosting proof`, { chain });
  const cert = proof.certificate;
  assertCertificateCovers(cert, { chain: SYSTEM_CHAIN_ID, height: proof.height, stateRoot: proof.stateRoot });
  const minHeight = options.minSystemHeight ?? 0;
  if (proof.height < minHeight)
    throw staleAnswer(chain, proof.height, minHeight, `hosting proof of ${chain} (a system-chain state)`);
  const store = trustStoreFor({
    ...options,
    intermediates: [...(options.intermediates ?? []), ...response.intermediates],
  });
  // The system chain's quorum is the network default; a quorum given for the service chain does not apply here.
  const { quorum: _serviceQuorum, ...systemTrust } = options;
  verifySystemCertificate(cert, options.systemHosts, options.networkPcns ?? options.systemHosts, {
    ...systemTrust,
    trustStore: store,
  });
  const proven = provenReads(proof.stateRoot, proof.reads, options.hash);
  const name = serviceOfChain(chain, layout);
  if (name === undefined) throw invalid(`chain ${chain} is not a service chain`, { chain });
  const record = proven(layout.serviceContract, `${layout.servicePrefix}${name}`) as
    | { chain?: unknown; pcns?: unknown; status?: unknown }
    | null
    | undefined;
  if (record === undefined || record === null)
    throw invalid(`no proven service record for ${name}`, { chain, service: name });
  if (record.chain !== chain || !Array.isArray(record.pcns)) {
    throw invalid(`service record of ${name} does not describe chain ${chain}`, { chain, service: name });
  }
  if (record.status !== 'active') {
    throw invalid(`service ${name} is ${String(record.status)} in the system chain, not active`, {
      chain,
      service: name,
      status: String(record.status),
    });
  }
  const provenIds = [...(record.pcns as unknown[])].map(String).sort();
  const claimedIds = hosts.map((h) => h.pcn).sort();
  if (provenIds.join('\n') !== claimedIds.join('\n')) {
    throw invalid(`hosts of ${chain} differ from the service record`, {
      chain,
      proven: provenIds,
      claimed: claimedIds,
    });
  }
  const network = new Set((options.networkPcns ?? options.systemHosts).map((h) => h.pcn));
  const at = options.at ?? Date.now();
  for (const host of hosts) {
    if (!network.has(host.pcn)) {
      throw invalid(`host ${host.pcn} of ${chain} is not a PCN of the network`, { chain, pcn: host.pcn });
    }
    const pcn = proven(layout.pcnContract, `${layout.pcnPrefix}${host.pcn}`) as
      | { certPem?: unknown; status?: unknown }
      | null
      | undefined;
    if (pcn === undefined || pcn === null || typeof pcn.certPem !== 'string') {
      throw invalid(`no proven PCN record for ${host.pcn}`, { chain, pcn: host.pcn });
    }
    const [recordCert, ...recordCas] = splitCertificateBundle(pcn.certPem);
    if (recordCert === undefined || recordCert.trim() !== host.certPem.trim()) {
      throw invalid(`certificate given for ${host.pcn} is not the one in its PCN record`, {
        chain,
        pcn: host.pcn,
      });
    }
    if (pcn.status !== 'active') {
      throw invalid(`PCN ${host.pcn} is ${String(pcn.status)} in the system chain, not active`, {
        chain,
        pcn: host.pcn,
      });
    }
    for (const ca of recordCas) {
      try {
        store.addIntermediate(ca); // proven, but still only trusted once it chains to the root
      } catch {
        // an unusable CA certificate cannot make any chain verify
      }
    }
    assertTrustedHost(host, store, at);
  }
  return hosts;
}
