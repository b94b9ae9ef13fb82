export * from './errors.js';
export * from './hex.js';
export * from './encoding.js';
export * from './hash.js';
export * from './signature.js';
export * from './merkle.js';
export * from './protocol.js';
export * from './sparse-merkle.js';
