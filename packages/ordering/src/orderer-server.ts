/**
 * The ordering service over HTTP, so each PCN (its own process) can use one orderer:
 *
 * - `POST /v1/orderer/transactions` — body a SignedTransaction; `202 {txId, chain}` once durable.
 * - `GET /v1/orderer/chains/:chain/blocks?from=H` — NDJSON, one Block per line, stored then live,
 *   with a `{}` heartbeat line every `heartbeatMs` so either side notices a dead connection.
 * - `GET /v1/orderer/chains/:chain/height` — `{chain, height}`.
 * - `GET /v1/orderer/transactions/:txId` — the transaction's status, when the orderer keeps one.
 * - `GET /v1/orderer/health` — `200 {status:"ok", …}`, or 503 once the orderer has failed.
 *
 * Errors are `{error:{code,message,details}}` with the status from the core error catalogue; no
 * stack trace ever leaves the process. TLS (optionally mutual, with node certificates) is an option.
 */

import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { type Block, BsnError, errorCatalog, isBsnError, type SignedTransaction } from '@bsn/core';
import { type Static, Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Orderer, TransactionStatus } from './orderer.js';
import { positiveInt } from './positive-int.js';
import { ORDERING_CHAIN_ID_PATTERN } from './transaction-schema.js';

/** TLS settings of the orderer server. */
export interface OrdererServerTls {
  /** Server private key, PEM. */
  readonly keyPem: string;
  /** Server certificate chain, PEM. */
  readonly certPem: string;
  /** CA certificates (PEM) that client certificates must chain to. */
  readonly caPem?: string;
  /** Require a client certificate signed by `caPem` (mutual TLS between PCNs and the orderer). */
  readonly requestCert?: boolean;
}

/** Options of an {@link OrdererServer}. */
export interface OrdererServerOptions {
  /** Address to listen on. */
  readonly host: string;
  /** Port to listen on (0: any free port). */
  readonly port: number;
  /** Largest request body accepted, in bytes. */
  readonly maxBodyBytes: number;
  /** Interval of heartbeat lines on block streams. */
  readonly heartbeatMs: number;
  /**
   * Most connections open at once; more are closed as they arrive. Each holds a file descriptor,
   * which the orderer also needs for its log and block files.
   */
  readonly maxConnections: number;
  /**
   * A connection on which nothing is sent or received for this long is closed (block streams
   * carry a heartbeat every `heartbeatMs`, so only silent clients are affected).
   */
  readonly idleTimeoutMs: number;
  /**
   * Most block streams one client may hold at once; a further one is refused with
   * BSN_ORDERING_STREAM_LIMIT. A client is the TLS client certificate the connection presented,
   * or else the connection's remote address. It keeps one client from taking every connection the
   * server allows (or pipelining any number of streams on one) with streams it does not read.
   */
  readonly maxStreamsPerClient: number;
  /** Serve HTTPS instead of plain HTTP. */
  readonly tls?: OrdererServerTls;
}

/** Defaults of {@link OrdererServerOptions}: loopback, plain HTTP. */
export const defaultOrdererServerOptions = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  maxBodyBytes: 512 * 1024,
  heartbeatMs: 5000,
  maxConnections: 512,
  idleTimeoutMs: 60_000,
  maxStreamsPerClient: 64,
}) satisfies Partial<OrdererServerOptions>;

/** What an orderer may offer beyond {@link Orderer}: used by the status and health routes when present. */
export interface InspectableOrderer extends Orderer {
  status?(txId: string): TransactionStatus;
  stats?(): { readonly failure?: string | undefined };
  /**
   * The blocks `blocks()` yields, each as the UTF-8 bytes of exactly what `JSON.stringify(block)`
   * writes. When present, block streams send these bytes as they are rather than stringifying a
   * block for each subscriber; the server never modifies them, so they may be shared.
   */
  blockJson?(chain: string, fromHeight: number, signal?: AbortSignal): AsyncIterable<Uint8Array>;
}

/** Collaborators of an {@link OrdererServer}. */
export interface OrdererServerModules {
  readonly orderer: InspectableOrderer;
  /** Where request failures (5xx) and stream events are logged; silent when absent. */
  readonly log?: Logger;
}

const ChainParams = Type.Object({ chain: Type.String({ pattern: ORDERING_CHAIN_ID_PATTERN }) });
const BlocksQuery = Type.Object({ from: Type.Optional(Type.Integer({ minimum: 1 })) });
const TxParams = Type.Object({ txId: Type.String({ pattern: '^[0-9a-f]{64}$' }) });

interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details: Record<string, unknown>;
  };
}

/** The status and body to answer an error with: BsnErrors as themselves, Fastify's own mapped, anything else 500. */
export function ordererErrorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (isBsnError(err)) return { status: err.status, body: { error: err.toJSON() } };
  const e = err as { code?: string; statusCode?: number; validation?: unknown; message?: string };
  if (e.validation !== undefined) {
    return {
      status: 400,
      body: {
        error: { code: 'BSN_ORDERING_MALFORMED', message: e.message ?? 'invalid request', details: {} },
      },
    };
  }
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const status = errorCatalog.BSN_ORDERING_TOO_LARGE?.status ?? 413;
    return {
      status,
      body: { error: { code: 'BSN_ORDERING_TOO_LARGE', message: 'request body too large', details: {} } },
    };
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return {
      status: e.statusCode,
      body: { error: { code: 'BSN_ORDERING_MALFORMED', message: e.message ?? 'bad request', details: {} } },
    };
  }
  return { status: 500, body: { error: { code: 'BSN_INTERNAL', message: 'internal error', details: {} } } };
}

const NEWLINE = Buffer.from('\n');

/**
 * Who a connection belongs to, for the per-client stream cap: its verified TLS client certificate
 * (PCNs present their node certificates), or else its remote address.
 */
function clientOf(socket: Socket): string {
  if (socket instanceof TLSSocket && socket.authorized) {
    const fingerprint = socket.getPeerCertificate().fingerprint256;
    if (fingerprint) return `certificate ${fingerprint}`;
  }
  return `address ${socket.remoteAddress ?? 'unknown'}`;
}

/** Each block's JSON, for an orderer that does not offer it ready-made. */
async function* stringified(blocks: AsyncIterable<Block>): AsyncGenerator<string> {
  for await (const block of blocks) yield JSON.stringify(block);
}

/** The longest delay a Node timer keeps (2^31 − 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The orderer's HTTP(S) service. */
export class OrdererServer {
  /** The Fastify instance (for in-process tests via `inject`). */
  readonly app: FastifyInstance;
  private readonly opts: OrdererServerOptions;
  private readonly streams = new Set<AbortController>();
  /** Block streams open per client ({@link clientOf}). */
  private readonly clientStreams = new Map<string, number>();

  constructor(options: Partial<OrdererServerOptions>, modules: OrdererServerModules) {
    this.opts = { ...defaultOrdererServerOptions, ...options };
    const { orderer } = modules;
    const log = modules.log;
    const tls = this.opts.tls;
    for (const name of [
      'maxBodyBytes',
      'heartbeatMs',
      'maxConnections',
      'idleTimeoutMs',
      'maxStreamsPerClient',
    ] as const) {
      positiveInt('orderer server', name, this.opts[name]);
    }
    for (const name of ['heartbeatMs', 'idleTimeoutMs'] as const) {
      // Node runs a longer timer after 1 ms (with a TimeoutOverflowWarning), as it does for NaN.
      if (this.opts[name] > MAX_TIMER_MS) {
        throw new BsnError(
          'BSN_INVALID_ARGUMENT',
          `orderer server option ${name} must be at most ${MAX_TIMER_MS} ms`,
          {
            details: { option: name, value: this.opts[name] },
          },
        );
      }
    }
    const limit = this.opts.maxStreamsPerClient;
    if (this.opts.idleTimeoutMs <= this.opts.heartbeatMs) {
      throw new BsnError(
        'BSN_INVALID_ARGUMENT',
        'orderer server option idleTimeoutMs must be longer than heartbeatMs, or streams would be closed as idle',
        { details: { idleTimeoutMs: this.opts.idleTimeoutMs, heartbeatMs: this.opts.heartbeatMs } },
      );
    }
    this.app = Fastify({
      bodyLimit: this.opts.maxBodyBytes,
      forceCloseConnections: true,
      connectionTimeout: this.opts.idleTimeoutMs,
      ...(tls
        ? {
            https: {
              key: tls.keyPem,
              cert: tls.certPem,
              ...(tls.caPem ? { ca: tls.caPem } : {}),
              requestCert: tls.requestCert ?? false,
              rejectUnauthorized: tls.requestCert ?? false,
            },
          }
        : {}),
    }) as unknown as FastifyInstance;
    const app = this.app;
    app.server.maxConnections = this.opts.maxConnections;

    app.setErrorHandler((err, req, reply) => {
      const { status, body } = ordererErrorResponse(err);
      if (status >= 500 && log) log.error({ err, url: req.url }, 'orderer request failed');
      void reply.code(status).type('application/json').send(body);
    });
    app.setNotFoundHandler((req, reply) => {
      void reply.code(404).send({
        error: {
          code: 'BSN_ORDERING_NOT_FOUND',
          message: `no route ${req.method} ${req.url.split('?')[0]}`,
          details: {},
        },
      });
    });

    // No Fastify body schema on purpose: its Ajv strips unknown fields and coerces types, which
    // would change signed bytes. submit() checks the body against the same schema, strictly.
    app.post('/v1/orderer/transactions', async (req: FastifyRequest<{ Body: unknown }>, reply) => {
      const result = await orderer.submit(req.body as SignedTransaction);
      return reply.code(202).send(result);
    });

    app.get(
      '/v1/orderer/chains/:chain/height',
      { schema: { params: ChainParams } },
      async (req: FastifyRequest<{ Params: Static<typeof ChainParams> }>) => ({
        chain: req.params.chain,
        height: orderer.height(req.params.chain),
      }),
    );

    app.get(
      '/v1/orderer/chains/:chain/blocks',
      { schema: { params: ChainParams, querystring: BlocksQuery } },
      async (
        req: FastifyRequest<{ Params: Static<typeof ChainParams>; Querystring: Static<typeof BlocksQuery> }>,
        reply,
      ) => {
        const client = clientOf(req.raw.socket);
        const open = this.clientStreams.get(client) ?? 0;
        if (open >= limit) {
          throw new BsnError(
            'BSN_ORDERING_STREAM_LIMIT',
            `this client already holds ${open} block streams, as many as maxStreamsPerClient (${limit}) allows`,
            { details: { limit, open, client } },
          );
        }
        const ac = new AbortController();
        // Throws (bad chain, unknown chain) before anything is streamed: answered as a normal error.
        const lines = orderer.blockJson
          ? orderer.blockJson(req.params.chain, req.query.from ?? 1, ac.signal)
          : stringified(orderer.blocks(req.params.chain, req.query.from ?? 1, ac.signal));
        this.clientStreams.set(client, open + 1);
        this.stream(reply, lines, ac, log, () => {
          const n = (this.clientStreams.get(client) ?? 1) - 1;
          if (n > 0) this.clientStreams.set(client, n);
          else this.clientStreams.delete(client);
        });
      },
    );

    app.get(
      '/v1/orderer/transactions/:txId',
      { schema: { params: TxParams } },
      async (req: FastifyRequest<{ Params: Static<typeof TxParams> }>) => {
        if (!orderer.status) {
          throw new BsnError('BSN_ORDERING_NOT_FOUND', 'this orderer does not keep transaction statuses');
        }
        return orderer.status(req.params.txId);
      },
    );

    app.get('/v1/orderer/health', async (_req, reply) => {
      const stats = orderer.stats?.() ?? {};
      const failed = typeof stats.failure === 'string';
      return reply.code(failed ? 503 : 200).send({ status: failed ? 'failed' : 'ok', ...stats });
    });
  }

  private stream(
    reply: FastifyReply,
    blocks: AsyncIterable<Uint8Array | string>,
    ac: AbortController,
    log: Logger | undefined,
    release: () => void,
  ): void {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'application/x-ndjson',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    this.streams.add(ac);
    const heartbeat = setInterval(() => res.write('{}\n'), this.opts.heartbeatMs);
    // Ends the stream once, whichever comes first: the connection closing (so the client's stream
    // place is free at once, even while the loop below still waits for the orderer's next block)
    // or the loop ending.
    const end = (): void => {
      if (!this.streams.delete(ac)) return;
      ac.abort();
      release();
    };
    res.on('close', end);
    void (async () => {
      try {
        for await (const json of blocks) {
          // The block's bytes as they are (shared with its other subscribers), then the line end.
          res.cork();
          res.write(json);
          const flowing = res.write(NEWLINE);
          res.uncork();
          if (!flowing) {
            // Back-pressure: a slow reader holds the orderer's iterator, not our memory.
            await new Promise<void>((resolve) => {
              const done = (): void => {
                res.off('drain', done);
                res.off('close', done);
                resolve();
              };
              res.on('drain', done);
              res.on('close', done);
            });
          }
          if (ac.signal.aborted) break;
        }
      } catch (err) {
        // The orderer closed or failed mid-stream: end the response, the client reconnects.
        if (!isBsnError(err, 'BSN_ORDERING_CLOSED')) log?.warn({ err }, 'block stream ended by an error');
      } finally {
        clearInterval(heartbeat);
        end();
        res.end();
      }
    })();
  }

  /** Starts listening; resolves with the base URL (`http://host:port` or `https://…`). */
  async listen(): Promise<string> {
    await this.app.listen({ host: this.opts.host, port: this.opts.port });
    return this.url();
  }

  /** The base URL the server listens on. */
  url(): string {
    const addr = this.app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : this.opts.port;
    const host = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
    return `${this.opts.tls ? 'https' : 'http'}://${host}:${port}`;
  }

  /** Ends every block stream and stops listening. Does not close the orderer. */
  async close(): Promise<void> {
    for (const ac of this.streams) ac.abort();
    await this.app.close();
  }
}
