/**
 * RemoteOrderer's NDJSON reading against a plain HTTP server that cuts its output at awkward
 * places: a block split over many writes (one of a few bytes each), several blocks and heartbeats
 * in one write, a line end at the very start or end of a write. Every block arrives once, whole,
 * in order.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { RemoteOrderer } from '@bsn/ordering';

function block(height: number, filler: number): string {
  return JSON.stringify({
    header: {
      chain: 'c1',
      height,
      prevHash: '0'.repeat(64),
      txRoot: '0'.repeat(64),
      time: height,
      orderer: 'o',
    },
    signature: 'ab',
    txs: [{ note: 'x'.repeat(filler) }],
  });
}

test('blocks arrive whole and in order however the stream is cut into writes', async () => {
  const lines = [block(1, 10), block(2, 200_000), block(3, 0), block(4, 70_000)];
  const text = `{}\n${lines[0]}\n\n${lines[1]}\n{}\n${lines[2]}\n${lines[3]}\n`;
  // Cut points: every few bytes around the small blocks, large pieces through the big ones, and a
  // cut right before and right after a line end.
  const pieces: string[] = [];
  let at = 0;
  const sizes = [1, 2, 3, 5, 8, 13, 65_536, 7, 1, 100_000, 40_000, 3, 1, 1];
  for (let i = 0; at < text.length; i++) {
    const n = sizes[i % sizes.length] as number;
    pieces.push(text.slice(at, at + n));
    at += n;
  }
  const server = createServer((req, res) => {
    if (!req.url?.includes('/blocks')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const send = (i: number): void => {
      if (i >= pieces.length) return; // keep the stream open, as the orderer does
      res.write(pieces[i], () => setImmediate(() => send(i + 1)));
    };
    send(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const remote = new RemoteOrderer({ url: `http://127.0.0.1:${port}` });
  try {
    const got: string[] = [];
    for await (const b of remote.blocks('c1', 1)) {
      got.push(JSON.stringify(b));
      if (got.length === lines.length) break;
    }
    assert.deepEqual(got, lines);
  } finally {
    await remote.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
