export * from './errors.js';
export * from './state-tree.js';
export * from './world-state.js';
