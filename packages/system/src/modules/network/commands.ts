/** The network module's one command: `init`, the system chain's genesis transaction. */
import { ContractError } from '@bsn/ledger';
import { assertIssuedBy, assertValidAt, inspectCertificate } from '../../certificate-pem.js';
import { SystemErrorCode } from '../../errors.js';
import { defineMethod, invalidArgument, param } from '../../method-args.js';
import { DEFAULT_PROPOSAL_TTL_BLOCKS, writeGovernance } from '../governance/state.js';
import {
  applyAdmitOrganisation,
  applyAdmitPcn,
  applyAdmitPortal,
  checkAdmitOrganisation,
  checkAdmitPcn,
  checkAdmitPortal,
} from '../membership/actions.js';
import { NETWORK_INITIALISED } from './events.js';
import { SystemGenesisConfigSchema } from './genesis.js';
import { readNetwork, writeNetwork } from './state.js';

/**
 * `init(config)`: callable once, at height 1, signed by one of `config.admins`. Records the
 * network, its governance and the genesis members.
 */
export const init = defineMethod('init', [param('config', SystemGenesisConfigSchema)], (ctx, config) => {
  if (readNetwork(ctx.state)) {
    throw new ContractError(SystemErrorCode.ALREADY_INITIALISED, 'the system chain is already initialised');
  }
  if (ctx.tx.height !== 1) {
    throw new ContractError(
      SystemErrorCode.INIT_NOT_GENESIS,
      `init runs only at height 1, not ${ctx.tx.height}`,
      {
        details: { height: ctx.tx.height },
      },
    );
  }
  if (!config.admins.includes(ctx.caller.certFingerprint)) {
    throw new ContractError(SystemErrorCode.NOT_ADMIN, 'init must be signed by one of the genesis admins', {
      details: { certFingerprint: ctx.caller.certFingerprint },
    });
  }
  if (config.threshold > config.admins.length) {
    invalidArgument(
      'config.threshold',
      `${config.threshold} exceeds the ${config.admins.length} admin(s)`,
      'init',
    );
  }
  const root = assertValidAt(config.rootCertPem, 'config.rootCertPem', ctx.tx.time);
  if (!root.isCa) invalidArgument('config.rootCertPem', 'not a CA certificate', 'init');
  assertIssuedBy(config.rootCertPem, 'config.rootCertPem', config.rootCertPem, 'not self-signed');
  const orderer = inspectCertificate(config.orderer.certPem, 'config.orderer.certPem');

  writeNetwork(ctx.state, {
    networkId: config.networkId,
    rootCertPem: config.rootCertPem,
    rootFingerprint: root.fingerprint,
    orderer: { ...config.orderer, fingerprint: orderer.fingerprint },
    initialisedAt: ctx.tx.height,
    initialisedTime: ctx.tx.time,
  });
  writeGovernance(ctx.state, {
    admins: config.admins,
    threshold: config.threshold,
    policy: {
      serviceApproval: config.policy.serviceApproval,
      proposalTtlBlocks: config.policy.proposalTtlBlocks ?? DEFAULT_PROPOSAL_TTL_BLOCKS,
    },
  });
  ctx.emit(NETWORK_INITIALISED, {
    networkId: config.networkId,
    rootFingerprint: root.fingerprint,
    admins: [...config.admins].sort(),
    threshold: config.threshold,
  });
  // Same checks as the governance actions, so genesis cannot admit what governance would refuse.
  config.pcns.forEach((pcn, i) => {
    checkAdmitPcn(ctx, pcn, `config.pcns.${i}`);
    applyAdmitPcn(ctx, pcn, `config.pcns.${i}`);
  });
  (config.organisations ?? []).forEach((org, i) => {
    checkAdmitOrganisation(ctx, org, `config.organisations.${i}`);
    applyAdmitOrganisation(ctx, org, `config.organisations.${i}`);
  });
  (config.portals ?? []).forEach((portal, i) => {
    checkAdmitPortal(ctx, portal, `config.portals.${i}`);
    applyAdmitPortal(ctx, portal, `config.portals.${i}`);
  });
  return { networkId: config.networkId, rootFingerprint: root.fingerprint };
});
