/**
 * The system contract's state keys, for a node or SDK that reads them directly from the world
 * state (with proofs) instead of through queries. Part of the protocol: changing one is a fork.
 */

import { GOVERNANCE_KEY, PROPOSAL_PREFIX } from './modules/governance/state.js';
import { ORG_PREFIX, PCN_PREFIX, PORTAL_PREFIX } from './modules/membership/state.js';
import { NETWORK_KEY } from './modules/network/state.js';
import { heightKey, REVOKED_AT_PREFIX, REVOKED_PREFIX } from './modules/revocation/state.js';
import {
  BUNDLE_PREFIX,
  bundleChunkKey,
  PCN_SERVICE_PREFIX,
  SERVICE_PREFIX,
} from './modules/services/state.js';

/** Key (or key prefix) of each record kind in the system contract's namespace. */
export const systemStateKeys = {
  network: NETWORK_KEY,
  governance: GOVERNANCE_KEY,
  proposal: (id: string) => PROPOSAL_PREFIX + id,
  pcn: (id: string) => PCN_PREFIX + id,
  pcnPrefix: PCN_PREFIX,
  organisation: (id: string) => ORG_PREFIX + id,
  organisationPrefix: ORG_PREFIX,
  portal: (id: string) => PORTAL_PREFIX + id,
  portalPrefix: PORTAL_PREFIX,
  revoked: (fingerprint: string) => REVOKED_PREFIX + fingerprint,
  /** Range `[revokedPrefix, prefixEnd(revokedPrefix))` for every revocation. */
  revokedPrefix: REVOKED_PREFIX,
  /** Start key of the revocations made at heights `>= height` (values are fingerprints). */
  revokedFromHeight: (height: number) => `${REVOKED_AT_PREFIX}${heightKey(height)}`,
  revokedAtPrefix: REVOKED_AT_PREFIX,
  service: (name: string) => SERVICE_PREFIX + name,
  servicePrefix: SERVICE_PREFIX,
  /** Prefix of the `pcn-service/<pcn>/<name>` index of the services a PCN hosts. */
  servicesOfPcnPrefix: (pcn: string) => `${PCN_SERVICE_PREFIX}${pcn}/`,
  bundle: (hash: string) => BUNDLE_PREFIX + hash,
  bundleChunk: bundleChunkKey,
} as const;
