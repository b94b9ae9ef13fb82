import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  generateKeyPair,
  parsePublicKey,
  type SignedTransaction,
  signBytes,
  utf8,
  verifySignatureDetailed,
} from '@bsn/core';
import { Chain, type CommitResult, type SignatureJob, SignaturePool } from '@bsn/ledger';
import {
  fixedTx,
  makeBlock,
  makeOrderer,
  makeSigner,
  StubCertificates,
  type TestSigner,
  testContracts,
  testRuntime,
} from '../support/fixtures.js';

const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const pools: SignaturePool[] = [];
const dirs: string[] = [];
after(async () => {
  for (const p of pools) await p.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function pool(threads: number): SignaturePool {
  const p = new SignaturePool({ threads });
  pools.push(p);
  return p;
}

/** The same signature with s replaced by n − s: valid ECDSA, refused by the chain (high S). */
function highS(signature: Uint8Array): Uint8Array {
  const s = BigInt(`0x${Buffer.from(signature.subarray(32)).toString('hex')}`);
  const out = new Uint8Array(signature);
  out.set(Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex'), 32);
  return out;
}

/** A job whose signature verifies. */
function goodJob(): SignatureJob {
  const keys = generateKeyPair();
  const data = utf8('x');
  return { key: parsePublicKey(keys.publicKeyPem), data, signature: signBytes(keys.privateKeyPem, data) };
}

describe('SignaturePool', () => {
  it("answers exactly what the chain's verification function answers, for every kind of signature", async () => {
    const p256 = generateKeyPair('ecdsa-p256-sha256');
    const ed = generateKeyPair('ed25519');
    const other = generateKeyPair('ecdsa-p256-sha256');
    const jobs: SignatureJob[] = [];
    for (let i = 0; i < 40; i++) {
      const keys = i % 2 === 0 ? p256 : ed;
      const data = utf8(`message ${i}`);
      const signature = signBytes(keys.privateKeyPem, data);
      const key = parsePublicKey(keys.publicKeyPem);
      jobs.push({ key, data, signature }); // good
      jobs.push({ key, data: utf8(`message ${i}!`), signature }); // other data
      jobs.push({ key: parsePublicKey(other.publicKeyPem), data, signature }); // other key
      jobs.push({ key, data, signature: signature.subarray(0, 63) }); // short
      if (keys === p256) jobs.push({ key, data, signature: highS(signature) }); // malleated
    }
    const expected = jobs.map((j) => (verifySignatureDetailed(j.key, j.data, j.signature).ok ? 1 : 0));
    assert.equal(
      expected.filter((v) => v === 1).length,
      40,
      'only the unaltered signatures verify, the high-S ones not',
    );
    for (const threads of [1, 3]) {
      const answer = await pool(threads).verify(jobs);
      assert.deepEqual([...answer], expected, `${threads} thread(s)`);
    }
  });

  it('answers nothing verified once closed, and refuses a thread count it cannot have', async () => {
    const p = pool(2);
    const job = goodJob();
    const running = p.verify([job, job, job]);
    await p.close();
    // Closed before the worker could answer (that takes a turn of the event loop): all 0.
    assert.deepEqual([...(await running)], [0, 0, 0]);
    assert.deepEqual([...(await pool(1).verify([job]))], [1], 'the same job verifies on an open pool');
    assert.deepEqual([...(await p.verify([job]))], [0]);
    for (const threads of [0, -1, 1.5, 257]) {
      assert.throws(() => new SignaturePool({ threads }), { code: 'BSN_INVALID_ARGUMENT' });
    }
  });

  it('answers 0 for what a failed or vanished worker had, says so, and starts another for the next batch', async () => {
    const job = goodJob();
    for (const [source, message] of [
      ["throw new Error('boom')", /boom/],
      ['process.exit(3)', /exited with code 3/],
      // Alive, never answers, then exits: what it held answers 0 when it goes.
      [
        "setTimeout(() => process.exit(4), 200); require('node:worker_threads').parentPort.on('message', () => {})",
        /code 4/,
      ],
    ] as const) {
      const errors: Error[] = [];
      const p = new SignaturePool({ threads: 1, workerSource: source, onWorkerError: (e) => errors.push(e) });
      pools.push(p);
      assert.deepEqual([...(await p.verify([job, job]))], [0, 0]);
      assert.equal(errors.length, 1);
      assert.match(errors[0]?.message ?? '', message);
      assert.deepEqual([...(await p.verify([job]))], [0], 'a new worker, failing the same way');
      assert.equal(errors.length, 2);
    }
  });

  it('starts its threads when told, before any batch', async () => {
    // An idle thread does not keep a process alive: this test does, until the thread reports.
    const alive = setInterval(() => {}, 1000);
    try {
      const exited = new Promise<Error>((resolve) => {
        pools.push(
          new SignaturePool({ threads: 1, workerSource: 'process.exit(5)', onWorkerError: resolve }).start(),
        );
      });
      assert.match((await exited).message, /code 5/);
    } finally {
      clearInterval(alive);
    }
  });
});

describe('Chain.preverify', () => {
  const orderer = makeOrderer();
  const alice = makeSigner('alice');
  const bob = makeSigner('bob', 'ed25519');

  function open(): Chain {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsn-preverify-'));
    dirs.push(dir);
    const certs = new StubCertificates();
    certs.add(alice);
    certs.add(bob);
    return Chain.open({
      path: path.join(dir, 'chain.db'),
      chain: 'c1',
      runtimes: new Map([['native', testRuntime()]]),
      contracts: testContracts,
      certificates: certs,
      ordererKeys: new Map([[orderer.id, orderer.keys.publicKeyPem]]),
    });
  }

  /** Blocks mixing good transactions with a forged, a malleated and an unknown signer's one. */
  function blocks(): SignedTransaction[][] {
    const stranger: TestSigner = makeSigner('stranger');
    const put = (s: TestSigner, key: string, value: number) =>
      fixedTx(s, `${key}-${value}`, 'kv', 'put', [key, value]);
    const forged = put(alice, 'f', 1);
    const malleated = put(alice, 'm', 1);
    const sig = Buffer.from(malleated.signature, 'hex');
    return [
      [put(alice, 'a', 1), put(bob, 'b', 1), put(stranger, 's', 1)],
      [
        { ...forged, signature: put(alice, 'f', 2).signature },
        { ...malleated, signature: Buffer.from(highS(sig)).toString('hex') },
        put(alice, 'a', 2),
        put(bob, 'b', 2),
      ],
    ];
  }

  it('commits the same receipts and roots as a chain without it, having verified only the good signatures', async () => {
    const p = pool(2);
    const plain = open();
    const ahead = open();
    const results: Array<[CommitResult, CommitResult]> = [];
    const counts: number[] = [];
    for (const txs of blocks()) {
      const block = makeBlock(orderer, txs, plain.head());
      counts.push(await ahead.preverify(block, p));
      assert.equal(await ahead.preverify(block, p), 0, 'verified signatures are remembered');
      results.push([plain.commitBlock(block), ahead.commitBlock(block)]);
    }
    // Block 1: alice's and bob's (the stranger's certificate is unknown); block 2: the two good ones.
    assert.deepEqual(counts, [2, 2]);
    for (const [a, b] of results) assert.deepEqual(b, a);
    assert.deepEqual(
      results[1]?.[1].receipts.map((r) => (r.status === 'ok' ? 'ok' : r.error?.code)),
      ['BSN_TX_SIGNATURE_INVALID', 'BSN_TX_SIGNATURE_INVALID', 'ok', 'ok'],
    );
    assert.equal(results[0]?.[1].receipts[2]?.status, 'failed');
    plain.close();
    ahead.close();
  });

  it('leaves a block it cannot read to commitBlock, and a closed pool verifies nothing', async () => {
    const chain = open();
    const p = pool(1);
    assert.equal(await chain.preverify({ header: null } as never, p), 0);
    assert.equal(
      await chain.preverify({ header: { time: 1 }, txs: [null, 1, { payload: 5 }] } as never, p),
      0,
    );
    await p.close();
    const block = makeBlock(orderer, [fixedTx(alice, 'n', 'kv', 'put', ['k', 1])], chain.head());
    assert.equal(await chain.preverify(block, p), 0);
    assert.equal(chain.commitBlock(block).receipts[0]?.status, 'ok');
    chain.close();
  });
});
