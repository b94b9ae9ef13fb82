/** Governance actions that change governance itself: admins, threshold and network policy. */
import { ContractError } from '@bsn/ledger';
import { Type } from '@sinclair/typebox';
import { SystemErrorCode } from '../../errors.js';
import { Fingerprint } from '../../identifiers.js';
import { readRevocation } from '../revocation/state.js';
import { defineAction } from './action.js';
import { ADMINS_CHANGED, POLICY_CHANGED } from './events.js';
import { requireGovernance, writeGovernance } from './state.js';

/** The policy schema (all fields; `setPolicy` takes any subset). */
export const PolicyFields = {
  serviceApproval: Type.Union([Type.Literal('none'), Type.Literal('operator')]),
  proposalTtlBlocks: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
};

const SetThreshold = Type.Object(
  { type: Type.Literal('setThreshold'), threshold: Type.Integer({ minimum: 1, maximum: 100 }) },
  { additionalProperties: false },
);
const AddAdmin = Type.Object(
  { type: Type.Literal('addAdmin'), fingerprint: Fingerprint },
  { additionalProperties: false },
);
const RemoveAdmin = Type.Object(
  { type: Type.Literal('removeAdmin'), fingerprint: Fingerprint },
  { additionalProperties: false },
);
const SetPolicy = Type.Object(
  {
    type: Type.Literal('setPolicy'),
    policy: Type.Object(
      {
        serviceApproval: Type.Optional(PolicyFields.serviceApproval),
        proposalTtlBlocks: Type.Optional(PolicyFields.proposalTtlBlocks),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
  },
  { additionalProperties: false },
);

function thresholdConflict(admins: number, threshold: number): ContractError {
  return new ContractError(
    SystemErrorCode.CONFLICT,
    `a threshold of ${threshold} needs at least ${threshold} admin(s), there would be ${admins}`,
    { details: { admins, threshold } },
  );
}

/** Governance's own actions, by type. */
export const governanceActions = [
  defineAction({
    type: 'setThreshold',
    schema: SetThreshold,
    check: (ctx, a) => {
      const g = requireGovernance(ctx.state);
      if (a.threshold > g.admins.length) throw thresholdConflict(g.admins.length, a.threshold);
    },
    apply: (ctx, a) => {
      const g = requireGovernance(ctx.state);
      writeGovernance(ctx.state, { ...g, threshold: a.threshold });
      ctx.emit(ADMINS_CHANGED, { admins: g.admins, threshold: a.threshold });
      return { threshold: a.threshold };
    },
  }),
  defineAction({
    type: 'addAdmin',
    schema: AddAdmin,
    check: (ctx, a) => {
      const g = requireGovernance(ctx.state);
      if (g.admins.includes(a.fingerprint)) {
        throw new ContractError(SystemErrorCode.ALREADY_EXISTS, `${a.fingerprint} is already an admin`, {
          details: { fingerprint: a.fingerprint },
        });
      }
      if (readRevocation(ctx.state, a.fingerprint)) {
        throw new ContractError(SystemErrorCode.CONFLICT, `certificate ${a.fingerprint} is revoked`, {
          details: { fingerprint: a.fingerprint },
        });
      }
    },
    apply: (ctx, a) => {
      const g = requireGovernance(ctx.state);
      const admins = [...g.admins, a.fingerprint].sort();
      writeGovernance(ctx.state, { ...g, admins });
      ctx.emit(ADMINS_CHANGED, { admins, threshold: g.threshold });
      return { admins };
    },
  }),
  defineAction({
    type: 'removeAdmin',
    schema: RemoveAdmin,
    check: (ctx, a) => {
      const g = requireGovernance(ctx.state);
      if (!g.admins.includes(a.fingerprint)) {
        throw new ContractError(SystemErrorCode.NOT_FOUND, `${a.fingerprint} is not an admin`, {
          details: { kind: 'admin', id: a.fingerprint },
        });
      }
      if (g.admins.length - 1 < g.threshold) throw thresholdConflict(g.admins.length - 1, g.threshold);
    },
    apply: (ctx, a) => {
      const g = requireGovernance(ctx.state);
      const admins = g.admins.filter((f) => f !== a.fingerprint);
      writeGovernance(ctx.state, { ...g, admins });
      ctx.emit(ADMINS_CHANGED, { admins, threshold: g.threshold });
      return { admins };
    },
  }),
  defineAction({
    type: 'setPolicy',
    schema: SetPolicy,
    check: (ctx) => {
      requireGovernance(ctx.state);
    },
    apply: (ctx, a) => {
      const g = requireGovernance(ctx.state);
      const policy = {
        serviceApproval: a.policy.serviceApproval ?? g.policy.serviceApproval,
        proposalTtlBlocks: a.policy.proposalTtlBlocks ?? g.policy.proposalTtlBlocks,
      };
      writeGovernance(ctx.state, { ...g, policy });
      ctx.emit(POLICY_CHANGED, { policy });
      return { policy };
    },
  }),
];
