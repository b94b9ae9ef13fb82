/**
 * Checks for contract arguments. Arguments arrive as JSON, chosen by whoever signed the
 * transaction: check each one before use. Each check throws a ContractError with code
 * `INVALID_ARGUMENT` naming the argument.
 */

import type { JsonObject } from './context.js';
import { ContractError } from './contract-error.js';

function invalid(name: string, expected: string, value: unknown): never {
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  throw new ContractError('INVALID_ARGUMENT', `${name} must be ${expected}, got ${got}`);
}

/** Length bounds of {@link requireString}. */
export interface StringBounds {
  readonly minLength?: number;
  readonly maxLength?: number;
}

/** Returns `value` if it is a string within the bounds (default: non-empty, at most 1024 characters). */
export function requireString(value: unknown, name: string, bounds: StringBounds = {}): string {
  const min = bounds.minLength ?? 1;
  const max = bounds.maxLength ?? 1024;
  if (typeof value !== 'string') invalid(name, 'a string', value);
  if (value.length < min || value.length > max) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `${name} must be ${min} to ${max} characters long, got ${value.length}`,
    );
  }
  return value;
}

/** Range bounds of {@link requireInteger}. */
export interface IntegerBounds {
  readonly min?: number;
  readonly max?: number;
}

/** Returns `value` if it is a safe integer within the bounds (inclusive). Money belongs in integers of minor units. */
export function requireInteger(value: unknown, name: string, bounds: IntegerBounds = {}): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) invalid(name, 'a safe integer', value);
  if (bounds.min !== undefined && value < bounds.min) {
    throw new ContractError('INVALID_ARGUMENT', `${name} must be at least ${bounds.min}, got ${value}`);
  }
  if (bounds.max !== undefined && value > bounds.max) {
    throw new ContractError('INVALID_ARGUMENT', `${name} must be at most ${bounds.max}, got ${value}`);
  }
  return value;
}

/** Returns `value` if it is a boolean. */
export function requireBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') invalid(name, 'a boolean', value);
  return value;
}

/** Returns `value` if it is a plain JSON object (not null, not an array). */
export function requireObject(value: unknown, name: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid(name, 'an object', value);
  return value as JsonObject;
}
