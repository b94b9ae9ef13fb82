/** The governance action of the service registry: the operator approves a pending service. */
import { ContractError } from '@bsn/ledger';
import { Type } from '@sinclair/typebox';
import { SystemErrorCode } from '../../errors.js';
import { ServiceName } from '../../identifiers.js';
import { defineAction } from '../governance/action.js';
import { requireActivePcn } from '../membership/state.js';
import { SERVICE_APPROVED } from './events.js';
import { requireService, writeService } from './state.js';

const ApproveService = Type.Object(
  { type: Type.Literal('approveService'), name: ServiceName },
  { additionalProperties: false },
);

/** Service registry actions, by type. */
export const serviceActions = [
  defineAction({
    type: 'approveService',
    schema: ApproveService,
    check: (ctx, a) => {
      const service = requireService(ctx.state, a.name);
      if (service.status !== 'pending-approval') {
        throw new ContractError(
          SystemErrorCode.CONFLICT,
          `service "${a.name}" is ${service.status}, not pending approval`,
          {
            details: { service: a.name, status: service.status },
          },
        );
      }
      // A PCN may have been removed since the service was created.
      for (const pcn of service.pcns) requireActivePcn(ctx.state, pcn);
    },
    apply: (ctx, a) => {
      const service = requireService(ctx.state, a.name);
      writeService(
        ctx.state,
        { ...service, status: 'active', approvedAt: ctx.tx.height, updatedAt: ctx.tx.height },
        service.pcns,
      );
      ctx.emit(SERVICE_APPROVED, { name: a.name, chain: service.chain, pcns: service.pcns });
      return { name: a.name, status: 'active' };
    },
  }),
];
