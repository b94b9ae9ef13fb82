/**
 * One sandbox: a QuickJS runtime and context in their own WebAssembly instance, with the
 * contract module evaluated once, ready to run calls one after another (the calls of one block).
 *
 * Metering. QuickJS calls the interrupt handler once every ~10,000 interpreter polls (loop
 * iterations and function calls); the count of those ticks for the same code and the same
 * inputs is the same on every machine, so `ticks · gasPerTick` plus a price per host call and per
 * byte crossing the boundary is a deterministic gas figure. When a call reaches its limit the
 * handler interrupts QuickJS, which throws an error the contract cannot catch.
 *
 * Failures the host detects (out of gas, a forbidden API, a host limit, a write in a read-only
 * call) are "sticky": once recorded they decide the call's outcome, even if the contract catches
 * the error it was given, and the next tick interrupts it.
 *
 * Crossings. Each crossing between QuickJS and the host costs more than most contract code, so a
 * call crosses once in (one JSON string: method, arguments, tx, and the caller only when the
 * prelude does not hold it already) and once out (the outcome). Writes and events are queued inside the sandbox and applied
 * here in order before the next read, with the outcome, or every few dozen operations, each
 * charged and checked exactly as if it had crossed alone. So a write the host refuses fails the
 * call with the host's code as before, but the contract is told at its next read or when it
 * returns rather than at the write itself (if it runs out of gas first, that is the failure).
 */
import { BoundedMap, BsnError, canonicalString, type JsonValue } from '@bsn/core';
import type { HostApi, Invocation, InvocationResult, TxContext } from '@bsn/ledger';
import {
  DefaultIntrinsics,
  type EitherModule,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSRuntime,
} from 'quickjs-emscripten-core';
import { Crossings, type HostArgs } from './crossings.js';
import { type RuntimeJsErrorCode, runtimeJsErrorCodes } from './errors.js';
import { type JsRuntimeOptions, SANDBOX_BASE_MEMORY_BYTES } from './options.js';
import type { QuickJSEngine } from './quickjs-engine.js';
import { HOST_GLOBAL, SANDBOX_PRELUDE } from './sandbox-prelude.js';

/** Codes after which the sandbox is thrown away: its heap or stack may be left in a state no other node shares. */
const ABNORMAL: ReadonlySet<string> = new Set<RuntimeJsErrorCode>([
  'BSN_CONTRACT_OUT_OF_GAS',
  'BSN_CONTRACT_OUT_OF_MEMORY',
  'BSN_CONTRACT_STACK_OVERFLOW',
]);

/** True when a failed call leaves the sandbox unfit for further calls. */
export function isAbnormalFailure(result: InvocationResult): boolean {
  return !result.ok && ABNORMAL.has(result.code);
}

type Outcome = { ok: true; result: JsonValue; canonical: string } | { ok: false; failure: Failure };

interface Failure {
  readonly code: string;
  readonly message: string;
}

/** QuickJS could not allocate: its own "out of memory", or no memory left for a call's argument. */
const OUT_OF_MEMORY: Failure = { code: 'BSN_CONTRACT_OUT_OF_MEMORY', message: 'out of memory' };

/**
 * V8's own stack ran out while QuickJS or the host code it called was running. Where that happens
 * depends on V8's stack size and on how its tiers compiled QuickJS, not only on the contract, so
 * it is a known gap in determinism (docs/ledger.md, "Known limits"); the receipt at least carries no
 * V8 text. Other RangeErrors (memory allocation) are the node's and are not turned into receipts.
 */
function isHostStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack size/i.test(err.message);
}

const HOST_STACK_OVERFLOW = 'stack overflow (host stack exhausted)';

/** Thrown by host functions to unwind into the sandbox after a sticky failure was recorded. */
class StickyFailure extends Error {}

/** How many callers a sandbox keeps (deep-frozen, a few hundred bytes each) so they are sent once. */
const CALLER_SLOTS = 256;

/** A run of linear memory in a sandbox's snapshot: its bytes, or undefined when they are all zero. */
interface ImageRun {
  readonly start: number;
  readonly end: number;
  readonly bytes: Buffer | undefined;
}

/** Granularity of the snapshot's zero runs, and of the zero checks of a reset. */
const PAGE = 4096;
const CHUNK = 64 * 1024;
const ZEROS = Buffer.alloc(CHUNK);

/** True when memory[start, end) (at most a chunk) holds only zeros. */
function isZero(memory: Uint8Array, start: number, end: number): boolean {
  return Buffer.compare(memory.subarray(start, end), ZEROS.subarray(0, end - start)) === 0;
}

/**
 * Zeroes memory[start, end), writing only the chunks that are not zero already: most of a zero run
 * is C stack no call ever reached, and reading it is cheaper than writing it (and, for pages never
 * touched, leaves them unmapped).
 */
function clear(memory: Uint8Array, start: number, end: number): void {
  for (let at = start; at < end; at += CHUNK) {
    const stop = Math.min(at + CHUNK, end);
    if (!isZero(memory, at, stop)) memory.fill(0, at, stop);
  }
}

/** How a failure names a state value (by its key) or an event's data (by the event's name). */
function describe(kind: 'value' | 'event', name: string): string {
  return kind === 'value'
    ? `the value of "${name.slice(0, 64)}"`
    : `the data of event "${name.slice(0, 64)}"`;
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * A tx as the prelude takes it: its five fields in order as an array when it has exactly the usual
 * keys (in the usual order) holding strings and numbers, which QuickJS parses faster than the
 * object; otherwise the object itself. Either way the contract gets the same object.
 */
function txJson(tx: TxContext): string {
  const keys = Object.keys(tx);
  if (
    keys.length === 5 &&
    keys[0] === 'id' &&
    keys[1] === 'chain' &&
    keys[2] === 'height' &&
    keys[3] === 'time' &&
    keys[4] === 'index' &&
    typeof tx.id === 'string' &&
    typeof tx.chain === 'string' &&
    typeof tx.height === 'number' &&
    typeof tx.time === 'number' &&
    typeof tx.index === 'number'
  ) {
    return JSON.stringify([tx.id, tx.chain, tx.height, tx.time, tx.index]);
  }
  return JSON.stringify(tx);
}

/** A loaded contract in its own QuickJS instance. Not reentrant: one call at a time. */
export class Sandbox {
  /** The contract's public method names, sorted. */
  readonly methods: readonly string[];
  readonly #opts: JsRuntimeOptions;
  readonly #em: EitherModule;
  readonly #breakAddress: number | undefined;
  /** The linear memory below the heap break right after loading (see {@link Sandbox.reset}), and that break. */
  #image: ImageRun[] | undefined;
  #imageEnd = 0;
  /** The memory's size right after loading. */
  #loadedBytes = 0;
  /** Set when an exception unwound through the WebAssembly code: its stack pointer may be off. */
  #tainted = false;
  readonly #crossings: Crossings;
  readonly #runtime: QuickJSRuntime;
  readonly #context: QuickJSContext;
  readonly #invokeFn: QuickJSHandle;
  readonly #takeFn: QuickJSHandle;
  // Per-call metering and host state, reset by each call.
  #ticks = 0;
  #hostGas = 0;
  #gasLimit = 0;
  #failure: Failure | undefined;
  #crash: unknown;
  #host: HostApi | undefined;
  #readOnly = false;
  /** The write queue being applied and the position in it. */
  #ops = '';
  #at = 0;
  /** The canonical encoding of the value #parseValue last parsed. */
  #canonical = '';
  /** The JSON text of the call's last state value put and its canonical encoding (often also its result). */
  #putJson: string | undefined;
  #putCanonical = '';
  /**
   * The slot of each caller (as JSON) the prelude holds. Slots are handed out in turn, so when the
   * map is full its oldest caller is the one in the slot handed out next, and the map drops it.
   */
  readonly #callerSlots = new BoundedMap<string, number>(CALLER_SLOTS);
  #nextSlot = 0;

  /** Instantiates QuickJS, installs the prelude and evaluates `code`; throws BSN_CONTRACT_LOAD_FAILED if it cannot. */
  constructor(engine: QuickJSEngine, code: string, opts: JsRuntimeOptions) {
    this.#opts = opts;
    const instance = engine.instantiate(opts.memoryLimitBytes + SANDBOX_BASE_MEMORY_BYTES);
    this.#em = instance.module;
    this.#breakAddress = instance.breakAddress;
    this.#runtime = instance.quickjs.newRuntime();
    this.#runtime.setMemoryLimit(opts.memoryLimitBytes);
    this.#runtime.setMaxStackSize(opts.maxStackBytes);
    this.#runtime.setInterruptHandler(() => this.#onTick());
    this.#context = this.#runtime.newContext({ intrinsics: { ...DefaultIntrinsics, Date: false } });
    try {
      this.#crossings = new Crossings(instance.module, instance.ffi, this.#runtime, this.#context);
      this.#installHost();
      this.#gasLimit = opts.loadGasLimit;
      this.#expectOk(
        this.#context.evalCode(SANDBOX_PRELUDE, 'bsn-prelude.js', { type: 'global', strict: true }),
        'prelude',
      ).dispose();
      this.#invokeFn = this.#global('__bsnInvoke');
      this.#takeFn = this.#global('__bsnTake');
      this.methods = this.#load(code);
      this.#snapshot();
    } catch (err) {
      this.dispose();
      if (err instanceof BsnError) throw err;
      if (isHostStackOverflow(err)) {
        throw new BsnError(
          'BSN_CONTRACT_LOAD_FAILED',
          `the contract could not be loaded: ${HOST_STACK_OVERFLOW}`,
          {
            cause: err,
          },
        );
      }
      // Any other RangeError is the node's own (memory for the instance): not the contract's failure.
      if (err instanceof RangeError) throw err;
      throw new BsnError('BSN_CONTRACT_LOAD_FAILED', `the contract could not be loaded: ${String(err)}`, {
        cause: err,
      });
    }
  }

  /**
   * Keeps a copy of the memory as loading left it, everything the instance has written being below
   * the break: as runs of 4 KiB pages, those holding only zeros (most of the 5 MiB C stack) kept as
   * their extent alone, which a reset checks and zeroes only where a call wrote.
   */
  #snapshot(): void {
    if (this.#breakAddress === undefined) return;
    const memory = this.#em.HEAPU8;
    const brk = new DataView(memory.buffer).getUint32(this.#breakAddress, true);
    if (brk > memory.length) return;
    const image: ImageRun[] = [];
    for (let start = 0; start < brk; ) {
      const zero = isZero(memory, start, Math.min(start + PAGE, brk));
      let end = Math.min(start + PAGE, brk);
      while (end < brk && isZero(memory, end, Math.min(end + PAGE, brk)) === zero)
        end = Math.min(end + PAGE, brk);
      image.push({ start, end, bytes: zero ? undefined : Buffer.from(memory.subarray(start, end)) });
      start = end;
    }
    this.#image = image;
    this.#imageEnd = brk;
    this.#loadedBytes = memory.length;
  }

  /**
   * Returns the sandbox to exactly the state loading left it in, so it can serve another block as a
   * new sandbox would: the memory below the break is copied back from the snapshot and what the
   * heap took since is zeroed again (the allocator never lowers the break, so nothing was written
   * above it), which takes back the contract's globals, the prelude's callers, the interrupt counter
   * and the allocator's state alike. The WebAssembly instance's only other state, its stack
   * pointer, is back where it was whenever no exception unwound through it. Returns false, leaving
   * the sandbox as it is, when that cannot be guaranteed or the memory grew (a reused sandbox
   * should not hold more than a new one would): the caller then disposes it.
   */
  reset(): boolean {
    const image = this.#image;
    if (image === undefined || this.#tainted || this.#breakAddress === undefined) return false;
    const memory = this.#em.HEAPU8;
    if (memory.length !== this.#loadedBytes) return false;
    const brk = new DataView(memory.buffer).getUint32(this.#breakAddress, true);
    if (brk < this.#imageEnd || brk > memory.length) return false;
    for (const run of image) {
      if (run.bytes !== undefined) memory.set(run.bytes, run.start);
      else clear(memory, run.start, run.end);
    }
    memory.fill(0, this.#imageEnd, brk);
    this.#forgetCallers();
    return true;
  }

  /** Forgets which callers the prelude holds (it holds none, or may not), so each is sent again. */
  #forgetCallers(): void {
    this.#callerSlots.clear();
    this.#nextSlot = 0;
  }

  #global(name: string): QuickJSHandle {
    return this.#context.getProp(this.#context.global, name);
  }

  #expectOk(result: ReturnType<QuickJSContext['evalCode']>, what: string): QuickJSHandle {
    if (result.error) {
      const failure = this.#failure ?? this.#classify(result.error);
      result.error.dispose();
      throw new BsnError(
        'BSN_CONTRACT_LOAD_FAILED',
        `the contract ${what} failed to evaluate: ${failure.code}: ${failure.message}`,
        {
          details: { cause: failure.code },
        },
      );
    }
    return result.value;
  }

  #load(code: string): string[] {
    const ctx = this.#context;
    let ns = this.#expectOk(ctx.evalCode(code, 'contract.js', { type: 'module', strict: true }), 'module');
    const state = ctx.getPromiseState(ns);
    if (state.type === 'pending') {
      this.#runtime.executePendingJobs(-1);
    }
    const settled = ctx.getPromiseState(ns);
    if (settled.type !== 'fulfilled') {
      ns.dispose();
      const reason =
        settled.type === 'rejected'
          ? this.#classify(settled.error)
          : { code: 'BSN_CONTRACT_ASYNC_UNSETTLED', message: 'top-level await never settled' };
      throw new BsnError(
        'BSN_CONTRACT_LOAD_FAILED',
        `the contract module failed to evaluate: ${reason.code}: ${reason.message}`,
      );
    }
    if (!settled.notAPromise) {
      ns.dispose();
      ns = settled.value;
    }
    const exported = ctx.getProp(ns, 'default');
    ns.dispose();
    const bind = this.#global('__bsnBind');
    const bound = ctx.callFunction(bind, ctx.undefined, exported);
    bind.dispose();
    exported.dispose();
    const names = this.#expectOk(bound, 'default export');
    const json = ctx.getString(names);
    names.dispose();
    return JSON.parse(json) as string[];
  }

  #onTick(): boolean {
    this.#ticks++;
    if (this.#failure) return true;
    if (this.#gasSoFar() > this.#gasLimit) {
      this.#failure = this.#outOfGas();
      return true;
    }
    return false;
  }

  /** The failure of a call past its gas limit, wherever that is noticed. */
  #outOfGas(): Failure {
    return {
      code: 'BSN_CONTRACT_OUT_OF_GAS',
      message: `the call used more than its gas limit of ${this.#gasLimit}`,
    };
  }

  #gasSoFar(): number {
    return this.#ticks * this.#opts.gasPerTick + this.#hostGas;
  }

  /** Records a sticky failure and unwinds the host function that detected it. */
  #fail(code: RuntimeJsErrorCode | string, message: string): never {
    this.#failure ??= { code, message };
    throw new StickyFailure(message);
  }

  #charge(bytes: number): void {
    this.#hostGas += this.#opts.hostCallGas + bytes * this.#opts.hostByteGas;
    if (this.#gasSoFar() > this.#gasLimit) {
      const { code, message } = this.#outOfGas();
      this.#fail(code, message);
    }
  }

  #requireHost(write: boolean, what: string): HostApi {
    if (write && this.#readOnly)
      this.#fail('BSN_CONTRACT_READ_ONLY', `${what} is not allowed in a read-only call`);
    if (!this.#host)
      this.#fail('BSN_CONTRACT_FORBIDDEN_API', `${what} is only available while a method runs`);
    return this.#host;
  }

  /** A key or name, which arrive JSON-encoded (see the prelude): C strings would end at a U+0000. */
  #text(json: string): string {
    const decoded: unknown = JSON.parse(json);
    if (typeof decoded !== 'string')
      this.#fail('BSN_CONTRACT_INVALID_VALUE', 'a key or name must be a string');
    return decoded;
  }

  /**
   * Parses a value the prelude sent and measures its canonical encoding, as the ledger will store
   * it; returns the value and leaves the encoding in #canonical. `kind` and `name` (the key or the
   * event's name) only serve to word a failure.
   */
  #parseValue(
    json: string,
    limit: number,
    code: RuntimeJsErrorCode,
    kind: 'value' | 'event',
    name: string,
  ): JsonValue {
    let canonical: string;
    let value: JsonValue;
    try {
      value = JSON.parse(json) as JsonValue;
      canonical = canonicalString(value);
    } catch (err) {
      // The prelude checked the value; what is left is what only canonical encoding refuses (an
      // unpaired surrogate, nesting past its limit), which it names.
      const why = err instanceof BsnError ? `: ${err.message.slice(0, 200)}` : '';
      return this.#fail('BSN_CONTRACT_INVALID_VALUE', `${describe(kind, name)} is not JSON data${why}`);
    }
    const size = byteLength(canonical);
    if (size > limit)
      this.#fail(code, `${describe(kind, name)} is ${size} bytes, more than the limit of ${limit}`);
    this.#canonical = canonical;
    return value;
  }

  /** Runs host work for the contract, turning any failure into the call's sticky failure. */
  #guard<A, T>(work: (arg: A) => T, arg: A): T {
    try {
      return work(arg);
    } catch (err) {
      if (err instanceof StickyFailure) throw err;
      if (err instanceof BsnError) {
        // A host limit (key size, write count, …): the call fails with the host's code.
        this.#failure ??= { code: err.code, message: err.message };
        throw new StickyFailure(err.message);
      }
      if (isHostStackOverflow(err)) {
        // V8's stack ran out in host code the contract called: the same failure as running out
        // inside QuickJS (see call), and no V8 message in the receipt.
        this.#failure ??= { code: 'BSN_CONTRACT_STACK_OVERFLOW', message: HOST_STACK_OVERFLOW };
        throw new StickyFailure(HOST_STACK_OVERFLOW);
      }
      // A fault of the node itself, not of the contract: stop the call and let invoke rethrow it.
      this.#crash ??= err;
      this.#failure ??= { code: 'BSN_INTERNAL', message: 'host failure' };
      throw new StickyFailure('host failure');
    }
  }

  #installHost(): void {
    const ctx = this.#context;
    const host = ctx.newObject();
    const fn = (name: string, impl: (args: HostArgs) => string | null | undefined) => {
      const f = this.#crossings.newFunction(name, (args) => this.#guard(impl, args));
      ctx.setProp(host, name, f);
      f.dispose();
    };
    fn('get', (args) => {
      const key = this.#text(args.string(0));
      this.#charge(byteLength(key));
      const host = this.#requireHost(false, 'ctx.state.get');
      let json: string | null;
      if (host.getCanonical) json = host.getCanonical(key);
      else {
        const value = host.get(key);
        json = value === null ? null : canonicalString(value);
      }
      if (json === null) return null;
      this.#charge(byteLength(json));
      return json;
    });
    fn('apply', (args) => {
      this.#applyOps(args.string(0));
      return undefined;
    });
    fn('range', (args) => {
      const start = this.#text(args.string(0));
      const end = args.isUndefined(1) ? undefined : this.#text(args.string(1));
      const limit = args.isUndefined(2) ? this.#opts.defaultRangeLimit : args.number(2);
      this.#charge(byteLength(start) + (end === undefined ? 0 : byteLength(end)));
      // The prelude refuses these too, but it runs inside the sandbox: the host checks again.
      if (!Number.isInteger(limit) || limit < 1) {
        this.#fail('BSN_CONTRACT_INVALID_VALUE', 'ctx.state.range: limit must be a positive integer');
      }
      if (limit > this.#opts.maxRangeLimit) {
        this.#fail(
          'BSN_CONTRACT_INVALID_VALUE',
          `ctx.state.range: limit ${limit} is more than the maximum of ${this.#opts.maxRangeLimit}`,
        );
      }
      const entries = this.#requireHost(false, 'ctx.state.range').range(start, end, limit);
      const json = canonicalString(entries);
      this.#charge(byteLength(json));
      return json;
    });
    fn('forbidden', (args) =>
      this.#fail(
        'BSN_CONTRACT_FORBIDDEN_API',
        `${args.string(0)} is not available to contracts: execution must be deterministic and free of I/O`,
      ),
    );
    const limits = ctx.newObject();
    for (const [name, bytes] of [
      ['result', this.#opts.maxResultBytes],
      ['value', this.#opts.maxValueBytes],
      ['event', this.#opts.maxEventBytes],
    ] as const) {
      const n = ctx.newNumber(bytes);
      ctx.setProp(limits, name, n);
      n.dispose();
    }
    ctx.setProp(host, 'limits', limits);
    limits.dispose();
    ctx.setProp(ctx.global, HOST_GLOBAL, host);
    host.dispose();
  }

  /**
   * Applies the writes and events the prelude queued ("p" put key value, "d" del key, "e" emit name
   * data; each field "<length>:<json>"), one by one and in order, exactly as if each had crossed on
   * its own: the same gas, the same checks, the same sticky failure at the first that fails.
   */
  #applyOps(ops: string): void {
    this.#ops = ops;
    this.#at = 0;
    while (this.#at < ops.length) {
      const kind = ops[this.#at++];
      if (kind === 'p') {
        const key = this.#text(this.#field());
        const json = this.#field();
        this.#charge(byteLength(key) + byteLength(json));
        const host = this.#requireHost(true, 'ctx.state.put');
        const value = this.#parseValue(
          json,
          this.#opts.maxValueBytes,
          'BSN_CONTRACT_VALUE_TOO_LARGE',
          'value',
          key,
        );
        const canonical = this.#canonical;
        this.#putJson = json;
        this.#putCanonical = canonical;
        host.put(key, value, canonical);
      } else if (kind === 'd') {
        const key = this.#text(this.#field());
        this.#charge(byteLength(key));
        this.#requireHost(true, 'ctx.state.del').del(key);
      } else if (kind === 'e') {
        const name = this.#text(this.#field());
        const json = this.#field();
        this.#charge(byteLength(name) + byteLength(json));
        const host = this.#requireHost(true, 'ctx.emit');
        const value = this.#parseValue(
          json,
          this.#opts.maxEventBytes,
          'BSN_CONTRACT_EVENT_TOO_LARGE',
          'event',
          name,
        );
        host.emit(name, value, this.#canonical);
      } else {
        this.#fail('BSN_CONTRACT_INVALID_VALUE', 'malformed write queue');
      }
    }
  }

  /** The next "<length>:<json>" field of the write queue being applied. */
  #field(): string {
    const ops = this.#ops;
    const at = this.#at;
    const colon = ops.indexOf(':', at + 1);
    const length = Number(ops.slice(at, colon));
    if (colon < 0 || !Number.isSafeInteger(length) || length < 0 || colon + 1 + length > ops.length) {
      this.#fail('BSN_CONTRACT_INVALID_VALUE', 'malformed write queue');
    }
    this.#at = colon + 1 + length;
    return ops.slice(colon + 1, this.#at);
  }

  /** Maps an exception that escaped to the host to a failure. */
  #classify(error: QuickJSHandle): Failure {
    const dumped: unknown = this.#context.dump(error);
    if (dumped === null || dumped === undefined) return OUT_OF_MEMORY;
    const e = (typeof dumped === 'object' ? dumped : {}) as {
      name?: unknown;
      message?: unknown;
      code?: unknown;
    };
    const name = typeof e.name === 'string' ? e.name : '';
    const message = typeof e.message === 'string' ? e.message : String(dumped);
    if (name === 'InternalError' && message === 'out of memory')
      return { code: 'BSN_CONTRACT_OUT_OF_MEMORY', message };
    if (name === 'InternalError' && message === 'stack overflow')
      return { code: 'BSN_CONTRACT_STACK_OVERFLOW', message };
    if (name === 'InternalError' && message === 'interrupted') return this.#outOfGas();
    // The prelude's own errors carry one of this runtime's codes. A contract can forge the name (a
    // thrown object whose getter throws again escapes the prelude), so no other code is taken.
    if (
      name === 'BsnRuntimeError' &&
      typeof e.code === 'string' &&
      Object.hasOwn(runtimeJsErrorCodes, e.code)
    )
      return { code: e.code, message };
    return { code: 'BSN_CONTRACT_THREW', message: message.slice(0, 1024) };
  }

  /** Decodes an outcome string of the prelude (`R…` result, `E…` failure). */
  #outcome(text: string): Outcome {
    if (text.startsWith('E')) {
      const [code, message] = JSON.parse(text.slice(1)) as [string, string];
      return { ok: false, failure: { code, message } };
    }
    const json = text.slice(1);
    const limit = this.#opts.maxResultBytes;
    // UTF-8 never takes fewer bytes than UTF-16 code units, so this bound is safe before measuring exactly.
    if (json.length > limit) {
      return {
        ok: false,
        failure: {
          code: 'BSN_CONTRACT_RESULT_TOO_LARGE',
          message: `the result is more than the limit of ${limit} bytes`,
        },
      };
    }
    const result = JSON.parse(json) as JsonValue;
    // A method often returns what it just stored: the same text has the same encoding.
    let canonical: string;
    try {
      canonical = json === this.#putJson ? this.#putCanonical : canonicalString(result);
    } catch (err) {
      // JSON that canonical encoding refuses: a string with an unpaired surrogate.
      return {
        ok: false,
        failure: {
          code: 'BSN_CONTRACT_INVALID_RESULT',
          message: `the result is not JSON data: ${err instanceof Error ? err.message : String(err)}`,
        },
      };
    }
    const size = byteLength(canonical);
    if (size > limit) {
      return {
        ok: false,
        failure: {
          code: 'BSN_CONTRACT_RESULT_TOO_LARGE',
          message: `the result is ${size} bytes, more than the limit of ${limit}`,
        },
      };
    }
    this.#hostGas += size * this.#opts.hostByteGas;
    return { ok: true, result, canonical };
  }

  /** Runs one call. `argsJson` is the canonical encoding of `call.args`, already checked against the size limit. */
  call(call: Invocation, host: HostApi, argsJson: string): InvocationResult {
    this.#ticks = 0;
    this.#hostGas = this.#opts.hostCallGas + byteLength(argsJson) * this.#opts.hostByteGas;
    this.#gasLimit = call.gasLimit;
    this.#failure = undefined;
    this.#crash = undefined;
    this.#host = host;
    this.#readOnly = call.readOnly;
    this.#putJson = undefined;
    let outcome: Outcome | undefined;
    try {
      if (this.#gasSoFar() > this.#gasLimit) {
        this.#failure = this.#outOfGas();
      } else {
        outcome = this.#run(call, argsJson);
      }
    } catch (err) {
      // It unwound through QuickJS: the instance is not reused (see reset).
      this.#tainted = true;
      if (isHostStackOverflow(err)) {
        // The host's own stack ran out inside QuickJS before QuickJS's limit was reached.
        this.#failure ??= { code: 'BSN_CONTRACT_STACK_OVERFLOW', message: HOST_STACK_OVERFLOW };
      } else {
        this.#crash ??= err;
      }
    } finally {
      this.#host = undefined;
    }
    if (this.#crash !== undefined) {
      this.#tainted = true;
      throw this.#crash;
    }
    const gasUsed = Math.min(this.#gasSoFar(), this.#gasLimit);
    if (this.#gasSoFar() > this.#gasLimit && !this.#failure) this.#failure = this.#outOfGas();
    const failure = this.#failure ?? (outcome && !outcome.ok ? outcome.failure : undefined);
    if (failure) {
      // Out of gas consumes the whole budget, whatever tick it was noticed on.
      const used = failure.code === 'BSN_CONTRACT_OUT_OF_GAS' ? this.#gasLimit : gasUsed;
      return { ok: false, code: failure.code, message: failure.message, gasUsed: used };
    }
    if (!outcome?.ok) throw new Error('unreachable: call without outcome');
    return { ok: true, result: outcome.result, gasUsed, canonical: outcome.canonical };
  }

  /** Strips and applies the queued writes that prefix an outcome string ("W<length>:<ops>"). */
  #takeOps(text: string): string {
    if (!text.startsWith('W')) return text;
    const colon = text.indexOf(':');
    const end = colon + 1 + Number(text.slice(1, colon));
    if (!this.#failure) {
      try {
        this.#guard((ops) => this.#applyOps(ops), text.slice(colon + 1, end));
      } catch (err) {
        if (!(err instanceof StickyFailure)) throw err;
      }
    }
    return text.slice(end);
  }

  #run(call: Invocation, argsJson: string): Outcome {
    // One string per call: method, arguments, tx, read-only flag, and the caller's slot, with the
    // caller itself only when the prelude does not hold it already.
    // The arguments get a 0 in front, where the prelude puts ctx.
    const args = argsJson === '[]' ? '[0]' : `[0,${argsJson.slice(1)}`;
    const head = `[${JSON.stringify(call.method)},${args},${txJson(call.tx)},${call.readOnly ? 1 : 0}`;
    const callerJson = JSON.stringify(call.caller);
    let slot = this.#callerSlots.get(callerJson);
    let input: string;
    if (slot === undefined) {
      // Slots are reused in turn, so the callers held stay bounded whatever a block holds.
      slot = this.#nextSlot;
      this.#nextSlot = (slot + 1) % CALLER_SLOTS;
      this.#callerSlots.set(callerJson, slot);
      input = `${head},${slot},${callerJson}]`;
    } else {
      input = `${head},${slot}]`;
    }
    const res = this.#crossings.call(this.#invokeFn, input);
    if (res === undefined || 'error' in res) {
      // The prelude may not have taken the caller (interrupted before): send every caller again.
      this.#forgetCallers();
      return { ok: false, failure: this.#failureOf(res) };
    }
    let text = this.#takeOps(res.value);
    // Run every job the call queued (its own promise chains), charged to this call, so nothing carries into the next one.
    this.#drainJobs();
    if (text === 'A') {
      const taken = this.#crossings.call(this.#takeFn);
      if (taken === undefined || 'error' in taken) return { ok: false, failure: this.#failureOf(taken) };
      text = this.#takeOps(taken.value);
      if (text === 'P') {
        return {
          ok: false,
          failure: {
            code: 'BSN_CONTRACT_ASYNC_UNSETTLED',
            message: 'the method returned a promise that was still pending after all queued jobs ran',
          },
        };
      }
    }
    return this.#outcome(text);
  }

  /** The failure of a call into QuickJS that threw (or could not even allocate its argument). */
  #failureOf(res: { error: QuickJSHandle } | undefined): Failure {
    if (res === undefined) return OUT_OF_MEMORY;
    const failure = this.#classify(res.error);
    res.error.dispose();
    return failure;
  }

  #drainJobs(): void {
    for (;;) {
      // Asking is far cheaper than running an empty queue, and most calls queue nothing.
      if (this.#failure || !this.#runtime.hasPendingJob()) return;
      const jobs = this.#runtime.executePendingJobs(-1);
      if (jobs.error) {
        // A job that threw (an unhandled rejection) fails only its own promise chain, as in any engine;
        // an abnormal failure (out of gas or memory) is recorded so the call fails.
        const failure = this.#classify(jobs.error);
        jobs.error.dispose();
        if (ABNORMAL.has(failure.code)) this.#failure ??= failure;
        continue;
      }
      if (jobs.value === 0) return;
    }
  }

  /** Frees the QuickJS runtime; the WebAssembly instance goes with it when it is garbage collected. */
  dispose(): void {
    this.#tainted = true;
    this.#image = undefined;
    try {
      for (const h of [this.#invokeFn, this.#takeFn]) if (h?.alive) h.dispose();
      this.#crossings?.dispose();
      if (this.#context.alive) this.#context.dispose();
      if (this.#runtime.alive) this.#runtime.dispose();
    } catch {
      // A runtime interrupted mid-allocation may fail its own consistency checks when freed; the whole
      // WebAssembly instance is dropped anyway, so nothing leaks into the node.
    }
  }
}
