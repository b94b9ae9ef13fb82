/**
 * `@bsn/contract`: what a BSN js contract is written against — the `ctx` types, ContractError and
 * small pure helpers. It has no dependencies and no Node built-ins, so it bundles into contracts.
 */
export {
  type IntegerBounds,
  requireBoolean,
  requireInteger,
  requireObject,
  requireString,
  type StringBounds,
} from './arguments.js';
export {
  COMPOSITE_KEY_SEPARATOR,
  compositeKey,
  compositeKeyRange,
  splitCompositeKey,
} from './composite-key.js';
export type {
  Caller,
  Context,
  Contract,
  ContractMethod,
  JsonObject,
  JsonValue,
  State,
  StateEntry,
  TxInfo,
} from './context.js';
export { CONTRACT_ERROR_CODE, ContractError } from './contract-error.js';
