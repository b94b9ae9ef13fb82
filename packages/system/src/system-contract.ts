/**
 * The system contract: one native contract whose methods are the commands and queries of its
 * modules (network, governance, membership, revocation, services). One contract rather than
 * several because a governance action changes membership, revocation and service state, and a
 * contract writes only its own namespace; each module keeps its own state layout, commands,
 * queries and events so the anatomy matches every later system module.
 */
import type { NativeContract } from '@bsn/ledger';
import { approve, propose } from './modules/governance/commands.js';
import { getGovernance, getProposal, listProposals } from './modules/governance/queries.js';
import {
  getOrganisation,
  getPcn,
  getPcns,
  getPortals,
  listOrganisations,
} from './modules/membership/queries.js';
import { init } from './modules/network/commands.js';
import { getNetwork } from './modules/network/queries.js';
import { getRevocation, isRevoked, revokedCertificates, revokedSince } from './modules/revocation/queries.js';
import {
  addParticipant,
  createService,
  putBundle,
  removeParticipant,
  setRoles,
  upgradeContract,
} from './modules/services/commands.js';
import {
  allowedMethods,
  getBundle,
  getBundleChunk,
  getBundleInfo,
  getService,
  listServices,
  servicesOfPcn,
} from './modules/services/queries.js';

/** Methods that change state (submit them as transactions). */
export const SYSTEM_COMMANDS = {
  init,
  propose,
  approve,
  putBundle,
  createService,
  upgradeContract,
  addParticipant,
  removeParticipant,
  setRoles,
} satisfies NativeContract;

/** Read-only methods (call them as queries). */
export const SYSTEM_QUERIES = {
  getNetwork,
  getGovernance,
  getProposal,
  listProposals,
  getPcns,
  getPcn,
  getOrganisation,
  listOrganisations,
  getPortals,
  isRevoked,
  getRevocation,
  revokedCertificates,
  revokedSince,
  getService,
  listServices,
  servicesOfPcn,
  allowedMethods,
  getBundle,
  getBundleChunk,
  getBundleInfo,
} satisfies NativeContract;

/** Creates the system contract's implementation (a fresh object: no shared mutable state). */
export function createSystemContract(): NativeContract {
  return { ...SYSTEM_COMMANDS, ...SYSTEM_QUERIES };
}
