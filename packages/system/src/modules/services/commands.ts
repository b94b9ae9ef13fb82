/**
 * Commands of the service registry, called by organisation admins: upload bundles, create a
 * service, upgrade its contract, invite participants and set the role → methods policy.
 * Only the owning organisation's admins manage a service.
 */
import { type ContractContext, ContractError } from '@bsn/ledger';
import { Type } from '@sinclair/typebox';
import { SystemErrorCode } from '../../errors.js';
import { MethodPattern, NodeId, OrgId, RoleName, ServiceName, Sha256Hex } from '../../identifiers.js';
import { defineMethod, invalidArgument, optionalParam, param } from '../../method-args.js';
import { requireGovernance } from '../governance/state.js';
import { requireActiveOrganisation, requireActivePcn, requireOrgAdmin } from '../membership/state.js';
import { requireNetwork } from '../network/state.js';
import { serviceChainId } from './access.js';
import { BundleInput, HashedBundleInput, requireBundle, storeBundle } from './bundles.js';
import {
  CONTRACT_UPGRADED,
  PARTICIPANT_ADDED,
  PARTICIPANT_REMOVED,
  ROLES_CHANGED,
  SERVICE_CREATED,
} from './events.js';
import { readService, requireService, type ServiceRecord, writeService } from './state.js';

/** Role → allowed methods. */
export const RolesInput = Type.Record(
  RoleName,
  Type.Array(MethodPattern, { maxItems: 256, uniqueItems: true }),
  {
    additionalProperties: false,
    maxProperties: 64,
  },
);

/** The argument of `createService`. */
export const ServiceSpec = Type.Object(
  {
    name: ServiceName,
    runtime: Type.Literal('js'),
    codeHash: Sha256Hex,
    bundle: Type.Optional(BundleInput),
    pcns: Type.Array(NodeId, { minItems: 1, maxItems: 64, uniqueItems: true }),
    organisations: Type.Array(OrgId, { minItems: 1, maxItems: 256, uniqueItems: true }),
    roles: RolesInput,
  },
  { additionalProperties: false },
);

const ParticipantRoles = Type.Array(RoleName, { maxItems: 64, uniqueItems: true });

function requireOwnerAdmin(ctx: ContractContext, service: ServiceRecord, action: string): void {
  requireOrgAdmin(ctx, action);
  if (ctx.caller.org !== service.owner) {
    throw new ContractError(
      SystemErrorCode.FORBIDDEN,
      `${action}: service "${service.name}" is managed by organisation "${service.owner}", not "${ctx.caller.org}"`,
      { details: { service: service.name, owner: service.owner, org: ctx.caller.org } },
    );
  }
}

function checkParticipantRoles(service: ServiceRecord, roles: readonly string[], method: string): void {
  roles.forEach((role, i) => {
    if (!Object.hasOwn(service.roles, role)) {
      invalidArgument(`roles.${i}`, `service "${service.name}" has no role "${role}"`, method);
    }
  });
}

/** `putBundle({hash, encoding, data})` → bundle metadata. Org admins and network admins may upload. */
export const putBundle = defineMethod('putBundle', [param('bundle', HashedBundleInput)], (ctx, bundle) => {
  const governance = requireGovernance(ctx.state);
  if (!governance.admins.includes(ctx.caller.certFingerprint)) requireOrgAdmin(ctx, 'putBundle');
  return storeBundle(ctx, { encoding: bundle.encoding, data: bundle.data }, bundle.hash, 'bundle');
});

/** `createService(spec)` → the service record (active, or pending the operator's approval per policy). */
export const createService = defineMethod('createService', [param('spec', ServiceSpec)], (ctx, spec) => {
  requireNetwork(ctx.state);
  const owner = requireOrgAdmin(ctx, 'createService');
  if (!spec.organisations.includes(owner.id)) {
    throw new ContractError(
      SystemErrorCode.FORBIDDEN,
      `createService: the creating organisation "${owner.id}" must be one of spec.organisations`,
      { details: { org: owner.id } },
    );
  }
  if (readService(ctx.state, spec.name)) {
    throw new ContractError(SystemErrorCode.ALREADY_EXISTS, `service "${spec.name}" already exists`, {
      details: { kind: 'service', id: spec.name },
    });
  }
  for (const pcn of spec.pcns) requireActivePcn(ctx.state, pcn);
  for (const org of spec.organisations) requireActiveOrganisation(ctx.state, org);
  if (spec.bundle) storeBundle(ctx, spec.bundle, spec.codeHash, 'spec.bundle');
  else requireBundle(ctx.state, spec.codeHash);

  const approval = requireGovernance(ctx.state).policy.serviceApproval;
  const participants: ServiceRecord['participants'] = {};
  for (const org of spec.organisations) participants[org] = { roles: null, joinedAt: ctx.tx.height };
  const record: ServiceRecord = {
    name: spec.name,
    chain: serviceChainId(spec.name),
    contract: spec.name,
    runtime: spec.runtime,
    owner: owner.id,
    status: approval === 'operator' ? 'pending-approval' : 'active',
    pcns: [...spec.pcns].sort(),
    participants,
    roles: spec.roles,
    version: 1,
    codeHash: spec.codeHash,
    versions: [{ version: 1, codeHash: spec.codeHash, fromSystemHeight: ctx.tx.height }],
    createdAt: ctx.tx.height,
    createdBy: ctx.caller.certFingerprint,
    approvedAt: approval === 'operator' ? null : ctx.tx.height,
    updatedAt: ctx.tx.height,
  };
  writeService(ctx.state, record);
  ctx.emit(SERVICE_CREATED, {
    name: record.name,
    chain: record.chain,
    owner: record.owner,
    pcns: record.pcns,
    status: record.status,
    codeHash: record.codeHash,
  });
  return record;
});

/**
 * `upgradeContract(name, codeHash, bundle?)` → `{version, codeHash, fromSystemHeight}`. The new
 * code is in force from the next system-chain block on.
 */
export const upgradeContract = defineMethod(
  'upgradeContract',
  [param('name', ServiceName), param('codeHash', Sha256Hex), optionalParam('bundle', BundleInput)],
  (ctx, name, codeHash, bundle) => {
    const service = requireService(ctx.state, name);
    requireOwnerAdmin(ctx, service, 'upgradeContract');
    if (codeHash === service.codeHash) {
      throw new ContractError(SystemErrorCode.CONFLICT, `service "${name}" already runs code ${codeHash}`, {
        details: { service: name, codeHash },
      });
    }
    if (bundle) storeBundle(ctx, bundle, codeHash, 'bundle');
    else requireBundle(ctx.state, codeHash);
    const version = { version: service.version + 1, codeHash, fromSystemHeight: ctx.tx.height + 1 };
    writeService(
      ctx.state,
      {
        ...service,
        version: version.version,
        codeHash,
        versions: [...service.versions, version],
        updatedAt: ctx.tx.height,
      },
      service.pcns,
    );
    ctx.emit(CONTRACT_UPGRADED, { name, chain: service.chain, ...version });
    return version;
  },
);

/** `addParticipant(name, org, roles?)`: another admitted organisation joins the service (all roles by default). */
export const addParticipant = defineMethod(
  'addParticipant',
  [param('name', ServiceName), param('org', OrgId), optionalParam('roles', ParticipantRoles)],
  (ctx, name, org, roles) => {
    const service = requireService(ctx.state, name);
    requireOwnerAdmin(ctx, service, 'addParticipant');
    if (Object.hasOwn(service.participants, org)) {
      throw new ContractError(
        SystemErrorCode.ALREADY_EXISTS,
        `organisation "${org}" already takes part in "${name}"`,
        {
          details: { kind: 'participant', service: name, id: org },
        },
      );
    }
    requireActiveOrganisation(ctx.state, org);
    if (roles) checkParticipantRoles(service, roles, 'addParticipant');
    const participant = { roles: roles ? [...roles].sort() : null, joinedAt: ctx.tx.height };
    writeService(
      ctx.state,
      { ...service, participants: { ...service.participants, [org]: participant }, updatedAt: ctx.tx.height },
      service.pcns,
    );
    ctx.emit(PARTICIPANT_ADDED, { name, org, roles: participant.roles });
    return { name, org, ...participant };
  },
);

/** `removeParticipant(name, org)`: the organisation's users lose access (the owner cannot leave). */
export const removeParticipant = defineMethod(
  'removeParticipant',
  [param('name', ServiceName), param('org', OrgId)],
  (ctx, name, org) => {
    const service = requireService(ctx.state, name);
    requireOwnerAdmin(ctx, service, 'removeParticipant');
    if (!Object.hasOwn(service.participants, org)) {
      throw new ContractError(
        SystemErrorCode.NOT_FOUND,
        `organisation "${org}" does not take part in "${name}"`,
        {
          details: { kind: 'participant', service: name, id: org },
        },
      );
    }
    if (org === service.owner) {
      throw new ContractError(
        SystemErrorCode.CONFLICT,
        `the owner "${org}" cannot leave its own service "${name}"`,
        {
          details: { service: name, org },
        },
      );
    }
    const participants = { ...service.participants };
    delete participants[org];
    writeService(ctx.state, { ...service, participants, updatedAt: ctx.tx.height }, service.pcns);
    ctx.emit(PARTICIPANT_REMOVED, { name, org });
    return { name, org };
  },
);

/** `setRoles(name, roles)`: replaces the service's role → methods policy. */
export const setRoles = defineMethod(
  'setRoles',
  [param('name', ServiceName), param('roles', RolesInput)],
  (ctx, name, roles) => {
    const service = requireService(ctx.state, name);
    requireOwnerAdmin(ctx, service, 'setRoles');
    writeService(ctx.state, { ...service, roles, updatedAt: ctx.tx.height }, service.pcns);
    ctx.emit(ROLES_CHANGED, { name, roles });
    return { name, roles };
  },
);
