/** Read-only queries of the governance module. */
import { ContractError } from '@bsn/ledger';
import { Type } from '@sinclair/typebox';
import { SystemErrorCode } from '../../errors.js';
import { defineMethod, optionalParam, param } from '../../method-args.js';
import { readPrefix } from '../../state-access.js';
import { PROPOSAL_PREFIX, type ProposalRecord, readProposal, requireGovernance } from './state.js';

const ProposalId = Type.String({ pattern: '^[0-9a-f]{64}$' });

/** A proposal as queries show it: `expired` when still pending past its expiry height. */
export type ProposalView = Omit<ProposalRecord, 'status'> & { status: ProposalRecord['status'] | 'expired' };

function view(p: ProposalRecord, height: number): ProposalView {
  return { ...p, status: p.status === 'pending' && height > p.expiresAt ? 'expired' : p.status };
}

/** `getGovernance()` → `{admins, threshold, policy}`. */
export const getGovernance = defineMethod('getGovernance', [], (ctx) => requireGovernance(ctx.state));

/** `getProposal(id)` → the proposal with its effective status. */
export const getProposal = defineMethod('getProposal', [param('proposalId', ProposalId)], (ctx, id) => {
  const p = readProposal(ctx.state, id);
  if (!p) {
    throw new ContractError(SystemErrorCode.NOT_FOUND, `proposal ${id} does not exist`, {
      details: { kind: 'proposal', id },
    });
  }
  return view(p, ctx.tx.height);
});

/** `listProposals(after?)` → up to 1000 proposals in id order after `after`. */
export const listProposals = defineMethod(
  'listProposals',
  [optionalParam('after', ProposalId)],
  (ctx, after) =>
    readPrefix<ProposalRecord>(ctx.state, PROPOSAL_PREFIX, after).map((p) => view(p, ctx.tx.height)),
);
