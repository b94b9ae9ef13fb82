/**
 * Hostile HTTP input against a real PCN gateway (issue #4): a few hundred generated requests —
 * malformed JSON, wrong types, missing and extra fields, bodies over 1 MiB, unknown chains, bad
 * ids, heights and keys in paths, bad query parameters, bad Authorization headers, wrong methods
 * and content types. Every answer must be a 4xx with `{error:{code: BSN_…, message}}` and no stack
 * trace, and the PCN must stay healthy and keep committing afterwards.
 *
 * The generators are fast-check arbitraries with fixed seeds, so a failure replays exactly and
 * shrinks to a small counter-example.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signRequest } from '@bsn/api';
import type { JsonValue, SignedTransaction } from '@bsn/core';
import { createTransaction, type Identity, identityFromPem } from '@bsn/sdk';
import fc from 'fast-check';
import { type DevNetwork, startDevNetwork } from '../support/dev-network.js';

const CHAIN = 'svc-assets';
const MiB = 1024 * 1024;

interface Sent {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

interface Got {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** One raw HTTP request: the path goes on the wire exactly as given (no URL normalisation). */
function sendOnce(base: string, req: Sent): Promise<Got> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const r = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: {
          ...(req.body !== undefined ? { 'content-length': String(Buffer.byteLength(req.body)) } : {}),
          ...req.headers,
        },
        timeout: 20_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error(`no answer to ${req.method} ${req.path.slice(0, 100)}`)));
    r.on('error', reject);
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

/**
 * Sends `req` and returns the server's answer. A server may answer an oversized body (413) from
 * its Content-Length and close the connection while the client is still writing that body: the
 * client's write then fails (EPIPE, ECONNRESET), sometimes before it has read the answer waiting
 * in its socket. Only then, and only for such bodies, the request is sent again (at most 5
 * times): the test still sees the server's answer, never a guess at it.
 */
async function send(base: string, req: Sent): Promise<Got> {
  const oversized = req.body !== undefined && Buffer.byteLength(req.body) > MiB;
  for (let attempt = 1; ; attempt++) {
    try {
      return await sendOnce(base, req);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!oversized || attempt >= 5 || (code !== 'EPIPE' && code !== 'ECONNRESET')) throw err;
    }
  }
}

const STACK_TRACE = /\n\s+at\s|\bat [\w.<>]+ \(|node:internal|node_modules|\.ts:\d+|\/work\/|Error: .*\n/;

/** The contract every hostile request must keep. */
function assertClientError(req: Sent, got: Got): void {
  const what = `${req.method} ${req.path.slice(0, 120)} → ${got.status} ${got.text.slice(0, 300)}`;
  assert.ok(got.status >= 400 && got.status < 500, `4xx expected: ${what}`);
  assert.match(got.contentType, /^application\/json/, `JSON answer: ${what}`);
  let body: { error?: { code?: unknown; message?: unknown } };
  try {
    body = JSON.parse(got.text) as typeof body;
  } catch {
    assert.fail(`body is not JSON: ${what}`);
  }
  assert.ok(body.error && typeof body.error === 'object', `an error object: ${what}`);
  assert.match(String(body.error.code), /^BSN_[A-Z0-9_]+$/, `a BSN_ code: ${what}`);
  assert.equal(typeof body.error.message, 'string', `a message: ${what}`);
  assert.ok((body.error.message as string).length > 0, `a non-empty message: ${what}`);
  assert.doesNotMatch(got.text, STACK_TRACE, `no stack trace or source path: ${what}`);
}

// ---- generators ------------------------------------------------------------------------------

/** Printable ASCII, the only thing an HTTP header value may carry. */
const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
});

/** Anything that is not valid JSON text (or is JSON of a wrong top-level type). */
const notAnEnvelope = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    '',
    '{',
    '}',
    '[',
    '{"payload":',
    '{"payload":{}',
    'null',
    'true',
    '0',
    '-1e309',
    '"x"',
    '[]',
    '{}',
    '{"__proto__":{"polluted":1}}',
    '{"constructor":{"prototype":{"polluted":1}}}',
    '\u0000',
    '\ufeff{}',
    '{"a":1,"a":2}',
    'NaN',
    '{"payload":{"chain":"svc-assets"}, "signature": 1}',
  ),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
);

/** A value of any JSON type (used to replace a field with something of the wrong type). */
const anyJson = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 30 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Random chain ids: mostly well-formed but not hosted, some malformed. */
const chainId = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).filter((c) => c !== CHAIN && c !== 'system'),
  fc.string({ minLength: 1, maxLength: 80 }).map(encodeURIComponent),
  fc.constantFrom('SYSTEM', 'svc-ASSETS', '-x', '1abc', 'a'.repeat(65), '%00', '%ZZ', '..', '.', 'a%2Fb'),
);

// ---- the test ----------------------------------------------------------------------------------

describe('hostile HTTP input against a PCN gateway', { timeout: 240_000 }, () => {
  let network: DevNetwork;
  let gateway: string;
  let admin: Identity;
  let total = 0;

  /** A GET signed for exactly `path` (so a request reaches the checks behind authentication). */
  const signedGet = (path: string, method = 'GET'): Sent => ({
    method,
    path,
    headers: {
      authorization: signRequest({ method, path }, { certPem: admin.certPem, privateKey: admin.privateKey })
        .authorization,
    },
  });
  const envelope = (args: JsonValue[] = ['x', 1], chain = CHAIN): SignedTransaction =>
    createTransaction(admin, { chain, contract: 'assets', method: 'create', args }).tx as SignedTransaction;
  const check = async (req: Sent): Promise<void> => {
    total++;
    assertClientError(req, await send(gateway, req));
  };
  const run = async <T>(arb: fc.Arbitrary<T>, numRuns: number, seed: number, toRequest: (v: T) => Sent) => {
    const out = await fc.check(
      fc.asyncProperty(arb, async (v) => check(toRequest(v))),
      { numRuns, seed },
    );
    // Report the shrunk counter-example with the assertion it broke (fc.assert hides the latter).
    if (out.failed) {
      const error =
        out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
      assert.fail(`seed ${seed}, counter-example ${JSON.stringify(out.counterexample)}:\n${error}`);
    }
  };

  before(async () => {
    network = await startDevNetwork({ pcns: 1, prefix: 'bsn-fuzz-' });
    gateway = network.running.network.pcns[0]!.gateway;
    await network.deployAssets(['pcn1']);
    const net = network.running.network;
    admin = identityFromPem({
      certPem: readFileSync(net.path(net.admin.cert), 'utf8'),
      keyPem: readFileSync(net.path(net.admin.key), 'utf8'),
    });
  });
  after(async () => {
    agent.destroy();
    await network?.stop();
  });

  it('malformed JSON bodies on submit and query get 400 with a code', async () => {
    await run(
      fc.tuple(notAnEnvelope, fc.constantFrom('transactions', 'query', 'transactions?wait=final')),
      70,
      4101,
      ([body, route]) => ({
        method: 'POST',
        path: `/v1/chains/${CHAIN}/${route}`,
        headers: { 'content-type': 'application/json' },
        body,
      }),
    );
  });

  it('envelopes with wrong types, missing fields or extra fields get 4xx, never a receipt', async () => {
    const fields = ['chain', 'contract', 'method', 'args', 'nonce', 'expires', 'signer'] as const;
    const mutation = fc.oneof(
      // a field replaced by a value of another type
      fc
        .tuple(fc.constantFrom(...fields, 'signature'), anyJson)
        .map(([field, value]) => ({ kind: 'retype' as const, field, value })),
      // a field missing
      fc.constantFrom(...fields, 'signature', 'payload').map((field) => ({ kind: 'drop' as const, field })),
      // an unknown field, in the payload or beside it
      fc
        .tuple(fc.boolean(), fc.string({ minLength: 1, maxLength: 12 }), anyJson)
        .filter(
          ([, name]) =>
            !(fields as readonly string[]).includes(name) && name !== 'payload' && name !== 'signature',
        )
        .map(([inPayload, name, value]) => ({ kind: 'extra' as const, inPayload, name, value })),
    );
    await run(fc.tuple(mutation, fc.constantFrom('transactions', 'query')), 90, 4102, ([m, route]) => {
      const tx = envelope(['fz', 1]) as unknown as { payload: Record<string, unknown> } & Record<
        string,
        unknown
      >;
      const payload = { ...tx.payload };
      const outer: Record<string, unknown> = { payload, signature: tx['signature'] };
      if (m.kind === 'retype') {
        const target = m.field === 'signature' ? outer : payload;
        // Keep only genuinely wrong types: the same type could be a valid envelope.
        const value = typeOf(m.value) === typeOf(target[m.field]) ? [m.value] : m.value;
        target[m.field] = value;
      } else if (m.kind === 'drop') {
        if (m.field === 'signature' || m.field === 'payload') delete outer[m.field];
        else delete payload[m.field];
      } else {
        (m.inPayload ? payload : outer)[m.name] = m.value;
      }
      return {
        method: 'POST',
        path: `/v1/chains/${CHAIN}/${route}`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(outer),
      };
    });
  });

  it('bodies over 1 MiB get 413 BSN_GATEWAY_BODY_TOO_LARGE', async () => {
    const valid = JSON.stringify(envelope());
    const bodies = [
      Buffer.alloc(MiB + 1, 'a'),
      `{"payload":${'['.repeat(10)}"${'x'.repeat(2 * MiB)}"`,
      // a well-formed envelope whose args make it too large
      JSON.stringify(envelope(['big', 'y'.repeat(MiB + 10)])),
      `${valid}${' '.repeat(MiB)}`,
    ];
    for (const body of bodies) {
      for (const path of [`/v1/chains/${CHAIN}/transactions`, `/v1/chains/${CHAIN}/query`]) {
        const req: Sent = { method: 'POST', path, headers: { 'content-type': 'application/json' }, body };
        total++;
        const got = await send(gateway, req);
        assertClientError(req, got);
        assert.equal(got.status, 413, `${path}: ${got.text.slice(0, 200)}`);
        assert.equal(
          (JSON.parse(got.text) as { error: { code: string } }).error.code,
          'BSN_GATEWAY_BODY_TOO_LARGE',
        );
      }
    }
  });

  it('unknown or malformed chains, tx ids, heights and keys in paths get 4xx', async () => {
    const badTxId = fc.oneof(
      fc.stringMatching(/^[0-9a-f]{64}$/), // well-formed, never submitted
      fc.string({ minLength: 1, maxLength: 100 }).map(encodeURIComponent),
      fc.constantFrom('0', 'G'.repeat(64), 'A'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), '%ZZ'),
    );
    const badHeight = fc.oneof(
      fc.integer({ min: 1_000_000, max: Number.MAX_SAFE_INTEGER }).map(String), // not yet committed
      fc.constantFrom(
        '0',
        '-1',
        '01',
        '1.5',
        '1e3',
        'latest2',
        'LATEST',
        'NaN',
        'Infinity',
        '9'.repeat(17),
        '0x10',
        '%31',
      ),
      fc.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent),
    );
    const badKeyQuery = fc.oneof(
      fc.constant(''), // contract missing
      fc.constantFrom(
        '?contract=',
        '?contract=assets&proof=yes',
        '?contract=assets&height=0',
        '?contract=assets&height=-1',
      ),
      fc.constantFrom(
        '?contract=assets&height=abc',
        '?contract=assets&height=99999999',
        `?contract=${'c'.repeat(129)}`,
      ),
      fc.constantFrom('?proof=true', '?contract=assets&contract=other&height=1.5'),
    );
    const pathCase = fc.oneof(
      chainId.map((c) => `/v1/chains/${c}`),
      chainId.map((c) => `/v1/chains/${c}/blocks/1`),
      chainId.map((c) => `/v1/chains/${c}/state/k?contract=assets`),
      chainId.map((c) => `/v1/chains/${c}/events`),
      badTxId.map((t) => `/v1/chains/${CHAIN}/transactions/${t}`),
      badTxId.map((t) => `/v1/chains/system/transactions/${t}`),
      badHeight.map((h) => `/v1/chains/${CHAIN}/blocks/${h}`),
      badHeight.map((h) => `/v1/chains/system/blocks/${h}`),
      badKeyQuery.map((q) => `/v1/chains/${CHAIN}/state/asset%2Fx${q}`),
      fc
        .constantFrom('%ZZ', '%', '%E0%A4%A', 'a'.repeat(1025))
        .map((k) => `/v1/chains/${CHAIN}/state/${k}?contract=assets`),
      fc.constantFrom(
        '/v1/chains',
        '/v1/chains/',
        '/v1',
        '/',
        '/v2/health',
        '/v1/chains//blocks/1',
        '/v1/../etc/passwd',
      ),
    );
    await run(pathCase, 90, 4103, (path) => signedGet(path));
    // Unknown chains on the POST routes too, with an envelope for that chain.
    await run(fc.tuple(chainId, fc.constantFrom('transactions', 'query')), 20, 4104, ([c, route]) => ({
      method: 'POST',
      path: `/v1/chains/${c}/${route}`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(envelope(['uc', 1])),
    }));
  });

  it('bad query parameters get 400 naming the parameter', async () => {
    const q = fc.oneof(
      fc.constantFrom(
        'wait=sometimes',
        'wait=',
        'wait=FINAL',
        'timeoutMs=-1',
        'timeoutMs=abc',
        'timeoutMs=1e99',
      ),
      fc.constantFrom('timeoutMs=120001', 'timeoutMs=1.5', 'wait=final&wait=none&wait=x'),
      fc
        .string({ maxLength: 30 })
        .map((s) => `wait=${encodeURIComponent(s)}`)
        .filter((s) => !/^wait=(none|committed|final)$/.test(s)),
    );
    const txId = '0'.repeat(64);
    await run(fc.tuple(q, fc.boolean()), 25, 4105, ([query, onGet]) =>
      onGet
        ? signedGet(`/v1/chains/${CHAIN}/transactions/${txId}?${query}`)
        : {
            method: 'POST',
            path: `/v1/chains/${CHAIN}/transactions?${query}`,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(envelope(['qp', 1])),
          },
    );
    const other = fc.constantFrom(
      `/v1/chains/${CHAIN}/events?from=0`,
      `/v1/chains/${CHAIN}/events?from=-5`,
      `/v1/chains/${CHAIN}/events?from=abc`,
      `/v1/chains/${CHAIN}/events?contract=`,
      `/v1/chains/${CHAIN}/events?name=${'n'.repeat(129)}`,
      `/v1/chains/${CHAIN}/state/k?contract=assets&proof=1`,
    );
    await run(other, 12, 4106, (path) => signedGet(path));
    await run(
      fc.constantFrom('proof=1', 'proof=TRUE', 'proof=', 'proof=true&proof=false'),
      8,
      4107,
      (query) => ({
        method: 'POST',
        path: `/v1/chains/${CHAIN}/query?${query}`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          createTransaction(admin, { chain: CHAIN, contract: 'assets', method: 'read', args: ['x'] }).tx,
        ),
      }),
    );
  });

  it('bad Authorization headers get 401 BSN_GATEWAY_UNAUTHENTICATED', async () => {
    const path = `/v1/chains/${CHAIN}/blocks/1`;
    const good = signRequest(
      { method: 'GET', path },
      { certPem: admin.certPem, privateKey: admin.privateKey },
    );
    const certB64 = Buffer.from(admin.certPem).toString('base64');
    const authorization = fc.oneof(
      headerText,
      headerText.map((s) => `BSN-Sig ${s}`),
      fc.constantFrom('Bearer abc', 'Basic YTpi', 'BSN-Sig', 'BSN-Sig ', 'bsn-sig cert="", time="", sig=""'),
      fc
        .record({
          cert: fc.oneof(fc.constant(certB64), fc.base64String({ maxLength: 200 }), headerText),
          time: fc.oneof(
            fc.constant(String(Date.now() - 10 * 60_000)),
            fc.constant(String(Date.now() + 10 * 60_000)),
            fc.integer().map(String),
            headerText,
          ),
          sig: fc.oneof(fc.stringMatching(/^[0-9a-f]{128}$/), headerText),
        })
        .map(({ cert, time, sig }) => `BSN-Sig cert="${cert}", time="${time}", sig="${sig}"`),
      // a good signature for another path or method
      fc.constant(
        signRequest(
          { method: 'GET', path: `/v1/chains/${CHAIN}/blocks/2` },
          { certPem: admin.certPem, privateKey: admin.privateKey },
        ).authorization,
      ),
      fc.constant(
        signRequest({ method: 'POST', path }, { certPem: admin.certPem, privateKey: admin.privateKey })
          .authorization,
      ),
      fc.constant(good.authorization.replace(/sig="[0-9a-f]{4}/, 'sig="0000')),
    );
    await run(
      fc.tuple(authorization, fc.constantFrom(path, `/v1/chains/${CHAIN}`, `/v1/chains/${CHAIN}/events`)),
      60,
      4108,
      ([auth, p]) => ({
        method: 'GET',
        path: p === path ? p : p,
        headers: { authorization: auth },
      }),
    );
    // The same through `?auth=` on the event stream.
    await run(
      fc.oneof(headerText.map(encodeURIComponent), fc.base64String({ maxLength: 100 })),
      15,
      4109,
      (a) => ({
        method: 'GET',
        path: `/v1/chains/${CHAIN}/events?auth=${a.replaceAll('+', '-').replaceAll('/', '_')}`,
      }),
    );
  });

  it('wrong methods and content types get 4xx with a code', async () => {
    const paths = [
      '/v1/health',
      '/v1/network',
      `/v1/chains/${CHAIN}`,
      `/v1/chains/${CHAIN}/transactions`,
      `/v1/chains/${CHAIN}/query`,
      `/v1/chains/${CHAIN}/blocks/1`,
      `/v1/chains/${CHAIN}/state/k`,
      `/v1/chains/${CHAIN}/events`,
    ];
    await run(
      fc.tuple(fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS'), fc.constantFrom(...paths)),
      24,
      4110,
      ([method, path]) => ({ method, path, headers: { 'content-type': 'application/json' }, body: '{}' }),
    );
    // POST to the GET routes, GET to the POST routes.
    for (const path of paths.slice(0, 3).concat(paths.slice(5))) {
      await check({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body: '{}' });
    }
    for (const path of paths.slice(3, 5)) await check(signedGet(path));
    const body = JSON.stringify(envelope(['ct', 1]));
    await run(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/xml',
            'application/jsonx',
            'application/octet-stream',
            '',
          ),
          headerText,
        ),
        fc.constantFrom('transactions', 'query'),
      ),
      30,
      4111,
      ([contentType, route]) => ({
        method: 'POST',
        path: `/v1/chains/${CHAIN}/${route}`,
        headers: contentType === '' ? {} : { 'content-type': contentType },
        body,
      }),
    );
  });

  it('the PCN stays healthy, logged no internal error, and still commits after all of it', async (t) => {
    t.diagnostic(`${total} hostile requests sent`);
    assert.ok(total >= 300, `a few hundred hostile requests were sent (${total})`);
    const health = await network.health('pcn1');
    assert.ok(health, 'pcn1 answers its health check');
    assert.ok(
      health.chains.every((c) => c.status === 'running'),
      JSON.stringify(health.chains),
    );
    const client = network.client();
    const r = await client.submitTransaction({
      chain: CHAIN,
      contract: 'assets',
      method: 'create',
      args: ['after-fuzz', 7],
      wait: 'final',
    });
    assert.ok('receipt' in r);
    assert.equal(r.receipt.status, 'ok');
    const log = readFileSync(join(network.dir, 'logs', 'pcn1.log'), 'utf8');
    assert.doesNotMatch(log, /gateway request failed/, 'no request ended in an internal error');
  });
});
