/**
 * The crossings every contract call makes (the host calling a prelude function, the prelude
 * calling a host function), done on quickjs-emscripten's FFI directly.
 *
 * Why: its handle API wraps every value in a Lifetime and every argument list in a heap array,
 * and runs each host function inside a Scope driven by a generator (for its asyncify build),
 * which cost more than the work they carry: about 1 µs per host→QuickJS call and 5–6 µs per
 * QuickJS→host call, out of a contract call of ~150 µs. Here a call allocates only what QuickJS
 * itself needs: the argument string, and the JSValue cells the C side hands over.
 *
 * The values that cross are strings (JSON text), null or undefined, the same as the prelude
 * exchanged through the handle API; each host function gets its arguments as strings and
 * numbers, and an exception it throws reaches QuickJS as the same Error the handle API would
 * have made of it. Everything else (loading the module, classifying errors) keeps the handle API.
 *
 * It relies on quickjs-emscripten 0.31's FFI contract: `module.callbacks.callFunction` is the
 * single entry from C for every host function (ids are ours to choose), a host function returns
 * a malloc'd JSValue cell (or 0 for undefined) that C frees, and the context's pointer is its
 * `ctx` lifetime. The package is pinned to that exact version; the constructor checks what it
 * needs and fails the sandbox's load loudly if a different build lacks it.
 */
import type {
  EitherFFI,
  EitherModule,
  JSContextPointer,
  JSValueConstPointer,
  JSValueConstPointerPointer,
  JSValuePointer,
  OwnedHeapCharPointer,
  QuickJSContext,
  QuickJSHandle,
  QuickJSRuntime,
} from 'quickjs-emscripten-core';
import { Lifetime } from 'quickjs-emscripten-core';

/** The arguments a host function was called with (valid only while it runs). */
export interface HostArgs {
  /** Argument `i` converted to a string, as `String(value)` inside QuickJS would ('' when absent). */
  string(i: number): string;
  /** Argument `i` as a number (NaN when it is not one). */
  number(i: number): number;
  /** True when argument `i` is absent or undefined. */
  isUndefined(i: number): boolean;
}

/** A host function: returns a string, null, or undefined (nothing); throws to throw into QuickJS. */
export type HostFunction = (args: HostArgs) => string | null | undefined;

/** Outcome of a call into QuickJS: the string it returned, or the exception it threw (the caller disposes it). */
export type CallResult = { value: string } | { error: QuickJSHandle };

/**
 * Our host function ids start here: QuickJS keeps a function's id in 16 signed bits, and
 * QuickJSContext.newFunction hands out 1, 2, 3… (the sandbox makes none of those itself).
 */
const FIRST_ID = 0x7000;

/** Direct crossings for one QuickJS runtime and context. */
export class Crossings {
  readonly #em: EitherModule;
  readonly #ffi: EitherFFI;
  readonly #runtime: QuickJSRuntime;
  readonly #context: QuickJSContext;
  readonly #ctx: JSContextPointer;
  readonly #undefined: JSValueConstPointer;
  readonly #null: JSValueConstPointer;
  readonly #functions: HostFunction[] = [];
  #view: Buffer | undefined;
  /** One JSValue* slot, the argument array of every call into QuickJS (they take at most one). */
  #argv = 0;
  /** The arguments of the host function running (saved and restored around each, should one ever nest). */
  #argc = 0;
  #args = 0;
  readonly #hostArgs: HostArgs = {
    string: (i) => (i < this.#argc ? this.#readString(this.#arg(i)) : ''),
    number: (i) => this.#ffi.QTS_GetFloat64(this.#ctx, this.#arg(i)),
    isUndefined: (i) => {
      const type = this.#ffi.QTS_Typeof(this.#ctx, this.#arg(i));
      const name = this.#em.UTF8ToString(type);
      this.#em._free(type);
      return name === 'undefined';
    },
  };

  constructor(em: EitherModule, ffi: EitherFFI, runtime: QuickJSRuntime, context: QuickJSContext) {
    this.#em = em;
    this.#ffi = ffi;
    this.#runtime = runtime;
    this.#context = context;
    const ctx = (context as unknown as { ctx?: { value?: unknown } }).ctx?.value;
    // The engine checked the FFI callbacks once when it loaded; the context pointer is per sandbox.
    if (typeof ctx !== 'number' || ctx === 0) {
      throw new Error(
        'this quickjs-emscripten build does not expose the context pointer the runtime calls directly',
      );
    }
    this.#ctx = ctx as JSContextPointer;
    this.#undefined = context.undefined.value as JSValueConstPointer;
    this.#null = context.null.value as JSValueConstPointer;
    this.#argv = em._malloc(4);
    if (this.#argv === 0) throw new Error('out of memory');
    const viaHandles = em.callbacks.callFunction;
    em.callbacks.callFunction = (asyncify, ctxPtr, thisPtr, argc, argv, id) =>
      id >= FIRST_ID && ctxPtr === this.#ctx
        ? this.#hostCall(id - FIRST_ID, argc, argv)
        : viaHandles(asyncify, ctxPtr, thisPtr, argc, argv, id);
  }

  /** A QuickJS function that runs `impl` (the caller sets it on an object and disposes the handle). */
  newFunction(name: string, impl: HostFunction): QuickJSHandle {
    const id = FIRST_ID + this.#functions.length;
    if (id > 0x7fff) throw new Error('too many host functions');
    this.#functions.push(impl);
    return this.#handle(this.#ffi.QTS_NewFunction(this.#ctx, id, name));
  }

  /**
   * Calls `fn` with `this` undefined and `arg` (a string) as its only argument, or none; returns
   * the string it returned (converted as `String(value)` would) or the exception it threw.
   * Returns undefined when the argument cannot even be allocated (the sandbox is out of memory).
   */
  call(fn: QuickJSHandle, arg?: string): CallResult | undefined {
    const em = this.#em;
    const ffi = this.#ffi;
    let argValue: JSValuePointer | undefined;
    if (arg !== undefined) {
      argValue = this.#newString(arg);
      if (argValue === undefined) return undefined;
      em.HEAP32[this.#argv >> 2] = argValue;
    }
    const result = ffi.QTS_Call(
      this.#ctx,
      fn.value,
      this.#undefined,
      argValue === undefined ? 0 : 1,
      this.#argv as JSValueConstPointerPointer,
    );
    if (argValue !== undefined) ffi.QTS_FreeValuePointer(this.#ctx, argValue);
    const error = ffi.QTS_ResolveException(this.#ctx, result);
    if (error) {
      ffi.QTS_FreeValuePointer(this.#ctx, result);
      return { error: this.#handle(error) };
    }
    const value = this.#readString(result);
    ffi.QTS_FreeValuePointer(this.#ctx, result);
    return { value };
  }

  /** Frees the argument slot (the QuickJS values are freed with the runtime). */
  dispose(): void {
    if (this.#argv !== 0) this.#em._free(this.#argv);
    this.#argv = 0;
  }

  #handle(ptr: JSValuePointer): QuickJSHandle {
    const ffi = this.#ffi;
    const ctx = this.#ctx;
    return new Lifetime(
      ptr,
      undefined,
      (p) => ffi.QTS_FreeValuePointer(ctx, p as JSValuePointer),
      this.#runtime,
    ) as unknown as QuickJSHandle;
  }

  /** The WebAssembly memory as a Buffer (a view, remade when the memory grows and replaces its buffer). */
  #memory(): Buffer {
    const buffer = this.#em.HEAPU8.buffer;
    if (this.#view?.buffer !== buffer) this.#view = Buffer.from(buffer);
    return this.#view;
  }

  /**
   * A QuickJS string of `text`, or undefined when its bytes cannot be allocated. Node's UTF-8
   * encoder writes what emscripten's would: every string crossing here is well-formed (JSON and
   * canonical text, which escape or refuse lone surrogates), the one case where they differ.
   */
  #newString(text: string): JSValuePointer | undefined {
    const size = Buffer.byteLength(text, 'utf8');
    const chars = this.#em._malloc(size + 1) as OwnedHeapCharPointer;
    if (chars === 0) return undefined;
    const memory = this.#memory();
    memory.write(text, chars, size, 'utf8');
    memory[chars + size] = 0;
    const value = this.#ffi.QTS_NewString(this.#ctx, chars);
    this.#em._free(chars);
    return value;
  }

  /** A QuickJS value as a string; QuickJS writes it as UTF-8 (well-formed: see #newString). */
  #readString(value: JSValuePointer | JSValueConstPointer): string {
    const chars = this.#ffi.QTS_GetString(this.#ctx, value);
    const memory = this.#memory();
    const text = memory.toString('utf8', chars, memory.indexOf(0, chars));
    this.#ffi.QTS_FreeCString(this.#ctx, chars);
    return text;
  }

  #arg(i: number): JSValueConstPointer {
    return i < this.#argc
      ? this.#ffi.QTS_ArgvGetJSValueConstPointer(this.#args as JSValueConstPointer, i)
      : this.#undefined;
  }

  /** The C → host entry for our functions: a JSValue cell for C to take, or 0 for undefined. */
  #hostCall(index: number, argc: number, argv: JSValueConstPointer): JSValuePointer {
    const impl = this.#functions[index];
    const outerArgc = this.#argc;
    const outerArgs = this.#args;
    this.#argc = argc;
    this.#args = argv;
    try {
      if (!impl) throw new Error(`no host function ${index}`);
      const result = impl(this.#hostArgs);
      if (result === undefined) return 0 as JSValuePointer;
      if (result === null) return this.#ffi.QTS_DupValuePointer(this.#ctx, this.#null);
      const value = this.#newString(result);
      // What QuickJS throws when its own allocation fails, so the call fails the same way.
      if (value === undefined) throw Object.assign(new Error('out of memory'), { name: 'InternalError' });
      return value;
    } catch (err) {
      // What the handle API does with a host function's exception: an Error with its name and message.
      const error = this.#context.newError(err as Error);
      const thrown = this.#ffi.QTS_Throw(this.#ctx, error.value);
      error.dispose();
      return thrown;
    } finally {
      this.#argc = outerArgc;
      this.#args = outerArgs;
    }
  }
}
