/**
 * The gateway's own error codes. The gateway answers every failure with `{error:{code,message,details}}`
 * and the HTTP status registered for the code here (or by the package that raised it), so a client
 * branches on the code and never parses a message.
 */
import { registerErrorCodes } from '@bsn/core';

/** Codes raised at the gateway boundary, with their HTTP status and meaning. */
export const gatewayErrorCodes = {
  BSN_GATEWAY_UNAUTHENTICATED: {
    status: 401,
    description:
      'The request carries no valid authentication: missing or malformed Authorization, bad signature, time outside the allowed skew, or a certificate that does not chain to the network root.',
  },
  BSN_GATEWAY_FORBIDDEN: {
    status: 403,
    description:
      'The authenticated identity may not do this: its organisation does not participate in the service, or its role does not allow the method.',
  },
  BSN_GATEWAY_CHAIN_NOT_HOSTED: {
    status: 404,
    description:
      'This PCN does not host the named chain (ask GET /v1/chains/{chain} on another PCN for its hosts).',
  },
  BSN_GATEWAY_NOT_FOUND: {
    status: 404,
    description: 'The route, transaction, block or state key does not exist (yet) on this chain.',
  },
  BSN_GATEWAY_BAD_REQUEST: {
    status: 400,
    description:
      'The request does not match the route’s schema; details name the field and the rule it breaks.',
  },
  BSN_GATEWAY_BODY_TOO_LARGE: {
    status: 413,
    description: 'The request body exceeds the gateway’s size limit.',
  },
  BSN_GATEWAY_TIMEOUT: {
    status: 504,
    description:
      'The transaction was accepted but did not reach the requested stage (committed or final) within the wait time; poll GET …/transactions/{txId}.',
  },
  BSN_GATEWAY_RATE_LIMITED: {
    status: 429,
    description:
      'The caller or its service exceeded a rate limit or quota; retry after the time in details.retryAfterMs.',
  },
  BSN_GATEWAY_UNAVAILABLE: {
    status: 503,
    description:
      'The gateway or the ordering service cannot take requests now (starting, stopping, overloaded); retry on another PCN.',
  },
  BSN_GATEWAY_CHAIN_HALTED: {
    status: 503,
    description:
      'The chain is halted on this PCN (its state disagreed with a commit certificate); it serves nothing it cannot stand behind.',
  },
  BSN_GATEWAY_TX_MISMATCH: {
    status: 400,
    description:
      'The signed transaction names another chain than the URL, or a query names a method that writes.',
  },
  BSN_GATEWAY_TX_EXPIRED: {
    status: 400,
    description:
      'The transaction’s `expires` time has passed (or is further ahead than the gateway accepts).',
  },
  BSN_GATEWAY_TX_DUPLICATE: {
    status: 409,
    description:
      'A transaction with the same id was already submitted; details.txId names it (poll its receipt instead).',
  },
  BSN_GATEWAY_HEIGHT_NOT_CERTIFIED: {
    status: 409,
    description:
      'A proof was asked at a height that has no commit certificate yet on this PCN; retry shortly or ask without proof.',
  },
  BSN_GATEWAY_PROOF_TOO_LARGE: {
    status: 422,
    description:
      'A query asked with proof read more distinct state keys than one answer proves (1,000); ask without proof, or read fewer keys per query.',
  },
} as const;

/** A code raised by the gateway. */
export type GatewayErrorCode = keyof typeof gatewayErrorCodes;

registerErrorCodes(gatewayErrorCodes);
