/**
 * Error codes of the world state (`BSN_LEDGER_*`), registered with the core catalogue when the
 * state module is imported.
 */
import { registerErrorCodes } from '@bsn/core';

/** The world state's error codes with their HTTP status and meaning. */
export const stateErrorCodes = {
  BSN_LEDGER_HEIGHT_UNKNOWN: {
    status: 404,
    description: 'The requested state height is above the latest committed height.',
  },
  BSN_LEDGER_STATE_HEIGHT: {
    status: 409,
    description:
      "A block's state was applied out of order: it must be applied at exactly the latest height plus one.",
  },
  BSN_LEDGER_KEY_INVALID: {
    status: 400,
    description:
      'A state key or contract name is empty, longer than 1024 UTF-8 bytes, contains NUL, or is not well-formed Unicode.',
  },
  BSN_LEDGER_STATE_CONFIG: {
    status: 500,
    description:
      'The state database was created with another hash algorithm or schema than the node is configured with.',
  },
  BSN_LEDGER_STATE_CORRUPT: {
    status: 500,
    description: 'A state tree node that a stored root refers to is missing or malformed.',
  },
} as const;

registerErrorCodes(stateErrorCodes);
