/** Every governance action the system contract knows, by type. */
import { membershipActions } from '../membership/actions.js';
import { revocationActions } from '../revocation/actions.js';
import { serviceActions } from '../services/actions.js';
import type { ActionDefinition } from './action.js';
import { governanceActions } from './actions.js';

/** Action definitions by their `type`. */
export const ACTIONS: ReadonlyMap<string, ActionDefinition> = new Map(
  [...governanceActions, ...membershipActions, ...revocationActions, ...serviceActions].map((a) => [
    a.type,
    a,
  ]),
);

/** The `type`s a proposal's action may have. */
export const ACTION_TYPES: readonly string[] = [...ACTIONS.keys()].sort();
