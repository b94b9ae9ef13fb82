/**
 * Checks a network description against the client's trust anchor: the gateway must describe the
 * network under the root the client was configured with, every PCN's node certificate must chain
 * to it, and the system chain's certificate (if any) must be signed by a quorum of those PCNs.
 */
import type { NetworkResponse } from '@bsn/api';
import { parseCertificate } from '@bsn/pki';
import { BaseError } from '../errors.js';
import {
  assertTrustedHost,
  type Host,
  type TrustOptions,
  trustStoreFor,
  verifyCertificate,
} from './verifyCertificate.js';

/** A network description that verified: the system chain's hosting set is every listed PCN. */
export interface VerifyNetworkReturnType {
  readonly hosts: readonly Host[];
  readonly intermediates: readonly string[];
}

function fingerprint(pem: string): string | undefined {
  try {
    return parseCertificate(pem).fingerprint;
  } catch {
    return undefined;
  }
}

/** Verifies `GET /v1/network`; throws BSN_SDK_ROOT_MISMATCH, BSN_SDK_PCN_UNTRUSTED or a certificate error. */
export function verifyNetwork(network: NetworkResponse, options: TrustOptions): VerifyNetworkReturnType {
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
  const hosts = network.pcns.map((p) => ({ pcn: p.id, certPem: p.certPem }));
  const ids = new Set<string>();
  for (const host of hosts) {
    if (ids.has(host.pcn)) {
      throw new BaseError('BSN_SDK_RESPONSE_INVALID', `PCN ${host.pcn} is listed twice`, {
        details: { pcn: host.pcn },
      });
    }
    ids.add(host.pcn);
    assertTrustedHost(host, store, at);
  }
  if (network.systemChain.certificate !== null) {
    verifyCertificate(network.systemChain.certificate, hosts, { ...options, trustStore: store, at });
  }
  return { hosts, intermediates };
}
