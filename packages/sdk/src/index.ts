/**
 * `@bsn/sdk` — the TypeScript client of a BSN network: identities, signed envelopes, submit and
 * wait for finality, queries, event streams with automatic resume, and verifiers that check
 * receipts, query answers and hosting sets against commit certificates and the network root, with
 * no trust in the PCN that answered. The SDK never logs; it throws {@link BaseError}s with codes.
 */
import './errors.js';

export type {
  BlockMarker,
  BlockResponse,
  ChainResponse,
  EventMessage,
  NetworkResponse,
  QueryResponse,
  StateRead,
  StateResponse,
  TransactionAccepted,
  TransactionResponse,
  WaitMode,
} from '@bsn/api';
export * from './actions/createTransaction.js';
export * from './actions/getBlock.js';
export * from './actions/getChain.js';
export * from './actions/getHealth.js';
export * from './actions/getNetwork.js';
export * from './actions/getState.js';
export * from './actions/getTransaction.js';
export * from './actions/getTrustedHosts.js';
export * from './actions/query.js';
export * from './actions/submitTransaction.js';
export * from './actions/waitForFinality.js';
export * from './actions/watchEvents.js';
export * from './client.js';
export * from './createClient.js';
export * from './errors.js';
export * from './identity.js';
export * from './sse.js';
export * from './transport.js';
export * from './verify/verifyBlock.js';
export * from './verify/verifyCertificate.js';
export * from './verify/verifyHostingProof.js';
export * from './verify/verifyNetwork.js';
export * from './verify/verifyQueryProof.js';
export * from './verify/verifyReceipt.js';
