export * from './encoding.js';
export * from './errors.js';
export * from './hash.js';
export * from './hex.js';
export * from './merkle.js';
export * from './protocol.js';
export * from './signature.js';
export * from './sparse-merkle.js';
