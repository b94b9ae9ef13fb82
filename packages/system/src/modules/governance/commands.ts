/**
 * Governance commands: a network admin proposes an action, other admins approve it, and the
 * action executes in the transaction where the count of distinct current admins reaches the
 * threshold (with threshold 1 that is the `propose` itself).
 */
import type { JsonValue } from '@bsn/core';
import { type ContractContext, ContractError } from '@bsn/ledger';
import { Type } from '@sinclair/typebox';
import { SystemErrorCode } from '../../errors.js';
import { checkValue, defineMethod, invalidArgument, param } from '../../method-args.js';
import type { ActionDefinition } from './action.js';
import { ACTION_TYPES, ACTIONS } from './action-registry.js';
import { PROPOSAL_APPROVED, PROPOSAL_CREATED, PROPOSAL_EXECUTED } from './events.js';
import {
  type GovernanceRecord,
  type ProposalRecord,
  readProposal,
  requireGovernance,
  requireNetworkAdmin,
  writeProposal,
} from './state.js';

/** What `propose` and `approve` return. */
export type ProposalOutcome = {
  proposalId: string;
  status: 'pending' | 'executed';
  approvals: number;
  threshold: number;
  result: JsonValue;
};

/** A proposal's action: an object whose `type` selects its schema. */
const ActionEnvelope = Type.Object({ type: Type.String() });

function parseAction(value: { type: string }): {
  definition: ActionDefinition;
  action: ProposalRecord['action'];
} {
  const definition = ACTIONS.get(value.type);
  if (!definition) invalidArgument('action.type', `expected one of ${ACTION_TYPES.join(', ')}`, 'propose');
  checkValue(definition.schema, value, 'action', 'propose');
  return { definition, action: value as ProposalRecord['action'] };
}

/** Approvals that count: those of admins who are admins now (a removed or revoked admin no longer counts). */
function countApprovals(proposal: ProposalRecord, governance: GovernanceRecord): number {
  return proposal.approvals.filter((fp) => governance.admins.includes(fp)).length;
}

function settle(
  ctx: ContractContext,
  proposal: ProposalRecord,
  governance: GovernanceRecord,
): ProposalOutcome {
  const approvals = countApprovals(proposal, governance);
  let settled = proposal;
  if (approvals >= governance.threshold) {
    const definition = ACTIONS.get(proposal.action.type)!;
    // State may have changed since the proposal: check again before acting.
    definition.check(ctx, proposal.action);
    const result = definition.apply(ctx, proposal.action, { proposalId: proposal.id });
    settled = { ...proposal, status: 'executed', executedAt: ctx.tx.height, result };
    ctx.emit(PROPOSAL_EXECUTED, { proposalId: proposal.id, type: proposal.action.type });
  }
  writeProposal(ctx.state, settled);
  return {
    proposalId: settled.id,
    status: settled.status,
    approvals,
    threshold: governance.threshold,
    result: settled.result,
  };
}

/** `propose(action)` → {@link ProposalOutcome}; the proposal id is the proposing transaction's id. */
export const propose = defineMethod('propose', [param('action', ActionEnvelope)], (ctx, value) => {
  const governance = requireNetworkAdmin(ctx);
  const { definition, action } = parseAction(value);
  definition.check(ctx, action);
  const id = ctx.tx.id;
  if (readProposal(ctx.state, id)) {
    throw new ContractError(SystemErrorCode.ALREADY_EXISTS, `transaction ${id} already made a proposal`, {
      details: { kind: 'proposal', id },
    });
  }
  const proposal: ProposalRecord = {
    id,
    action,
    proposer: ctx.caller.certFingerprint,
    approvals: [ctx.caller.certFingerprint],
    createdAt: ctx.tx.height,
    expiresAt: ctx.tx.height + governance.policy.proposalTtlBlocks,
    status: 'pending',
    executedAt: null,
    result: null,
  };
  ctx.emit(PROPOSAL_CREATED, {
    proposalId: id,
    type: action.type,
    proposer: proposal.proposer,
    expiresAt: proposal.expiresAt,
  });
  return settle(ctx, proposal, governance);
});

/** `approve(proposalId)` → {@link ProposalOutcome}; each admin counts once. */
export const approve = defineMethod(
  'approve',
  [param('proposalId', Type.String({ pattern: '^[0-9a-f]{64}$' }))],
  (ctx, id) => {
    const governance = requireNetworkAdmin(ctx);
    const proposal = readProposal(ctx.state, id);
    if (!proposal) {
      throw new ContractError(SystemErrorCode.NOT_FOUND, `proposal ${id} does not exist`, {
        details: { kind: 'proposal', id },
      });
    }
    if (proposal.status !== 'pending') {
      throw new ContractError(SystemErrorCode.PROPOSAL_CLOSED, `proposal ${id} was already executed`, {
        details: { proposalId: id, executedAt: proposal.executedAt },
      });
    }
    if (ctx.tx.height > proposal.expiresAt) {
      throw new ContractError(
        SystemErrorCode.PROPOSAL_EXPIRED,
        `proposal ${id} expired at height ${proposal.expiresAt}`,
        {
          details: { proposalId: id, expiresAt: proposal.expiresAt, height: ctx.tx.height },
        },
      );
    }
    const approver = ctx.caller.certFingerprint;
    if (proposal.approvals.includes(approver)) {
      throw new ContractError(
        SystemErrorCode.ALREADY_APPROVED,
        `admin ${approver} already approved proposal ${id}`,
        {
          details: { proposalId: id, approver },
        },
      );
    }
    const updated = { ...proposal, approvals: [...proposal.approvals, approver] };
    ctx.emit(PROPOSAL_APPROVED, {
      proposalId: id,
      approver,
      approvals: countApprovals(updated, governance),
      threshold: governance.threshold,
    });
    return settle(ctx, updated, requireGovernance(ctx.state));
  },
);
