/** The error a contract throws to fail its transaction with a code of its own. */

/** Codes a contract may use: upper case, digits and `_`, 3 to 64 characters, not starting with `BSN_`. */
export const CONTRACT_ERROR_CODE = /^[A-Z][A-Z0-9_]{2,63}$/;

/**
 * Thrown by a contract to fail the transaction: the receipt carries `code` and `message`, and the
 * transaction's writes and events are discarded. A code that does not match
 * {@link CONTRACT_ERROR_CODE} or starts with `BSN_` (reserved for the platform) turns into
 * `BSN_CONTRACT_THREW`.
 */
export class ContractError extends Error {
  override readonly name = 'ContractError';
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}
