import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { namedSchemas, openApiDocument, routes } from '@bsn/api';
import { errorCatalog } from '@bsn/core';

function refsIn(value: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.add(v);
      else refsIn(v, out);
    }
  }
  return out;
}

describe('openApiDocument', () => {
  const doc = openApiDocument({ servers: ['http://127.0.0.1:8080'] });

  it('is an OpenAPI 3.1 document that survives a JSON round trip', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(JSON.parse(JSON.stringify(doc)), doc);
    assert.deepEqual(doc.servers, [{ url: 'http://127.0.0.1:8080' }]);
  });

  it('lists every route of the table under its path and method, with a unique operationId', () => {
    const ids = new Set<string>();
    for (const route of routes) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()] as Record<string, unknown> | undefined;
      assert.ok(op, `${route.method} ${route.path} missing`);
      assert.equal(op.operationId, route.operationId);
      assert.ok(!ids.has(route.operationId), `duplicate operationId ${route.operationId}`);
      ids.add(route.operationId);
    }
    for (const required of [
      'GET /v1/health',
      'GET /v1/openapi.json',
      'GET /v1/network',
      'GET /v1/chains/{chain}',
      'POST /v1/chains/{chain}/transactions',
      'GET /v1/chains/{chain}/transactions/{txId}',
      'POST /v1/chains/{chain}/query',
      'GET /v1/chains/{chain}/blocks/{height}',
      'GET /v1/chains/{chain}/state/{key}',
      'GET /v1/chains/{chain}/events',
      'GET /metrics',
    ]) {
      const [method, path] = required.split(' ') as [string, string];
      assert.ok(doc.paths[path]?.[method.toLowerCase()], `${required} is not in the document`);
    }
  });

  it('resolves every $ref to a component, and every component is referenced', () => {
    const refs = refsIn(doc.paths, new Set());
    refsIn(doc.components.schemas, refs);
    for (const ref of refs) {
      assert.match(ref, /^#\/components\/schemas\//);
      const name = ref.slice('#/components/schemas/'.length);
      assert.ok(doc.components.schemas[name], `${ref} does not resolve`);
    }
    for (const name of Object.keys(namedSchemas)) {
      assert.ok(refs.has(`#/components/schemas/${name}`), `component ${name} is never referenced`);
    }
  });

  it('names every path parameter of a template in its parameters', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const op of Object.values(item)) {
        const params = (op.parameters as { name: string; in: string; required: boolean }[]) ?? [];
        for (const n of names) {
          const p = params.find((x) => x.name === n && x.in === 'path');
          assert.ok(p?.required, `${path}: path parameter ${n} missing or optional`);
        }
      }
    }
  });

  it('lists each route’s error codes under the status their catalogue entry gives, with the error schema', () => {
    for (const route of routes) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()] as {
        responses: Record<string, Record<string, unknown>>;
      };
      const listed: string[] = [];
      for (const [status, resp] of Object.entries(op.responses)) {
        const codes = resp['x-bsn-error-codes'] as string[] | undefined;
        if (codes === undefined) continue;
        for (const code of codes) {
          assert.equal(errorCatalog[code]?.status, Number(status), `${code} under ${status}`);
          listed.push(code);
        }
        assert.deepEqual(resp.content, {
          'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } },
        });
      }
      assert.deepEqual(listed.sort(), [...route.errors].sort());
    }
  });

  it('marks authenticated routes with a security requirement and public ones with none', () => {
    const getState = doc.paths['/v1/chains/{chain}/state/{key}']?.get as Record<string, unknown>;
    assert.deepEqual(getState.security, [{ BsnSig: [] }]);
    const events = doc.paths['/v1/chains/{chain}/events']?.get as Record<string, unknown>;
    assert.deepEqual(events.security, [{ BsnSig: [] }, { BsnSigQuery: [] }]);
    const health = doc.paths['/v1/health']?.get as Record<string, unknown>;
    assert.deepEqual(health.security, []);
    assert.ok(doc.components.securitySchemes.BsnSig);
    const unauthorised = (getState.responses as Record<string, Record<string, unknown>>)['401'];
    assert.deepEqual(unauthorised?.['x-bsn-error-codes'], ['BSN_GATEWAY_UNAUTHENTICATED']);
  });

  it('describes the event stream’s message types', () => {
    const events = doc.paths['/v1/chains/{chain}/events']?.get as {
      responses: Record<string, { content: Record<string, Record<string, unknown>> }>;
    };
    const stream = events.responses['200']?.content['text/event-stream'];
    assert.deepEqual(Object.keys(stream?.['x-bsn-events'] as object).sort(), ['block', 'contract-event']);
  });
});
