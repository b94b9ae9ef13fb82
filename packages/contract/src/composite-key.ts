/**
 * Composite keys, as in Hyperledger Fabric: an object type and attributes joined so that all keys
 * of one type (or one type and leading attributes) form one contiguous range for ctx.state.range.
 */
import { ContractError } from './contract-error.js';

/** Separator of composite key parts; parts may not contain it, so two different part lists never give one key. */
export const COMPOSITE_KEY_SEPARATOR = '\u0001';

function checkPart(part: string, index: number): string {
  if (typeof part !== 'string')
    throw new ContractError('INVALID_ARGUMENT', `composite key part ${index} must be a string`);
  if (part.includes(COMPOSITE_KEY_SEPARATOR)) {
    throw new ContractError('INVALID_ARGUMENT', `composite key part ${index} must not contain U+0001`);
  }
  return part;
}

/** `objectType` and `attributes` as one key: `\x01type\x01attr1\x01attr2\x01` (U+0001 separates parts: the ledger refuses NUL in keys). */
export function compositeKey(objectType: string, ...attributes: string[]): string {
  if (typeof objectType !== 'string' || objectType.length === 0) {
    throw new ContractError('INVALID_ARGUMENT', 'composite key object type must be a non-empty string');
  }
  const parts = [objectType, ...attributes].map(checkPart);
  return COMPOSITE_KEY_SEPARATOR + parts.join(COMPOSITE_KEY_SEPARATOR) + COMPOSITE_KEY_SEPARATOR;
}

/** The object type and attributes of a key made by {@link compositeKey}. */
export function splitCompositeKey(key: string): { objectType: string; attributes: string[] } {
  if (!key.startsWith(COMPOSITE_KEY_SEPARATOR) || !key.endsWith(COMPOSITE_KEY_SEPARATOR) || key.length < 3) {
    throw new ContractError('INVALID_ARGUMENT', 'not a composite key');
  }
  const [objectType = '', ...attributes] = key.slice(1, -1).split(COMPOSITE_KEY_SEPARATOR);
  return { objectType, attributes };
}

/**
 * `{start, end}` for `ctx.state.range(start, end)` covering every composite key of `objectType`
 * whose attributes begin with `prefix`.
 */
export function compositeKeyRange(objectType: string, ...prefix: string[]): { start: string; end: string } {
  const start = compositeKey(objectType, ...prefix);
  // Every key with this prefix continues after the final separator (U+0001) with a character of
  // its own, so replacing that separator by U+0002 gives the first key past the range.
  return { start, end: `${start.slice(0, -1)}\u0002` };
}
