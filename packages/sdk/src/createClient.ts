/**
 * `createClient`: a {@link BaseClient} with every action bound as a method, e.g.
 * `client.submitTransaction({...})` for `submitTransaction(client, {...})`.
 */
import { type GetBlockParameters, type GetBlockReturnType, getBlock } from './actions/getBlock.js';
import { type GetChainParameters, type GetChainReturnType, getChain } from './actions/getChain.js';
import { type GetHealthParameters, type GetHealthReturnType, getHealth } from './actions/getHealth.js';
import { type GetNetworkParameters, type GetNetworkReturnType, getNetwork } from './actions/getNetwork.js';
import { type GetStateParameters, type GetStateReturnType, getState } from './actions/getState.js';
import {
  type GetTransactionParameters,
  type GetTransactionReturnType,
  getTransaction,
} from './actions/getTransaction.js';
import {
  type GetTrustedHostsParameters,
  type GetTrustedHostsReturnType,
  getTrustedHosts,
} from './actions/getTrustedHosts.js';
import { type QueryParameters, type QueryReturnType, query } from './actions/query.js';
import {
  type SubmitTransactionParameters,
  type SubmitTransactionReturnType,
  submitTransaction,
} from './actions/submitTransaction.js';
import {
  type WaitForFinalityParameters,
  type WaitForFinalityReturnType,
  waitForFinality,
} from './actions/waitForFinality.js';
import {
  type WatchEventsParameters,
  type WatchEventsReturnType,
  watchEvents,
} from './actions/watchEvents.js';
import { type BaseClient, type ClientOptions, createBaseClient } from './client.js';

/** A client with its actions as methods. */
export interface Client extends BaseClient {
  getHealth(params?: GetHealthParameters): Promise<GetHealthReturnType>;
  getNetwork(params?: GetNetworkParameters): Promise<GetNetworkReturnType>;
  getChain(params: GetChainParameters): Promise<GetChainReturnType>;
  getTrustedHosts(params: GetTrustedHostsParameters): Promise<GetTrustedHostsReturnType>;
  submitTransaction(params: SubmitTransactionParameters): Promise<SubmitTransactionReturnType>;
  getTransaction(params: GetTransactionParameters): Promise<GetTransactionReturnType>;
  waitForFinality(params: WaitForFinalityParameters): Promise<WaitForFinalityReturnType>;
  query(params: QueryParameters): Promise<QueryReturnType>;
  getState(params: GetStateParameters): Promise<GetStateReturnType>;
  getBlock(params: GetBlockParameters): Promise<GetBlockReturnType>;
  watchEvents(params: WatchEventsParameters): WatchEventsReturnType;
}

/** Creates a client for a BSN network's gateways, trusting only `rootCertPem`. */
export function createClient(options: ClientOptions): Client {
  const base = createBaseClient(options);
  const client: Client = Object.assign(base, {
    getHealth: (p?: GetHealthParameters) => getHealth(client, p),
    getNetwork: (p?: GetNetworkParameters) => getNetwork(client, p),
    getChain: (p: GetChainParameters) => getChain(client, p),
    getTrustedHosts: (p: GetTrustedHostsParameters) => getTrustedHosts(client, p),
    submitTransaction: (p: SubmitTransactionParameters) => submitTransaction(client, p),
    getTransaction: (p: GetTransactionParameters) => getTransaction(client, p),
    waitForFinality: (p: WaitForFinalityParameters) => waitForFinality(client, p),
    query: (p: QueryParameters) => query(client, p),
    getState: (p: GetStateParameters) => getState(client, p),
    getBlock: (p: GetBlockParameters) => getBlock(client, p),
    watchEvents: (p: WatchEventsParameters) => watchEvents(client, p),
  });
  return client;
}
