/**
 * Service registry state: services, the index of services per hosting PCN, and contract bundles
 * stored by hash (in chunks, so no single state value grows with the bundle).
 *
 * | key                         | value                                   |
 * |-----------------------------|-----------------------------------------|
 * | `service/<name>`            | {@link ServiceRecord}                   |
 * | `pcn-service/<pcn>/<name>`  | the service name (index for servicesOfPcn) |
 * | `bundle/<hash>`             | {@link BundleRecord} (metadata)         |
 * | `bundle/<hash>/<nnnn>`      | chunk `nnnn` of the bundle's data (string) |
 */
import { ContractError } from '@bsn/ledger';
import { SystemErrorCode } from '../../errors.js';
import { readPrefix, readPrefixKeys, readRecord, type State, writeRecord } from '../../state-access.js';

/** Runtimes a service can choose today (`evm` follows with its runtime). */
export type ServiceRuntime = 'js';

/** An organisation taking part in a service, and which of the service's roles its users may use. */
export type ServiceParticipant = {
  /** Role names this organisation's users may act in; null = every role of the service. */
  roles: string[] | null;
  joinedAt: number;
};

/** One version of the service's contract. */
export type ContractVersion = {
  version: number;
  codeHash: string;
  /**
   * First system-chain height at which this version is in force (the block after the one that
   * recorded it). Service chains count their own heights: see docs/system-chain.md for how a
   * PCN switches a service chain's code deterministically.
   */
  fromSystemHeight: number;
};

/** A service (DApp): its chain, contract, hosting PCNs, participants and role → methods policy. */
export type ServiceRecord = {
  name: string;
  /** The service chain's id (`svc-<name>`). */
  chain: string;
  /** The contract's name on the service chain. */
  contract: string;
  runtime: ServiceRuntime;
  /** The organisation whose admins manage the service. */
  owner: string;
  status: 'active' | 'pending-approval';
  /** Hosting PCN ids, sorted. */
  pcns: string[];
  participants: { [org: string]: ServiceParticipant };
  /** Role → allowed method names (`*` = every method). */
  roles: { [role: string]: string[] };
  version: number;
  codeHash: string;
  versions: ContractVersion[];
  createdAt: number;
  createdBy: string;
  approvedAt: number | null;
  updatedAt: number;
};

/** Metadata of a stored contract bundle. */
export type BundleRecord = {
  hash: string;
  encoding: 'utf8' | 'base64';
  /** Size of the decoded bundle in bytes. */
  size: number;
  chunks: number;
  storedAt: number;
  storedBy: string;
};

/** Key prefixes of the service registry. */
export const SERVICE_PREFIX = 'service/';
export const PCN_SERVICE_PREFIX = 'pcn-service/';
export const BUNDLE_PREFIX = 'bundle/';

/**
 * Chunk size of stored bundles, in characters of the stored (utf8 or base64) text. Even if every
 * character needed a six-byte JSON escape, a chunk stays under the ledger's default 64 KiB limit
 * on one state value.
 */
export const BUNDLE_CHUNK_CHARS = 8192;

/** A service, or null. */
export function readService(state: State, name: string): ServiceRecord | null {
  return readRecord<ServiceRecord>(state, SERVICE_PREFIX + name);
}

/** The service; fails with BSN_SYSTEM_NOT_FOUND. */
export function requireService(state: State, name: string): ServiceRecord {
  const service = readService(state, name);
  if (!service) {
    throw new ContractError(SystemErrorCode.NOT_FOUND, `service "${name}" does not exist`, {
      details: { kind: 'service', id: name },
    });
  }
  return service;
}

/** Stores a service and keeps the per-PCN index in step with its PCN list. */
export function writeService(
  state: State,
  record: ServiceRecord,
  previousPcns: readonly string[] = [],
): void {
  for (const pcn of previousPcns) {
    if (!record.pcns.includes(pcn)) state.del(`${PCN_SERVICE_PREFIX}${pcn}/${record.name}`);
  }
  for (const pcn of record.pcns) {
    if (!previousPcns.includes(pcn)) state.put(`${PCN_SERVICE_PREFIX}${pcn}/${record.name}`, record.name);
  }
  writeRecord(state, SERVICE_PREFIX + record.name, record);
}

/** Services in name order, after `after`. */
export function readServices(state: State, after?: string, limit?: number): ServiceRecord[] {
  return readPrefix<ServiceRecord>(state, SERVICE_PREFIX, after, limit);
}

/** Names of the services a PCN hosts (every status), in name order. */
export function readServiceNamesOfPcn(state: State, pcn: string): string[] {
  return readPrefixKeys(state, `${PCN_SERVICE_PREFIX}${pcn}/`);
}

/** The key of a bundle's metadata. */
export function bundleKey(hash: string): string {
  return BUNDLE_PREFIX + hash;
}

/** The key of one chunk of a bundle (zero-padded so chunks sort in order). */
export function bundleChunkKey(hash: string, index: number): string {
  return `${BUNDLE_PREFIX}${hash}/${String(index).padStart(4, '0')}`;
}

/** A bundle's metadata, or null. */
export function readBundle(state: State, hash: string): BundleRecord | null {
  return readRecord<BundleRecord>(state, bundleKey(hash));
}
