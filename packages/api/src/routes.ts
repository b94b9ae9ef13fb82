/**
 * The gateway's routes as one table: method, path, schemas, authentication and the error codes each
 * route can answer with. The gateway registers exactly these routes (with {@link fastifySchema}),
 * the SDK calls them, and {@link openApiDocument} publishes them, so the three cannot drift.
 */
import type { TSchema } from '@sinclair/typebox';
import {
  BlockMarkerSchema,
  BlockParamsSchema,
  BlockResponseSchema,
  ChainParamsSchema,
  ChainResponseSchema,
  EventMessageSchema,
  EventsQuerySchema,
  HealthResponseSchema,
  NetworkResponseSchema,
  QueryQuerySchema,
  QueryResponseSchema,
  SignedTransactionSchema,
  StateParamsSchema,
  StateQuerySchema,
  StateResponseSchema,
  TransactionAcceptedSchema,
  TransactionParamsSchema,
  TransactionResponseSchema,
  WaitQuerySchema,
} from './schemas.js';

/**
 * How a route authenticates its caller:
 * - `none`: public (health, network description, metrics, the OpenAPI document);
 * - `transaction`: the body is a SignedTransactionSchema whose signer is the caller;
 * - `request`: an `Authorization: BSN-Sig …` header;
 * - `request-or-query`: the header, or the same fields in `?auth=` (the event stream).
 */
export type RouteAuth = 'none' | 'transaction' | 'request' | 'request-or-query';

/** One possible answer of a route. */
export interface RouteResponse {
  readonly description: string;
  /** Body schema; for `text/event-stream` the schema of each message's `data`, by SSE event name. */
  readonly schema?: TSchema;
  readonly events?: Readonly<Record<string, TSchema>>;
  readonly contentType: 'application/json' | 'text/event-stream' | 'text/plain';
}

/** One route of the gateway. */
export interface RouteDefinition {
  /** Stable name (OpenAPI operationId; the SDK action calling it has the same name). */
  readonly operationId: string;
  readonly method: 'GET' | 'POST';
  /** OpenAPI path template, e.g. `/v1/chains/{chain}/transactions`. */
  readonly path: string;
  /** The same path in Fastify's syntax, e.g. `/v1/chains/:chain/transactions`. */
  readonly url: string;
  readonly summary: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly auth: RouteAuth;
  readonly params?: TSchema;
  readonly querystring?: TSchema;
  readonly body?: TSchema;
  /** Success answers by HTTP status. */
  readonly responses: Readonly<Record<number, RouteResponse>>;
  /** Every error code the route answers with (the status follows from the code). */
  readonly errors: readonly string[];
}

/** Errors any route touching a chain can answer with. */
const CHAIN_ERRORS = [
  'BSN_GATEWAY_BAD_REQUEST',
  'BSN_GATEWAY_UNAUTHENTICATED',
  'BSN_GATEWAY_FORBIDDEN',
  'BSN_GATEWAY_CHAIN_NOT_HOSTED',
  'BSN_GATEWAY_RATE_LIMITED',
  'BSN_GATEWAY_UNAVAILABLE',
  'BSN_GATEWAY_CHAIN_HALTED',
  'BSN_INTERNAL',
] as const;

function toFastifyUrl(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

function route(def: Omit<RouteDefinition, 'url'>): RouteDefinition {
  return { ...def, url: toFastifyUrl(def.path) };
}

/** Every route of the gateway, in the order the OpenAPI document lists them. */
export const routes: readonly RouteDefinition[] = [
  route({
    operationId: 'getHealth',
    method: 'GET',
    path: '/v1/health',
    summary: 'Liveness and per-chain status of this PCN',
    description: 'Public. `degraded` when any hosted chain is halted or syncing.',
    tags: ['node'],
    auth: 'none',
    responses: {
      200: {
        description: 'This PCN and its chains',
        schema: HealthResponseSchema,
        contentType: 'application/json',
      },
    },
    errors: ['BSN_INTERNAL'],
  }),
  route({
    operationId: 'getOpenApi',
    method: 'GET',
    path: '/v1/openapi.json',
    summary: 'This document',
    description:
      'Public. The OpenAPI 3.1 description of the gateway, built from the same schemas it validates with.',
    tags: ['node'],
    auth: 'none',
    responses: { 200: { description: 'OpenAPI 3.1 document', contentType: 'application/json' } },
    errors: [],
  }),
  route({
    operationId: 'getNetwork',
    method: 'GET',
    path: '/v1/network',
    summary: 'The network: root certificate, PCNs, latest system-chain certificate',
    description:
      'Public. What a client needs to bootstrap trust: the root CA certificate (compare it with the one you were given), the PCNs with their node certificates and gateways, and the system chain’s latest commit certificate.',
    tags: ['network'],
    auth: 'none',
    responses: {
      200: { description: 'The network', schema: NetworkResponseSchema, contentType: 'application/json' },
    },
    errors: ['BSN_GATEWAY_UNAVAILABLE', 'BSN_INTERNAL'],
  }),
  route({
    operationId: 'getChain',
    method: 'GET',
    path: '/v1/chains/{chain}',
    summary: 'Who hosts a chain, its quorum and heights, with proof from the system chain',
    description:
      'Authenticated (BSN-Sig). `hostingProof` holds the system-chain records naming the hosts (service record and PCN records), each proven against a certified system-chain state root.',
    tags: ['chains'],
    auth: 'request',
    params: ChainParamsSchema,
    responses: {
      200: { description: 'The chain', schema: ChainResponseSchema, contentType: 'application/json' },
    },
    errors: [...CHAIN_ERRORS, 'BSN_GATEWAY_NOT_FOUND'],
  }),
  route({
    operationId: 'submitTransaction',
    method: 'POST',
    path: '/v1/chains/{chain}/transactions',
    summary: 'Submit a signed transaction; optionally wait until committed or final',
    description:
      'The body is a SignedTransactionSchema; its signer is the caller. `wait=none` (default) answers 202 once the transaction is accepted for ordering; `wait=committed` answers 200 with the receipt once this PCN executed the block; `wait=final` once a commit certificate covers it. A wait that runs out answers 504 BSN_GATEWAY_TIMEOUT with details.txId: the transaction may still commit, poll its receipt.',
    tags: ['transactions'],
    auth: 'transaction',
    params: ChainParamsSchema,
    querystring: WaitQuerySchema,
    body: SignedTransactionSchema,
    responses: {
      200: {
        description: 'Committed (or final) receipt',
        schema: TransactionResponseSchema,
        contentType: 'application/json',
      },
      202: {
        description: 'Accepted for ordering',
        schema: TransactionAcceptedSchema,
        contentType: 'application/json',
      },
    },
    errors: [
      ...CHAIN_ERRORS,
      'BSN_GATEWAY_BODY_TOO_LARGE',
      'BSN_GATEWAY_TX_MISMATCH',
      'BSN_GATEWAY_TX_EXPIRED',
      'BSN_GATEWAY_TX_DUPLICATE',
      'BSN_GATEWAY_TIMEOUT',
      'BSN_SIGNATURE_INVALID',
    ],
  }),
  route({
    operationId: 'getTransaction',
    method: 'GET',
    path: '/v1/chains/{chain}/transactions/{txId}',
    summary: 'A transaction’s receipt, block height, inclusion proof and certificate',
    description:
      'Authenticated (BSN-Sig). With `wait=committed|final` the request long-polls until the transaction reaches that stage or `timeoutMs` runs out (504 BSN_GATEWAY_TIMEOUT). Without `wait`, an unknown or not yet executed transaction is 404 BSN_GATEWAY_NOT_FOUND.',
    tags: ['transactions'],
    auth: 'request',
    params: TransactionParamsSchema,
    querystring: WaitQuerySchema,
    responses: {
      200: { description: 'The receipt', schema: TransactionResponseSchema, contentType: 'application/json' },
    },
    errors: [...CHAIN_ERRORS, 'BSN_GATEWAY_NOT_FOUND', 'BSN_GATEWAY_TIMEOUT'],
  }),
  route({
    operationId: 'query',
    method: 'POST',
    path: '/v1/chains/{chain}/query',
    summary: 'Read-only call of a contract method; with proof=true, its proven state reads',
    description:
      'The body is a SignedTransactionSchema (same signing as a write; never ordered). Without proof the method runs against this PCN’s latest state. With `proof=true` it runs against the latest certified height and the answer lists every state read with a sparse Merkle proof against the certified `stateRoot`: the result is derived from those reads by the contract code, which a client can re-run.',
    tags: ['state'],
    auth: 'transaction',
    params: ChainParamsSchema,
    querystring: QueryQuerySchema,
    body: SignedTransactionSchema,
    responses: {
      200: { description: 'The result', schema: QueryResponseSchema, contentType: 'application/json' },
    },
    errors: [
      ...CHAIN_ERRORS,
      'BSN_GATEWAY_BODY_TOO_LARGE',
      'BSN_GATEWAY_TX_MISMATCH',
      'BSN_GATEWAY_TX_EXPIRED',
      'BSN_GATEWAY_HEIGHT_NOT_CERTIFIED',
      'BSN_GATEWAY_NOT_FOUND',
      'BSN_SIGNATURE_INVALID',
    ],
  }),
  route({
    operationId: 'getBlock',
    method: 'GET',
    path: '/v1/chains/{chain}/blocks/{height}',
    summary: 'A block with its receipts, commit roots and certificate',
    description: 'Authenticated (BSN-Sig). `height` is a number or `latest`.',
    tags: ['blocks'],
    auth: 'request',
    params: BlockParamsSchema,
    responses: {
      200: { description: 'The block', schema: BlockResponseSchema, contentType: 'application/json' },
    },
    errors: [...CHAIN_ERRORS, 'BSN_GATEWAY_NOT_FOUND'],
  }),
  route({
    operationId: 'getState',
    method: 'GET',
    path: '/v1/chains/{chain}/state/{key}',
    summary: 'One state value of a contract; with proof=true, its proof and certificate',
    description:
      'Authenticated (BSN-Sig). The key is URL-encoded. An absent key answers `value: null` (with proof=true, a proof of absence). With `proof=true` and no `height`, the latest certified height is used.',
    tags: ['state'],
    auth: 'request',
    params: StateParamsSchema,
    querystring: StateQuerySchema,
    responses: {
      200: { description: 'The value', schema: StateResponseSchema, contentType: 'application/json' },
    },
    errors: [...CHAIN_ERRORS, 'BSN_GATEWAY_NOT_FOUND', 'BSN_GATEWAY_HEIGHT_NOT_CERTIFIED'],
  }),
  route({
    operationId: 'watchEvents',
    method: 'GET',
    path: '/v1/chains/{chain}/events',
    summary: 'Server-sent contract events from a height, resumable, filtered by contract and name',
    description:
      'Authenticated (BSN-Sig header, or `?auth=`). Messages: `event: contract-event` (id `<height>:<tx>:<event>`), `event: block` progress markers (id `<height>:end`, sent after each block so a quiet filter still advances the resume point), comment heartbeats every 15 s, and `event: error` before the server closes a stream it cannot continue. Resume with `Last-Event-ID` (exactly the events after it) or `?from=<height>`; `Last-Event-ID` wins when both are given.',
    tags: ['events'],
    auth: 'request-or-query',
    params: ChainParamsSchema,
    querystring: EventsQuerySchema,
    responses: {
      200: {
        description: 'An SSE stream',
        contentType: 'text/event-stream',
        events: { 'contract-event': EventMessageSchema, block: BlockMarkerSchema },
      },
    },
    errors: [...CHAIN_ERRORS],
  }),
  route({
    operationId: 'getMetrics',
    method: 'GET',
    path: '/metrics',
    summary: 'Prometheus metrics of this PCN',
    description: 'Public on the gateway port; operators restrict it at the network edge if they wish.',
    tags: ['node'],
    auth: 'none',
    responses: { 200: { description: 'Prometheus text exposition format', contentType: 'text/plain' } },
    errors: ['BSN_INTERNAL'],
  }),
];

/** The route with `operationId`; throws when there is none (a programming error). */
export function routeById(operationId: string): RouteDefinition {
  const found = routes.find((r) => r.operationId === operationId);
  if (found === undefined) throw new Error(`no route ${operationId}`);
  return found;
}

/** Expands an OpenAPI path template with URL-encoded parameters: `/v1/chains/{chain}` → `/v1/chains/a`. */
export function routePath(route: RouteDefinition, params: Readonly<Record<string, string | number>>): string {
  return route.path.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`route ${route.operationId} needs parameter ${name}`);
    return encodeURIComponent(String(v));
  });
}

/** The Fastify `schema` of a route: params, querystring, body and JSON responses (streams are written raw). */
export function fastifySchema(route: RouteDefinition): {
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  response: Record<number, TSchema>;
  operationId: string;
  summary: string;
  tags: string[];
} {
  const response: Record<number, TSchema> = {};
  for (const [status, r] of Object.entries(route.responses)) {
    if (r.contentType === 'application/json' && r.schema !== undefined) response[Number(status)] = r.schema;
  }
  return {
    ...(route.params === undefined ? {} : { params: route.params }),
    ...(route.querystring === undefined ? {} : { querystring: route.querystring }),
    ...(route.body === undefined ? {} : { body: route.body }),
    response,
    operationId: route.operationId,
    summary: route.summary,
    tags: [...route.tags],
  };
}
