/**
 * Client side of the evidence example: check a PCN's state proof that a digest was registered,
 * with no trust in the PCN. The state root must come from a commit statement you trust (a commit
 * certificate signed by a quorum of the service's PCNs).
 */
import { type JsonValue, type SparseMerkleProof, verifyStateProof } from '@bsn/core';
import type { Registration } from './contract.js';
import { DIGEST_PATTERN, evidenceKey } from './keys.js';

/** What a PCN answers for a state proof (`Chain.state.prove`, or the gateway's query with a proof). */
export interface EvidenceProof {
  readonly value: JsonValue | null;
  readonly proof: SparseMerkleProof;
}

/** The outcome of {@link checkRegistrationProof}. */
export type RegistrationProofCheck =
  | { readonly ok: true; readonly registered: true; readonly registration: Registration }
  | { readonly ok: true; readonly registered: false }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks that `answer` proves, under `stateRoot`, either the registration of `digest` in contract
 * `contract` (membership) or that it is not registered (non-membership). Never throws.
 */
export function checkRegistrationProof(
  stateRoot: string,
  contract: string,
  digest: string,
  answer: EvidenceProof,
): RegistrationProofCheck {
  if (!DIGEST_PATTERN.test(digest)) return { ok: false, reason: 'digest must be 64 lower-case hex digits' };
  if (!verifyStateProof(stateRoot, contract, evidenceKey(digest), answer.value, answer.proof)) {
    return { ok: false, reason: 'the proof does not match the state root' };
  }
  if (answer.value === null) return { ok: true, registered: false };
  const registration = answer.value as Registration;
  if (registration.digest !== digest) {
    return { ok: false, reason: 'the proven value is not a registration of this digest' };
  }
  return { ok: true, registered: true, registration };
}
