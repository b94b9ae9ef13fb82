import './errors.js';

export * from './config.js';
export * from './errors.js';
export * from './gateway.js';
export * from './hosted-chain.js';
export * from './metrics.js';
export * from './node-process.js';
export * from './pcn.js';
export * from './peer-network.js';
export * from './signer-verifier.js';
export * from './system-view.js';
export * from './vote-collector.js';
