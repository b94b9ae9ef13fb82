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
import { setFlagsFromString } from 'node:v8';
import { BsnError } from '@bsn/core';
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
  /**
   * Address of the word holding the instance's heap break (emscripten's `sbrk`), or undefined when
   * it could not be found. Everything the instance ever wrote lies below the highest break it
   * reached, and this build's allocator never lowers the break (see {@link findBreakAddress}).
   */
  readonly breakAddress: number | undefined;
}

type EmscriptenFactory = (moduleArg: Record<string, unknown>) => unknown;
type FfiClass = new (module: EitherModule) => EitherFFI;

/** The compiled QuickJS WebAssembly module and its glue, from which sandboxes are instantiated. */
export class QuickJSEngine {
  readonly #factory: EmscriptenFactory;
  readonly #ffi: FfiClass;
  readonly #wasm: WasmModule;
  #breakAddress: number | undefined;

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
    // V8 first runs WebAssembly in its baseline tier (Liftoff), whose native stack frames are
    // larger than those of its optimising tier (TurboFan), and moves hot functions up as the
    // process warms. Where V8's own stack runs out under QuickJS's deepest C recursions therefore
    // moved with the node's age: a block that succeeded on a warmed-up node failed on a fresh
    // replay. Compiling QuickJS with TurboFan only keeps every frame the same size from the first
    // call (see docs/ledger.md, "Known limits", for what remains).
    setFlagsFromString('--no-liftoff');
    const wasm = await wasmApi.compile(bytes);
    const engine = new QuickJSEngine(glue.default, ffi.QuickJSFFI, wasm);
    const probe = engine.instantiate(0).module;
    // Sandboxes call into this build's FFI directly (see Crossings): a build without it is a node
    // fault, refused here once, not a failure of each contract loaded later.
    if (typeof (probe.callbacks as { callFunction?: unknown } | undefined)?.callFunction !== 'function') {
      throw new BsnError(
        'BSN_INTERNAL',
        `${VARIANT} does not expose the FFI callbacks the js runtime calls directly (is it 0.31?)`,
      );
    }
    engine.#breakAddress = findBreakAddress(bytes, probe);
    return engine;
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
    return { quickjs: new QuickJSWASMModule(module, ffi), module, ffi, breakAddress: this.#breakAddress };
  }
}

/**
 * Reads an unsigned LEB128 number at `at`; returns it and the position after it. Also reads the
 * i32.const addresses here (signed LEB128, equal for non-negative values, which addresses are).
 */
function leb(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  let byte: number;
  do {
    byte = bytes[at++] as number;
    value += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte & 0x80);
  return [value, at];
}

/**
 * The module's initial linear memory below its heap base (its data segments), and that heap base:
 * emscripten lays out static data, then the stack (growing down), then the heap, so the heap base
 * is the initial value of the module's only global, the stack pointer. Undefined when the module
 * is not built so.
 */
function initialData(bytes: Uint8Array): { data: Uint8Array; heapBase: number } | undefined {
  let heapBase: number | undefined;
  const segments: { offset: number; start: number; end: number }[] = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at++] as number;
    let size: number;
    [size, at] = leb(bytes, at);
    const end = at + size;
    if (id === 6) {
      // One global: i32, mutable, initialised by i32.const <heap base>.
      const [count, p] = leb(bytes, at);
      if (count !== 1 || bytes[p] !== 0x7f || bytes[p + 1] !== 1 || bytes[p + 2] !== 0x41) return undefined;
      heapBase = leb(bytes, p + 3)[0];
    } else if (id === 11) {
      let [count, p] = leb(bytes, at);
      for (; count > 0; count--) {
        // Active segments of memory 0 at an i32.const offset, as emscripten emits them.
        if (bytes[p] !== 0 || bytes[p + 1] !== 0x41) return undefined;
        let offset: number;
        [offset, p] = leb(bytes, p + 2);
        if (bytes[p++] !== 0x0b) return undefined;
        let length: number;
        [length, p] = leb(bytes, p);
        segments.push({ offset, start: p, end: p + length });
        p += length;
      }
    }
    at = end;
  }
  if (heapBase === undefined || heapBase >= 2 ** 31) return undefined;
  const data = new Uint8Array(heapBase);
  for (const { offset, start, end } of segments) {
    if (offset + (end - start) > heapBase) return undefined;
    data.set(bytes.subarray(start, end), offset);
  }
  return { data, heapBase };
}

/**
 * Finds the word where emscripten's `sbrk` keeps the heap break: a static of the data section,
 * initialised to the heap base. Every such word is a candidate; the break is the one that moves
 * past a large allocation made in `probe` (a fresh instance) and stays there when it is freed
 * (the allocator never gives memory back), which is what makes the highest break bound
 * everything an instance ever wrote. Undefined unless exactly one candidate behaves so: sandboxes
 * are then never reused.
 */
function findBreakAddress(bytes: Uint8Array, probe: EitherModule): number | undefined {
  const initial = initialData(bytes);
  if (!initial) return undefined;
  const { data, heapBase } = initial;
  const words = new DataView(data.buffer);
  const candidates: number[] = [];
  for (let address = 0; address + 4 <= data.length; address += 4) {
    if (words.getUint32(address, true) === heapBase) candidates.push(address);
  }
  const word = (address: number) => new DataView(probe.HEAPU8.buffer).getUint32(address, true);
  const size = 1024 * 1024;
  const before = candidates.map(word);
  const block = probe._malloc(size);
  if (block === 0) return undefined;
  const after = candidates.map(word);
  probe._free(block);
  const found = candidates.filter(
    (address, i) =>
      (after[i] as number) > (before[i] as number) &&
      (after[i] as number) >= block + size &&
      word(address) === after[i],
  );
  return found.length === 1 ? found[0] : undefined;
}
