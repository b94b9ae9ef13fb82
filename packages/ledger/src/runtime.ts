/**
 * The one interface every contract runtime implements (js, native, later evm), so the executor
 * runs a block without knowing how a contract is executed.
 *
 * A runtime executes one call at a time against a {@link HostApi} the executor provides. The host
 * buffers the call's writes and events and applies them only when the call succeeds, so a runtime
 * never has to undo anything. Everything a call can observe comes from the call and the host:
 * that is what makes execution deterministic.
 */
import type { JsonValue } from '@bsn/core';

/** Who signed the transaction, from the signer's certificate (subject attributes). */
export interface Caller {
  /** The certificate subject's common name (the user or node id). */
  readonly id: string;
  /** The organisation (subject O). */
  readonly org: string;
  /** The role (subject OU, or the BSN role attribute). */
  readonly role: string;
  /** Hex SHA-256 fingerprint of the signer certificate (DER). */
  readonly certFingerprint: string;
  /** Further subject attributes, e.g. `{C: "CN", L: "Beijing"}`. */
  readonly attributes: Readonly<Record<string, string>>;
}

/** What a contract sees of the transaction it runs in. */
export interface TxContext {
  readonly id: string;
  /** The chain id. */
  readonly chain: string;
  /** Block height the transaction is in. */
  readonly height: number;
  /** Orderer block time, ms since the Unix epoch: the only clock a contract has. */
  readonly time: number;
  /** Index of the transaction within its block. */
  readonly index: number;
}

/** One state entry returned by a range read. */
export interface StateEntry {
  readonly key: string;
  readonly value: JsonValue;
}

/**
 * The host side of a call: state of the calling contract's namespace (reads see the call's own
 * earlier writes, then the block's earlier transactions, then committed state) and events.
 * Methods throw a BsnError when a limit is exceeded (value size, key size, too many writes);
 * the executor turns that into a failed receipt.
 */
export interface HostApi {
  get(key: string): JsonValue | null;
  /** Optional: the canonical JSON text of what `get` would return (null when absent), for runtimes that pass values on as text. */
  getCanonical?(key: string): string | null;
  /**
   * Stores `value` under `key`. A runtime that already holds the value's canonical JSON text
   * (`canonicalString(value)`, e.g. because it measured it) passes it as `canonical`, and then
   * hands `value` over: the host may keep it without copying.
   */
  put(key: string, value: JsonValue, canonical?: string): void;
  del(key: string): void;
  /** Entries with `start <= key < end` in key order (`end` undefined: to the end), at most `limit`. */
  range(start: string, end: string | undefined, limit: number): StateEntry[];
  /** Emits an event; `canonical` as for {@link HostApi.put}. */
  emit(name: string, data: JsonValue, canonical?: string): void;
}

/** A call of a contract method. */
export interface Invocation {
  readonly method: string;
  readonly args: readonly JsonValue[];
  readonly caller: Caller;
  readonly tx: TxContext;
  /** Gas the call may use (the runtime's metering unit; deterministic across machines). */
  readonly gasLimit: number;
  /** True for a read-only query: the host rejects writes and events. */
  readonly readOnly: boolean;
}

/** The outcome of a call. On failure the executor discards the call's writes and events. */
export type InvocationResult =
  | {
      readonly ok: true;
      readonly result: JsonValue;
      readonly gasUsed: number;
      /** `canonicalString(result)` when the runtime has it; it then hands `result` over (no copy needed). */
      readonly canonical?: string;
    }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly gasUsed: number };

/** A deployed contract: its runtime, its code (a runtime-specific artifact) and the code's hash. */
export interface ContractCode {
  readonly name: string;
  readonly runtime: string;
  /** For `js`: the bundled ES module source. For `native`: the registered implementation's name. */
  readonly code: string;
  /** Hex hash of `code` (the bundle hash recorded on the system chain). */
  readonly codeHash: string;
}

/**
 * An instance of a contract prepared for executing calls. The executor opens one per
 * (block, contract), makes every call of that block through it, and disposes it after the block,
 * so a runtime may reuse expensive state within a block but never carries anything across blocks.
 */
export interface ContractInstance {
  /** Names of the callable (public) methods. */
  readonly methods: readonly string[];
  invoke(call: Invocation, host: HostApi): InvocationResult;
  dispose(): void;
}

/** A contract runtime: turns code into instances. */
export interface ContractRuntime {
  /** The runtime's name as used in {@link ContractCode.runtime} (`js`, `native`, …). */
  readonly name: string;
  /**
   * Checks code at deployment time (it must load and export at least one public method) and
   * returns the public method names; throws a BsnError with a clear code otherwise.
   */
  validate(code: ContractCode): Promise<readonly string[]> | readonly string[];
  /** Prepares an instance (synchronously: block execution is synchronous). */
  instantiate(code: ContractCode): ContractInstance;
}
