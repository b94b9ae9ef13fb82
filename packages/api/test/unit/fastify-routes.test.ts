import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorResponse, fastifySchema, routes } from '@bsn/api';
import { BsnError } from '@bsn/core';
import Fastify, { type FastifyInstance } from 'fastify';

// Registers every route of the table on a real Fastify instance with its schemas, as the gateway
// does, to show the schemas compile, validate requests and that errors come out in the wire format.
describe('the route table on Fastify', () => {
  let app: FastifyInstance;
  const tx = {
    payload: {
      chain: 'svc-a',
      contract: 'notary',
      method: 'put',
      args: ['k', { n: 1 }],
      nonce: 'n1',
      expires: 1_900_000_000_000,
      signer: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    },
    signature: 'ab'.repeat(64),
  };

  before(async () => {
    app = Fastify();
    app.setErrorHandler((err, _req, reply) => {
      const { status, body } = errorResponse(err);
      void reply.status(status).send(body);
    });
    for (const route of routes) {
      app.route({
        method: route.method,
        url: route.url,
        schema: fastifySchema(route),
        handler: async (req, reply) => {
          if (route.operationId === 'submitTransaction') {
            return reply.status(202).send({
              txId: 'cd'.repeat(32),
              chain: (req.params as { chain: string }).chain,
              status: 'accepted',
            });
          }
          if (route.operationId === 'getState') {
            const { key } = req.params as { key: string };
            if (key === 'boom') throw new Error('secret internal detail');
            if (key === 'missing')
              throw new BsnError('BSN_GATEWAY_NOT_FOUND', 'no such key', { details: { key } });
            return { contract: (req.query as { contract: string }).contract, key, value: null, height: 3 };
          }
          return reply.status(204).send();
        },
      });
    }
    await app.ready();
  });
  after(() => app.close());

  it('accepts a well-formed signed transaction and serialises the 202 answer', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/chains/svc-a/transactions?wait=none',
      payload: tx,
    });
    assert.equal(res.statusCode, 202);
    assert.deepEqual(res.json(), { txId: 'cd'.repeat(32), chain: 'svc-a', status: 'accepted' });
  });

  it('rejects a transaction with a malformed signature as BSN_GATEWAY_BAD_REQUEST naming the field', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/chains/svc-a/transactions',
      payload: { ...tx, signature: 'XYZ' },
    });
    assert.equal(res.statusCode, 400);
    const body = res.json();
    assert.equal(body.error.code, 'BSN_GATEWAY_BAD_REQUEST');
    assert.equal(body.error.details.field, 'body.signature');
  });

  it('rejects an unknown wait mode and a bad chain id in the path', async () => {
    const a = await app.inject({
      method: 'POST',
      url: '/v1/chains/svc-a/transactions?wait=forever',
      payload: tx,
    });
    assert.equal(a.json().error.code, 'BSN_GATEWAY_BAD_REQUEST');
    assert.match(a.json().error.details.field, /^querystring/);
    const b = await app.inject({ method: 'GET', url: '/v1/chains/Bad_Chain/blocks/1' });
    assert.equal(b.statusCode, 400);
    assert.match(b.json().error.details.field, /^params/);
  });

  it('decodes an encoded state key containing a slash', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/chains/svc-a/state/a%2Fb?contract=notary' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { contract: 'notary', key: 'a/b', value: null, height: 3 });
  });

  it('answers a BsnError with its catalogue status and never leaks an internal message', async () => {
    const missing = await app.inject({ method: 'GET', url: '/v1/chains/svc-a/state/missing?contract=c' });
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(missing.json(), {
      error: { code: 'BSN_GATEWAY_NOT_FOUND', message: 'no such key', details: { key: 'missing' } },
    });
    const boom = await app.inject({ method: 'GET', url: '/v1/chains/svc-a/state/boom?contract=c' });
    assert.equal(boom.statusCode, 500);
    assert.deepEqual(boom.json(), {
      error: { code: 'BSN_INTERNAL', message: 'internal error', details: {} },
    });
    assert.doesNotMatch(boom.body, /secret|stack/);
  });

  it('maps a body over the limit to BSN_GATEWAY_BODY_TOO_LARGE', async () => {
    const small = Fastify({ bodyLimit: 100 });
    small.setErrorHandler((err, _req, reply) => {
      const { status, body } = errorResponse(err);
      void reply.status(status).send(body);
    });
    const route = routes.find((r) => r.operationId === 'query');
    assert.ok(route);
    small.route({
      method: route.method,
      url: route.url,
      schema: fastifySchema(route),
      handler: async () => ({}),
    });
    const res = await small.inject({ method: 'POST', url: '/v1/chains/svc-a/query', payload: tx });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.code, 'BSN_GATEWAY_BODY_TOO_LARGE');
    await small.close();
  });
});
