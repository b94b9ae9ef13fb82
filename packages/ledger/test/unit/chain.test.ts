import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { type Block, isBsnError, receiptsRoot, signBlockHeader, transactionId, ZERO_HASH } from '@bsn/core';
import { Chain, type ChainOptions, type ContractRuntime, replayChain } from '@bsn/ledger';
import {
  fixedTx,
  makeBlock,
  makeOrderer,
  makeSigner,
  makeTx,
  StubCertificates,
  T0,
  type TestSigner,
  testContracts,
  testRuntime,
} from '../support/fixtures.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsn-chain-'));
  dirs.push(dir);
  return path.join(dir, 'chain.db');
}

const orderer = makeOrderer();
const alice = makeSigner('alice');
const bob = makeSigner('bob');

function open(
  extra: Partial<ChainOptions> = {},
  certs = new StubCertificates(),
): { chain: Chain; certs: StubCertificates } {
  certs.add(alice);
  certs.add(bob);
  const chain = Chain.open({
    path: tempPath(),
    chain: 'c1',
    runtimes: new Map([['native', testRuntime()]]),
    contracts: testContracts,
    certificates: certs,
    ordererKeys: new Map([[orderer.id, orderer.keys.publicKeyPem]]),
    ...extra,
  });
  return { chain, certs };
}

function commitTxs(chain: Chain, txs: Parameters<typeof makeBlock>[1], time?: number) {
  const block = makeBlock(orderer, txs, chain.head(), time === undefined ? {} : { time });
  return { block, result: chain.commitBlock(block) };
}

function put(signer: TestSigner, key: string, value: unknown, nonce = `${key}-${String(value)}`) {
  return fixedTx(signer, nonce, 'kv', 'put', [key, value as never]);
}

function expectCode(fn: () => unknown, code: string): void {
  assert.throws(
    fn,
    (err: unknown) => isBsnError(err, code) || assert.fail(`expected ${code}, got ${String(err)}`),
  );
}

describe('Chain.commitBlock', () => {
  it('commits a block: state, receipts, roots, head and txId index', () => {
    const { chain } = open();
    const tx = put(alice, 'a', 1);
    const { block, result } = commitTxs(chain, [tx]);
    assert.equal(result.height, 1);
    assert.equal(result.receipts.length, 1);
    assert.deepEqual(result.receipts[0], {
      txId: transactionId(tx.payload),
      status: 'ok',
      result: null,
      events: [{ contract: 'kv', name: 'put', data: { key: 'a' } }],
      gasUsed: 1,
    });
    assert.equal(result.receiptsRoot, receiptsRoot(result.receipts));
    assert.deepEqual(chain.head(), {
      height: 1,
      blockHash: result.blockHash,
      stateRoot: result.stateRoot,
      receiptsRoot: result.receiptsRoot,
      time: block.header.time,
    });
    assert.equal(chain.state.get('kv', 'a'), 1);
    assert.deepEqual(chain.block(1), block);
    assert.deepEqual(chain.receipt(transactionId(tx.payload)), {
      receipt: result.receipts[0],
      height: 1,
      index: 0,
      blockHash: result.blockHash,
    });
    assert.deepEqual(chain.statement(1), {
      chain: 'c1',
      height: 1,
      blockHash: result.blockHash,
      stateRoot: result.stateRoot,
      receiptsRoot: result.receiptsRoot,
    });
    assert.equal(chain.block(2), undefined);
    chain.close();
  });

  it('later transactions of a block see earlier ones, and each call sees its own writes', () => {
    const { chain } = open();
    const { result } = commitTxs(chain, [
      fixedTx(alice, '1', 'counter', 'inc', []),
      fixedTx(alice, '2', 'counter', 'inc', []),
      fixedTx(bob, '3', 'counter', 'inc', []),
    ]);
    assert.deepEqual(
      result.receipts.map((r) => r.result),
      [1, 2, 3],
    );
    assert.equal(chain.state.get('counter', 'n'), 3);
    commitTxs(chain, [fixedTx(alice, '4', 'counter', 'inc', [])]);
    assert.equal(chain.state.get('counter', 'n'), 4);
    chain.close();
  });

  it('a failed transaction changes nothing and emits nothing; the block’s other transactions commit', () => {
    const { chain } = open();
    const { result } = commitTxs(chain, [
      put(alice, 'x', 1),
      fixedTx(alice, 'f', 'kv', 'putThenFail', ['y', 2]),
      fixedTx(alice, 'g', 'kv', 'get', ['y']),
      put(alice, 'z', 3),
    ]);
    const [first, second, third, fourth] = result.receipts;
    assert.equal(first?.status, 'ok');
    assert.equal(second?.status, 'failed');
    assert.deepEqual(second?.error, { code: 'KV_REFUSED', message: 'refused on purpose' });
    assert.deepEqual(second?.events, []);
    assert.equal(third?.result, null, 'the failed write is invisible to later transactions');
    assert.equal(fourth?.status, 'ok');
    assert.equal(chain.state.get('kv', 'y'), null);
    assert.equal(chain.state.get('kv', 'z'), 3);
    chain.close();
  });

  it('range merges committed state with the block’s and the call’s own writes, honouring deletes', () => {
    const { chain } = open();
    commitTxs(chain, [put(alice, 'k1', 1), put(alice, 'k2', 2), put(alice, 'k3', 3), put(alice, 'k5', 5)]);
    const { result } = commitTxs(chain, [
      fixedTx(alice, 'd', 'kv', 'del', ['k2']),
      put(alice, 'k4', 4),
      fixedTx(alice, 'r', 'kv', 'range', ['k', 'l', 3]),
      fixedTx(alice, 'r2', 'kv', 'range', ['k3', null, 10]),
    ]);
    assert.deepEqual(result.receipts[2]?.result, [
      { key: 'k1', value: 1 },
      { key: 'k3', value: 3 },
      { key: 'k4', value: 4 },
    ]);
    assert.deepEqual(result.receipts[3]?.result, [
      { key: 'k3', value: 3 },
      { key: 'k4', value: 4 },
      { key: 'k5', value: 5 },
    ]);
    chain.close();
  });

  it('gives the contract the caller and the transaction context from the block', () => {
    const { chain } = open();
    const tx = fixedTx(bob, 'w', 'kv', 'whoami', []);
    const { block, result } = commitTxs(chain, [put(alice, 'a', 1), tx]);
    assert.deepEqual(result.receipts[1]?.result, {
      id: 'bob',
      tx: transactionId(tx.payload),
      height: 1,
      time: block.header.time,
      index: 1,
    });
    chain.close();
  });

  it('turns refused envelopes into failed receipts with their codes, and leaves their txIds free', () => {
    const { chain, certs } = open();
    const stranger = makeSigner('stranger');
    const carol = makeSigner('carol');
    certs.add(carol);
    certs.revoke(carol, T0);
    const good = put(alice, 'a', 1);
    const badSig = { ...put(alice, 'b', 1), signature: put(bob, 'b', 1).signature };
    const txs = [
      good,
      good, // duplicate within the block
      badSig,
      makeTx(alice, { contract: 'kv', method: 'put', args: ['e', 1], expires: T0 }), // expired at block time
      makeTx(stranger, { contract: 'kv', method: 'put', args: ['s', 1] }),
      makeTx(carol, { contract: 'kv', method: 'put', args: ['c', 1] }),
      makeTx(alice, { chain: 'c2', contract: 'kv', method: 'put', args: ['w', 1] }),
      makeTx(alice, { contract: 'nope', method: 'put' }),
      makeTx(alice, { contract: 'kv', method: 'nope' }),
      makeTx(alice, { contract: 'kv', method: '_secret' }),
      { payload: { ...good.payload, extra: true }, signature: good.signature } as never,
      makeTx(alice, { contract: 'kv', method: 'put', args: ['x'.repeat(70_000)] }),
    ];
    const { result } = commitTxs(chain, txs);
    assert.deepEqual(
      result.receipts.map((r) => r.error?.code ?? r.status),
      [
        'ok',
        'BSN_TX_DUPLICATE',
        'BSN_TX_SIGNATURE_INVALID',
        'BSN_TX_EXPIRED',
        'BSN_TX_CERTIFICATE_UNTRUSTED',
        'BSN_TX_CERTIFICATE_REVOKED',
        'BSN_TX_WRONG_CHAIN',
        'BSN_TX_UNKNOWN_CONTRACT',
        'BSN_TX_UNKNOWN_METHOD',
        'BSN_TX_UNKNOWN_METHOD',
        'BSN_TX_MALFORMED',
        'BSN_TX_ARGS_TOO_LARGE',
      ],
    );
    assert.equal(chain.state.get('kv', 'b'), null);
    // the txId of the tx with a stolen signature stays free: the genuine one commits later
    const genuine = put(alice, 'b', 1);
    const next = commitTxs(chain, [genuine, good]);
    assert.equal(next.result.receipts[0]?.status, 'ok');
    assert.equal(
      next.result.receipts[1]?.error?.code,
      'BSN_TX_DUPLICATE',
      'a txId already on the chain is refused',
    );
    assert.equal(
      chain.receipt(transactionId(good.payload))?.height,
      1,
      'lookup finds the executed occurrence',
    );
    chain.close();
  });

  it('hostile contracts each end as a failed receipt with their own code and the chain keeps going', () => {
    const { chain } = open();
    const calls = ['crash', 'hugeResult', 'badResult', 'hugeValue', 'badKey', 'manyEvents'];
    const { result } = commitTxs(chain, [
      ...calls.map((m) => fixedTx(alice, m, 'hostile', m, [])),
      put(alice, 'after', 1),
    ]);
    assert.deepEqual(
      result.receipts.map((r) => r.error?.code ?? r.status),
      [
        'BSN_INTERNAL',
        'BSN_LEDGER_RESULT_TOO_LARGE',
        'BSN_LEDGER_RESULT_INVALID',
        'BSN_LEDGER_VALUE_TOO_LARGE',
        'BSN_LEDGER_STATE_KEY',
        'BSN_LEDGER_EVENT_INVALID',
        'ok',
      ],
    );
    assert.match(result.receipts[0]?.error?.message ?? '', /boom/);
    assert.equal(chain.state.get('hostile', 'big'), null);
    assert.equal(chain.state.get('kv', 'after'), 1);
    commitTxs(chain, [put(alice, 'next', 1)]);
    assert.equal(chain.height(), 2);
    chain.close();
  });

  it('text from a contract that is not Unicode fails only its transaction, never the block', () => {
    // A receipt that cannot be encoded would stop this block on every node, and the chain with it.
    const { chain } = open();
    const calls = ['loneSurrogateEvent', 'loneSurrogateKey', 'longMessage', 'loneSurrogateCrash'];
    const { result } = commitTxs(chain, [
      ...calls.map((m) => fixedTx(alice, m, 'hostile', m, [])),
      put(alice, 'after', 1),
    ]);
    assert.equal(chain.height(), 1);
    assert.deepEqual(
      result.receipts.map((r) => r.error?.code ?? r.status),
      ['BSN_LEDGER_EVENT_INVALID', 'BSN_LEDGER_STATE_KEY', 'HOSTILE_TEXT', 'BSN_INTERNAL', 'ok'],
    );
    assert.match(result.receipts[0]?.error?.message ?? '', /well-formed/);
    assert.match(result.receipts[1]?.error?.message ?? '', /well-formed/);
    // Cut to length, the emoji's dangling first half becomes U+FFFD; so does the crash's lone half.
    assert.equal(result.receipts[2]?.error?.message, `${'x'.repeat(1022)}\uFFFD…`);
    assert.match(result.receipts[3]?.error?.message ?? '', /boom \uFFFD$/);
    assert.equal(chain.state.get('kv', 'after'), 1);
    chain.close();
  });

  it('a node out of memory for a sandbox commits nothing, and commits the block once it can', () => {
    // What V8 throws when it cannot reserve a WebAssembly memory: this node's condition, which a
    // receipt would record differently from nodes that had the memory.
    let starved = true;
    const real = testRuntime();
    const flaky: ContractRuntime = {
      name: 'native',
      validate: (code) => real.validate(code),
      instantiate(code) {
        if (starved) throw new RangeError('WebAssembly.Memory(): could not allocate memory');
        return real.instantiate(code);
      },
    };
    const { chain } = open({ runtimes: new Map([['native', flaky]]) });
    const block = makeBlock(orderer, [put(alice, 'a', 1), put(alice, 'b', 2)], chain.head());
    expectCode(() => chain.commitBlock(block), 'BSN_LEDGER_RESOURCE_EXHAUSTED');
    assert.equal(chain.height(), 0);
    assert.equal(chain.state.get('kv', 'a'), null);
    starved = false;
    const result = chain.commitBlock(block);
    assert.deepEqual(
      result.receipts.map((r) => r.status),
      ['ok', 'ok'],
    );
    assert.equal(chain.state.get('kv', 'b'), 2);
    chain.close();
  });

  it('an error code that is not one is replaced, and named (cut short) in the message', () => {
    const { chain } = open();
    const { result } = commitTxs(chain, [
      fixedTx(alice, 'hugeCode', 'hostile', 'hugeCode', []),
      fixedTx(alice, 'lowerCaseCode', 'hostile', 'lowerCaseCode', []),
    ]);
    const [huge, lower] = result.receipts;
    assert.equal(huge?.error?.code, 'BSN_LEDGER_ERROR_CODE_INVALID');
    assert.equal(
      huge?.error?.message,
      `the call failed with an invalid error code "${'Z'.repeat(64)}"…: huge code`,
    );
    assert.ok(Buffer.byteLength(JSON.stringify(huge)) < 500);
    assert.equal(lower?.error?.code, 'BSN_LEDGER_ERROR_CODE_INVALID');
    assert.match(lower?.error?.message ?? '', /"not_a_code": bad code$/);
    chain.close();
  });

  it('fails a call past the per-transaction write limit, and a contract whose runtime is missing', () => {
    const { chain } = open({
      limits: { maxWritesPerTx: 1 },
      contracts: (name, height) =>
        name === 'evmToken'
          ? { name, runtime: 'evm', code: '0x', codeHash: 'x' }
          : testContracts(name, height),
      runtimes: new Map([
        [
          'native',
          testRuntime().register('counter', {
            two(ctx) {
              ctx.state.put('a', 1);
              ctx.state.put('a', 2); // rewriting a key does not count twice
              ctx.state.put('b', 1);
              return null;
            },
          }),
        ],
      ]),
    });
    const { result } = commitTxs(chain, [
      fixedTx(alice, 'w', 'counter', 'two', []),
      fixedTx(alice, 'e', 'evmToken', 'transfer', []),
      put(alice, 'ok', 1),
    ]);
    assert.deepEqual(
      result.receipts.map((r) => r.error?.code ?? r.status),
      ['BSN_LEDGER_TOO_MANY_WRITES', 'BSN_LEDGER_RUNTIME_UNKNOWN', 'ok'],
    );
    assert.equal(chain.state.get('counter', 'a'), null);
    chain.close();
  });

  it('is idempotent for a block committed again, and refuses a different block at a committed height as a fork', () => {
    const { chain } = open();
    const { block, result } = commitTxs(chain, [put(alice, 'a', 1)]);
    commitTxs(chain, [put(alice, 'b', 2)]);
    assert.deepEqual(chain.commitBlock(block), result);
    const other = makeBlock(orderer, [put(alice, 'a', 2)], undefined);
    expectCode(() => chain.commitBlock(other), 'BSN_LEDGER_FORK');
    assert.equal(chain.height(), 2);
    chain.close();
  });

  it('refuses blocks that do not link: gap, wrong prevHash, wrong chain, txRoot, time, orderer, signature, shape', () => {
    const { chain } = open();
    commitTxs(chain, [put(alice, 'a', 1)]);
    const head = chain.head();
    const txs = [put(alice, 'b', 2)];
    expectCode(
      () => chain.commitBlock(makeBlock(orderer, txs, { ...head, height: 2 })),
      'BSN_LEDGER_HEIGHT_GAP',
    );
    expectCode(
      () => chain.commitBlock(makeBlock(orderer, txs, { ...head, blockHash: ZERO_HASH })),
      'BSN_LEDGER_PREV_HASH_MISMATCH',
    );
    expectCode(
      () => chain.commitBlock(makeBlock(orderer, txs, head, { chain: 'c2' })),
      'BSN_LEDGER_CHAIN_MISMATCH',
    );
    expectCode(
      () => chain.commitBlock(makeBlock(orderer, txs, head, { time: head.time - 1 })),
      'BSN_LEDGER_BLOCK_TIME',
    );
    const good = makeBlock(orderer, txs, head);
    const wrongRoot = { ...good, txs: [put(alice, 'c', 3)] };
    expectCode(() => chain.commitBlock(wrongRoot), 'BSN_LEDGER_TX_ROOT_MISMATCH');
    expectCode(
      () => chain.commitBlock(makeBlock(makeOrderer('rogue'), txs, head)),
      'BSN_LEDGER_ORDERER_UNKNOWN',
    );
    const impostor = makeOrderer(orderer.id);
    expectCode(() => chain.commitBlock(makeBlock(impostor, txs, head)), 'BSN_LEDGER_BLOCK_SIGNATURE_INVALID');
    expectCode(
      () => chain.commitBlock({ ...good, header: { ...good.header, height: 1.5 } }),
      'BSN_LEDGER_BLOCK_INVALID',
    );
    expectCode(
      () => chain.commitBlock({ ...good, txs: 'x' } as unknown as Block),
      'BSN_LEDGER_BLOCK_INVALID',
    );
    const extraHeader = { ...good.header, extra: 1 };
    expectCode(
      () =>
        chain.commitBlock({
          header: extraHeader,
          signature: signBlockHeader(extraHeader, orderer.keys.privateKeyPem),
          txs,
        }),
      'BSN_LEDGER_BLOCK_INVALID',
    );
    assert.equal(chain.height(), 1, 'nothing was committed');
    assert.equal(chain.commitBlock(good).height, 2);
    chain.close();
  });

  it('reopens at the committed head with the same roots, and refuses a store of another chain', () => {
    const file = tempPath();
    const { chain } = open({ path: file });
    commitTxs(chain, [put(alice, 'a', 1)]);
    commitTxs(chain, [put(alice, 'b', 2)]);
    const head = chain.head();
    chain.close();
    const options = {
      path: file,
      chain: 'c1',
      runtimes: new Map([['native', testRuntime()]]),
      contracts: testContracts,
      certificates: new StubCertificates(),
    };
    const again = Chain.open(options);
    assert.deepEqual(again.head(), head);
    again.close();
    expectCode(() => Chain.open({ ...options, chain: 'c2' }), 'BSN_LEDGER_STORE_INVALID');
    expectCode(() => Chain.open({ ...options, hash: 'sm3' }), 'BSN_LEDGER_STORE_INVALID');
    expectCode(() => again.height() && again.block(1), 'BSN_LEDGER_CLOSED');
  });

  it('answers a query at a height with the contract code that executed that height', () => {
    // "ver" is upgraded from block 2 on: a query at height 1 runs v1 on every node, whatever code
    // the next block will run.
    const runtime = testRuntime();
    runtime.register('ver1', { version: () => 1 });
    runtime.register('ver2', { version: () => 2 });
    const v1 = { name: 'ver', runtime: 'native', code: 'ver1', codeHash: 'ver-v1' };
    const v2 = { name: 'ver', runtime: 'native', code: 'ver2', codeHash: 'ver-v2' };
    const { chain } = open({
      runtimes: new Map([['native', runtime]]),
      contracts: (name, height) => (name === 'ver' ? (height <= 1 ? v1 : v2) : testContracts(name, height)),
    });
    const version = (height?: number) => {
      const r = chain.query('ver', 'version', [], alice.caller, height === undefined ? {} : { height });
      return r.ok ? r.result : r.code;
    };
    assert.equal(version(), 1, 'before any block: the code block 1 will run');
    commitTxs(chain, [put(alice, 'a', 1)]);
    assert.equal(version(), 1);
    commitTxs(chain, [put(alice, 'b', 2)]);
    assert.equal(version(), 2);
    assert.equal(version(1), 1);
    chain.close();
  });

  it('runs read-only queries on the latest state; writes and events fail with BSN_LEDGER_READ_ONLY', () => {
    const { chain } = open();
    commitTxs(chain, [put(alice, 'a', 1)]);
    assert.deepEqual(chain.query('kv', 'get', ['a'], alice.caller), { ok: true, result: 1, gasUsed: 1 });
    const write = chain.query('kv', 'put', ['b', 2], alice.caller);
    assert.equal(write.ok, false);
    assert.equal(!write.ok && write.code, 'BSN_LEDGER_READ_ONLY');
    assert.equal(chain.state.get('kv', 'b'), null);
    const unknown = chain.query('nope', 'get', [], alice.caller);
    assert.equal(!unknown.ok && unknown.code, 'BSN_TX_UNKNOWN_CONTRACT');
    const priv = chain.query('kv', '_secret', [], alice.caller);
    assert.equal(!priv.ok && priv.code, 'BSN_TX_UNKNOWN_METHOD');
    chain.close();
  });

  it('stores commit certificates that match its commits, and chain metadata', () => {
    const { chain } = open();
    const { result } = commitTxs(chain, [put(alice, 'a', 1)]);
    const cert = { ...chain.statement(1)!, votes: [{ pcn: 'p1', signature: 'ab' }] };
    chain.saveCertificate(cert);
    assert.deepEqual(chain.certificate(1), cert);
    expectCode(
      () => chain.saveCertificate({ ...cert, stateRoot: result.receiptsRoot }),
      'BSN_LEDGER_CERTIFICATE_MISMATCH',
    );
    expectCode(() => chain.saveCertificate({ ...cert, height: 5 }), 'BSN_LEDGER_BLOCK_UNKNOWN');
    assert.equal(chain.certificate(2), undefined);
    assert.equal(chain.metadata('k'), null);
    chain.setMetadata('k', { a: [1] });
    assert.deepEqual(chain.metadata('k'), { a: [1] });
    chain.setMetadata('k', null);
    assert.equal(chain.metadata('k'), null);
    chain.close();
  });

  it('refuses replays at the checker and inside blocks, from memory and from the store, after reopening too', () => {
    const file = tempPath();
    const limits = { maxTtlMs: 60_000, clockSkewMs: 1_000 };
    let { chain } = open({ path: file, limits });
    const tx = (key: string, expires: number) =>
      makeTx(alice, { contract: 'kv', method: 'put', args: [key, 1], expires });
    const long = tx('long', T0 + 50_000);
    const short = tx('short', T0 + 3_000);
    commitTxs(chain, [long, short], T0 + 1_000);
    expectCode(() => chain.checker.check(long, T0 + 1_500), 'BSN_TX_DUPLICATE');
    expectCode(() => chain.checker.check(short, T0 + 1_500), 'BSN_TX_DUPLICATE');
    // block time moves past `short`'s expiry: the filter no longer covers it, the store answers
    const fresh = tx('fresh', T0 + 40_000);
    let { result } = commitTxs(chain, [long, fresh, fresh], T0 + 5_000);
    assert.deepEqual(
      result.receipts.map((r) => r.error?.code ?? r.status),
      ['BSN_TX_DUPLICATE', 'ok', 'BSN_TX_DUPLICATE'],
    );
    expectCode(() => chain.checker.check(short, T0 + 2_000), 'BSN_TX_DUPLICATE');
    // below the filter's horizon and not committed: the store says no, the transaction passes
    const late = tx('late', T0 + 4_000);
    assert.equal(chain.checker.check(late, T0 + 2_000).txId, transactionId(late.payload));
    chain.close();

    ({ chain } = open({ path: file, limits }));
    // first the executor (it builds the filter from the store), then the checker
    ({ result } = commitTxs(chain, [fresh, long, tx('after', T0 + 45_000)], T0 + 6_000));
    assert.deepEqual(
      result.receipts.map((r) => r.error?.code ?? r.status),
      ['BSN_TX_DUPLICATE', 'BSN_TX_DUPLICATE', 'ok'],
    );
    chain.close();
    ({ chain } = open({ path: file, limits }));
    for (const t of [long, fresh]) expectCode(() => chain.checker.check(t, T0 + 6_000), 'BSN_TX_DUPLICATE');
    assert.ok(chain.checker.check(tx('new', T0 + 30_000), T0 + 6_000));
    chain.close();
  });

  it('its checker refuses a txId committed on the chain and forgets pending txIds once committed', () => {
    const { chain } = open();
    const tx = makeTx(alice, { contract: 'kv', method: 'put', args: ['q', 1] });
    chain.checker.check(tx, T0);
    assert.equal(chain.checker.pendingCount(), 1);
    commitTxs(chain, [tx]);
    assert.equal(chain.checker.pendingCount(), 0);
    expectCode(() => chain.checker.check(tx, T0), 'BSN_TX_DUPLICATE');
    expectCode(
      () => chain.checker.check(makeTx(alice, { contract: 'kv', method: 'drop' }), T0),
      'BSN_TX_UNKNOWN_METHOD',
    );
    chain.close();
  });
});

describe('access rules during execution (ChainOptions.authorize)', () => {
  it('fails a refused call with the rule’s code, spends its txId, and lets the block’s other transactions commit', () => {
    const seen: Array<[string, string, string, number]> = [];
    const authorize: NonNullable<ChainOptions['authorize']> = (caller, contract, method, block) => {
      seen.push([caller.id, contract, method, block.height]);
      return caller.id === 'bob'
        ? { code: 'BSN_SYSTEM_METHOD_NOT_ALLOWED', message: `bob may not call "${method}"` }
        : undefined;
    };
    const file = tempPath();
    const { chain, certs } = open({ authorize, path: file });
    const refused = put(bob, 'b', 1);
    const allowed = put(alice, 'a', 1);
    const { result } = commitTxs(chain, [refused, allowed]);
    assert.deepEqual(result.receipts[0], {
      txId: transactionId(refused.payload),
      status: 'failed',
      error: { code: 'BSN_SYSTEM_METHOD_NOT_ALLOWED', message: 'bob may not call "put"' },
      events: [],
      gasUsed: 0,
    });
    assert.equal(result.receipts[1]?.status, 'ok');
    assert.equal(chain.state.get('kv', 'b'), null, 'a refused call writes nothing');
    assert.equal(chain.state.get('kv', 'a'), 1);
    assert.deepEqual(seen, [
      ['bob', 'kv', 'put', 1],
      ['alice', 'kv', 'put', 1],
    ]);
    // Its txId is spent: the same transaction in a later block is a duplicate, not a second try.
    const again = commitTxs(chain, [refused]).result;
    assert.equal(again.receipts[0]?.error?.code, 'BSN_TX_DUPLICATE');
    // The rules are part of execution: a replay matches with them, and not without.
    chain.close();
    const replay = {
      chain: 'c1',
      runtimes: new Map([['native', testRuntime()]]),
      contracts: testContracts,
      certificates: certs,
      ordererKeys: new Map([[orderer.id, orderer.keys.publicKeyPem]]),
    };
    assert.equal(replayChain(file, { ...replay, authorize }).ok, true);
    const without = replayChain(file, replay);
    assert.equal(without.ok, false);
    assert.equal(without.mismatches[0]?.height, 1);
  });
});
