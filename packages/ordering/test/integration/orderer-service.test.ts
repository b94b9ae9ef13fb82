import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type Block,
  blockHash,
  generateKeyPair,
  transactionId,
  verifyBlockSignature,
  ZERO_HASH,
} from '@bsn/core';
import { RemoteOrderer } from '@bsn/ordering';
import { makeTx, tempDir } from '../support/transactions.js';

const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const { dir, cleanup } = tempDir('bsn-orderer-svc-');
after(cleanup);
const key = generateKeyPair();
const keyFile = join(dir, 'orderer.key');
writeFileSync(keyFile, key.privateKeyPem, { mode: 0o600 });

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startOrderer(port: number): Proc {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@bsn/source',
      '--import',
      'tsx',
      main,
      '--dir',
      join(dir, 'data'),
      '--id',
      'orderer-svc',
      '--key',
      keyFile,
      '--port',
      String(port),
      '--log-level',
      'info',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

async function waitHealthy(url: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(`${url}/v1/orderer/health`)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > end) throw new Error('orderer did not become healthy');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a block stream resumes without gaps across kill -9 and restart of the orderer process', async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let proc = startOrderer(port);
  await waitHealthy(url);
  const remote = new RemoteOrderer({ url, reconnectMinMs: 50, reconnectMaxMs: 200, requestTimeoutMs: 3000 });
  const got: Block[] = [];
  const ac = new AbortController();
  const consumer = (async () => {
    for await (const b of remote.blocks('app', 1, ac.signal)) got.push(b);
  })();

  const acked = new Set<string>();
  let seq = 0;
  // Several clients submitting in a loop; failures while the orderer is down are expected.
  let submitting = true;
  const clients = Array.from({ length: 16 }, async () => {
    while (submitting) {
      const tx = makeTx('app', `svc-${seq++}`, { ttlMs: 600_000 });
      try {
        const r = await remote.submit(tx);
        acked.add(r.txId);
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  });

  for (let round = 0; round < 2; round++) {
    await new Promise((r) => setTimeout(r, 400 + Math.random() * 400));
    proc.child.kill('SIGKILL');
    await proc.exited;
    await new Promise((r) => setTimeout(r, 100));
    proc = startOrderer(port);
    await waitHealthy(url);
  }
  await new Promise((r) => setTimeout(r, 300));
  submitting = false;
  await Promise.all(clients);

  // Wait until every acknowledged transaction is cut, then until the stream has caught up.
  const deadline = Date.now() + 10_000;
  const pending = async () =>
    ((await (await fetch(`${url}/v1/orderer/health`)).json()) as { pending: number }).pending;
  while ((await pending()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const target = await remote.fetchHeight('app');
  while ((got.at(-1)?.header.height ?? 0) < target && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  ac.abort();
  await consumer;

  let prev = ZERO_HASH;
  const seen = new Map<string, number>();
  for (const [i, b] of got.entries()) {
    assert.equal(b.header.height, i + 1, 'no gap and no repeat in the stream');
    assert.equal(b.header.prevHash, prev);
    assert.equal(verifyBlockSignature(b, key.publicKeyPem).ok, true);
    prev = blockHash(b.header);
    for (const tx of b.txs)
      seen.set(transactionId(tx.payload), (seen.get(transactionId(tx.payload)) ?? 0) + 1);
  }
  assert.ok(got.length >= target, `stream reached ${got.length} of ${target}`);
  assert.deepEqual(
    [...acked].filter((id) => seen.get(id) !== 1),
    [],
    'every acknowledged transaction is in exactly one block',
  );
  assert.ok(remote.stats().streamConnects >= 3, 'the stream reconnected after each kill');
  console.log(
    `# service test: ${acked.size} acknowledged, ${got.length} blocks, ${remote.stats().streamConnects} connects`,
  );
  await remote.close();

  // SIGTERM stops the process cleanly, and the logs never contain the key.
  proc.child.kill('SIGTERM');
  assert.equal(await proc.exited, 0);
  const logs = proc.output();
  assert.match(logs, /orderer started/);
  assert.match(logs, /orderer stopped/);
  assert.ok(!logs.includes('PRIVATE KEY'), 'no key material in the logs');
});

test('the process refuses to start with a clear message when the key file is missing', async () => {
  const proc = spawn(
    process.execPath,
    [
      '--conditions=@bsn/source',
      '--import',
      'tsx',
      main,
      '--dir',
      join(dir, 'other'),
      '--id',
      'x',
      '--key',
      join(dir, 'nope.pem'),
      '--port',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  proc.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const code = await new Promise<number | null>((r) => proc.once('exit', r));
  assert.equal(code, 1);
  assert.match(err, /BSN_INVALID_ARGUMENT: orderer config key: cannot read/);
});
