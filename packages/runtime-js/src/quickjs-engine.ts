/**
 * Loads QuickJS (quickjs-emscripten's release-sync WebAssembly build) once, then makes a new,
 * isolated WebAssembly instance of it synchronously for every sandbox.
 *
 * Why an instance per sandbox rather than many QuickJS runtimes in one shared instance: in the
 * WebAssembly build QuickJS cannot measure its allocations (`malloc_usable_size` is unavailable),
 * so its memory limit only bounds single allocations and their count, not their total. A contract
 * keeping a thousand 1 MiB strings would grow a shared heap by 1 GiB, and when the heap finally ran
 * out the point of failure would depend on what else the node had run in it — different on every
 * node. With its own instance and a capped `WebAssembly.Memory`, a sandbox's heap holds only what
 * its contract did, in the same order on every node, so running out happens at the same point
 * everywhere and can never take more than the cap from the node.
 *
 * The Node flavour of the emscripten glue awaits a dynamic import before instantiating, so it
 * cannot be used synchronously; the browser flavour of the same build has no such await and, given
 * an `instantiateWasm` hook that instantiates an already compiled module, is ready when it returns.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type EitherFFI, type EitherModule, QuickJSWASMModule } from 'quickjs-emscripten-core';

const VARIANT = '@jitl/quickjs-wasmfile-release-sync';
const WASM_PAGE = 64 * 1024;
/** The build's own minimum memory (its INITIAL_MEMORY). */
const INITIAL_PAGES = 256;

/** The part of the WebAssembly JS API used here (the repository's TypeScript lib has no DOM types). */
interface WasmModule {
  readonly __brand?: 'WebAssembly.Module';
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  Instance: new (module: WasmModule, imports: Record<string, unknown>) => WasmInstance;
  Memory: new (descriptor: { initial: number; maximum: number }) => unknown;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** One QuickJS WebAssembly instance (see {@link QuickJSEngine.instantiate}). */
export interface QuickJSInstance {
  readonly quickjs: QuickJSWASMModule;
  readonly module: EitherModule;
  readonly ffi: EitherFFI;
}

type EmscriptenFactory = (moduleArg: Record<string, unknown>) => unknown;
type FfiClass = new (module: EitherModule) => EitherFFI;

/** The compiled QuickJS WebAssembly module and its glue, from which sandboxes are instantiated. */
export class QuickJSEngine {
  readonly #factory: EmscriptenFactory;
  readonly #ffi: FfiClass;
  readonly #wasm: WasmModule;

  private constructor(factory: EmscriptenFactory, ffi: FfiClass, wasm: WasmModule) {
    this.#factory = factory;
    this.#ffi = ffi;
    this.#wasm = wasm;
  }

  /** Reads and compiles the WebAssembly module (asynchronous, once per process or runtime). */
  static async load(): Promise<QuickJSEngine> {
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve(`${VARIANT}/package.json`)), 'dist');
    const [glue, ffi, bytes] = await Promise.all([
      import(pathToFileURL(join(dir, 'emscripten-module.browser.mjs')).href) as Promise<{
        default: EmscriptenFactory;
      }>,
      import(`${VARIANT}/ffi`) as Promise<{ QuickJSFFI: FfiClass }>,
      readFile(join(dir, 'emscripten-module.wasm')),
    ]);
    const wasm = await wasmApi.compile(bytes);
    return new QuickJSEngine(glue.default, ffi.QuickJSFFI, wasm);
  }

  /**
   * A fresh QuickJS instance whose linear memory can never exceed `maxMemoryBytes` (rounded up to
   * pages): quickjs-emscripten's module over it, and the emscripten module and FFI beneath.
   */
  instantiate(maxMemoryBytes: number): QuickJSInstance {
    const maximum = Math.max(INITIAL_PAGES, Math.ceil(maxMemoryBytes / WASM_PAGE));
    const wasm = this.#wasm;
    let ready = false;
    const moduleArg: Record<string, unknown> = {
      wasmMemory: new wasmApi.Memory({ initial: INITIAL_PAGES, maximum }),
      instantiateWasm(imports: Record<string, unknown>, receive: (instance: WasmInstance) => void) {
        const instance = new wasmApi.Instance(wasm, imports);
        receive(instance);
        ready = true;
        return instance.exports;
      },
      print: () => {},
      printErr: () => {},
    };
    this.#factory(moduleArg);
    if (!ready || moduleArg.calledRun !== true) {
      throw new Error('QuickJS WebAssembly module did not initialise synchronously');
    }
    moduleArg.type = 'sync';
    const module = moduleArg as unknown as EitherModule;
    const ffi = new this.#ffi(module);
    return { quickjs: new QuickJSWASMModule(module, ffi), module, ffi };
  }
}
