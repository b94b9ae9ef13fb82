/** Read-only queries of the network module. */
import { defineMethod } from '../../method-args.js';
import { requireGovernance } from '../governance/state.js';
import { requireNetwork } from './state.js';

/** `getNetwork()` → the genesis record plus current admins, threshold and policy. */
export const getNetwork = defineMethod('getNetwork', [], (ctx) => ({
  ...requireNetwork(ctx.state),
  ...requireGovernance(ctx.state),
}));
