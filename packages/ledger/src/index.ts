export * from './runtime.js';
export * from './native-runtime.js';
