import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
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
import { SoloOrderer } from '@bsn/ordering';
import { makeTx, take, tempDir } from '../support/transactions.js';

const fixture = fileURLToPath(new URL('./fixtures/stdin-orderer.ts', import.meta.url));
const { dir, cleanup } = tempDir('bsn-ordering-crash-');
after(cleanup);
const key = generateKeyPair();

interface Child {
  proc: ChildProcess;
  ready: Promise<number>;
  exited: Promise<void>;
}

function startChild(acked: Set<string>): Child {
  const proc = spawn(process.execPath, ['--conditions=@bsn/source', '--import', 'tsx', fixture], {
    env: { ...process.env, BSN_TEST_DIR: dir, BSN_TEST_KEY: key.privateKeyPem },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let buffered = '';
  let markReady: (n: number) => void = () => {};
  const ready = new Promise<number>((r) => {
    markReady = r;
  });
  proc.stdout?.setEncoding('utf8');
  proc.stdout?.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('ack ')) acked.add(line.slice(4));
      else if (line.startsWith('ready ')) markReady(Number(line.slice(6)));
    }
  });
  proc.stdin?.on('error', () => {}); // EPIPE after kill -9
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return { proc, ready, exited };
}

test('every acknowledged transaction survives kill -9 at random moments, in exactly one block', async () => {
  const acked = new Set<string>();
  const sent = new Set<string>();
  let seq = 0;
  const rounds = 4;
  for (let round = 0; round < rounds; round++) {
    const child = startChild(acked);
    await child.ready;
    const killAt = Date.now() + 300 + Math.floor(Math.random() * 700);
    while (Date.now() < killAt) {
      const lines: string[] = [];
      for (let i = 0; i < 50; i++) {
        const tx = makeTx(`chain${seq % 3}`, `crash-${seq++}`, { ttlMs: 600_000 });
        sent.add(transactionId(tx.payload));
        lines.push(JSON.stringify(tx));
      }
      child.proc.stdin?.write(`${lines.join('\n')}\n`);
      await new Promise((r) => setImmediate(r));
    }
    const before = acked.size;
    child.proc.kill('SIGKILL');
    await child.exited;
    assert.ok(acked.size > before - 1, 'the child acknowledged transactions before it was killed');
  }
  assert.ok(acked.size > 1000, `only ${acked.size} acknowledged`);

  // Recover in-process and let every re-queued transaction be cut.
  const o = await SoloOrderer.open({ dir, id: 'crash-test', keyPem: key.privateKeyPem, maxBlockDelayMs: 1 });
  const deadline = Date.now() + 10_000;
  while (o.stats().pending > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(o.stats().pending, 0);
  const seen = new Map<string, number>();
  for (const chain of ['chain0', 'chain1', 'chain2']) {
    const blocks: Block[] = await take(o.blocks(chain, 1), o.height(chain));
    let prev = ZERO_HASH;
    for (const [i, b] of blocks.entries()) {
      assert.equal(b.header.height, i + 1, 'heights are contiguous');
      assert.equal(b.header.prevHash, prev, 'each block links to the one before');
      assert.equal(verifyBlockSignature(b, key.publicKeyPem).ok, true);
      prev = blockHash(b.header);
      for (const tx of b.txs) {
        const id = transactionId(tx.payload);
        seen.set(id, (seen.get(id) ?? 0) + 1);
      }
    }
  }
  const lost = [...acked].filter((id) => !seen.has(id));
  assert.deepEqual(lost, [], 'no acknowledged transaction is lost');
  const repeated = [...seen].filter(([, count]) => count !== 1);
  assert.deepEqual(repeated, [], 'no transaction is in two blocks');
  assert.ok(
    [...seen.keys()].every((id) => sent.has(id)),
    'blocks hold only submitted transactions',
  );
  console.log(
    `# crash test: ${acked.size} acknowledged, ${seen.size} ordered, ${sent.size} sent, ${rounds} kills`,
  );
  await o.close();
});
