/** The check of the orderer's count, size and interval options. */
import { BsnError } from '@bsn/core';

/**
 * Throws BSN_INVALID_ARGUMENT naming `owner`'s option `name` unless `value` is a safe integer ≥ 1.
 * NaN is refused too: it passes every `<` and `<=` check unnoticed, and `setInterval(fn, NaN)`
 * fires every millisecond.
 */
export function positiveInt(owner: string, name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new BsnError('BSN_INVALID_ARGUMENT', `${owner} option ${name} must be a positive integer`, {
      details: { option: name, value },
    });
  }
}
