/** Events of the service registry; a PCN watches them to start, stop and upgrade service chains. */

/** `{name, chain, owner, pcns, status, codeHash}` */
export const SERVICE_CREATED = 'ServiceCreated';
/** `{name, chain, pcns}`: the operator approved a pending service; its chain may start. */
export const SERVICE_APPROVED = 'ServiceApproved';
/** `{name, chain, version, codeHash, fromSystemHeight}` */
export const CONTRACT_UPGRADED = 'ContractUpgraded';
/** `{name, org, roles}` */
export const PARTICIPANT_ADDED = 'ParticipantAdded';
/** `{name, org}` */
export const PARTICIPANT_REMOVED = 'ParticipantRemoved';
/** `{name, roles}` */
export const ROLES_CHANGED = 'RolesChanged';
/** `{hash, size, encoding}` */
export const BUNDLE_STORED = 'BundleStored';
