/** Read-only queries of the membership module. */
import { ContractError } from '@bsn/ledger';
import { SystemErrorCode } from '../../errors.js';
import { NodeId, OrgId } from '../../identifiers.js';
import { defineMethod, optionalParam, param } from '../../method-args.js';
import { readPrefix } from '../../state-access.js';
import {
  ORG_PREFIX,
  type OrganisationRecord,
  PORTAL_PREFIX,
  type PortalRecord,
  readOrganisation,
  readPcn,
  readPcns,
} from './state.js';

function notFound(kind: string, id: string): ContractError {
  return new ContractError(SystemErrorCode.NOT_FOUND, `${kind} "${id}" does not exist`, {
    details: { kind, id },
  });
}

/** `getPcns(after?)` → every PCN (removed ones too, with their status) in id order. */
export const getPcns = defineMethod('getPcns', [optionalParam('after', NodeId)], (ctx, after) =>
  readPcns(ctx.state, after),
);

/** `getPcn(id)` → the PCN. */
export const getPcn = defineMethod('getPcn', [param('id', NodeId)], (ctx, id) => {
  const pcn = readPcn(ctx.state, id);
  if (!pcn) throw notFound('PCN', id);
  return pcn;
});

/** `getOrganisation(id)` → the organisation with its CA certificate. */
export const getOrganisation = defineMethod('getOrganisation', [param('id', OrgId)], (ctx, id) => {
  const org = readOrganisation(ctx.state, id);
  if (!org) throw notFound('organisation', id);
  return org;
});

/** `listOrganisations(after?)` → organisations in id order. */
export const listOrganisations = defineMethod(
  'listOrganisations',
  [optionalParam('after', OrgId)],
  (ctx, after) => readPrefix<OrganisationRecord>(ctx.state, ORG_PREFIX, after),
);

/** `getPortals(after?)` → portals in id order. */
export const getPortals = defineMethod('getPortals', [optionalParam('after', NodeId)], (ctx, after) =>
  readPrefix<PortalRecord>(ctx.state, PORTAL_PREFIX, after),
);
