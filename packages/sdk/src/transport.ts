/**
 * HTTP to the gateways: global `fetch`, JSON bodies checked against the API schemas, BSN-Sig
 * signing of reads, and retries with exponential backoff across the configured gateway list on
 * connection errors and on answers another PCN may not give (503 unavailable or halted, 404 chain
 * not hosted). Every other gateway error is thrown as it came, as a {@link BaseError} with its code.
 */
import { errorFromBody, signRequest } from '@bsn/api';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { BaseError } from './errors.js';
import type { Identity } from './identity.js';

/** Retry policy across gateways. */
export interface RetryOptions {
  /** Attempts in all (first try included), spread over the gateway list in turn. */
  readonly attempts: number;
  /** Delay before the second attempt; doubles after each further one. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Default retry policy: 4 attempts, 100 ms doubling up to 2 s. */
export const defaultRetryOptions: RetryOptions = { attempts: 4, baseDelayMs: 100, maxDelayMs: 2_000 };

/** Error codes after which the same request may succeed on another gateway. */
export const RETRYABLE_GATEWAY_CODES: ReadonlySet<string> = new Set([
  'BSN_GATEWAY_UNAVAILABLE',
  'BSN_GATEWAY_CHAIN_HALTED',
  'BSN_GATEWAY_CHAIN_NOT_HOSTED',
]);

/** What the transport needs from a client. */
export interface TransportConfig {
  readonly gateways: readonly string[];
  readonly identity: Identity;
  readonly fetch: typeof fetch;
  readonly retry: RetryOptions;
  /** Per-request time limit (ms) for requests that do not wait on the chain. */
  readonly requestTimeoutMs: number;
  readonly now: () => number;
  /** Index of the gateway that answered last (tried first next time). */
  preferred: number;
}

/** One HTTP call. */
export interface TransportRequest {
  readonly method: 'GET' | 'POST';
  /** Path and query, e.g. `/v1/chains/a/state/k?contract=c`. */
  readonly path: string;
  readonly body?: unknown;
  readonly auth: 'none' | 'request';
  /** Accepted success statuses and the schema of each. */
  readonly responses: Readonly<Record<number, TSchema>>;
  readonly signal?: AbortSignal | undefined;
  /** Overrides the client's request timeout (long polls). */
  readonly timeoutMs?: number;
}

/** A successful answer. */
export interface TransportResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly gateway: string;
}

/** Sleeps `ms`, or throws BSN_SDK_ABORTED when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The error thrown when the caller aborts. */
export function aborted(): BaseError {
  return new BaseError('BSN_SDK_ABORTED', 'the operation was aborted');
}

/** Backoff before attempt `attempt` (0-based; none before the first). */
export function backoffMs(retry: RetryOptions, attempt: number): number {
  return attempt === 0 ? 0 : Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
}

/** Joins a gateway base URL and a path. */
export function gatewayUrl(gateway: string, path: string): string {
  return `${gateway.replace(/\/+$/, '')}${path}`;
}

function schemaError(status: number, body: unknown, schema: TSchema, gateway: string): BaseError {
  const first = Value.Errors(schema, body).First();
  return new BaseError(
    'BSN_SDK_RESPONSE_INVALID',
    `gateway ${gateway} answered HTTP ${status} with a body that does not match the API`,
    {
      details: { gateway, status, path: first?.path ?? '', problem: first?.message ?? 'invalid' },
    },
  );
}

/**
 * Sends `req`, trying the gateways in turn from the last good one; throws BSN_SDK_UNREACHABLE when
 * every attempt failed to connect, the gateway's error when one answered with a final error, or
 * BSN_SDK_ABORTED.
 */
export async function request<T>(
  config: TransportConfig,
  req: TransportRequest,
): Promise<TransportResponse<T>> {
  const n = config.gateways.length;
  const bodyText = req.body === undefined ? undefined : JSON.stringify(req.body);
  let lastError: BaseError | undefined;
  const tried: string[] = [];
  for (let attempt = 0; attempt < config.retry.attempts; attempt++) {
    if (req.signal?.aborted) throw aborted();
    await sleep(backoffMs(config.retry, attempt), req.signal);
    const index = (config.preferred + attempt) % n;
    const gateway = config.gateways[index] as string;
    tried.push(gateway);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (bodyText !== undefined) headers['content-type'] = 'application/json';
    if (req.auth === 'request') {
      headers.authorization = signRequest(
        { method: req.method, path: req.path, body: bodyText },
        { certPem: config.identity.certPem, privateKey: config.identity.privateKey },
        config.now(),
      ).authorization;
    }
    const timeout = AbortSignal.timeout(req.timeoutMs ?? config.requestTimeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    let res: Response;
    let text: string;
    try {
      res = await config.fetch(gatewayUrl(gateway, req.path), {
        method: req.method,
        headers,
        ...(bodyText === undefined ? {} : { body: bodyText }),
        signal,
      });
      text = await res.text();
    } catch (cause) {
      if (req.signal?.aborted) throw aborted();
      lastError = new BaseError('BSN_SDK_UNREACHABLE', `gateway ${gateway} did not answer`, {
        details: { gateway, reason: cause instanceof Error ? cause.message : String(cause) },
        cause,
      });
      continue;
    }
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch (cause) {
      body = undefined;
      if (res.ok) {
        throw new BaseError(
          'BSN_SDK_RESPONSE_INVALID',
          `gateway ${gateway} answered HTTP ${res.status} with a body that is not JSON`,
          {
            details: { gateway, status: res.status },
            cause,
          },
        );
      }
    }
    const schema = req.responses[res.status];
    if (schema !== undefined) {
      if (!Value.Check(schema, body)) throw schemaError(res.status, body, schema, gateway);
      config.preferred = index;
      return { status: res.status, body: body as T, gateway };
    }
    const error = BaseError.from(errorFromBody(res.status, body));
    error.details.gateway = gateway;
    if (res.status === 503 || res.status === 502 || RETRYABLE_GATEWAY_CODES.has(error.code)) {
      lastError = error;
      continue;
    }
    if (res.ok) {
      throw new BaseError(
        'BSN_SDK_RESPONSE_INVALID',
        `gateway ${gateway} answered HTTP ${res.status}, which this call does not expect`,
        {
          details: { gateway, status: res.status },
        },
      );
    }
    throw error;
  }
  if (lastError !== undefined && lastError.code !== 'BSN_SDK_UNREACHABLE') throw lastError;
  throw new BaseError('BSN_SDK_UNREACHABLE', `no gateway answered after ${tried.length} attempts`, {
    details: { gateways: [...new Set(tried)], attempts: tried.length },
    ...(lastError === undefined ? {} : { cause: lastError }),
  });
}
