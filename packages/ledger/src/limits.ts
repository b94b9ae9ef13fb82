/**
 * The limits a chain applies to transactions and their execution. They are consensus parameters:
 * every node hosting a chain must use the same values, because a transaction that is too large,
 * expires too far ahead or writes too much becomes a failed receipt, and receipts are voted on.
 */

/** Limits on envelopes and on what one transaction may do while it executes. */
export interface ChainLimits {
  /** Largest canonical encoding of a transaction payload, in bytes. */
  readonly maxTxBytes: number;
  /** Largest canonical encoding of a payload's `args`, in bytes. */
  readonly maxArgsBytes: number;
  /**
   * Longest time-to-live a transaction may ask for (`expires - now`). Because an expired transaction
   * can never be executed, this also bounds how long a txId must be remembered to refuse replays.
   */
  readonly maxTtlMs: number;
  /** Tolerance for clocks running ahead of the checker's (or the orderer's) when judging `expires`. */
  readonly clockSkewMs: number;
  /** Gas a transaction may use (the runtime's metering unit). */
  readonly gasLimit: number;
  /** Longest state key, in UTF-8 bytes. */
  readonly maxKeyBytes: number;
  /** Largest canonical encoding of one state value, in bytes. */
  readonly maxValueBytes: number;
  /** Most distinct keys one transaction may write. */
  readonly maxWritesPerTx: number;
  /** Largest canonical encoding of a call's result, in bytes. */
  readonly maxResultBytes: number;
  /** Most events one transaction may emit. */
  readonly maxEventsPerTx: number;
  /** Largest total canonical encoding of one transaction's events, in bytes. */
  readonly maxEventBytes: number;
}

/** Default limits: generous for business data, small enough that one block stays a few MB. */
export const defaultChainLimits: ChainLimits = Object.freeze({
  maxTxBytes: 128 * 1024,
  maxArgsBytes: 64 * 1024,
  maxTtlMs: 60 * 60 * 1000,
  clockSkewMs: 30 * 1000,
  gasLimit: 10_000_000,
  maxKeyBytes: 1024,
  maxValueBytes: 64 * 1024,
  maxWritesPerTx: 10_000,
  maxResultBytes: 64 * 1024,
  maxEventsPerTx: 256,
  maxEventBytes: 64 * 1024,
});
