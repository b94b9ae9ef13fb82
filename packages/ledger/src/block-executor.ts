/**
 * Executes an ordered block: for each transaction in order, re-checks the envelope against the
 * block time (schema, chain, size, expiry, certificate, signature, duplicate txId), then calls
 * the contract through its runtime on a layered host, and produces one receipt per transaction.
 *
 * Deterministic by construction: everything read comes from the block, the committed state and
 * the chain's configuration (limits, contract resolver, certificate verifier at block time);
 * there is no clock, no randomness, no I/O here. Nothing a contract or runtime does can throw out
 * of {@link executeBlock}: every failure becomes a failed receipt with its own code — except the
 * node running out of memory (BSN_LEDGER_RESOURCE_EXHAUSTED), which is this node's condition, not
 * the block's, and so is thrown: the block is not committed here until it can run.
 */
import {
  type Block,
  BsnError,
  type ContractEvent,
  canonicalString,
  type HashAlgorithm,
  type JsonValue,
  type Receipt,
  wellFormed,
} from '@bsn/core';
import type { CertificateVerifier, PublicKeyCache } from './certificates.js';
import {
  checkExpiry,
  checkSigner,
  type EnvelopeFailure,
  parseEnvelope,
  type VerifiedSignatures,
} from './envelope.js';
import { BlockOverlay, type CallHost, type StateReader, type StateWrite } from './execution-host.js';
import type { ChainLimits } from './limits.js';
import { okReceiptText } from './receipt-text.js';
import type { Caller, ContractCode, ContractInstance, ContractRuntime, InvocationResult } from './runtime.js';

/** Which code runs as contract `name` at block `height` (undefined: no such contract there). */
export type ContractResolver = (name: string, height: number) => ContractCode | undefined;

/**
 * Whether `caller` may call `method` of `contract` in a block of this chain at (`height`, `time`):
 * undefined when allowed, else the failure its receipt records. Consensus code: it must answer the
 * same on every node and on every replay, so it may read only what is fixed for that block (e.g. the
 * system chain's state as of the block's time), never the node's latest view. It must not throw:
 * a throw is a fault of the node, and stops the block on this node alone.
 */
export type TransactionAuthorizer = (
  caller: Caller,
  contract: string,
  method: string,
  block: { readonly height: number; readonly time: number },
) => { readonly code: string; readonly message: string } | undefined;

/** What the executor needs besides the block. */
export interface BlockExecutorModules {
  readonly chain: string;
  readonly hash: HashAlgorithm;
  readonly limits: ChainLimits;
  readonly runtimes: ReadonlyMap<string, ContractRuntime>;
  readonly contracts: ContractResolver;
  readonly certificates: CertificateVerifier;
  /** Access rules checked during execution, after the signer (absent: every signer may call every method). */
  readonly authorize?: TransactionAuthorizer;
  readonly state: StateReader;
  /**
   * True when a transaction with this id was executed in an earlier block of the chain; `expires`
   * is the transaction's own expiry (see TransactionCheckerModules.isCommitted).
   */
  isCommitted(txId: string, expires: number): boolean;
  readonly keys: PublicKeyCache;
  readonly signatures: VerifiedSignatures;
}

/** One executed transaction: its receipt and whether its envelope was accepted (its txId is then taken). */
export interface ExecutedTransaction {
  readonly receipt: Receipt;
  /** `canonicalString(receipt)` when the executor had it at hand (put together from canonical parts). */
  readonly receiptText?: string;
  /** False when the envelope itself was refused (bad signature, expired, duplicate…): the txId stays free. */
  readonly accepted: boolean;
  readonly expires: number;
}

/** The outcome of a block: receipts in order and the state writes of its successful transactions. */
export interface BlockExecution {
  readonly txIds: readonly string[];
  readonly results: readonly ExecutedTransaction[];
  readonly writes: readonly StateWrite[];
}

const MAX_ERROR_MESSAGE = 1024;

/** What an error code looks like, platform and contract codes alike. */
const ERROR_CODE = /^[A-Z][A-Z0-9_]{2,63}$/;

/**
 * A failed receipt. The code and message may come from a contract. A code that is not one (any
 * length, any text) is replaced, and named in the message; the message is cut to length (which can
 * split a surrogate pair) and made well-formed. So a receipt always encodes, and stays small: one
 * that could not be encoded would stop the block, and the chain, on every node.
 */
function failed(txId: string, code: string, message: string, gasUsed = 0): Receipt {
  let why = message;
  if (!ERROR_CODE.test(code)) {
    why = `the call failed with an invalid error code ${JSON.stringify(code.slice(0, 64))}${code.length > 64 ? '…' : ''}: ${message}`;
    code = 'BSN_LEDGER_ERROR_CODE_INVALID';
  }
  const text = why.length > MAX_ERROR_MESSAGE ? `${why.slice(0, MAX_ERROR_MESSAGE - 1)}…` : why;
  return { txId, status: 'failed', error: { code, message: wellFormed(text) }, events: [], gasUsed };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * True for a failure of this node's own resources rather than of the contract or the runtime: V8
 * could not allocate memory (a sandbox's WebAssembly memory, an ArrayBuffer). Whether that happens
 * depends on the machine and on what else the process holds, so it must never become a receipt —
 * other nodes would record something else. The block is not committed; the node tries it again.
 */
function isResourceFault(err: unknown): boolean {
  return err instanceof RangeError && /could not allocate memory|allocation failed/i.test(err.message);
}

function resourceFault(what: string, err: unknown): BsnError {
  return new BsnError('BSN_LEDGER_RESOURCE_EXHAUSTED', `${what}: ${messageOf(err)}`, { cause: err });
}

/** A contract call's receipt and, for a successful one, its canonical text (see okReceiptText). */
interface Called {
  readonly receipt: Receipt;
  readonly receiptText?: string;
}

function refusedCall(txId: string, code: string, message: string, gasUsed = 0): Called {
  return { receipt: failed(txId, code, message, gasUsed) };
}

/** A prepared contract of the block, or why it cannot run. */
type Loaded = { readonly instance: ContractInstance } | { readonly code: string; readonly message: string };

/**
 * Runs `block` against committed state. The caller passes the txIds and canonical payload texts
 * it computed while checking `txRoot`, so payloads are encoded once per block. Instances are
 * opened per (block, contract) and disposed before returning.
 */
export function executeBlock(
  block: Block,
  prepared: { readonly txIds: readonly string[]; readonly payloadTexts: readonly string[] },
  modules: BlockExecutorModules,
): BlockExecution {
  const { txIds, payloadTexts } = prepared;
  const { header } = block;
  const overlay = new BlockOverlay(modules.state);
  const instances = new Map<string, Loaded>();
  const seen = new Set<string>();
  const results: ExecutedTransaction[] = [];
  try {
    block.txs.forEach((tx, index) => {
      results.push(executeOne(tx, index));
    });
  } finally {
    for (const loaded of instances.values()) {
      if ('instance' in loaded) {
        try {
          loaded.instance.dispose();
        } catch {
          // a runtime failing to free an instance must not fail the block: nothing of it is observable
        }
      }
    }
  }
  return { txIds, results, writes: overlay.writes() };

  function executeOne(tx: unknown, index: number): ExecutedTransaction {
    const txId = txIds[index] as string;
    const refused = (f: EnvelopeFailure | { code: string; message: string }): ExecutedTransaction => ({
      receipt: failed(txId, f.code, f.message),
      accepted: false,
      expires: 0,
    });
    const env = parseEnvelope(tx, modules.limits, modules.hash, {
      txId,
      payloadText: payloadTexts[index] as string,
    });
    if (!env.ok) return refused(env);
    const { payload } = env.tx;
    if (payload.chain !== modules.chain) {
      return refused({ code: 'BSN_TX_WRONG_CHAIN', message: `transaction is for chain "${payload.chain}"` });
    }
    const expiry = checkExpiry(payload.expires, header.time, modules.limits);
    if (expiry) return refused(expiry);
    const signer = checkSigner(env, header.time, modules);
    if (!signer.ok) return refused(signer);
    if (seen.has(txId) || modules.isCommitted(txId, payload.expires)) {
      return refused({
        code: 'BSN_TX_DUPLICATE',
        message: seen.has(txId)
          ? 'transaction appears earlier in this block'
          : 'transaction is already on the chain',
      });
    }
    seen.add(txId);
    // Access is decided again here, not only at the gateway that took the transaction: whatever
    // reaches the orderer is executed, and rules may change between submit and execution. The txId
    // is spent, as for any call that fails.
    const denied = modules.authorize?.(signer.caller, payload.contract, payload.method, header);
    if (denied)
      return { receipt: failed(txId, denied.code, denied.message), accepted: true, expires: payload.expires };
    const called = invoke(txId, index, payload.contract, payload.method, payload.args, signer.caller);
    return { ...called, accepted: true, expires: payload.expires };
  }

  function load(name: string): Loaded | undefined {
    const cached = instances.get(name);
    if (cached) return cached;
    const code = modules.contracts(name, header.height);
    if (code === undefined) return undefined;
    let loaded: Loaded;
    const runtime = modules.runtimes.get(code.runtime);
    if (!runtime) {
      loaded = { code: 'BSN_LEDGER_RUNTIME_UNKNOWN', message: `runtime "${code.runtime}" is not available` };
    } else {
      try {
        loaded = { instance: runtime.instantiate(code) };
      } catch (err) {
        if (isResourceFault(err))
          throw resourceFault(`runtime "${code.runtime}" could not load "${name}"`, err);
        loaded =
          err instanceof BsnError
            ? { code: err.code, message: err.message }
            : {
                code: 'BSN_INTERNAL',
                message: `runtime "${code.runtime}" failed to load "${name}": ${messageOf(err)}`,
              };
      }
    }
    instances.set(name, loaded);
    return loaded;
  }

  function invoke(
    txId: string,
    index: number,
    contract: string,
    method: string,
    args: readonly JsonValue[],
    caller: Caller,
  ): Called {
    const loaded = load(contract);
    if (loaded === undefined) {
      return refusedCall(
        txId,
        'BSN_TX_UNKNOWN_CONTRACT',
        `contract "${contract}" is not deployed at height ${header.height}`,
      );
    }
    if (!('instance' in loaded)) return refusedCall(txId, loaded.code, loaded.message);
    const { instance } = loaded;
    if (method.startsWith('_') || !instance.methods.includes(method)) {
      return refusedCall(
        txId,
        'BSN_TX_UNKNOWN_METHOD',
        `contract "${contract}" has no public method "${method}"`,
      );
    }
    const host = overlay.host(contract, modules.limits, false);
    let result: InvocationResult;
    try {
      result = instance.invoke(
        {
          method,
          args,
          caller,
          tx: { id: txId, chain: modules.chain, height: header.height, time: header.time, index },
          gasLimit: modules.limits.gasLimit,
          readOnly: false,
        },
        host,
      );
    } catch (err) {
      // A runtime must return failures, not throw them: this is a bug. Drop the instance (every
      // node does the same, so later calls stay deterministic) and fail only this transaction.
      try {
        instance.dispose();
      } catch {
        // already broken
      }
      instances.delete(contract);
      if (isResourceFault(err)) throw resourceFault(`${contract}.${method} could not run`, err);
      return refusedCall(
        txId,
        'BSN_INTERNAL',
        `runtime failed while executing ${contract}.${method}: ${messageOf(err)}`,
      );
    }
    return settle(txId, contract, host, result);
  }

  function settle(txId: string, contract: string, host: CallHost, result: InvocationResult): Called {
    const gasUsed = Number.isSafeInteger(result.gasUsed) && result.gasUsed >= 0 ? result.gasUsed : 0;
    if (!result.ok) return refusedCall(txId, String(result.code), String(result.message), gasUsed);
    let resultText: string;
    try {
      resultText = result.canonical ?? canonicalString(result.result === undefined ? null : result.result);
    } catch (err) {
      return refusedCall(
        txId,
        'BSN_LEDGER_RESULT_INVALID',
        `result of ${contract} is not JSON: ${messageOf(err)}`,
        gasUsed,
      );
    }
    const size = Buffer.byteLength(resultText);
    if (size > modules.limits.maxResultBytes) {
      return refusedCall(
        txId,
        'BSN_LEDGER_RESULT_TOO_LARGE',
        `result is ${size} bytes, at most ${modules.limits.maxResultBytes} allowed`,
        gasUsed,
      );
    }
    overlay.commit(host, txId);
    const events: ContractEvent[] = host.events;
    // A copy, so the runtime cannot change the receipt afterwards, unless it handed the result over.
    const value =
      result.canonical !== undefined && result.result !== undefined
        ? result.result
        : (JSON.parse(resultText) as JsonValue);
    return {
      receipt: { txId, status: 'ok', result: value, events, gasUsed },
      receiptText: okReceiptText(txId, resultText, events, host.eventTexts, gasUsed),
    };
  }
}
