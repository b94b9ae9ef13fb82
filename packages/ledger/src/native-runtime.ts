/**
 * The `native` runtime: trusted contracts written in TypeScript as part of this repository (the
 * system chain's governance, membership and service registry; later payments and identifiers).
 * They are shaped exactly like JS contracts — `method(ctx, ...args)` with the same `ctx` — so
 * that system contracts all look alike and read like user contracts; only where they run differs.
 */
import { BsnError, type JsonValue } from '@bsn/core';
import type {
  Caller,
  ContractCode,
  ContractInstance,
  ContractRuntime,
  HostApi,
  Invocation,
  InvocationResult,
  StateEntry,
  TxContext,
} from './runtime.js';

/** What a contract method receives as its first argument (the same shape in every runtime). */
export interface ContractContext {
  readonly state: {
    get(key: string): JsonValue | null;
    put(key: string, value: JsonValue): void;
    del(key: string): void;
    range(start: string, end?: string, limit?: number): StateEntry[];
  };
  emit(name: string, data: JsonValue): void;
  readonly caller: Caller;
  readonly tx: TxContext;
}

/** A native contract: an object whose own function-valued properties are its methods. */
export type NativeContract = Record<
  string,
  (ctx: ContractContext, ...args: JsonValue[]) => JsonValue | undefined
>;

/** Error a contract throws to fail a transaction with its own code (`BSN_CONTRACT_…` or a contract-chosen code). */
export class ContractError extends BsnError {
  override readonly name = 'ContractError';
}

/** Gas charged per native call: native code is trusted, so metering is nominal but deterministic. */
const NATIVE_CALL_GAS = 1;
const DEFAULT_RANGE_LIMIT = 1000;

function contextFor(call: Invocation, host: HostApi): ContractContext {
  return {
    state: {
      get: (key) => host.get(key),
      put: (key, value) => host.put(key, value),
      del: (key) => host.del(key),
      range: (start, end, limit) => host.range(start, end, limit ?? DEFAULT_RANGE_LIMIT),
    },
    emit: (name, data) => host.emit(name, data),
    caller: call.caller,
    tx: call.tx,
  };
}

function publicMethods(contract: NativeContract): string[] {
  return Object.keys(contract)
    .filter((m) => !m.startsWith('_') && typeof contract[m] === 'function')
    .sort();
}

/** Runs registered native contracts; `code` in {@link ContractCode} names the registered implementation. */
export class NativeRuntime implements ContractRuntime {
  readonly name = 'native';
  readonly #contracts = new Map<string, NativeContract>();

  /** Registers an implementation under `id` (what a chain's ContractCode.code refers to). */
  register(id: string, contract: NativeContract): this {
    this.#contracts.set(id, contract);
    return this;
  }

  #lookup(code: ContractCode): NativeContract {
    const contract = this.#contracts.get(code.code);
    if (!contract) {
      throw new BsnError('BSN_CONTRACT_NOT_FOUND', `native contract "${code.code}" is not registered`, {
        details: { contract: code.name, implementation: code.code },
      });
    }
    return contract;
  }

  validate(code: ContractCode): readonly string[] {
    return publicMethods(this.#lookup(code));
  }

  instantiate(code: ContractCode): ContractInstance {
    const contract = this.#lookup(code);
    const methods = publicMethods(contract);
    return {
      methods,
      invoke(call: Invocation, host: HostApi): InvocationResult {
        if (!methods.includes(call.method)) {
          return {
            ok: false,
            code: 'BSN_CONTRACT_METHOD_NOT_FOUND',
            message: `contract "${code.name}" has no public method "${call.method}"`,
            gasUsed: NATIVE_CALL_GAS,
          };
        }
        try {
          const result = contract[call.method]!(contextFor(call, host), ...call.args);
          return { ok: true, result: result === undefined ? null : result, gasUsed: NATIVE_CALL_GAS };
        } catch (err) {
          if (err instanceof BsnError)
            return { ok: false, code: err.code, message: err.message, gasUsed: NATIVE_CALL_GAS };
          throw err; // a bug in trusted code: let the node see it rather than record it in a receipt
        }
      },
      dispose() {},
    };
  }
}
