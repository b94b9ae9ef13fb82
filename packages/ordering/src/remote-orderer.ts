/**
 * An {@link Orderer} that talks to an {@link OrdererServer} over HTTP(S).
 *
 * `blocks()` survives the server going away: it reconnects with exponential backoff and resumes
 * from the next height it has not yet yielded, and it drops a repeated height and treats a gap as
 * a broken connection, so its consumer never sees a skipped or repeated block. A stream that goes
 * silent for longer than `heartbeatTimeoutMs` (the server sends `{}` every few seconds) is treated
 * as dead and reconnected.
 *
 * A network failure during `submit` is ambiguous (the server may have made the transaction
 * durable); it is reported as BSN_ORDERING_UNAVAILABLE and a retry is safe: if the first attempt
 * landed, the retry answers BSN_ORDERING_DUPLICATE.
 */
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { type Block, BsnError, errorCatalog, type SignedTransaction } from '@bsn/core';
import type { Orderer, SubmitResult, TransactionStatus } from './orderer.js';

/** TLS settings for reaching an orderer over HTTPS (mutual TLS when `certPem`/`keyPem` are given). */
export interface RemoteOrdererTls {
  /** CA certificates (PEM) the server's certificate must chain to. */
  readonly caPem?: string;
  /** Client certificate (PEM), e.g. the PCN's node certificate. */
  readonly certPem?: string;
  /** Client private key (PEM). */
  readonly keyPem?: string;
}

/** Options of a {@link RemoteOrderer}. */
export interface RemoteOrdererOptions {
  /** Base URL of the orderer service, e.g. `http://127.0.0.1:7050`. */
  readonly url: string;
  /** Time limit of one request (submit, height, status), in ms. */
  readonly requestTimeoutMs: number;
  /** First reconnect delay of a block stream; doubles per failed attempt. */
  readonly reconnectMinMs: number;
  /** Longest reconnect delay. */
  readonly reconnectMaxMs: number;
  /** A stream with no line (block or heartbeat) for this long is considered dead. */
  readonly heartbeatTimeoutMs: number;
  /** TLS settings for `https:` URLs. */
  readonly tls?: RemoteOrdererTls;
}

/** Defaults of {@link RemoteOrdererOptions}. */
export const defaultRemoteOrdererOptions = Object.freeze({
  requestTimeoutMs: 10_000,
  reconnectMinMs: 100,
  reconnectMaxMs: 5_000,
  heartbeatTimeoutMs: 15_000,
}) satisfies Partial<RemoteOrdererOptions>;

/** What the RemoteOrderer constructor takes: the URL, the rest default. */
export type RemoteOrdererInit = Pick<RemoteOrdererOptions, 'url'> &
  Partial<Omit<RemoteOrdererOptions, 'url'>>;

/** Counters of a {@link RemoteOrderer}, for logs, metrics and tests. */
export interface RemoteOrdererStats {
  /** Block stream connection attempts (the first and every reconnect attempt, failed ones included). */
  readonly streamConnects: number;
}

function unavailable(message: string, cause?: unknown, details: Record<string, unknown> = {}): BsnError {
  return new BsnError('BSN_ORDERING_UNAVAILABLE', message, { details, cause });
}

/** Whether a stream should be retried after `err`: yes for transport trouble and 5xx, no for a refused request. */
function retryable(err: unknown): boolean {
  if (!(err instanceof BsnError)) return true;
  return err.status >= 500;
}

/** The ordering service reached over its HTTP API. */
export class RemoteOrderer implements Orderer {
  private readonly opts: RemoteOrdererOptions;
  private readonly base: URL;
  private readonly agent: HttpAgent;
  private readonly heights = new Map<string, number>();
  private readonly active = new Set<AbortController>();
  private closed = false;
  private connects = 0;

  constructor(init: RemoteOrdererInit) {
    this.opts = { ...defaultRemoteOrdererOptions, ...init };
    try {
      this.base = new URL(this.opts.url);
    } catch (cause) {
      throw new BsnError('BSN_INVALID_ARGUMENT', `orderer url ${this.opts.url} is not a URL`, {
        details: { url: this.opts.url },
        cause,
      });
    }
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') {
      throw new BsnError('BSN_INVALID_ARGUMENT', 'orderer url must be http: or https:', {
        details: { url: this.opts.url },
      });
    }
    const tls = this.opts.tls;
    this.agent =
      this.base.protocol === 'https:'
        ? new HttpsAgent({
            keepAlive: true,
            ...(tls?.caPem ? { ca: tls.caPem } : {}),
            ...(tls?.certPem ? { cert: tls.certPem } : {}),
            ...(tls?.keyPem ? { key: tls.keyPem } : {}),
          })
        : new HttpAgent({ keepAlive: true });
  }

  /** Submits a transaction; resolves when the orderer made it durable. Server refusals keep their BSN_ORDERING_* code. */
  async submit(tx: SignedTransaction): Promise<SubmitResult> {
    this.assertOpen();
    const { status, body } = await this.request('POST', '/v1/orderer/transactions', JSON.stringify(tx));
    if (status !== 202) throw this.errorFrom(status, body);
    const result = body as SubmitResult;
    return { txId: result.txId, chain: result.chain };
  }

  /** Asks the orderer for the chain's current height (and remembers it for {@link height}). */
  async fetchHeight(chain: string): Promise<number> {
    this.assertOpen();
    const { status, body } = await this.request(
      'GET',
      `/v1/orderer/chains/${encodeURIComponent(chain)}/height`,
    );
    if (status !== 200) throw this.errorFrom(status, body);
    const h = (body as { height: number }).height;
    this.seen(chain, h);
    return h;
  }

  /** A transaction's status as the orderer reports it. */
  async status(txId: string): Promise<TransactionStatus> {
    this.assertOpen();
    const { status, body } = await this.request(
      'GET',
      `/v1/orderer/transactions/${encodeURIComponent(txId)}`,
    );
    if (status !== 200) throw this.errorFrom(status, body);
    return body as TransactionStatus;
  }

  /**
   * The highest height this client has seen for the chain (from streamed blocks or
   * {@link fetchHeight}); 0 before either. A lower bound of the orderer's height, never above it.
   */
  height(chain: string): number {
    return this.heights.get(chain) ?? 0;
  }

  /** Counters of this client. */
  stats(): RemoteOrdererStats {
    return { streamConnects: this.connects };
  }

  /**
   * Blocks of `chain` from `fromHeight`, reconnecting as needed; ends when `signal` aborts or the
   * client closes. Throws the server's error when it refuses the request itself (e.g. unknown chain).
   */
  blocks(chain: string, fromHeight: number, signal?: AbortSignal): AsyncIterable<Block> {
    if (!Number.isSafeInteger(fromHeight) || fromHeight < 1) {
      throw new BsnError('BSN_INVALID_ARGUMENT', 'fromHeight must be an integer ≥ 1', {
        details: { fromHeight },
      });
    }
    return this.follow(chain, fromHeight, signal);
  }

  private async *follow(chain: string, fromHeight: number, signal?: AbortSignal): AsyncGenerator<Block> {
    const ac = new AbortController();
    const onAbort = (): void => ac.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) ac.abort();
    this.active.add(ac);
    let next = fromHeight;
    let failures = 0;
    try {
      while (!ac.signal.aborted) {
        try {
          for await (const block of this.connect(chain, next, ac.signal)) {
            const h = block.header.height;
            if (h < next) continue; // a repeat after reconnecting: already yielded
            if (h > next || block.header.chain !== chain) {
              throw unavailable(`stream of ${chain} jumped from ${next} to ${h}`, undefined, {
                chain,
                expected: next,
                got: h,
              });
            }
            failures = 0;
            this.seen(chain, h);
            yield block;
            next++;
            if (ac.signal.aborted) return;
          }
        } catch (err) {
          if (ac.signal.aborted) return;
          if (!retryable(err)) throw err;
        }
        if (ac.signal.aborted) return;
        const delay = Math.min(
          this.opts.reconnectMaxMs,
          this.opts.reconnectMinMs * 2 ** Math.min(failures, 20),
        );
        failures++;
        // Jitter, so many PCNs do not reconnect to a restarted orderer in lock-step.
        await this.sleep(delay / 2 + Math.random() * (delay / 2), ac.signal);
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.active.delete(ac);
    }
  }

  // One connection's worth of blocks; ends (or throws) when the connection does.
  private async *connect(chain: string, from: number, signal: AbortSignal): AsyncGenerator<Block> {
    this.connects++;
    const res = await this.open(
      'GET',
      `/v1/orderer/chains/${encodeURIComponent(chain)}/blocks?from=${from}`,
      signal,
    );
    if (res.statusCode !== 200) {
      const body = await readBody(res);
      throw this.errorFrom(res.statusCode ?? 0, parseJson(body));
    }
    res.setEncoding('utf8');
    const it = res[Symbol.asyncIterator]() as AsyncIterator<string>;
    // The chunks of the line being received: each chunk is searched for line ends once, and a line
    // joined once, so a block of many megabytes arriving in 64 KiB chunks costs linear time (a
    // growing buffer searched from its start at every chunk cost the square of the block's size).
    let partial: string[] = [];
    let watchdog: NodeJS.Timeout | undefined;
    try {
      for (;;) {
        // Armed only while waiting for the network, so a slow consumer is not mistaken for a dead server.
        watchdog = setTimeout(
          () => res.destroy(unavailable(`no data from the orderer for ${this.opts.heartbeatTimeoutMs} ms`)),
          this.opts.heartbeatTimeoutMs,
        );
        const r = await it.next();
        clearTimeout(watchdog);
        if (r.done) return;
        const chunk = r.value;
        let start = 0;
        let nl = chunk.indexOf('\n');
        while (nl >= 0) {
          partial.push(chunk.slice(start, nl));
          const line = partial.length === 1 ? (partial[0] as string) : partial.join('');
          partial = [];
          start = nl + 1;
          nl = chunk.indexOf('\n', start);
          if (line.length === 0 || line === '{}') continue;
          const value = parseJson(line) as Block | undefined;
          if (!value?.header) throw unavailable('the orderer sent a line that is not a block');
          yield value;
        }
        if (start < chunk.length) partial.push(chunk.slice(start));
      }
    } finally {
      clearTimeout(watchdog);
      res.destroy();
    }
  }

  /** Stops every block stream and closes kept-alive connections. */
  async close(): Promise<void> {
    this.closed = true;
    for (const ac of this.active) ac.abort();
    this.agent.destroy();
  }

  private assertOpen(): void {
    if (this.closed) throw new BsnError('BSN_ORDERING_CLOSED', 'the remote orderer client is closed');
  }

  private seen(chain: string, h: number): void {
    if (h > (this.heights.get(chain) ?? 0)) this.heights.set(chain, h);
  }

  private errorFrom(status: number, body: unknown): BsnError {
    const e = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)
      ?.error;
    if (e && typeof e.code === 'string' && typeof e.message === 'string' && errorCatalog[e.code]) {
      const details =
        typeof e.details === 'object' && e.details !== null ? (e.details as Record<string, unknown>) : {};
      return new BsnError(e.code, e.message, { details });
    }
    return unavailable(`the orderer answered HTTP ${status} without an orderer error`, undefined, { status });
  }

  private async request(
    method: string,
    path: string,
    body?: string,
  ): Promise<{ status: number; body: unknown }> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.opts.requestTimeoutMs);
    try {
      const res = await this.open(method, path, ac.signal, body);
      const text = await readBody(res);
      return { status: res.statusCode ?? 0, body: parseJson(text) };
    } catch (err) {
      if (err instanceof BsnError) throw err;
      throw unavailable(
        ac.signal.aborted
          ? `the orderer did not answer within ${this.opts.requestTimeoutMs} ms`
          : `cannot reach the orderer at ${this.base.origin}`,
        err,
        { url: this.base.origin },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private open(method: string, path: string, signal: AbortSignal, body?: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const url = new URL(path, this.base);
      const options: RequestOptions = {
        method,
        agent: this.agent,
        signal,
        headers:
          body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      };
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, resolve);
      req.on('error', (err) => reject(unavailable(`cannot reach the orderer at ${this.base.origin}`, err)));
      req.end(body);
    });
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      text += c;
    });
    res.on('end', () => resolve(text));
    res.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
