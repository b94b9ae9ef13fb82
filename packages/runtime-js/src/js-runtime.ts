/**
 * The `js` contract runtime: TypeScript/JavaScript contracts bundled into one ES module and run in
 * QuickJS compiled to WebAssembly, one sandbox per (block, contract), each block's sandbox starting
 * from the state loading left it in.
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

/** How many loaded sandboxes a runtime keeps for later blocks (each holds up to ~16 MiB of memory and a copy of what it used). */
const MAX_IDLE_SANDBOXES = 4;

/**
 * Loaded sandboxes not in use, by contract code. Loading (a new WebAssembly instance, QuickJS,
 * the prelude, the contract module) costs milliseconds; a sandbox returned here is reset to the
 * state loading left it in (see {@link Sandbox.reset}), byte for byte, so the next block it serves
 * sees exactly what a newly loaded one would and nothing carries over from the blocks before.
 */
class SandboxPool {
  readonly #engine: QuickJSEngine;
  readonly #opts: JsRuntimeOptions;
  readonly #reuse: boolean;
  /** Least recently returned first. */
  readonly #idle = new Map<string, Sandbox>();
  /** Sandboxes loaded so far (each costs milliseconds; reuse keeps this low). */
  loaded = 0;

  constructor(engine: QuickJSEngine, opts: JsRuntimeOptions, reuse: boolean) {
    this.#engine = engine;
    this.#opts = opts;
    this.#reuse = reuse;
  }

  /** A sandbox with `code` loaded, ready for calls; throws BSN_CONTRACT_LOAD_FAILED if it cannot load. */
  take(code: string): Sandbox {
    const idle = this.#idle.get(code);
    if (idle !== undefined) {
      this.#idle.delete(code);
      return idle;
    }
    const sandbox = new Sandbox(this.#engine, code, this.#opts);
    this.loaded++;
    return sandbox;
  }

  /** Resets a sandbox for further calls; false (the caller disposes it) when it cannot be or reuse is off. */
  reset(sandbox: Sandbox): boolean {
    return this.#reuse && sandbox.reset();
  }

  /** Takes back a sandbox of `code` that is no longer used: kept if it can be reset, disposed otherwise. */
  give(code: string, sandbox: Sandbox): void {
    if (this.#idle.has(code) || !this.reset(sandbox)) {
      sandbox.dispose();
      return;
    }
    this.#idle.set(code, sandbox);
    if (this.#idle.size > MAX_IDLE_SANDBOXES) {
      for (const [oldest, old] of this.#idle) {
        this.#idle.delete(oldest);
        old.dispose();
        break;
      }
    }
  }
}

/**
 * An instance of a js contract for one block. It keeps one sandbox for all the block's calls and
 * resets it (or, when it cannot be reset, replaces it) after an abnormal failure (out of gas,
 * memory or stack), which every node does at the same call, so reuse never makes nodes diverge.
 */
class JsContractInstance implements ContractInstance {
  readonly methods: readonly string[];
  readonly #pool: SandboxPool;
  readonly #code: ContractCode;
  readonly #opts: JsRuntimeOptions;
  #sandbox: Sandbox | undefined;
  #disposed = false;

  constructor(pool: SandboxPool, code: ContractCode, opts: JsRuntimeOptions) {
    this.#pool = pool;
    this.#code = code;
    this.#opts = opts;
    this.#sandbox = pool.take(code.code);
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
        sandbox = this.#pool.take(this.#code.code);
      } catch (err) {
        if (!(err instanceof BsnError)) throw err;
        return { ok: false, code: err.code, message: err.message, gasUsed: Math.min(base, call.gasLimit) };
      }
      this.#sandbox = sandbox;
    }
    const result = sandbox.call(call, host, argsJson);
    if (isAbnormalFailure(result) && !this.#pool.reset(sandbox)) {
      sandbox.dispose();
      this.#sandbox = undefined;
    }
    return result;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#sandbox) this.#pool.give(this.#code.code, this.#sandbox);
    this.#sandbox = undefined;
  }
}

/** Runs js contracts. Create it with {@link createJsRuntime}, which loads QuickJS once. */
export class JsRuntime implements ContractRuntime {
  readonly name = 'js';
  /** The limits and gas prices in force (frozen). */
  readonly options: JsRuntimeOptions;
  readonly #pool: SandboxPool;

  /**
   * Prefer {@link createJsRuntime}; this takes an already loaded engine. `reuseSandboxes: false`
   * loads a new sandbox wherever one would be reset and reused (only to compare the two in tests).
   */
  constructor(options: JsRuntimeOptions, modules: { engine: QuickJSEngine; reuseSandboxes?: boolean }) {
    this.options = resolveJsRuntimeOptions(options);
    this.#pool = new SandboxPool(modules.engine, this.options, modules.reuseSandboxes ?? true);
  }

  /** How many sandboxes this runtime has loaded (the rest of its blocks and queries reused one). */
  get sandboxesLoaded(): number {
    return this.#pool.loaded;
  }

  /** Loads `code` in a throw-away sandbox and returns its public methods; throws BSN_CONTRACT_LOAD_FAILED if it cannot. */
  validate(code: ContractCode): readonly string[] {
    this.#checkRuntime(code);
    const sandbox = this.#pool.take(code.code);
    const methods = sandbox.methods;
    this.#pool.give(code.code, sandbox);
    return methods;
  }

  /** A new instance for one block's calls of this contract (a sandbox as loading left it). */
  instantiate(code: ContractCode): ContractInstance {
    this.#checkRuntime(code);
    return new JsContractInstance(this.#pool, code, this.options);
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
