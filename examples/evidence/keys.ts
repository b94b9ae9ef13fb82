/**
 * Where the evidence contract keeps a registration, shared by the contract and by clients that
 * ask a PCN for a state proof of it. Pure and dependency-free, so it bundles into the contract.
 */

/** A document digest: 64 lower-case hex digits (SHA-256 or SM3 of the document, computed by the client). */
export const DIGEST_PATTERN = /^[0-9a-f]{64}$/;

/** The state key of the registration of `digest` (within the contract's own key space). */
export function evidenceKey(digest: string): string {
  return `evidence/${digest}`;
}
