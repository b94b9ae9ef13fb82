import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type TransactionResponse, verifyRequestSignature } from '@bsn/api';
import { BsnError, type SignedTransaction, transactionId, verifyTransactionSignature } from '@bsn/core';
import { type Client, createClient, identityFromPem } from '@bsn/sdk';
import {
  buildBlock,
  buildNetwork,
  certify,
  chainResponse,
  FixtureState,
  type Network,
  networkResponse,
  type Pcn,
  stateResponse,
  systemState,
  transactionResponse,
} from '../support/network-fixture.js';

// A real HTTP server serving answers shaped by @bsn/api's schemas, built from real certificates and
// votes. It checks what the client sends (signatures, auth headers, Last-Event-ID) so these tests
// exercise the client's requests, parsing, retries, resume and verification — not a fake network.

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void | Promise<void>;

interface TestServer {
  url: string;
  hits: string[];
  handler: Handler;
  server: Server;
}

async function startServer(handler: Handler): Promise<TestServer> {
  const state: TestServer = { url: '', hits: [], handler, server: undefined as unknown as Server };
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    state.hits.push(`${req.method} ${req.url}`);
    await state.handler(req, body, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.server = server;
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

function stop(s: TestServer): Promise<void> {
  s.server.closeAllConnections();
  return new Promise((resolve) => s.server.close(() => resolve()));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function error(res: ServerResponse, status: number, code: string, message: string): void {
  json(res, status, { error: { code, message, details: {} } });
}

async function closedPortUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe('the SDK over HTTP', () => {
  let net: Network;
  let hosts: Pcn[];
  let gw: TestServer;
  let client: Client;
  const submitted = new Map<string, TransactionResponse>();
  let authFailures: string[];
  let forge = false;
  let state: FixtureState;

  /** The recorded gateway: network, chain, submit, receipts, state. */
  const gateway: Handler = (req, body, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (req.method === 'GET' && path !== '/v1/network') {
      try {
        verifyRequestSignature(
          { method: 'GET', path: req.url ?? '', authorization: req.headers.authorization },
          {},
        );
      } catch (err) {
        authFailures.push(`${req.url}: ${(err as Error).message}`);
        return error(res, 401, 'BSN_GATEWAY_UNAUTHENTICATED', 'bad auth');
      }
    }
    const sys = systemState(net, 'notary', hosts);
    const chain = chainResponse(net, 'notary', hosts, sys, net.pcns.slice(0, 4));
    if (path === '/v1/network') return json(res, 200, networkResponse(net, chain.systemCert));
    if (path === '/v1/chains/svc-notary') return json(res, 200, chain.response);
    if (req.method === 'POST' && path === '/v1/chains/svc-notary/transactions') {
      const tx = JSON.parse(body) as SignedTransaction;
      if (!verifyTransactionSignature(tx, tx.payload.signer).ok)
        return error(res, 401, 'BSN_SIGNATURE_INVALID', 'bad signature');
      if (tx.payload.method === 'burn')
        return error(res, 403, 'BSN_GATEWAY_FORBIDDEN', 'role client may not call burn');
      const built = buildBlock(net, 'svc-notary', 3, [tx], state.root());
      const signers = forge
        ? [...hosts.slice(0, 2), { ...(hosts[2] as Pcn), keyPem: (hosts[0] as Pcn).keyPem }]
        : hosts.slice(0, 3);
      const answer = transactionResponse(built, 0, certify(built.statement, signers));
      submitted.set(answer.txId, answer);
      if (url.searchParams.get('wait') === 'none')
        return json(res, 202, { txId: answer.txId, chain: 'svc-notary', status: 'accepted' });
      return json(res, 200, answer);
    }
    const txMatch = /^\/v1\/chains\/svc-notary\/transactions\/([0-9a-f]{64})$/.exec(path);
    if (txMatch) {
      const answer = submitted.get(txMatch[1] as string);
      return answer
        ? json(res, 200, answer)
        : error(res, 404, 'BSN_GATEWAY_NOT_FOUND', 'unknown transaction');
    }
    const stateMatch = /^\/v1\/chains\/svc-notary\/state\/(.+)$/.exec(path);
    if (stateMatch) {
      const key = decodeURIComponent(stateMatch[1] as string);
      const built = buildBlock(net, 'svc-notary', 3, [], state.root());
      const answer = stateResponse(
        state,
        url.searchParams.get('contract') ?? '',
        key,
        3,
        certify(built.statement, hosts.slice(0, 3)),
      );
      if (key === 'doc/lie') return json(res, 200, { ...answer, value: { hash: 'forged' } });
      return json(res, 200, answer);
    }
    return error(res, 404, 'BSN_GATEWAY_NOT_FOUND', `no route ${path}`);
  };

  before(async () => {
    net = await buildNetwork(5);
    hosts = net.pcns.slice(0, 4);
    state = new FixtureState().set('notary', 'doc/1', { hash: 'aa' });
    gw = await startServer(gateway);
  });
  after(() => stop(gw));
  beforeEach(() => {
    authFailures = [];
    forge = false;
    gw.handler = gateway;
    gw.hits.length = 0;
    client = createClient({
      gateway: gw.url,
      identity: identityFromPem({ certPem: net.user.certPem, keyPem: net.user.keyPem }),
      rootCertPem: net.root.certPem,
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
    });
  });

  it('submits a signed transaction, waits for finality and verifies the receipt against the proven hosts', async () => {
    const out = await client.submitTransaction({
      chain: 'svc-notary',
      contract: 'notary',
      method: 'put',
      args: ['doc/9', 'ff'],
    });
    assert.ok('receipt' in out);
    assert.equal(out.final, true);
    assert.deepEqual(out.signers, ['pcn-a', 'pcn-b', 'pcn-c']);
    assert.equal(out.receipt.status, 'ok');
    assert.deepEqual(authFailures, []);
    assert.ok(gw.hits.some((h) => h.startsWith('POST /v1/chains/svc-notary/transactions?wait=final')));
    assert.ok(gw.hits.includes('GET /v1/chains/svc-notary'), 'hosting set fetched and proven');
    // the submitted envelope is the transaction the receipt is about
    const again = await client.getTransaction({ chain: 'svc-notary', txId: out.txId });
    assert.equal(again.final, true);
  });

  it('returns at once with wait none', async () => {
    const out = await client.submitTransaction({
      chain: 'svc-notary',
      contract: 'notary',
      method: 'put',
      args: [],
      wait: 'none',
    });
    assert.equal(out.status, 'accepted');
    assert.equal(out.txId.length, 64);
  });

  it('rejects a receipt whose certificate carries a forged vote, even from the gateway it submitted to', async () => {
    forge = true;
    await assert.rejects(
      client.submitTransaction({ chain: 'svc-notary', contract: 'notary', method: 'put', args: ['x'] }),
      (err: unknown) => err instanceof BsnError && err.code === 'BSN_SDK_VOTE_SIGNATURE',
    );
  });

  it('throws a gateway error with its code and does not retry it', async () => {
    await assert.rejects(
      client.submitTransaction({ chain: 'svc-notary', contract: 'notary', method: 'burn', args: [] }),
      (err: unknown) => {
        assert.ok(err instanceof BsnError);
        assert.equal(err.code, 'BSN_GATEWAY_FORBIDDEN');
        assert.equal((err as { shortMessage?: string }).shortMessage, 'role client may not call burn');
        assert.equal(err.details.httpStatus, 403);
        return true;
      },
    );
    assert.equal(gw.hits.filter((h) => h.startsWith('POST')).length, 1);
  });

  it('fails over from a dead gateway and a 503 gateway to a working one', async () => {
    const busy = await startServer((_req, _body, res) =>
      error(res, 503, 'BSN_GATEWAY_UNAVAILABLE', 'starting'),
    );
    try {
      const c = createClient({
        gateway: [await closedPortUrl(), busy.url, gw.url],
        identity: identityFromPem({ certPem: net.user.certPem, keyPem: net.user.keyPem }),
        rootCertPem: net.root.certPem,
        retry: { baseDelayMs: 1, maxDelayMs: 5, attempts: 3 },
      });
      const st = await c.getState({ chain: 'svc-notary', contract: 'notary', key: 'doc/1', proof: true });
      assert.deepEqual(st.value, { hash: 'aa' });
      assert.equal(st.verified, true);
      assert.equal(busy.hits.length, 1);
      // the working gateway is remembered: the next call goes there first
      busy.hits.length = 0;
      await c.getState({ chain: 'svc-notary', contract: 'notary', key: 'doc/1' });
      assert.equal(busy.hits.length, 0);
    } finally {
      await stop(busy);
    }
  });

  it('gives BSN_SDK_UNREACHABLE when no gateway answers', async () => {
    const c = createClient({
      gateway: [await closedPortUrl(), await closedPortUrl()],
      identity: identityFromPem({ certPem: net.user.certPem, keyPem: net.user.keyPem }),
      rootCertPem: net.root.certPem,
      retry: { baseDelayMs: 1, maxDelayMs: 2, attempts: 3 },
    });
    await assert.rejects(
      c.getHealth(),
      (err: unknown) => err instanceof BsnError && err.code === 'BSN_SDK_UNREACHABLE',
    );
  });

  it('signs every read so that the gateway’s verifier accepts it, key with a slash included', async () => {
    const st = await client.getState({ chain: 'svc-notary', contract: 'notary', key: 'doc/1' });
    assert.deepEqual(st.value, { hash: 'aa' });
    assert.ok(gw.hits.some((h) => h.includes('/state/doc%2F1?contract=notary')));
    assert.deepEqual(authFailures, []);
  });

  it('rejects a state value the gateway lies about (BSN_SDK_STATE_PROOF_INVALID)', async () => {
    await assert.rejects(
      client.getState({ chain: 'svc-notary', contract: 'notary', key: 'doc/lie', proof: true }),
      (err: unknown) => err instanceof BsnError && err.code === 'BSN_SDK_STATE_PROOF_INVALID',
    );
  });

  it('rejects an answer that does not match the API schema (BSN_SDK_RESPONSE_INVALID)', async () => {
    gw.handler = (_req, _body, res) => json(res, 200, { status: 'ok', pcn: 'pcn-a' });
    await assert.rejects(client.getHealth(), (err: unknown) => {
      assert.ok(err instanceof BsnError);
      assert.equal(err.code, 'BSN_SDK_RESPONSE_INVALID');
      return true;
    });
  });

  it('waits for finality through not-yet-known and timed-out polls', async () => {
    const out = await client.submitTransaction({
      chain: 'svc-notary',
      contract: 'notary',
      method: 'put',
      args: ['w'],
      wait: 'none',
    });
    const answer = submitted.get(out.txId) as TransactionResponse;
    let polls = 0;
    gw.handler = (req, body, res) => {
      if (req.url?.startsWith(`/v1/chains/svc-notary/transactions/${out.txId}`)) {
        polls++;
        assert.match(req.url, /wait=final/);
        if (polls === 1) return error(res, 404, 'BSN_GATEWAY_NOT_FOUND', 'not yet');
        if (polls === 2) return error(res, 504, 'BSN_GATEWAY_TIMEOUT', 'still waiting');
        if (polls === 3) return json(res, 200, { ...answer, status: 'committed', certificate: null });
        return json(res, 200, answer);
      }
      return gateway(req, body, res);
    };
    const final = await client.waitForFinality({
      chain: 'svc-notary',
      txId: out.txId,
      pollIntervalMs: 1,
      timeoutMs: 5_000,
    });
    assert.equal(final.final, true);
    assert.equal(polls, 4);
  });

  it('gives BSN_SDK_TIMEOUT when a transaction never becomes final', async () => {
    gw.handler = (req, body, res) => {
      if (req.url?.includes('/transactions/')) return error(res, 404, 'BSN_GATEWAY_NOT_FOUND', 'not yet');
      return gateway(req, body, res);
    };
    await assert.rejects(
      client.waitForFinality({
        chain: 'svc-notary',
        txId: 'ab'.repeat(32),
        pollIntervalMs: 5,
        timeoutMs: 60,
      }),
      (err: unknown) => err instanceof BsnError && err.code === 'BSN_SDK_TIMEOUT',
    );
  });

  it('computes the same txId the gateway reports for the envelope it received', async () => {
    let seen: SignedTransaction | undefined;
    gw.handler = (req, body, res) => {
      if (req.method === 'POST') seen = JSON.parse(body) as SignedTransaction;
      return gateway(req, body, res);
    };
    const out = await client.submitTransaction({
      chain: 'svc-notary',
      contract: 'notary',
      method: 'put',
      args: [1, 'two', { three: 3 }],
    });
    assert.ok(seen);
    assert.equal(out.txId, transactionId(seen.payload));
    assert.deepEqual(seen.payload.args, [1, 'two', { three: 3 }]);
  });
});
