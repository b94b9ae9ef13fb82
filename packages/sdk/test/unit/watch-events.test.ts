import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it, type TestContext } from 'node:test';
import { verifyRequestSignature } from '@bsn/api';
import {
  createClient,
  type EventMessage,
  identityFromPem,
  SseParser,
  type WatchEventsParameters,
  type WatchEventsReturnType,
} from '@bsn/sdk';
import fc from 'fast-check';
import { buildNetwork, type Network } from '../support/network-fixture.js';

describe('SseParser', () => {
  it('parses events split at any point, with CRLF, LF or CR line ends, comments and multi-line data', () => {
    const stream =
      ': heartbeat\r\nid: 3:0:0\r\nevent: contract-event\r\ndata: {"a":\r\ndata: 1}\r\n\r\n' +
      'event: block\nid: 3:end\ndata: {"height":3}\n\n' +
      'retry: 500\rdata:x\r\r\n';
    const expected = [
      { event: 'contract-event', data: '{"a":\n1}', id: '3:0:0' },
      { event: 'block', data: '{"height":3}', id: '3:end' },
      { event: 'message', data: 'x', retry: 500 },
    ];
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 8 }),
        (cuts) => {
          const parser = new SseParser();
          const out = [];
          let last = 0;
          for (const cut of [...cuts].sort((a, b) => a - b)) {
            out.push(...parser.push(stream.slice(last, cut)));
            last = cut;
          }
          out.push(...parser.push(stream.slice(last)));
          assert.deepEqual(out, expected);
        },
      ),
    );
  });
});

type Connection = { lastEventId: string | undefined; url: string };

describe('watchEvents', () => {
  let net: Network;
  let connections: Connection[];
  let script: (c: Connection, res: ServerResponse, n: number) => void;
  let url: string;
  let authFailures = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/v1/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chains = [{ chain: 'svc-notary', height: 41, certifiedHeight: 41, status: 'running' }];
      res.end(JSON.stringify({ status: 'ok', pcn: 'pcn-a', version: '1', time: 1, chains }));
      return;
    }
    try {
      verifyRequestSignature(
        { method: 'GET', path: req.url ?? '', authorization: req.headers.authorization },
        { allowQueryAuth: true },
      );
    } catch {
      authFailures++;
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'BSN_GATEWAY_UNAUTHENTICATED', message: 'no', details: {} } }));
      return;
    }
    const c = { lastEventId: req.headers['last-event-id'] as string | undefined, url: req.url ?? '' };
    connections.push(c);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    script(c, res, connections.length);
  });

  const ev = (h: number, t: number, e: number, name = 'Stored'): string => {
    const data: EventMessage = {
      height: h,
      txId: `${h}${t}`.padEnd(64, '0'),
      index: t,
      eventIndex: e,
      contract: 'notary',
      name,
      data: { h, t, e },
    };
    return `id: ${h}:${t}:${e}\nevent: contract-event\ndata: ${JSON.stringify(data)}\n\n`;
  };
  const block = (h: number): string =>
    `id: ${h}:end\nevent: block\ndata: ${JSON.stringify({ height: h, hash: 'ab'.repeat(32), time: 1 })}\n\n`;

  before(async () => {
    net = await buildNetwork(1);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function client() {
    return createClient({
      gateway: url,
      identity: identityFromPem({ certPem: net.user.certPem, keyPem: net.user.keyPem }),
      rootCertPem: net.root.certPem,
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
    });
  }

  /**
   * Watches with a new client until the watch calls `reached` (or ends by itself), then stops it
   * and waits for its end. The test's signal stops it too, so a test that times out leaves no
   * watch reconnecting behind it.
   */
  async function watchUntil(
    t: TestContext,
    params: (reached: () => void) => Omit<WatchEventsParameters, 'signal'>,
  ): Promise<WatchEventsReturnType> {
    let reached!: () => void;
    const until = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const watch = client().watchEvents({ ...params(reached), signal: t.signal });
    await Promise.race([until, watch.done]);
    watch.unwatch();
    await watch.done;
    return watch;
  }

  /** Watches from `from` until the first event, recording the event ids and block heights delivered. */
  async function firstEventFrom(t: TestContext, from: number) {
    const events: string[] = [];
    const blocks: number[] = [];
    await watchUntil(t, (reached) => ({
      chain: 'svc-notary',
      from,
      onEvent: (_e, { id }) => {
        events.push(id);
        reached();
      },
      onBlock: (b) => {
        blocks.push(b.height);
      },
    }));
    return { events, blocks };
  }

  it('resumes after a dropped connection from the last event, delivering each event once and in order', {
    timeout: 5_000,
  }, async (t) => {
    connections = [];
    script = (c, res, n) => {
      if (n === 1) {
        assert.match(c.url, /from=3/);
        res.write(`: hello\n\n${ev(3, 0, 0)}${ev(3, 1, 0)}${ev(3, 1, 1)}${block(3)}${ev(4, 0, 0)}`);
        setTimeout(() => res.socket?.destroy(), 20); // the connection drops mid-stream
      } else if (n === 2) {
        // a gateway that repeats what the client already has must not cause duplicates
        res.write(`${ev(4, 0, 0)}${ev(4, 2, 0)}${block(4)}`);
        setTimeout(() => res.end(), 20);
      } else {
        res.write(`${block(5)}${ev(6, 0, 0)}`);
      }
    };
    const got: string[] = [];
    const watch = await watchUntil(t, (reached) => ({
      chain: 'svc-notary',
      from: 3,
      onEvent: (e, { id }) => {
        got.push(id);
        assert.equal(id, `${e.height}:${e.index}:${e.eventIndex}`);
        if (id === '6:0:0') reached();
      },
    }));
    assert.deepEqual(got, ['3:0:0', '3:1:0', '3:1:1', '4:0:0', '4:2:0', '6:0:0']);
    assert.equal(connections[0]?.lastEventId, undefined);
    assert.equal(connections[1]?.lastEventId, '4:0:0');
    assert.equal(connections[2]?.lastEventId, '4:end', 'a block marker advances the resume point');
    assert.doesNotMatch(connections[1]?.url ?? '', /from=/, 'resume uses Last-Event-ID, not from');
    assert.equal(watch.lastEventId(), '6:0:0');
    assert.equal(authFailures, 0);
  });

  it('treats a skipped block as a gap: delivers nothing past it and resumes after the last position delivered', {
    timeout: 5_000,
  }, async (t) => {
    connections = [];
    script = (c, res, n) => {
      if (n === 1) {
        assert.match(c.url, /from=5/);
        res.write(`${block(5)}${ev(9, 0, 0)}`); // block 5, then an event of 9 while 6 is open
      } else if (n === 2) {
        res.write(`${block(6)}${block(8)}`); // a marker skipping block 7
      } else {
        res.write(`${block(7)}${ev(8, 0, 0)}`);
      }
    };
    const { events, blocks } = await firstEventFrom(t, 5);
    assert.deepEqual(events, ['8:0:0']);
    assert.deepEqual(blocks, [5, 6, 7]);
    assert.deepEqual(
      connections.map((x) => x.lastEventId),
      [undefined, '5:end', '6:end'],
    );
  });

  it('treats a first block marker later than `from` as a gap and reconnects from `from`', {
    timeout: 5_000,
  }, async (t) => {
    connections = [];
    script = (_c, res, n) => {
      // the first connection skips block 5
      res.write(n === 1 ? block(6) : `${block(5)}${ev(6, 0, 0)}`);
    };
    const { events, blocks } = await firstEventFrom(t, 5);
    assert.deepEqual(events, ['6:0:0']);
    assert.deepEqual(blocks, [5]);
    assert.equal(connections.length, 2);
    for (const connection of connections) {
      assert.match(connection.url, /from=5/);
      assert.equal(connection.lastEventId, undefined);
    }
  });

  it('stops with the gateway’s error when the stream is refused for good', async () => {
    connections = [];
    script = (_c, res) => res.end();
    const c = createClient({
      gateway: url,
      identity: identityFromPem({ certPem: net.user.certPem, keyPem: net.user.keyPem }),
      rootCertPem: net.root.certPem,
      now: () => Date.now() - 3_600_000, // a clock an hour late: the gateway refuses the signature
    });
    let failure: unknown;
    const watch = c.watchEvents({ chain: 'svc-notary', onEvent: () => {}, onError: (e) => (failure = e) });
    await watch.done;
    assert.equal((failure as { code?: string }).code, 'BSN_GATEWAY_UNAUTHENTICATED');
  });

  it('resumes from a persisted event id and passes filters to the gateway', { timeout: 5_000 }, async (t) => {
    connections = [];
    script = (_c, res) => res.write(`${ev(9, 0, 0)}${ev(9, 0, 1, 'Other')}${ev(9, 1, 0)}`);
    const got: string[] = [];
    await watchUntil(t, (reached) => ({
      chain: 'svc-notary',
      lastEventId: '9:0:0',
      contract: 'notary',
      name: 'Stored',
      onEvent: (_e, { id }) => {
        got.push(id);
        reached();
      },
    }));
    assert.deepEqual(got, ['9:1:0']);
    assert.equal(connections[0]?.lastEventId, '9:0:0');
    assert.match(connections[0]?.url ?? '', /contract=notary&name=Stored/);
  });

  it('pins "from the next block" to the chain height before the first connection', {
    timeout: 5_000,
  }, async (t) => {
    connections = [];
    script = (_c, res) => res.write(ev(42, 0, 0));
    await watchUntil(t, (reached) => ({ chain: 'svc-notary', onEvent: () => reached() }));
    assert.match(connections[0]?.url ?? '', /from=42/);
  });
});
