/**
 * Where the system chain keeps the records that say who hosts a chain, so the gateway knows which
 * keys to prove in a `HostingProof` and the SDK knows which proven values to read. The layout is
 * the system contract's (packages/system: contract `system`, keys `service/<name>` and `pcn/<id>`);
 * it is restated here because the SDK must not depend on the system package. A PCN record's
 * `certPem` may be a bundle: the node certificate first, then the CA certificates above it.
 */

/** The system chain's id. */
export const SYSTEM_CHAIN_ID = 'system';

/** Contract names and key shapes of the records a hosting proof carries. */
export interface HostingRecordLayout {
  /** Contract holding service records. */
  readonly serviceContract: string;
  /** Key prefix of a service record (`<prefix><service name>`); the record has `chain` and `pcns: string[]`. */
  readonly servicePrefix: string;
  /** Contract holding PCN records. */
  readonly pcnContract: string;
  /** Key prefix of a PCN record (`<prefix><pcn id>`); the record has `id`, `certPem` (node certificate first), `gateway`, `status`. */
  readonly pcnPrefix: string;
  /** Prefix of a service chain's id before the service name (`svc-<name>`). */
  readonly serviceChainPrefix: string;
}

/** The layout of the system contracts as they are. */
export const defaultHostingRecordLayout: HostingRecordLayout = {
  serviceContract: 'system',
  servicePrefix: 'service/',
  pcnContract: 'system',
  pcnPrefix: 'pcn/',
  serviceChainPrefix: 'svc-',
};

/** The service name of a service chain id, or undefined when `chain` is not a service chain. */
export function serviceOfChain(
  chain: string,
  layout: HostingRecordLayout = defaultHostingRecordLayout,
): string | undefined {
  return chain.startsWith(layout.serviceChainPrefix) && chain.length > layout.serviceChainPrefix.length
    ? chain.slice(layout.serviceChainPrefix.length)
    : undefined;
}

/** The PEM certificates of a bundle, in order (a single certificate gives a list of one). */
export function splitCertificateBundle(pem: string): string[] {
  return (
    pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)?.map((c) => `${c}\n`) ?? []
  );
}
