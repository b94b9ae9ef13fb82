/**
 * Freezes `value` and everything reachable through its own enumerable properties, so a parsed
 * record can be shared between callers that must not change it. Returns `value`.
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
