/** `@bsn/runtime-js`: the deterministic QuickJS-in-WebAssembly runtime for TypeScript/JavaScript contracts. */
import './errors.js';

export { type BundledContract, bundleContract } from './bundle-contract.js';
export { type RuntimeJsErrorCode, runtimeJsErrorCodes } from './errors.js';
export { createJsRuntime, JsRuntime } from './js-runtime.js';
export {
  defaultJsRuntimeOptions,
  type JsRuntimeOptions,
  resolveJsRuntimeOptions,
  SANDBOX_BASE_MEMORY_BYTES,
} from './options.js';
export { QuickJSEngine } from './quickjs-engine.js';
export { FORBIDDEN_GLOBALS } from './sandbox-prelude.js';
