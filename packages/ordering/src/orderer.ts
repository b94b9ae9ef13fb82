/**
 * The ordering interface every orderer implements (solo, remote, and later JetStream).
 *
 * It is shaped so that a replicated log fits behind it: `submit` resolves on the log's durable
 * acknowledgement (a JetStream publish ack, a solo WAL fsync), the txId is the dedupe key (the
 * JetStream `msgID`), and a chain is a totally ordered stream of blocks read from a height (a
 * JetStream stream per chain, sequence = height).
 */
import type { Block, SignedTransaction } from '@bsn/core';

/** What `submit` resolves with: the transaction is durable and will be ordered (or dropped if it expires first). */
export interface SubmitResult {
  readonly txId: string;
  readonly chain: string;
}

/** The ordering service as a node sees it. */
export interface Orderer {
  /**
   * Hands a transaction to the orderer; resolves once it is durable. Rejects with a BsnError:
   * BSN_ORDERING_DUPLICATE, BSN_ORDERING_EXPIRED, BSN_ORDERING_CLOSED, BSN_ORDERING_UNKNOWN_CHAIN,
   * BSN_ORDERING_OVERLOADED, BSN_ORDERING_MALFORMED, BSN_ORDERING_TOO_LARGE, BSN_ORDERING_STORAGE.
   */
  submit(tx: SignedTransaction): Promise<SubmitResult>;
  /**
   * The chain's blocks from `fromHeight` on: the stored ones, then live ones as they are cut.
   * Never skips or repeats a height; ends when `signal` aborts.
   */
  blocks(chain: string, fromHeight: number, signal?: AbortSignal): AsyncIterable<Block>;
  /** Height of the chain's last durable block (0 when it has none). */
  height(chain: string): number;
  /** Stops accepting transactions and releases files or connections; acknowledged transactions stay durable. */
  close(): Promise<void>;
}

/** Where a transaction is in the orderer, as far as the orderer still remembers. */
export type TransactionStatus =
  | { readonly state: 'pending'; readonly chain: string }
  | { readonly state: 'ordered'; readonly chain: string; readonly height: number }
  | {
      readonly state: 'dropped';
      readonly chain: string;
      readonly reason: 'expired';
      readonly blockTime: number;
    }
  | { readonly state: 'unknown' };
