/** Options of the js contract runtime. They are consensus parameters: every node of a chain must use the same values. */
import { BsnError } from '@bsn/core';

/** Limits and gas prices of the js runtime. */
export interface JsRuntimeOptions {
  /**
   * QuickJS heap limit of one sandbox. The sandbox's whole WebAssembly memory is additionally capped
   * at this plus {@link SANDBOX_BASE_MEMORY_BYTES}, so a contract can never grow the node's memory
   * beyond that.
   */
  readonly memoryLimitBytes: number;
  /**
   * QuickJS stack limit. Must stay well under what the host's native stack can hold: QuickJS frames
   * also use the V8 stack, and at 512 KiB V8 overflows first under Node's default stack size.
   */
  readonly maxStackBytes: number;
  /** Largest canonical encoding of a call's arguments array, in bytes. */
  readonly maxArgsBytes: number;
  /** Largest canonical encoding of a call's result, in bytes. */
  readonly maxResultBytes: number;
  /** Largest canonical encoding of one state value, in bytes. */
  readonly maxValueBytes: number;
  /** Largest canonical encoding of one event's data, in bytes. */
  readonly maxEventBytes: number;
  /** Gas per QuickJS interrupt tick. A tick is 10,000 interpreter polls (loop iterations and calls), so by default one gas is about one poll. */
  readonly gasPerTick: number;
  /** Gas per crossing between contract and host: each state or event call, and the call itself. */
  readonly hostCallGas: number;
  /** Gas per byte moved across the boundary (keys, values, arguments, results, event data). */
  readonly hostByteGas: number;
  /** Gas budget for evaluating the contract module when a sandbox is created (not charged to any transaction). */
  readonly loadGasLimit: number;
  /** Default `limit` of `ctx.state.range` when the contract gives none. */
  readonly defaultRangeLimit: number;
  /** Largest `limit` a contract may ask of `ctx.state.range`. */
  readonly maxRangeLimit: number;
}

/** Fixed WebAssembly memory QuickJS needs besides the contract heap (the module's initial memory). */
export const SANDBOX_BASE_MEMORY_BYTES = 16 * 1024 * 1024;

/** Defaults: 64 MiB heap, 256 KiB stack, 64 KiB payload limits (matching the ledger's default chain limits). */
export const defaultJsRuntimeOptions: JsRuntimeOptions = Object.freeze({
  memoryLimitBytes: 64 * 1024 * 1024,
  maxStackBytes: 256 * 1024,
  maxArgsBytes: 64 * 1024,
  maxResultBytes: 64 * 1024,
  maxValueBytes: 64 * 1024,
  maxEventBytes: 64 * 1024,
  gasPerTick: 10_000,
  hostCallGas: 1000,
  hostByteGas: 1,
  loadGasLimit: 100_000_000,
  defaultRangeLimit: 1000,
  maxRangeLimit: 10_000,
});

/** Merges `opts` over the defaults and checks every field; a bad value fails with a message naming it. */
export function resolveJsRuntimeOptions(opts: Partial<JsRuntimeOptions> = {}): JsRuntimeOptions {
  const merged: JsRuntimeOptions = { ...defaultJsRuntimeOptions, ...opts };
  for (const [field, value] of Object.entries(merged)) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new BsnError(
        'BSN_INVALID_ARGUMENT',
        `JsRuntimeOptions.${field} must be a non-negative safe integer`,
        {
          details: { field, value },
        },
      );
    }
  }
  if (merged.maxStackBytes < 16 * 1024 || merged.maxStackBytes > 384 * 1024) {
    throw new BsnError(
      'BSN_INVALID_ARGUMENT',
      'JsRuntimeOptions.maxStackBytes must be between 16 KiB and 384 KiB',
      {
        details: { field: 'maxStackBytes', value: merged.maxStackBytes },
      },
    );
  }
  if (merged.memoryLimitBytes < 1024 * 1024 || merged.memoryLimitBytes > 1024 * 1024 * 1024) {
    throw new BsnError(
      'BSN_INVALID_ARGUMENT',
      'JsRuntimeOptions.memoryLimitBytes must be between 1 MiB and 1 GiB',
      {
        details: { field: 'memoryLimitBytes', value: merged.memoryLimitBytes },
      },
    );
  }
  if (merged.gasPerTick < 1) {
    throw new BsnError('BSN_INVALID_ARGUMENT', 'JsRuntimeOptions.gasPerTick must be at least 1', {
      details: { field: 'gasPerTick', value: merged.gasPerTick },
    });
  }
  return Object.freeze(merged);
}
