/**
 * Governance module state: who the network admins are, how many must approve, the network's
 * policy, and the open proposals.
 *
 * | key               | value                     |
 * |-------------------|---------------------------|
 * | `governance`      | {@link GovernanceRecord}  |
 * | `proposal/<id>`   | {@link ProposalRecord}    |
 */
import type { JsonValue } from '@bsn/core';
import { type ContractContext, ContractError } from '@bsn/ledger';
import { SystemErrorCode } from '../../errors.js';
import { readRecord, type State, writeRecord } from '../../state-access.js';

/** Whether a new service needs the network operator's approval before its chain starts. */
export type ServiceApprovalPolicy = 'none' | 'operator';

/** The network's policy knobs that governance may change. */
export type NetworkPolicy = {
  serviceApproval: ServiceApprovalPolicy;
  /** Blocks after which an unexecuted proposal can no longer be approved. */
  proposalTtlBlocks: number;
};

/** Admins (certificate fingerprints), the approval threshold and the policy. */
export type GovernanceRecord = {
  admins: string[];
  threshold: number;
  policy: NetworkPolicy;
};

/** A governance proposal and its approvals. */
export type ProposalRecord = {
  id: string;
  action: { type: string } & { [field: string]: JsonValue };
  proposer: string;
  /** Fingerprints of the admins who approved, the proposer first. */
  approvals: string[];
  createdAt: number;
  /** Last height at which the proposal can still be approved. */
  expiresAt: number;
  status: 'pending' | 'executed';
  executedAt: number | null;
  result: JsonValue;
};

/** The state key of the governance record. */
export const GOVERNANCE_KEY = 'governance';
/** The key prefix of proposals. */
export const PROPOSAL_PREFIX = 'proposal/';

/** Default number of blocks a proposal stays open. */
export const DEFAULT_PROPOSAL_TTL_BLOCKS = 10_000;

/** The governance record; fails with BSN_SYSTEM_NOT_INITIALISED before `init`. */
export function requireGovernance(state: State): GovernanceRecord {
  const record = readRecord<GovernanceRecord>(state, GOVERNANCE_KEY);
  if (!record) {
    throw new ContractError(
      SystemErrorCode.NOT_INITIALISED,
      'the system chain is not initialised: run init first',
    );
  }
  return record;
}

/** Stores the governance record (admins kept sorted so the encoding does not depend on history). */
export function writeGovernance(state: State, record: GovernanceRecord): void {
  writeRecord(state, GOVERNANCE_KEY, { ...record, admins: [...record.admins].sort() });
}

/** Fails with BSN_SYSTEM_NOT_ADMIN unless the caller's certificate is a network admin's. */
export function requireNetworkAdmin(ctx: ContractContext): GovernanceRecord {
  const governance = requireGovernance(ctx.state);
  if (!governance.admins.includes(ctx.caller.certFingerprint)) {
    throw new ContractError(SystemErrorCode.NOT_ADMIN, 'only a network admin may do this', {
      details: { caller: ctx.caller.id, certFingerprint: ctx.caller.certFingerprint },
    });
  }
  return governance;
}

/** The state key of a proposal. */
export function proposalKey(id: string): string {
  return `${PROPOSAL_PREFIX}${id}`;
}

/** A proposal, or null. */
export function readProposal(state: State, id: string): ProposalRecord | null {
  return readRecord<ProposalRecord>(state, proposalKey(id));
}

/** Stores a proposal. */
export function writeProposal(state: State, record: ProposalRecord): void {
  writeRecord(state, proposalKey(record.id), record);
}
