/**
 * Builds the gateway's OpenAPI 3.1 document from the {@link routes} table and the TypeBox schemas:
 * the contract the gateway, the SDK and the portal are tested against (served at /v1/openapi.json).
 */
import { errorCatalog } from '@bsn/core';
import type { TSchema } from '@sinclair/typebox';
import { AUTH_QUERY_PARAM, AUTH_SCHEME } from './request-auth.js';
import { type RouteDefinition, routes } from './routes.js';
import { namedSchemas } from './schemas.js';

/** The version of the gateway API (the `/v1` prefix follows its major). */
export const API_VERSION = '1.0.0';

/** An OpenAPI document as plain JSON. */
export type OpenApiDocument = Record<string, unknown> & {
  readonly openapi: string;
  readonly paths: Record<string, Record<string, Record<string, unknown>>>;
  readonly components: {
    readonly schemas: Record<string, unknown>;
    readonly securitySchemes: Record<string, unknown>;
  };
};

const REF_PREFIX = '#/components/schemas/';

/** Copies a schema to plain JSON, replacing every named sub-schema (by title) with a `$ref`. */
function toJsonSchema(schema: unknown, isRoot: boolean): unknown {
  if (Array.isArray(schema)) return schema.map((s) => toJsonSchema(s, false));
  if (typeof schema !== 'object' || schema === null) return schema;
  const title = (schema as { title?: unknown }).title;
  if (!isRoot && typeof title === 'string' && namedSchemas[title] !== undefined)
    return { $ref: `${REF_PREFIX}${title}` };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = toJsonSchema(v, false);
  return out;
}

function parameters(route: RouteDefinition): Record<string, unknown>[] {
  const list: Record<string, unknown>[] = [];
  const add = (where: 'path' | 'query', schema: TSchema | undefined) => {
    if (schema === undefined) return;
    const props = (schema as { properties?: Record<string, unknown> }).properties ?? {};
    const required = new Set<string>((schema as { required?: string[] }).required ?? []);
    for (const [name, prop] of Object.entries(props)) {
      const description = (prop as { description?: unknown }).description;
      list.push({
        name,
        in: where,
        required: where === 'path' || required.has(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema: toJsonSchema(prop, false),
      });
    }
  };
  add('path', route.params);
  add('query', route.querystring);
  if (route.auth === 'request-or-query') {
    list.push({
      name: 'Last-Event-ID',
      in: 'header',
      required: false,
      description: 'Resume after this event id (`<height>:<tx>:<event>` or `<height>:end`)',
      schema: { type: 'string' },
    });
  }
  return list;
}

function errorResponses(route: RouteDefinition): Record<string, unknown> {
  const byStatus = new Map<number, string[]>();
  for (const code of route.errors) {
    const entry = errorCatalog[code];
    if (entry === undefined)
      throw new Error(`route ${route.operationId} lists unregistered error code ${code}`);
    byStatus.set(entry.status, [...(byStatus.get(entry.status) ?? []), code]);
  }
  const out: Record<string, unknown> = {};
  for (const [status, codes] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    out[String(status)] = {
      description: codes.map((c) => `${c}: ${errorCatalog[c]?.description ?? ''}`).join('\n\n'),
      'x-bsn-error-codes': codes,
      content: { 'application/json': { schema: { $ref: `${REF_PREFIX}ErrorBody` } } },
    };
  }
  return out;
}

function successResponses(route: RouteDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(route.responses)) {
    let content: Record<string, unknown>;
    if (r.contentType === 'text/event-stream') {
      content = {
        'text/event-stream': {
          schema: { type: 'string' },
          'x-bsn-events': Object.fromEntries(
            Object.entries(r.events ?? {}).map(([n, s]) => [n, toJsonSchema(s, false)]),
          ),
        },
      };
    } else if (r.contentType === 'text/plain') {
      content = { 'text/plain': { schema: { type: 'string' } } };
    } else {
      content = {
        'application/json': {
          schema: r.schema === undefined ? { type: 'object' } : toJsonSchema(r.schema, false),
        },
      };
    }
    out[status] = { description: r.description, content };
  }
  return out;
}

function security(route: RouteDefinition): Record<string, unknown> {
  switch (route.auth) {
    case 'none':
      return { security: [] };
    case 'transaction':
      return { security: [], 'x-bsn-auth': 'signed transaction body' };
    case 'request':
      return { security: [{ BsnSig: [] }], 'x-bsn-auth': 'BSN-Sig request signature' };
    case 'request-or-query':
      return { security: [{ BsnSig: [] }, { BsnSigQuery: [] }], 'x-bsn-auth': 'BSN-Sig request signature' };
  }
}

/** The OpenAPI 3.1 document of the gateway; `servers` optionally names the gateway URLs. */
export function openApiDocument(options: { servers?: readonly string[] } = {}): OpenApiDocument {
  const paths: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const route of routes) {
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      description: route.description,
      tags: [...route.tags],
      ...security(route),
      parameters: parameters(route),
      responses: { ...successResponses(route), ...errorResponses(route) },
    };
    if (route.body !== undefined) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: toJsonSchema(route.body, false) } },
      };
    }
    const item = paths[route.path] ?? {};
    item[route.method.toLowerCase()] = operation;
    paths[route.path] = item;
  }
  const schemas: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(namedSchemas)) schemas[name] = toJsonSchema(schema, true);
  return {
    openapi: '3.1.0',
    info: {
      title: 'BSN gateway',
      version: API_VERSION,
      description:
        'The HTTP API every PCN of a BSN network serves. Errors are `{error:{code,message,details}}` with the HTTP status of the code. See docs/api.md.',
    },
    ...(options.servers === undefined ? {} : { servers: options.servers.map((url) => ({ url })) }),
    paths,
    components: {
      schemas,
      securitySchemes: {
        BsnSig: {
          type: 'http',
          scheme: AUTH_SCHEME,
          description:
            'Authorization: BSN-Sig cert="<base64 PEM>", time="<ms>", sig="<hex>"; sig signs canonical {domain:"bsn/request/v1", value:{method, path, time, bodyHash}}.',
        },
        BsnSigQuery: {
          type: 'apiKey',
          in: 'query',
          name: AUTH_QUERY_PARAM,
          description:
            'The same fields as base64url JSON {cert,time,sig}, for clients that cannot set headers.',
        },
      },
    },
  };
}
