/**
 * The one error wire format, `{error:{code,message,details}}`, built from anything a handler throws.
 * A gateway's error handler calls {@link errorResponse} and sends its status and body; a client
 * turns a body back into a {@link BsnError} with {@link errorFromBody}.
 */
import { BsnError, errorCatalog } from '@bsn/core';
import type { ErrorBody } from './schemas.js';

/** An HTTP error answer: status and body. */
export interface ErrorResponse {
  readonly status: number;
  readonly body: ErrorBody;
}

interface FastifyLikeError {
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly validation?: ReadonlyArray<{
    instancePath?: string;
    message?: string;
    keyword?: string;
    params?: unknown;
  }>;
  readonly validationContext?: unknown;
  readonly message?: unknown;
}

/**
 * Maps a thrown value to the wire answer: a BsnError keeps its code (status from the catalogue);
 * a Fastify schema failure becomes BSN_GATEWAY_BAD_REQUEST naming the field; a body over the limit
 * BSN_GATEWAY_BODY_TOO_LARGE; anything else BSN_INTERNAL with a fixed message (never a stack trace
 * or an internal message, which may quote secrets).
 */
export function errorResponse(err: unknown): ErrorResponse {
  if (err instanceof BsnError) {
    const status = errorCatalog[err.code]?.status ?? 500;
    if (status >= 500 && errorCatalog[err.code] === undefined) {
      return internal();
    }
    return { status, body: { error: err.toJSON() } };
  }
  const e = (typeof err === 'object' && err !== null ? err : {}) as FastifyLikeError;
  if (Array.isArray(e.validation) && e.validation.length > 0) {
    const first = e.validation[0];
    const where = typeof e.validationContext === 'string' ? e.validationContext : 'request';
    const path = first?.instancePath ?? '';
    const field = `${where}${path.replaceAll('/', '.')}`;
    return {
      status: 400,
      body: {
        error: {
          code: 'BSN_GATEWAY_BAD_REQUEST',
          message: `${field} ${first?.message ?? 'is not valid'}`,
          details: { field, rule: first?.keyword ?? 'schema', params: first?.params ?? {} },
        },
      },
    };
  }
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.statusCode === 413) {
    return {
      status: 413,
      body: {
        error: { code: 'BSN_GATEWAY_BODY_TOO_LARGE', message: 'request body is too large', details: {} },
      },
    };
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    // Framework-level client errors (bad JSON, wrong content type): the message is the framework's, not ours, and safe.
    const code = e.statusCode === 404 ? 'BSN_GATEWAY_NOT_FOUND' : 'BSN_GATEWAY_BAD_REQUEST';
    const message = typeof e.message === 'string' ? e.message.slice(0, 200) : 'bad request';
    return { status: errorCatalog[code]?.status ?? 400, body: { error: { code, message, details: {} } } };
  }
  return internal();
}

function internal(): ErrorResponse {
  return { status: 500, body: { error: { code: 'BSN_INTERNAL', message: 'internal error', details: {} } } };
}

/** Turns an error body (as received) back into a BsnError; a body of another shape gives BSN_INTERNAL naming the status. */
export function errorFromBody(status: number, body: unknown): BsnError {
  const e = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (
    e !== undefined &&
    typeof e.code === 'string' &&
    /^BSN_[A-Z0-9_]+$/.test(e.code) &&
    typeof e.message === 'string'
  ) {
    const details =
      typeof e.details === 'object' && e.details !== null && !Array.isArray(e.details)
        ? (e.details as Record<string, unknown>)
        : {};
    return new BsnError(e.code, e.message, { details: { ...details, httpStatus: status } });
  }
  return new BsnError('BSN_INTERNAL', `gateway answered HTTP ${status} without an error body`, {
    details: { httpStatus: status },
  });
}
