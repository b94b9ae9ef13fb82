/**
 * `@bsn/api` — the gateway's HTTP contract: TypeBox schemas of every route, the route table, the
 * OpenAPI document, the error wire format, request authentication and the event-stream ids.
 * The gateway (in `@bsn/node`) and the SDK are both written against this package.
 */
import './errors.js';

export * from './error-response.js';
export * from './errors.js';
export * from './event-stream.js';
export * from './hosting-records.js';
export * from './openapi.js';
export * from './request-auth.js';
export * from './routes.js';
export * from './schemas.js';
