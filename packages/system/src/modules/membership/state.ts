/**
 * Membership module state: city nodes (PCNs), organisations with their second-level CA
 * certificates, and portals.
 *
 * | key            | value                        |
 * |----------------|------------------------------|
 * | `pcn/<id>`     | {@link PcnRecord}            |
 * | `org/<id>`     | {@link OrganisationRecord}   |
 * | `portal/<id>`  | {@link PortalRecord}         |
 */
import { type ContractContext, ContractError } from '@bsn/ledger';
import { SystemErrorCode } from '../../errors.js';
import { readPrefix, readRecord, type State, writeRecord } from '../../state-access.js';

/** Whether a member takes part in the network. Removed members stay listed for history. */
export type MemberStatus = 'active' | 'removed';

/** A city node (PCN). */
export type PcnRecord = {
  id: string;
  certPem: string;
  /** Fingerprint of the node certificate: how votes and peers are matched to the PCN. */
  fingerprint: string;
  /** Base URL of the PCN's gateway HTTP API. */
  gateway: string;
  /** Endpoint other PCNs connect to (mutual TLS). */
  p2p: string;
  status: MemberStatus;
  admittedAt: number;
  updatedAt: number;
};

/** A tenant (or operator) organisation and the CA that issues its users' certificates. */
export type OrganisationRecord = {
  /** Equal to the `O` attribute of every certificate the organisation's CA issues. */
  id: string;
  name: string;
  caCertPem: string;
  caFingerprint: string;
  status: MemberStatus;
  admittedAt: number;
  updatedAt: number;
};

/** A developer portal. */
export type PortalRecord = {
  id: string;
  /** The organisation operating the portal. */
  org: string;
  url: string;
  certPem: string;
  fingerprint: string;
  status: MemberStatus;
  admittedAt: number;
  updatedAt: number;
};

/** Key prefixes of the membership module. */
export const PCN_PREFIX = 'pcn/';
export const ORG_PREFIX = 'org/';
export const PORTAL_PREFIX = 'portal/';

/** A PCN, or null. */
export function readPcn(state: State, id: string): PcnRecord | null {
  return readRecord<PcnRecord>(state, PCN_PREFIX + id);
}
/** Stores a PCN. */
export function writePcn(state: State, record: PcnRecord): void {
  writeRecord(state, PCN_PREFIX + record.id, record);
}
/** All PCNs in id order (at most 1000: a network of more city nodes needs paging). */
export function readPcns(state: State, after?: string): PcnRecord[] {
  return readPrefix<PcnRecord>(state, PCN_PREFIX, after);
}

/** An organisation, or null. */
export function readOrganisation(state: State, id: string): OrganisationRecord | null {
  return readRecord<OrganisationRecord>(state, ORG_PREFIX + id);
}
/** Stores an organisation. */
export function writeOrganisation(state: State, record: OrganisationRecord): void {
  writeRecord(state, ORG_PREFIX + record.id, record);
}

/** A portal, or null. */
export function readPortal(state: State, id: string): PortalRecord | null {
  return readRecord<PortalRecord>(state, PORTAL_PREFIX + id);
}
/** Stores a portal. */
export function writePortal(state: State, record: PortalRecord): void {
  writeRecord(state, PORTAL_PREFIX + record.id, record);
}

function notFound(kind: string, id: string): ContractError {
  return new ContractError(SystemErrorCode.NOT_FOUND, `${kind} "${id}" does not exist`, {
    details: { kind, id },
  });
}

function notActive(kind: string, id: string): ContractError {
  return new ContractError(SystemErrorCode.CONFLICT, `${kind} "${id}" was removed from the network`, {
    details: { kind, id },
  });
}

/** The PCN, which must exist and be active. */
export function requireActivePcn(state: State, id: string): PcnRecord {
  const pcn = readPcn(state, id);
  if (!pcn) throw notFound('PCN', id);
  if (pcn.status !== 'active') throw notActive('PCN', id);
  return pcn;
}

/** The organisation, which must exist and be active. */
export function requireActiveOrganisation(state: State, id: string): OrganisationRecord {
  const org = readOrganisation(state, id);
  if (!org) throw notFound('organisation', id);
  if (org.status !== 'active') throw notActive('organisation', id);
  return org;
}

/** The role (certificate OU) of an organisation's administrators. */
export const ORG_ADMIN_ROLE = 'admin';

/**
 * Fails with BSN_SYSTEM_FORBIDDEN unless the caller is an admin (role {@link ORG_ADMIN_ROLE}) of
 * an admitted, active organisation; returns that organisation.
 */
export function requireOrgAdmin(ctx: ContractContext, action: string): OrganisationRecord {
  const { org, role } = ctx.caller;
  const record = readOrganisation(ctx.state, org);
  if (role !== ORG_ADMIN_ROLE || !record || record.status !== 'active') {
    throw new ContractError(
      SystemErrorCode.FORBIDDEN,
      `${action} needs an admin of an admitted organisation; caller is role "${role}" of "${org}"`,
      { details: { org, role, admitted: record?.status === 'active' } },
    );
  }
  return record;
}
