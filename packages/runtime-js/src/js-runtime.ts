/**
 * The `js` contract runtime: TypeScript/JavaScript contracts bundled into one ES module and run in
 * QuickJS compiled to WebAssembly, one sandbox per (block, contract).
 */
import { BsnError, canonicalString } from '@bsn/core';
import type {
  ContractCode,
  ContractInstance,
  ContractRuntime,
  HostApi,
  Invocation,
  InvocationResult,
} from '@bsn/ledger';
import { type JsRuntimeOptions, resolveJsRuntimeOptions } from './options.js';
import { QuickJSEngine } from './quickjs-engine.js';
import { isAbnormalFailure, Sandbox } from './sandbox.js';

/**
 * An instance of a js contract for one block. It keeps one sandbox for all the block's calls and
 * replaces it after an abnormal failure (out of gas, memory or stack), which every node does at
 * the same call, so reuse never makes nodes diverge.
 */
class JsContractInstance implements ContractInstance {
  readonly methods: readonly string[];
  readonly #engine: QuickJSEngine;
  readonly #code: ContractCode;
  readonly #opts: JsRuntimeOptions;
  #sandbox: Sandbox | undefined;
  #disposed = false;

  constructor(engine: QuickJSEngine, code: ContractCode, opts: JsRuntimeOptions) {
    this.#engine = engine;
    this.#code = code;
    this.#opts = opts;
    this.#sandbox = new Sandbox(engine, code.code, opts);
    this.methods = this.#sandbox.methods;
  }

  invoke(call: Invocation, host: HostApi): InvocationResult {
    if (this.#disposed)
      throw new BsnError('BSN_INTERNAL', `instance of contract "${this.#code.name}" used after dispose`);
    const base = this.#opts.hostCallGas;
    if (!this.methods.includes(call.method)) {
      return {
        ok: false,
        code: 'BSN_CONTRACT_METHOD_NOT_FOUND',
        message: `contract "${this.#code.name}" has no public method "${call.method}"`,
        gasUsed: Math.min(base, call.gasLimit),
      };
    }
    let argsJson: string;
    try {
      argsJson = canonicalString(call.args);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return {
        ok: false,
        code: 'BSN_ENCODING_INVALID',
        message: `call arguments: ${message}`,
        gasUsed: Math.min(base, call.gasLimit),
      };
    }
    const size = Buffer.byteLength(argsJson, 'utf8');
    if (size > this.#opts.maxArgsBytes) {
      return {
        ok: false,
        code: 'BSN_CONTRACT_ARGS_TOO_LARGE',
        message: `the arguments are ${size} bytes, more than the limit of ${this.#opts.maxArgsBytes}`,
        gasUsed: Math.min(base, call.gasLimit),
      };
    }
    let sandbox = this.#sandbox;
    if (!sandbox) {
      try {
        sandbox = new Sandbox(this.#engine, this.#code.code, this.#opts);
      } catch (err) {
        if (!(err instanceof BsnError)) throw err;
        return { ok: false, code: err.code, message: err.message, gasUsed: Math.min(base, call.gasLimit) };
      }
      this.#sandbox = sandbox;
    }
    const result = sandbox.call(call, host, argsJson);
    if (isAbnormalFailure(result)) {
      sandbox.dispose();
      this.#sandbox = undefined;
    }
    return result;
  }

  dispose(): void {
    this.#disposed = true;
    this.#sandbox?.dispose();
    this.#sandbox = undefined;
  }
}

/** Runs js contracts. Create it with {@link createJsRuntime}, which loads QuickJS once. */
export class JsRuntime implements ContractRuntime {
  readonly name = 'js';
  /** The limits and gas prices in force (frozen). */
  readonly options: JsRuntimeOptions;
  readonly #engine: QuickJSEngine;

  /** Prefer {@link createJsRuntime}; this takes an already loaded engine. */
  constructor(options: JsRuntimeOptions, modules: { engine: QuickJSEngine }) {
    this.options = resolveJsRuntimeOptions(options);
    this.#engine = modules.engine;
  }

  /** Loads `code` in a throw-away sandbox and returns its public methods; throws BSN_CONTRACT_LOAD_FAILED if it cannot. */
  validate(code: ContractCode): readonly string[] {
    this.#checkRuntime(code);
    const sandbox = new Sandbox(this.#engine, code.code, this.options);
    try {
      return sandbox.methods;
    } finally {
      sandbox.dispose();
    }
  }

  /** A new instance for one block's calls of this contract (evaluates the module once). */
  instantiate(code: ContractCode): ContractInstance {
    this.#checkRuntime(code);
    return new JsContractInstance(this.#engine, code, this.options);
  }

  #checkRuntime(code: ContractCode): void {
    if (code.runtime !== this.name) {
      throw new BsnError(
        'BSN_INVALID_ARGUMENT',
        `contract "${code.name}" is for runtime "${code.runtime}", not "js"`,
      );
    }
  }
}

/** Loads the QuickJS WebAssembly module (once, asynchronously) and returns a runtime; everything after is synchronous. */
export async function createJsRuntime(opts: Partial<JsRuntimeOptions> = {}): Promise<JsRuntime> {
  const options = resolveJsRuntimeOptions(opts);
  return new JsRuntime(options, { engine: await QuickJSEngine.load() });
}
