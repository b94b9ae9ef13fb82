/**
 * Pre-ordering checks of a transaction (what a gateway runs before handing an envelope to the
 * orderer): schema, sizes, chain, expiry, replay, contract and method, signer certificate and
 * signature. A refused envelope gets a `BSN_TX_*` BsnError and is never ordered.
 */
import {
  assertHashAlgorithm,
  BsnError,
  DEFAULT_HASH,
  type HashAlgorithm,
  type SignedTransaction,
} from '@bsn/core';
import { type CertificateVerifier, PublicKeyCache } from './certificates.js';
import {
  checkExpiry,
  checkSigner,
  type EnvelopeFailure,
  parseEnvelope,
  VerifiedSignatures,
} from './envelope.js';
import type { LedgerErrorCode } from './errors.js';
import { defaultChainLimits } from './limits.js';
import type { Caller } from './runtime.js';

/** Options of a {@link TransactionChecker} (chain consensus limits plus the hash of txIds). */
export interface TransactionCheckerOptions {
  readonly maxTxBytes: number;
  readonly maxArgsBytes: number;
  readonly maxTtlMs: number;
  readonly clockSkewMs: number;
  readonly hash: HashAlgorithm;
  /** Most transactions remembered as pending (accepted, not yet committed); beyond it new ones are refused. */
  readonly maxPending: number;
}

/** Default checker options: the default chain limits, SHA-256. */
export const defaultTransactionCheckerOptions: TransactionCheckerOptions = Object.freeze({
  maxTxBytes: defaultChainLimits.maxTxBytes,
  maxArgsBytes: defaultChainLimits.maxArgsBytes,
  maxTtlMs: defaultChainLimits.maxTtlMs,
  clockSkewMs: defaultChainLimits.clockSkewMs,
  hash: DEFAULT_HASH,
  maxPending: 1_000_000,
});

/** What a {@link TransactionChecker} asks of the chain it guards. */
export interface TransactionCheckerModules {
  /** The chain id transactions must name. */
  readonly chain: string;
  readonly certificates: CertificateVerifier;
  /**
   * True when a transaction with this id is already committed on the chain. `expires` is the
   * checked transaction's expiry, shared by every transaction with this id (it is part of the
   * hashed payload), so an implementation may use it to answer without a store read.
   */
  isCommitted(txId: string, expires: number): boolean;
  /** The public method names of a deployed contract, or undefined when no such contract is deployed. */
  contractMethods(contract: string): readonly string[] | undefined;
  /** Shared with the executor so a checked signature is not verified twice on one node. */
  readonly signatures?: VerifiedSignatures;
  readonly keys?: PublicKeyCache;
}

/** A transaction that passed every check. */
export interface CheckedTransaction {
  readonly txId: string;
  readonly tx: SignedTransaction;
  readonly caller: Caller;
}

/** Stateless and stateful pre-ordering checks of transactions for one chain. */
export class TransactionChecker {
  readonly options: TransactionCheckerOptions;
  readonly #modules: TransactionCheckerModules;
  readonly #signatures: VerifiedSignatures;
  readonly #keys: PublicKeyCache;
  /** txId → expires of accepted, not yet committed transactions (insertion order ≈ expiry order). */
  readonly #pending = new Map<string, number>();

  constructor(options: Partial<TransactionCheckerOptions>, modules: TransactionCheckerModules) {
    this.options = Object.freeze({ ...defaultTransactionCheckerOptions, ...options });
    assertHashAlgorithm(this.options.hash);
    this.#modules = modules;
    this.#signatures = modules.signatures ?? new VerifiedSignatures();
    this.#keys = modules.keys ?? new PublicKeyCache();
  }

  /**
   * Checks `value` as a signed transaction of this chain at `nowMs` and, when it passes, remembers
   * its txId as pending so the same transaction submitted again is refused. Throws a BsnError with
   * a `BSN_TX_*` code naming the first failed check.
   */
  check(value: unknown, nowMs: number = Date.now()): CheckedTransaction {
    const checked = this.inspect(value, nowMs);
    if (!checked.ok) {
      throw new BsnError(checked.code, checked.message, checked.details ? { details: checked.details } : {});
    }
    if (this.#pending.size >= this.options.maxPending) this.#prune(nowMs);
    this.#pending.set(checked.txId, checked.tx.payload.expires);
    return { txId: checked.txId, tx: checked.tx, caller: checked.caller };
  }

  /** Like {@link check} but returns the failure instead of throwing, and does not mark the transaction pending. */
  inspect(
    value: unknown,
    nowMs: number = Date.now(),
  ): (CheckedTransaction & { readonly ok: true }) | EnvelopeFailure {
    const env = parseEnvelope(value, this.options, this.options.hash);
    if (!env.ok) return env;
    const { payload } = env.tx;
    if (payload.chain !== this.#modules.chain) {
      return refuse(
        'BSN_TX_WRONG_CHAIN',
        `transaction is for chain "${payload.chain}", not "${this.#modules.chain}"`,
        {
          chain: payload.chain,
          expected: this.#modules.chain,
        },
      );
    }
    const expiry = checkExpiry(payload.expires, nowMs, this.options);
    if (expiry) return expiry;
    if (this.#isPending(env.txId, nowMs)) {
      return refuse('BSN_TX_DUPLICATE', `transaction ${env.txId} is already pending`, {
        txId: env.txId,
        where: 'pending',
      });
    }
    if (this.#modules.isCommitted(env.txId, payload.expires)) {
      return refuse('BSN_TX_DUPLICATE', `transaction ${env.txId} is already on the chain`, {
        txId: env.txId,
        where: 'chain',
      });
    }
    const methods = this.#modules.contractMethods(payload.contract);
    if (methods === undefined) {
      return refuse(
        'BSN_TX_UNKNOWN_CONTRACT',
        `contract "${payload.contract}" is not deployed on chain "${payload.chain}"`,
        {
          contract: payload.contract,
        },
      );
    }
    if (payload.method.startsWith('_') || !methods.includes(payload.method)) {
      return refuse(
        'BSN_TX_UNKNOWN_METHOD',
        payload.method.startsWith('_')
          ? `method "${payload.method}" of contract "${payload.contract}" is private`
          : `contract "${payload.contract}" has no method "${payload.method}"`,
        { contract: payload.contract, method: payload.method },
      );
    }
    const signer = checkSigner(env, nowMs, {
      certificates: this.#modules.certificates,
      keys: this.#keys,
      signatures: this.#signatures,
    });
    if (!signer.ok) return signer;
    return { ok: true, txId: env.txId, tx: env.tx, caller: signer.caller };
  }

  /** Number of transactions currently remembered as pending. */
  pendingCount(): number {
    return this.#pending.size;
  }

  /** Forgets pending txIds once they are committed (or were refused by the orderer) so memory stays bounded. */
  settle(txIds: Iterable<string>): void {
    for (const id of txIds) this.#pending.delete(id);
  }

  #isPending(txId: string, nowMs: number): boolean {
    const expires = this.#pending.get(txId);
    if (expires === undefined) return false;
    if (expires < nowMs) {
      this.#pending.delete(txId);
      return false;
    }
    return true;
  }

  #prune(nowMs: number): void {
    for (const [id, expires] of this.#pending) if (expires < nowMs) this.#pending.delete(id);
    if (this.#pending.size >= this.options.maxPending) {
      throw new BsnError(
        'BSN_TX_PENDING_FULL',
        'too many pending transactions to remember; try again later',
        {
          details: { pending: this.#pending.size },
        },
      );
    }
  }
}

function refuse(code: LedgerErrorCode, message: string, details: Record<string, unknown>): EnvelopeFailure {
  return { ok: false, code, message, details };
}
