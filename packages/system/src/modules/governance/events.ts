/** Events of the governance module. */

/** A proposal was created: `{proposalId, type, proposer, expiresAt}`. */
export const PROPOSAL_CREATED = 'ProposalCreated';
/** An admin approved: `{proposalId, approver, approvals, threshold}`. */
export const PROPOSAL_APPROVED = 'ProposalApproved';
/** The proposal reached its threshold and its action ran: `{proposalId, type}`. */
export const PROPOSAL_EXECUTED = 'ProposalExecuted';
/** The admin set or threshold changed: `{admins, threshold}`. */
export const ADMINS_CHANGED = 'AdminsChanged';
/** The network policy changed: `{policy}`. */
export const POLICY_CHANGED = 'PolicyChanged';
