/**
 * Error codes of the `js` contract runtime. Most of them end up in a failed receipt (`code`,
 * `message`) rather than being thrown: a contract that misbehaves fails its transaction, never the
 * node. The statuses are what a gateway answers when such a failure is returned to a client.
 */
import { registerErrorCodes } from '@bsn/core';

/** The codes the js runtime produces, each with the HTTP status a gateway maps it to. */
export const runtimeJsErrorCodes = {
  BSN_CONTRACT_OUT_OF_GAS: {
    status: 422,
    description: 'The call used up its gas (metered instructions and host calls) before it finished.',
  },
  BSN_CONTRACT_OUT_OF_MEMORY: { status: 422, description: 'The call exceeded the sandbox memory limit.' },
  BSN_CONTRACT_STACK_OVERFLOW: {
    status: 422,
    description: 'The call recursed deeper than the sandbox stack limit allows.',
  },
  BSN_CONTRACT_FORBIDDEN_API: {
    status: 422,
    description:
      'The contract reached an API that would make execution non-deterministic or do I/O (Date, Math.random, eval, Function, timers, require, process, fetch, …).',
  },
  BSN_CONTRACT_RESULT_TOO_LARGE: {
    status: 422,
    description: 'The canonical encoding of a call result is too large.',
  },
  BSN_CONTRACT_ARGS_TOO_LARGE: {
    status: 413,
    description: 'The canonical encoding of a call’s arguments is too large.',
  },
  BSN_CONTRACT_VALUE_TOO_LARGE: {
    status: 422,
    description: 'A contract tried to store a state value whose canonical encoding is too large.',
  },
  BSN_CONTRACT_EVENT_TOO_LARGE: {
    status: 422,
    description: 'A contract tried to emit an event whose canonical encoding is too large.',
  },
  BSN_CONTRACT_INVALID_VALUE: {
    status: 422,
    description:
      'A contract passed something that is not JSON data (function, NaN, Infinity, undefined, bigint, cycle, class instance) to state or an event, or a key that is not a string.',
  },
  BSN_CONTRACT_METHOD_NOT_FOUND: {
    status: 404,
    description: 'The contract has no public method of that name (names starting with "_" are private).',
  },
  BSN_CONTRACT_THREW: {
    status: 422,
    description:
      'The contract threw an error that is not a ContractError with a valid code; the message is the thrown one.',
  },
  BSN_CONTRACT_INVALID_RESULT: {
    status: 422,
    description:
      'A contract method returned something that is not JSON data (function, NaN, Infinity, bigint, cycle, class instance, a string with an unpaired surrogate).',
  },
  BSN_CONTRACT_ASYNC_UNSETTLED: {
    status: 422,
    description:
      'An async contract method returned a promise that was still pending after all queued jobs had run.',
  },
  BSN_CONTRACT_LOAD_FAILED: {
    status: 422,
    description: 'The contract module does not evaluate, has no default export, or exports no public method.',
  },
  BSN_CONTRACT_READ_ONLY: {
    status: 403,
    description: 'A read-only call tried to write state or emit an event.',
  },
  BSN_CONTRACT_BUNDLE_FAILED: { status: 400, description: 'esbuild could not bundle the contract source.' },
  BSN_CONTRACT_FORBIDDEN_IMPORT: {
    status: 400,
    description: 'The contract source imports a Node.js built-in module, which contracts cannot use.',
  },
} as const;

/** A code of the js runtime. */
export type RuntimeJsErrorCode = keyof typeof runtimeJsErrorCodes;

registerErrorCodes(runtimeJsErrorCodes);
