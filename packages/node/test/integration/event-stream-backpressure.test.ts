/**
 * The gateway's event stream paces a catch-up to its client: it writes a block, and waits for the
 * socket to drain when its buffer is full. Written in one synchronous loop, a stream from height 1
 * over 2,000 blocks held the event loop 1.5 s and buffered 357 MB per client that did not read.
 * Here over a real loopback socket, against one in-process PCN: a client opens the stream from
 * height 1 over 20 MB of events and reads nothing; the gateway must hold back no more than about
 * one block, then deliver everything once in order when the client reads.
 */
import assert from 'node:assert/strict';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { SseParser } from '@bsn/sdk';
import {
  PROBE_CHAIN,
  PROBE_SERVICE,
  type SinglePcnNetwork,
  startSinglePcnNetwork,
  until,
} from '../support/single-pcn-network.js';

/** Blocks of events on the chain, one transaction each, and what each transaction emits. */
const BLOCKS = 240;
const EVENTS_PER_TX = 200;
const PAD_CHARS = 200;
/** Blocks committed while the client is not reading. */
const LIVE_BLOCKS = 3;

/** One SSE message as the client received it, with its size on the wire (before chunked framing). */
interface Received {
  readonly id: string;
  readonly event: string;
  readonly data: string;
  readonly bytes: number;
}

/** Parses the stream with the SDK's SSE parser; sizes are those of the gateway's framing of each message. */
function messageReader(): (chunk: string) => Received[] {
  const parser = new SseParser();
  return (chunk) =>
    parser.push(chunk).map((m) => ({
      id: m.id ?? '',
      event: m.event,
      data: m.data,
      bytes: Buffer.byteLength(`id: ${m.id}\nevent: ${m.event}\ndata: ${m.data}\n\n`),
    }));
}

/** The server side of the event streams a gateway serves: each write, and what it held unsent. */
interface StreamWatch {
  /** The server response of the stream opened last. */
  readonly res: () => ServerResponse | undefined;
  /** Bytes the gateway wrote to it. */
  readonly produced: () => number;
  /** The most it held unsent (`writableLength`) right after any of its writes. */
  readonly maxHeld: () => number;
  readonly dispose: () => void;
}

function watchStreams(app: SinglePcnNetwork['app']): StreamWatch {
  let serverRes: ServerResponse | undefined;
  let produced = 0;
  let maxHeld = 0;
  // Fastify's own 'request' listener comes first but reaches the route only after its async
  // onRequest hooks, so this wrapper is in place before the gateway's first write (the check
  // that every received byte was seen written would fail otherwise).
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith(`/v1/chains/${PROBE_CHAIN}/events`)) return;
    serverRes = res;
    produced = 0;
    maxHeld = 0;
    const write = res.write.bind(res) as (chunk: string) => boolean;
    res.write = ((chunk: string) => {
      const ok = write(chunk);
      produced += Buffer.byteLength(chunk);
      maxHeld = Math.max(maxHeld, res.writableLength);
      return ok;
    }) as typeof res.write;
  };
  app.server.on('request', onRequest);
  return {
    res: () => serverRes,
    produced: () => produced,
    maxHeld: () => maxHeld,
    dispose: () => void app.server.off('request', onRequest),
  };
}

/** A stream opened by {@link openPausedStream}. */
interface PausedStream {
  readonly request: http.ClientRequest;
  readonly response: IncomingMessage;
  /** 'committed' listeners of the chain before the stream was opened. */
  readonly subscribersBefore: number;
  /** Drops the connection and waits until the gateway has let go of the stream. */
  close(): Promise<void>;
}

/**
 * Opens the stream from height 1 and does not read it: the response stays paused, so Node stops
 * reading the socket once the response's small buffer is full, and the kernel's socket buffers
 * fill up behind it. Resolves once the gateway finds the socket full.
 */
async function openPausedStream(net: SinglePcnNetwork, watch: StreamWatch): Promise<PausedStream> {
  const hosted = net.pcn.chain(PROBE_CHAIN)!;
  const subscribersBefore = hosted.listenerCount('committed');
  const path = `/v1/chains/${PROBE_CHAIN}/events?from=1`;
  const request = http.get(`${net.gateway}${path}`, {
    agent: false,
    headers: { authorization: net.authorization(path) },
  });
  const close = async () => {
    request.destroy();
    await until(() => hosted.listenerCount('committed') <= subscribersBefore, 'the stream to unsubscribe');
  };
  try {
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      request.once('response', resolve);
      request.once('error', reject);
    });
    response.pause();
    assert.equal(response.statusCode, 200);
    await until(() => watch.res()?.writableNeedDrain === true, 'the gateway to find the socket full');
    return { request, response, subscribersBefore, close };
  } catch (err) {
    request.destroy();
    throw err;
  }
}

describe('an event stream catching up for a client that does not read', { timeout: 120_000 }, () => {
  let net: SinglePcnNetwork;

  before(async () => {
    net = await startSinglePcnNetwork({ ordererBlockSize: 1 });
    const hosted = net.pcn.chain(PROBE_CHAIN)!;
    const posts: Promise<Response>[] = [];
    for (let i = 0; i < BLOCKS; i++) {
      const tx = net.sign(PROBE_CHAIN, PROBE_SERVICE, 'emitMany', [EVENTS_PER_TX, PAD_CHARS]);
      posts.push(
        fetch(`${net.gateway}/v1/chains/${PROBE_CHAIN}/transactions?wait=none`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(tx),
        }),
      );
    }
    for (const res of await Promise.all(posts)) assert.equal(res.status, 202, await res.text());
    await until(() => hosted.chain.height() >= BLOCKS, `${BLOCKS} blocks of events`, 60_000);
  });
  after(async () => {
    await net?.stop();
  });

  it('holds at most about one block beyond the socket buffer, then sends every event once, in order', async () => {
    const watch = watchStreams(net.app);
    const stream = await openPausedStream(net, watch);
    const { response } = stream;
    try {
      // Blocks committed meanwhile wake the stream: they must queue behind the catch-up, not start
      // a second writer that sends them into the full socket.
      await Promise.all(
        Array.from({ length: LIVE_BLOCKS }, () =>
          net.submitFinal(net.sign(PROBE_CHAIN, PROBE_SERVICE, 'emitMany', [EVENTS_PER_TX, PAD_CHARS])),
        ),
      );
      const height = net.pcn.chain(PROBE_CHAIN)!.chain.height();
      assert.equal(height, BLOCKS + LIVE_BLOCKS);
      // Give a gateway that ignored the full socket every chance to go on writing.
      await new Promise((r) => setTimeout(r, 500));
      const producedWhilePaused = watch.produced();
      const heldWhilePaused = watch.maxHeld();
      const highWaterMark = watch.res()!.writableHighWaterMark;
      assert.ok(watch.res()!.writableNeedDrain, 'the gateway is still waiting for the client');

      // Every event of the chain exactly once, in (height, txIndex, eventIndex) order, each block
      // closed by its marker: the expected sequence is read from the chain itself.
      const chain = net.pcn.chain(PROBE_CHAIN)!.chain;
      const expected: string[] = [];
      for (let h = 1; h <= height; h++) {
        chain.receipts(h).forEach((receipt, txIndex) => {
          receipt.events.forEach((_, eventIndex) => void expected.push(`${h}:${txIndex}:${eventIndex}`));
        });
        expected.push(`${h}:end`);
      }
      assert.equal(
        expected.length,
        height * (EVENTS_PER_TX + 1),
        'the chain holds the events made for the test',
      );

      // Now read up to the last block's marker, or as many messages as the chain has (so a stream
      // that repeats some stops too).
      const received: Received[] = [];
      const read = messageReader();
      response.setEncoding('utf8');
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${received.length} of ${expected.length} messages within 60 s`)),
          60_000,
        );
        response.on('data', (chunk: string) => {
          const messages = read(chunk);
          received.push(...messages);
          if (received.length >= expected.length || messages.some((m) => m.id === `${height}:end`)) {
            clearTimeout(timer);
            resolve();
          }
        });
        response.once('error', reject);
        response.once('end', () => reject(new Error('the stream ended before the last block marker')));
        response.resume();
      });
      assert.deepEqual(
        received.map((m) => m.id),
        expected,
      );
      for (const m of received) {
        if (m.event === 'block') continue;
        assert.equal(m.event, 'contract-event');
        const msg = JSON.parse(m.data) as {
          height: number;
          index: number;
          eventIndex: number;
          txId: string;
          data: { seq: number };
        };
        assert.equal(`${msg.height}:${msg.index}:${msg.eventIndex}`, m.id);
        assert.equal(msg.data.seq, msg.eventIndex);
        assert.equal(msg.txId, chain.receipts(msg.height)[msg.index]?.txId);
      }
      const last = JSON.parse(received.at(-1)!.data) as { height: number; hash: string };
      assert.equal(last.height, height);
      assert.equal(last.hash, chain.statement(height)?.blockHash);

      // What the gateway held back, against what one block is.
      const total = received.reduce((n, m) => n + m.bytes, 0);
      const blockBytes = new Map<number, number>();
      for (const m of received) {
        const h = Number(m.id.split(':')[0]);
        blockBytes.set(h, (blockBytes.get(h) ?? 0) + m.bytes);
      }
      const largestBlock = Math.max(...blockBytes.values());
      // (More only by heartbeats, which the parser drops.)
      assert.ok(watch.produced() >= total, 'every byte received was seen written by the gateway');
      // A catch-up writes a whole block, then waits for 'drain' if the socket's buffer is past its
      // high-water mark: it never holds more than that mark plus one block (and the ~8 bytes of
      // chunked framing around each of the block's writes). Written in one loop, it held nearly
      // the whole stream (20 MB of 20 MB here; the kernel's buffers took about 4 MB when paced).
      const bound = highWaterMark + largestBlock + 4096;
      assert.ok(
        heldWhilePaused <= bound,
        `the gateway held ${heldWhilePaused} bytes unsent for a paused client; at most ${bound} expected`,
      );
      assert.ok(
        producedWhilePaused < total,
        `the gateway wrote all ${total} bytes to a client that read none of them`,
      );
    } finally {
      await stream.close();
      watch.dispose();
    }
  });

  it('stops writing and unsubscribes when a client that did not read goes away', async () => {
    const hosted = net.pcn.chain(PROBE_CHAIN)!;
    const watch = watchStreams(net.app);
    const stream = await openPausedStream(net, watch);
    try {
      assert.equal(
        hosted.listenerCount('committed'),
        stream.subscribersBefore + 1,
        'the stream follows new blocks',
      );
      await stream.close();
      assert.equal(watch.res()?.destroyed, true, 'the gateway saw the client go');
      const produced = watch.produced();
      await net.submitFinal(net.sign(PROBE_CHAIN, PROBE_SERVICE, 'emitMany', [EVENTS_PER_TX, PAD_CHARS]));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(watch.produced(), produced, 'nothing written after the client left');
    } finally {
      stream.request.destroy();
      watch.dispose();
    }
  });
});
