import { invalidParameter } from './errors.js';

/** Throws BSN_SDK_INVALID_PARAMETER naming `field` unless `height` is a block height (a safe whole number ≥ 0). */
export function assertHeight(field: string, height: unknown): asserts height is number {
  if (typeof height !== 'number' || !Number.isSafeInteger(height) || height < 0)
    throw invalidParameter(field, 'must be a whole number ≥ 0');
}
