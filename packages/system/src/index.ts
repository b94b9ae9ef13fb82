import './errors.js';

export { certificateFingerprint } from './certificate-pem.js';
export * from './errors.js';
export { ACTION_TYPES } from './modules/governance/action-registry.js';
export type { ProposalOutcome } from './modules/governance/commands.js';
export type { ProposalView } from './modules/governance/queries.js';
export type {
  GovernanceRecord,
  NetworkPolicy,
  ProposalRecord,
  ServiceApprovalPolicy,
} from './modules/governance/state.js';
export type {
  MemberStatus,
  OrganisationRecord,
  PcnRecord,
  PortalRecord,
} from './modules/membership/state.js';
export { ORG_ADMIN_ROLE } from './modules/membership/state.js';
export { type SystemGenesisConfig, SystemGenesisConfigSchema } from './modules/network/genesis.js';
export type { NetworkRecord } from './modules/network/state.js';
export { type RevocationRecord, revocationSchedule, revocationSetAt } from './modules/revocation/state.js';
export {
  allowedMethodsFor,
  checkMethodAccess,
  contractVersionAt,
  isMethodAllowed,
  type MethodAccess,
  serviceChainId,
} from './modules/services/access.js';
export { loadBundleFrom, MAX_BUNDLE_BYTES, type StoredBundle } from './modules/services/bundles.js';
export { ServiceSpec } from './modules/services/commands.js';
export type {
  BundleRecord,
  ContractVersion,
  ServiceParticipant,
  ServiceRecord,
  ServiceRuntime,
} from './modules/services/state.js';
export { BUNDLE_CHUNK_CHARS } from './modules/services/state.js';
export { prefixEnd } from './state-access.js';
export * from './system-contract.js';
export * from './system-registration.js';
export * from './system-state-keys.js';
