/** The governance action of the revocation module: revoking a certificate by fingerprint. */
import { ContractError } from '@bsn/ledger';
import { Type } from '@sinclair/typebox';
import { SystemErrorCode } from '../../errors.js';
import { Fingerprint, Label } from '../../identifiers.js';
import { defineAction } from '../governance/action.js';
import { ADMINS_CHANGED } from '../governance/events.js';
import { requireGovernance, writeGovernance } from '../governance/state.js';
import { readOrganisation } from '../membership/state.js';
import { CERTIFICATE_REVOKED } from './events.js';
import { readRevocation, writeRevocation } from './state.js';

const RevokeCertificate = Type.Object(
  { type: Type.Literal('revokeCertificate'), fingerprint: Fingerprint, reason: Label },
  { additionalProperties: false },
);

/** Revocation actions, by type. */
export const revocationActions = [
  defineAction({
    type: 'revokeCertificate',
    schema: RevokeCertificate,
    check: (ctx, a) => {
      if (readRevocation(ctx.state, a.fingerprint)) {
        throw new ContractError(
          SystemErrorCode.ALREADY_EXISTS,
          `certificate ${a.fingerprint} is already revoked`,
          {
            details: { fingerprint: a.fingerprint },
          },
        );
      }
      // A revoked CA refuses every certificate below it (the node checks the whole chain), so the
      // CA of the acting admin's own organisation would lock that admin out, and with it, when all
      // admins share that CA, governance for good. Admins are recorded by leaf fingerprint only, so
      // this catches the caller's own CA; docs/system-chain.md says to move admins first.
      const own = readOrganisation(ctx.state, ctx.caller.org);
      if (own !== null && own.caFingerprint === a.fingerprint) {
        throw new ContractError(
          SystemErrorCode.CONFLICT,
          `certificate ${a.fingerprint} is the CA of organisation "${own.id}", which issued your own certificate: revoking it would refuse you and every admin it issued; add admins under another CA first`,
          { details: { fingerprint: a.fingerprint, organisation: own.id } },
        );
      }
      // Revoking an admin's certificate removes that admin; governance must stay able to act.
      const governance = requireGovernance(ctx.state);
      if (governance.admins.includes(a.fingerprint) && governance.admins.length - 1 < governance.threshold) {
        throw new ContractError(
          SystemErrorCode.CONFLICT,
          `revoking admin ${a.fingerprint} would leave ${governance.admins.length - 1} admin(s) for a threshold of ${governance.threshold}: add an admin or lower the threshold first`,
          {
            details: {
              fingerprint: a.fingerprint,
              admins: governance.admins.length,
              threshold: governance.threshold,
            },
          },
        );
      }
    },
    apply: (ctx, a, origin) => {
      writeRevocation(ctx.state, {
        fingerprint: a.fingerprint,
        reason: a.reason,
        height: ctx.tx.height,
        time: ctx.tx.time,
        proposalId: origin.proposalId,
      });
      const governance = requireGovernance(ctx.state);
      if (governance.admins.includes(a.fingerprint)) {
        const admins = governance.admins.filter((f) => f !== a.fingerprint);
        writeGovernance(ctx.state, { ...governance, admins });
        ctx.emit(ADMINS_CHANGED, { admins, threshold: governance.threshold });
      }
      ctx.emit(CERTIFICATE_REVOKED, { fingerprint: a.fingerprint, reason: a.reason, height: ctx.tx.height });
      return { fingerprint: a.fingerprint, height: ctx.tx.height };
    },
  }),
];
