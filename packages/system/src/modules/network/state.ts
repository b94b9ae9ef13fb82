/**
 * Network module state: the genesis record, written once by `init`.
 *
 * | key       | value           |
 * |-----------|-----------------|
 * | `network` | {@link NetworkRecord} |
 */
import { ContractError } from '@bsn/ledger';
import { SystemErrorCode } from '../../errors.js';
import { readRecord, type State, writeRecord } from '../../state-access.js';

/** The network's identity, fixed at genesis. */
export type NetworkRecord = {
  networkId: string;
  rootCertPem: string;
  rootFingerprint: string;
  orderer: { id: string; certPem: string; fingerprint: string };
  initialisedAt: number;
  initialisedTime: number;
};

/** The state key of the network record. */
export const NETWORK_KEY = 'network';

/** The network record, or null before `init`. */
export function readNetwork(state: State): NetworkRecord | null {
  return readRecord<NetworkRecord>(state, NETWORK_KEY);
}

/** Stores the network record. */
export function writeNetwork(state: State, record: NetworkRecord): void {
  writeRecord(state, NETWORK_KEY, record);
}

/** The network record; fails with BSN_SYSTEM_NOT_INITIALISED before `init`. */
export function requireNetwork(state: State): NetworkRecord {
  const network = readNetwork(state);
  if (!network) {
    throw new ContractError(
      SystemErrorCode.NOT_INITIALISED,
      'the system chain is not initialised: run init first',
    );
  }
  return network;
}
