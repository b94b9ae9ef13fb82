/**
 * The SDK's errors: one {@link BaseError} class (a BsnError with viem's `shortMessage`) and the
 * BSN_SDK_* codes. Every verification failure has its own code, so an application or auditor can
 * tell a forged vote from a missing quorum without reading messages. The SDK never logs: it throws.
 */
import { BsnError, type BsnErrorOptions, registerErrorCodes } from '@bsn/core';

/** Codes raised by the SDK, with the HTTP status they correspond to and their meaning. */
export const sdkErrorCodes = {
  BSN_SDK_IDENTITY_INVALID: {
    status: 400,
    description:
      'An identity cannot be loaded: unreadable files, a malformed key or certificate, or a key that does not belong to the certificate.',
  },
  BSN_SDK_INVALID_PARAMETER: {
    status: 400,
    description: 'An SDK call was given a parameter that is not valid; details.field names it.',
  },
  BSN_SDK_UNREACHABLE: {
    status: 503,
    description:
      'No gateway of the configured list answered (connection errors or 503s) within the retry budget.',
  },
  BSN_SDK_RESPONSE_INVALID: {
    status: 502,
    description:
      'A gateway answered with a body that does not match the API schema or with data about another request.',
  },
  BSN_SDK_TIMEOUT: {
    status: 504,
    description: 'The transaction did not become final (or committed) within the wait time.',
  },
  BSN_SDK_ABORTED: { status: 499, description: 'The caller aborted the operation through its AbortSignal.' },
  BSN_SDK_NOT_FINAL: {
    status: 502,
    description:
      'A verification needs a commit certificate and the answer carries none (the height is not certified yet).',
  },
  BSN_SDK_CERT_MISMATCH: {
    status: 502,
    description:
      'A commit certificate is about another chain, height, block or roots than the answer it came with.',
  },
  BSN_SDK_CERT_QUORUM: {
    status: 502,
    description: 'A commit certificate carries fewer valid votes of distinct hosting PCNs than the quorum.',
  },
  BSN_SDK_VOTE_NOT_HOST: {
    status: 502,
    description: 'A commit certificate carries a vote from a PCN that does not host the chain.',
  },
  BSN_SDK_VOTE_SIGNATURE: {
    status: 502,
    description:
      'A vote’s signature does not verify under the node certificate of the PCN it names (forged vote).',
  },
  BSN_SDK_PCN_UNTRUSTED: {
    status: 502,
    description:
      'A PCN’s node certificate does not chain to the configured network root, is not a node certificate, or names another PCN.',
  },
  BSN_SDK_ROOT_MISMATCH: {
    status: 502,
    description:
      'The gateway describes a network under another root certificate than the one the client trusts.',
  },
  BSN_SDK_RECEIPT_NOT_IN_ROOT: {
    status: 502,
    description:
      'A receipt’s inclusion proof does not lead to the certified receiptsRoot, or is about another transaction or another index than the answer states.',
  },
  BSN_SDK_STATE_PROOF_INVALID: {
    status: 502,
    description: 'A state value (or its absence) does not verify against the certified stateRoot.',
  },
  BSN_SDK_NETWORK_MISMATCH: {
    status: 502,
    description:
      'The gateway describes the network without PCNs the client pinned (ClientOptions.pcns, or the set it trusted on first use); details.missing names them.',
  },
  BSN_SDK_STALE_ANSWER: {
    status: 502,
    description:
      'An answer is from an older height than one the client already verified for that chain (a gateway behind the others, or replaying old certified data); retrying may reach an up-to-date gateway.',
  },
  BSN_SDK_STATE_PROOF_MISSING: {
    status: 502,
    description:
      'A query result is being recomputed from proven state and needs a key the answer carries no proof of (a read left out); details name it.',
  },
  BSN_SDK_HOSTING_PROOF_INVALID: {
    status: 502,
    description: 'The hosting set of a chain does not follow from the proven system-chain records.',
  },
  BSN_SDK_BLOCK_INVALID: {
    status: 502,
    description:
      'A block’s hash, transaction root or receipts root does not match its header or certificate.',
  },
  BSN_SDK_EVENT_STREAM: {
    status: 502,
    description:
      'The event stream sent something that is not valid SSE of the API (bad id, data that is not JSON of the schema) or skipped a block (a gap in the block markers).',
  },
} as const;

/** A code raised by the SDK. */
export type SdkErrorCode = keyof typeof sdkErrorCodes;

registerErrorCodes(sdkErrorCodes);

/** Options of a {@link BaseError}. */
export interface BaseErrorOptions extends BsnErrorOptions {
  /** Further lines of explanation appended to the message. */
  readonly metaMessages?: readonly string[];
}

/**
 * The SDK's error class: a {@link BsnError} (stable `code`, `details`, `cause`) whose `shortMessage`
 * is the one-line reason and whose `message` adds the code and any explanation.
 */
export class BaseError extends BsnError {
  override readonly name: string = 'BsnSdkError';
  /** The one-line reason, without code or explanation. */
  readonly shortMessage: string;

  constructor(code: string, shortMessage: string, options: BaseErrorOptions = {}) {
    const meta = options.metaMessages?.length ? `\n\n${options.metaMessages.join('\n')}` : '';
    super(code, `${shortMessage}${meta}`, options);
    this.shortMessage = shortMessage;
  }

  /** Wraps any thrown value: a BaseError stays itself; a BsnError keeps its code; anything else becomes `fallback`. */
  static from(err: unknown, fallback: SdkErrorCode = 'BSN_SDK_RESPONSE_INVALID'): BaseError {
    if (err instanceof BaseError) return err;
    if (err instanceof BsnError)
      return new BaseError(err.code, err.message, { details: err.details, cause: err });
    return new BaseError(fallback, err instanceof Error ? err.message : String(err), { cause: err });
  }
}

/**
 * BSN_SDK_STALE_ANSWER about `chain`: `what` is of `height`, older than `known`, a height already
 * verified (for a hosting proof, system heights).
 */
export function staleAnswer(chain: string, height: number, known: number, what: string): BaseError {
  return new BaseError(
    'BSN_SDK_STALE_ANSWER',
    `${what} is from height ${height}, older than height ${known} already verified`,
    { details: { chain, height, verifiedHeight: known } },
  );
}

/** BSN_SDK_INVALID_PARAMETER: `field` (named in details, with anything else `details` gives) `message`. */
export function invalidParameter(
  field: string,
  message: string,
  details: Readonly<Record<string, unknown>> = {},
): BaseError {
  return new BaseError('BSN_SDK_INVALID_PARAMETER', `${field} ${message}`, {
    details: { ...details, field },
  });
}
