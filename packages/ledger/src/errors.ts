/**
 * Error codes of the ledger: `BSN_TX_*` for transactions refused before ordering (and the same
 * codes in failed receipts when a block carries such a transaction), `BSN_LEDGER_*` for blocks,
 * storage and the execution host. Registered with the core catalogue when the package is imported.
 */
import { registerErrorCodes } from '@bsn/core';

/** The ledger's error codes with their HTTP status and meaning. */
export const ledgerErrorCodes = {
  BSN_TX_MALFORMED: {
    status: 400,
    description:
      'A transaction envelope does not match the schema (missing, extra or mistyped field, bad name).',
  },
  BSN_TX_TOO_LARGE: { status: 413, description: 'A transaction payload is larger than the chain allows.' },
  BSN_TX_ARGS_TOO_LARGE: {
    status: 413,
    description: "A transaction's arguments are larger than the chain allows.",
  },
  BSN_TX_SIGNATURE_INVALID: {
    status: 401,
    description: "A transaction's signature does not verify under its signer certificate's key.",
  },
  BSN_TX_CERTIFICATE_UNTRUSTED: {
    status: 401,
    description: "A transaction's signer certificate is malformed or does not chain to the network's root.",
  },
  BSN_TX_CERTIFICATE_EXPIRED: {
    status: 401,
    description: "A transaction's signer certificate is expired or not yet valid at the time of the check.",
  },
  BSN_TX_CERTIFICATE_REVOKED: {
    status: 401,
    description: "A transaction's signer certificate has been revoked.",
  },
  BSN_TX_EXPIRED: {
    status: 400,
    description: 'A transaction expired before it could be ordered or executed.',
  },
  BSN_TX_EXPIRY_TOO_FAR: {
    status: 400,
    description: 'A transaction expires further in the future than the chain allows (maxTtlMs).',
  },
  BSN_TX_DUPLICATE: {
    status: 409,
    description:
      'A transaction with this txId is already on the chain, pending, or earlier in the same block.',
  },
  BSN_TX_PENDING_FULL: {
    status: 503,
    description: 'The node remembers too many pending transactions to accept another; retry later.',
  },
  BSN_TX_WRONG_CHAIN: {
    status: 400,
    description: 'A transaction names another chain than the one it was sent to.',
  },
  BSN_TX_UNKNOWN_CONTRACT: {
    status: 404,
    description: 'A transaction calls a contract that is not deployed on the chain.',
  },
  BSN_TX_UNKNOWN_METHOD: {
    status: 404,
    description: 'A transaction calls a method the contract does not have or that is private.',
  },
  BSN_LEDGER_BLOCK_INVALID: {
    status: 400,
    description: 'A block is malformed (header fields, transactions list).',
  },
  BSN_LEDGER_CHAIN_MISMATCH: { status: 400, description: 'A block or store belongs to another chain.' },
  BSN_LEDGER_HEIGHT_GAP: {
    status: 409,
    description: 'A block is not the next one: its height is beyond the committed height plus one.',
  },
  BSN_LEDGER_PREV_HASH_MISMATCH: {
    status: 409,
    description: "A block's prevHash is not the hash of the committed block before it.",
  },
  BSN_LEDGER_TX_ROOT_MISMATCH: {
    status: 400,
    description: "A block's txRoot does not match its transactions.",
  },
  BSN_LEDGER_BLOCK_TIME: {
    status: 400,
    description: "A block's time is earlier than the previous block's time.",
  },
  BSN_LEDGER_ORDERER_UNKNOWN: {
    status: 401,
    description: 'A block was cut by an orderer the chain does not know.',
  },
  BSN_LEDGER_BLOCK_SIGNATURE_INVALID: {
    status: 401,
    description: "A block's orderer signature does not verify.",
  },
  BSN_LEDGER_FORK: {
    status: 409,
    description: 'A different block was offered at an already committed height: the chain would fork.',
  },
  BSN_LEDGER_STORE_INVALID: {
    status: 500,
    description:
      'A chain store cannot be opened: it belongs to another chain or hash, or its schema is unknown.',
  },
  BSN_LEDGER_STORE_CORRUPT: {
    status: 500,
    description: "A stored block's transactions cannot be read back: the store was changed outside the node.",
  },
  BSN_LEDGER_CLOSED: { status: 503, description: 'The chain has been closed.' },
  BSN_LEDGER_BLOCK_UNKNOWN: { status: 404, description: 'No block is committed at the requested height.' },
  BSN_LEDGER_RUNTIME_UNKNOWN: {
    status: 500,
    description: "A contract's runtime is not available on this node.",
  },
  BSN_LEDGER_READ_ONLY: {
    status: 403,
    description: 'A read-only query tried to write state or emit an event.',
  },
  BSN_LEDGER_STATE_KEY: {
    status: 400,
    description:
      'A contract used an invalid state key (empty, longer than the limit, containing NUL, or not well-formed Unicode).',
  },
  BSN_LEDGER_VALUE_TOO_LARGE: {
    status: 413,
    description: 'A contract wrote a state value larger than the limit.',
  },
  BSN_LEDGER_TOO_MANY_WRITES: {
    status: 413,
    description: 'A transaction wrote more state keys than the limit.',
  },
  BSN_LEDGER_EVENT_INVALID: {
    status: 400,
    description:
      'A contract emitted an event with an invalid name (empty, too long, not well-formed Unicode) or too much data, or too many events.',
  },
  BSN_LEDGER_RESULT_TOO_LARGE: {
    status: 413,
    description: "A contract call's result is larger than the limit.",
  },
  BSN_LEDGER_RESULT_INVALID: {
    status: 400,
    description: 'A contract call returned a value JSON cannot carry (a function, NaN, a class instance…).',
  },
  BSN_LEDGER_RESOURCE_EXHAUSTED: {
    status: 503,
    description:
      'The node could not allocate memory to execute a block (a contract sandbox, a buffer). The block is not committed, and the node tries it again: an outcome that depends on one node’s resources must not be recorded.',
  },
  BSN_LEDGER_ERROR_CODE_INVALID: {
    status: 422,
    description:
      'A contract failed with an error code that is not one (codes match /^[A-Z][A-Z0-9_]{2,63}$/); the receipt names the code given, cut short, in its message.',
  },
  BSN_LEDGER_CERTIFICATE_MISMATCH: {
    status: 409,
    description: "A commit certificate does not certify this node's committed block and roots at its height.",
  },
  BSN_LEDGER_REPLAY_FAILED: {
    status: 500,
    description: 'A chain could not be replayed from its stored blocks.',
  },
} as const;

/** A code of the ledger. */
export type LedgerErrorCode = keyof typeof ledgerErrorCodes;

registerErrorCodes(ledgerErrorCodes);
