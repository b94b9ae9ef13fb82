import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { compositeKey } from '@bsn/contract';
import { BsnError, errorCatalog } from '@bsn/core';
import type { Caller, ContractCode, ContractInstance, InvocationResult } from '@bsn/ledger';
import {
  createJsRuntime,
  defaultJsRuntimeOptions,
  type JsRuntime,
  QuickJSEngine,
  runtimeJsErrorCodes,
} from '@bsn/runtime-js';
import { fixtureCode, invocation, sampleCaller, sampleTx } from '../fixtures.js';
import { MemoryHost } from '../memory-host.js';

function failed(result: InvocationResult): { code: string; message: string } {
  assert.equal(result.ok, false, `expected a failure, got ${JSON.stringify(result)}`);
  if (result.ok) throw new Error('unreachable');
  return result;
}

function succeeded(result: InvocationResult): unknown {
  assert.equal(result.ok, true, `expected success, got ${JSON.stringify(result)}`);
  if (!result.ok) throw new Error('unreachable');
  return result.result;
}

let runtime: JsRuntime;
let asset: ContractCode;

before(async () => {
  runtime = await createJsRuntime();
  asset = await fixtureCode('asset-contract.ts', 'asset');
});

describe('JsRuntime basics', () => {
  test('is the js runtime and registers every error code with an HTTP status', () => {
    assert.equal(runtime.name, 'js');
    for (const code of Object.keys(runtimeJsErrorCodes)) assert.ok(errorCatalog[code], code);
  });

  test('validate lists the public methods: functions only, no _private names, sorted', () => {
    const methods = runtime.validate(asset);
    assert.ok(methods.includes('create'));
    assert.ok(methods.includes('whoami'));
    assert.ok(!methods.includes('_secret'));
    assert.ok(!methods.includes('notAMethod'));
    assert.deepEqual([...methods], [...methods].sort());
  });

  test('instantiate exposes the same methods as validate', () => {
    const instance = runtime.instantiate(asset);
    assert.deepEqual(instance.methods, runtime.validate(asset));
    instance.dispose();
  });

  test('refuses code meant for another runtime', () => {
    assert.throws(() => runtime.instantiate({ ...asset, runtime: 'evm' }), { code: 'BSN_INVALID_ARGUMENT' });
  });

  test('rejects bad options naming the field', async () => {
    await assert.rejects(createJsRuntime({ maxStackBytes: 4 * 1024 * 1024 }), (err: BsnError) => {
      assert.equal(err.code, 'BSN_INVALID_ARGUMENT');
      assert.match(err.message, /maxStackBytes/);
      return true;
    });
    await assert.rejects(createJsRuntime({ gasPerTick: -1 }), /gasPerTick/);
  });

  test('defaults match the ledger default chain limits for payload sizes', () => {
    assert.equal(defaultJsRuntimeOptions.maxArgsBytes, 64 * 1024);
    assert.equal(defaultJsRuntimeOptions.maxResultBytes, 64 * 1024);
    assert.equal(defaultJsRuntimeOptions.maxValueBytes, 64 * 1024);
    assert.equal(defaultJsRuntimeOptions.memoryLimitBytes, 64 * 1024 * 1024);
  });
});

describe('calls', () => {
  let instance: ContractInstance;
  let host: MemoryHost;
  before(() => {
    instance = runtime.instantiate(asset);
    host = new MemoryHost();
  });

  test('a method writes state, emits an event and returns JSON', () => {
    const result = succeeded(host.execute(instance, invocation('create', ['a1', 5])));
    assert.deepEqual(result, { id: 'a1', value: 5, owner: 'alice' });
    assert.deepEqual(host.committed.get(compositeKey('asset', 'a1')), { id: 'a1', value: 5, owner: 'alice' });
    assert.deepEqual(host.committedEvents.at(-1), {
      name: 'AssetCreated',
      data: { id: 'a1', owner: 'alice' },
    });
  });

  test('keys containing U+0000 (composite keys) reach the host intact', () => {
    assert.ok(host.log.includes(`put ${compositeKey('asset', 'a1')}`));
  });

  test('reads see committed state', () => {
    assert.deepEqual(succeeded(host.execute(instance, invocation('read', ['a1']))), {
      id: 'a1',
      owner: 'alice',
      value: 5,
    });
  });

  test('range returns entries in key order with the limit applied', () => {
    host.execute(instance, invocation('create', ['a3', 3]));
    host.execute(instance, invocation('create', ['a2', 2]));
    const all = succeeded(host.execute(instance, invocation('list'))) as { id: string }[];
    assert.deepEqual(
      all.map((a) => a.id),
      ['a1', 'a2', 'a3'],
    );
    const two = succeeded(host.execute(instance, invocation('list', [2]))) as { id: string }[];
    assert.equal(two.length, 2);
    const entries = succeeded(
      host.execute(instance, invocation('rangeAll', [compositeKey('asset', 'a2')])),
    ) as {
      key: string;
    }[];
    assert.deepEqual(
      entries.map((e) => e.key),
      [compositeKey('asset', 'a2'), compositeKey('asset', 'a3')],
    );
  });

  test('a range limit past the maximum fails naming the maximum, however large the integer', () => {
    for (const limit of [10_001, 2 ** 60]) {
      const r = failed(host.execute(instance, invocation('list', [limit])));
      assert.equal(r.code, 'BSN_CONTRACT_INVALID_VALUE');
      assert.match(r.message, /more than the maximum of 10000/, String(limit));
    }
  });

  test('range passes the runtime default limit when the contract gives none', () => {
    host.execute(instance, invocation('list'));
    assert.match(host.log.at(-1) ?? '', / 1000$/);
  });

  test('del removes a key', () => {
    succeeded(host.execute(instance, invocation('remove', ['a3'])));
    assert.equal(host.committed.has(compositeKey('asset', 'a3')), false);
  });

  test('ctx.caller and ctx.tx carry the invocation fields', () => {
    assert.deepEqual(succeeded(host.execute(instance, invocation('whoami'))), {
      caller: sampleCaller,
      tx: sampleTx,
    });
  });

  test('ctx, ctx.tx and ctx.caller (attributes too) are frozen', () => {
    assert.deepEqual(succeeded(host.execute(instance, invocation('contextFrozen'))), [
      true,
      true,
      true,
      true,
    ]);
  });

  test('each call sees its own caller and tx, however callers alternate and recur', () => {
    const callers = Array.from({ length: 300 }, (_, i) => ({
      ...sampleCaller,
      id: `user${i}`,
      attributes: { n: String(i) },
    }));
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < callers.length; i += round + 1) {
        const caller = callers[(i * 7) % callers.length] as Caller;
        const tx = { ...sampleTx, id: i.toString(16).padStart(64, '0'), index: i };
        assert.deepEqual(succeeded(host.execute(instance, invocation('whoami', [], { caller, tx }))), {
          caller,
          tx,
        });
      }
    }
  });

  test('a tx of another shape (keys reordered, an extra key) reaches the contract as it was', () => {
    const { id, chain, height, time, index } = sampleTx;
    const tx = { chain, id, height, time, index, extra: { nested: ['x'] } } as unknown as typeof sampleTx;
    const seen = succeeded(host.execute(instance, invocation('whoami', [], { tx }))) as { tx: object };
    assert.deepEqual(seen.tx, tx);
    assert.deepEqual(Object.keys(seen.tx), Object.keys(tx));
    assert.equal(succeeded(host.execute(instance, invocation('txDeepFrozen', [], { tx }))), true);
  });

  test('arguments arrive as JSON values and a method without a return value yields null', () => {
    const args = [1, 'two', { three: [true, null, 2.5] }, []];
    assert.deepEqual(succeeded(host.execute(instance, invocation('echo', args))), args);
    assert.equal(succeeded(host.execute(instance, invocation('nothing'))), null);
  });

  test('the engine finds the heap break of its instances, so sandboxes are reset and reused across blocks', async () => {
    // Without it every block would load a new sandbox: still correct, but milliseconds slower.
    const engine = await QuickJSEngine.load();
    const { module, breakAddress } = engine.instantiate(16 * 1024 * 1024);
    assert.equal(typeof breakAddress, 'number');
    const word = () => new DataView(module.HEAPU8.buffer).getUint32(breakAddress as number, true);
    const before = word();
    const block = module._malloc(2 * 1024 * 1024);
    assert.ok(word() >= block + 2 * 1024 * 1024 && word() > before);
  });

  test('module state lives as long as the instance (one block), not longer', () => {
    const first = runtime.instantiate(asset);
    assert.equal(succeeded(host.execute(first, invocation('counter'))), 1);
    assert.equal(succeeded(host.execute(first, invocation('counter'))), 2);
    first.dispose();
    const next = runtime.instantiate(asset);
    assert.equal(succeeded(host.execute(next, invocation('counter'))), 1);
    next.dispose();
  });

  test('a private method cannot be called', () => {
    const r = failed(host.execute(instance, invocation('_secret')));
    assert.equal(r.code, 'BSN_CONTRACT_METHOD_NOT_FOUND');
    assert.match(r.message, /_secret/);
  });

  test('a non-function property, an unknown name and Object.prototype names cannot be called', () => {
    for (const name of ['notAMethod', 'nope', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      assert.equal(
        failed(host.execute(instance, invocation(name))).code,
        'BSN_CONTRACT_METHOD_NOT_FOUND',
        name,
      );
    }
  });

  test('a ContractError fails the call with its own code and message', () => {
    const r = failed(host.execute(instance, invocation('read', ['missing'])));
    assert.deepEqual(
      { code: r.code, message: r.message },
      { code: 'ASSET_NOT_FOUND', message: 'asset missing does not exist' },
    );
    assert.equal(failed(host.execute(instance, invocation('create', [42, 1]))).code, 'INVALID_ARGUMENT');
  });

  test('a ContractError with a malformed or reserved code becomes BSN_CONTRACT_THREW', () => {
    for (const code of ['lower', 'AB', 'HAS SPACE', 'BSN_CONTRACT_OUT_OF_GAS', 'X'.repeat(65)]) {
      const r = failed(host.execute(instance, invocation('failWith', [code, 'why'])));
      assert.equal(r.code, 'BSN_CONTRACT_THREW', code);
      assert.match(r.message, /why/);
    }
  });

  test('any other throw is BSN_CONTRACT_THREW with the thrown message', () => {
    assert.deepEqual(
      (({ code, message }) => ({ code, message }))(
        failed(host.execute(instance, invocation('throwPlain', ['boom']))),
      ),
      { code: 'BSN_CONTRACT_THREW', message: 'boom' },
    );
    assert.equal(failed(host.execute(instance, invocation('throwString'))).message, 'just a string');
  });

  test('writes and events of a failed call are discarded', () => {
    const events = host.committedEvents.length;
    assert.equal(failed(host.execute(instance, invocation('writeThenFail'))).code, 'ROLLED_BACK');
    assert.equal(host.committed.has('written'), false);
    assert.equal(host.committedEvents.length, events);
  });

  test('async methods run their jobs to completion within the call', () => {
    assert.deepEqual(succeeded(host.execute(instance, invocation('asyncRead', ['a1']))), { found: true });
    assert.equal(failed(host.execute(instance, invocation('asyncFail'))).code, 'ASYNC_FAILED');
  });

  test('an async method whose promise never settles fails with BSN_CONTRACT_ASYNC_UNSETTLED', () => {
    assert.equal(
      failed(host.execute(instance, invocation('asyncNeverSettles'))).code,
      'BSN_CONTRACT_ASYNC_UNSETTLED',
    );
  });

  test('a result that is not JSON data fails with BSN_CONTRACT_INVALID_RESULT', () => {
    assert.match(
      failed(host.execute(instance, invocation('returnFunction'))).code,
      /^BSN_CONTRACT_INVALID_RESULT$/,
    );
    const nan = failed(host.execute(instance, invocation('returnNaN')));
    assert.equal(nan.code, 'BSN_CONTRACT_INVALID_RESULT');
    assert.match(nan.message, /NaN/);
    // Not a node fault (BSN_INTERNAL, the sandbox dropped): the contract's own failure.
    const lone = failed(host.execute(instance, invocation('returnLoneSurrogate')));
    assert.equal(lone.code, 'BSN_CONTRACT_INVALID_RESULT');
    assert.match(lone.message, /unpaired UTF-16 surrogate/);
    assert.ok(succeeded(host.execute(instance, invocation('read', ['a1']))));
  });

  test('values and results nested past canonical encoding’s 128 levels fail, naming why', () => {
    assert.equal(succeeded(host.execute(instance, invocation('nested', [128, 'put']))), 128);
    const value = failed(host.execute(instance, invocation('nested', [129, 'put'])));
    assert.equal(value.code, 'BSN_CONTRACT_INVALID_VALUE');
    assert.match(value.message, /nesting deeper than 128/);
    const result = failed(host.execute(instance, invocation('nested', [200, 'result'])));
    assert.equal(result.code, 'BSN_CONTRACT_INVALID_RESULT');
    assert.match(result.message, /nesting deeper than 128/);
  });

  test('values that are not JSON data, and non-string keys, fail with BSN_CONTRACT_INVALID_VALUE', () => {
    for (const kind of ['nan', 'fn', 'undef', 'date']) {
      assert.equal(
        failed(host.execute(instance, invocation('putInvalid', [kind]))).code,
        'BSN_CONTRACT_INVALID_VALUE',
        kind,
      );
    }
    assert.match(
      failed(host.execute(instance, invocation('putNonStringKey'))).message,
      /key must be a string/,
    );
  });

  test('read-only calls can read but not write', () => {
    assert.ok(succeeded(host.execute(instance, invocation('read', ['a1'], { readOnly: true }))));
    const r = failed(host.execute(instance, invocation('create', ['a9', 1], { readOnly: true })));
    assert.equal(r.code, 'BSN_CONTRACT_READ_ONLY');
    assert.equal(host.committed.has(compositeKey('asset', 'a9')), false);
  });

  test('a HostApi BsnError surfaces as that code', () => {
    const strict = new MemoryHost();
    strict.put = () => {
      throw new BsnError('BSN_LEDGER_TOO_MANY_WRITES', 'too many writes');
    };
    const r = failed(strict.execute(instance, invocation('create', ['x1', 1])));
    assert.deepEqual(
      { code: r.code, message: r.message },
      { code: 'BSN_LEDGER_TOO_MANY_WRITES', message: 'too many writes' },
    );
  });

  test('writes and events reach the host in the order made, and a read sees the writes before it', () => {
    const log = new MemoryHost();
    const events: string[] = [];
    const emit = log.emit.bind(log);
    log.emit = (name, data) => {
      log.log.push(`emit ${name}`);
      events.push(name);
      emit(name, data);
    };
    const r = succeeded(log.execute(instance, invocation('writeReadWrite', [])));
    // The value read back is the stored (canonical) one: members in canonical order.
    assert.deepEqual(Object.keys(r as object), ['a', 'b']);
    assert.deepEqual(log.log, ['put first', 'emit Wrote', 'get first', 'del first', 'put second']);
    assert.deepEqual(log.committed.get('second'), { a: 2, b: 1 });
  });

  test('queued writes are applied one by one: the first the host refuses fails the call, later ones never arrive', () => {
    const limited = new MemoryHost();
    const put = limited.put.bind(limited);
    let puts = 0;
    limited.put = (key, value) => {
      if (++puts > 40) throw new BsnError('BSN_LEDGER_TOO_MANY_WRITES', 'at most 40 writes');
      put(key, value);
    };
    const r = failed(limited.execute(instance, invocation('putMany', [100])));
    assert.equal(r.code, 'BSN_LEDGER_TOO_MANY_WRITES');
    assert.equal(puts, 41);
    assert.equal(limited.log.at(-1), 'put k39');
    const ok = new MemoryHost();
    assert.equal(succeeded(ok.execute(instance, invocation('putMany', [100]))), 100);
    assert.equal(ok.committed.size, 100);
    assert.equal(ok.committed.get('k99'), 99);
  });

  test('a fault of the host itself is thrown to the executor, not recorded as a receipt', () => {
    const broken = new MemoryHost();
    broken.get = () => {
      throw new TypeError('disk on fire');
    };
    assert.throws(() => broken.execute(instance, invocation('read', ['a1'])), /disk on fire/);
    assert.deepEqual(succeeded(host.execute(instance, invocation('read', ['a1']))), {
      id: 'a1',
      owner: 'alice',
      value: 5,
    });
  });
});

describe('size limits', () => {
  let small: JsRuntime;
  let instance: ContractInstance;
  before(async () => {
    small = await createJsRuntime({
      maxArgsBytes: 1000,
      maxResultBytes: 1000,
      maxValueBytes: 1000,
      maxEventBytes: 1000,
    });
    instance = small.instantiate(asset);
  });

  test('arguments over maxArgsBytes fail with BSN_CONTRACT_ARGS_TOO_LARGE before running', () => {
    const host = new MemoryHost();
    const r = failed(host.execute(instance, invocation('echo', ['x'.repeat(1000)])));
    assert.equal(r.code, 'BSN_CONTRACT_ARGS_TOO_LARGE');
    assert.ok(succeeded(host.execute(instance, invocation('echo', ['x'.repeat(990)]))));
  });

  test('a result of exactly the limit passes, one byte more fails with BSN_CONTRACT_RESULT_TOO_LARGE', () => {
    const host = new MemoryHost();
    assert.equal(
      (succeeded(host.execute(instance, invocation('returnSized', [1000]))) as string).length,
      998,
    );
    assert.equal(
      failed(host.execute(instance, invocation('returnSized', [1001]))).code,
      'BSN_CONTRACT_RESULT_TOO_LARGE',
    );
  });

  test('a state value over the limit fails with BSN_CONTRACT_VALUE_TOO_LARGE and is not written', () => {
    const host = new MemoryHost();
    assert.equal(succeeded(host.execute(instance, invocation('putSized', [1000]))), null);
    assert.equal(
      failed(host.execute(instance, invocation('putSized', [1001]))).code,
      'BSN_CONTRACT_VALUE_TOO_LARGE',
    );
    assert.equal((host.committed.get('big') as string).length, 998);
  });

  test('event data over the limit fails with BSN_CONTRACT_EVENT_TOO_LARGE', () => {
    const host = new MemoryHost();
    assert.equal(succeeded(host.execute(instance, invocation('emitSized', [1000]))), null);
    assert.equal(
      failed(host.execute(instance, invocation('emitSized', [1001]))).code,
      'BSN_CONTRACT_EVENT_TOO_LARGE',
    );
  });

  test('sizes count UTF-8 bytes of the canonical encoding, not characters', () => {
    const host = new MemoryHost();
    // 400 three-byte characters: 400 JS characters, 1200 UTF-8 bytes.
    assert.equal(
      failed(host.execute(instance, invocation('echo', ['中'.repeat(400)]))).code,
      'BSN_CONTRACT_ARGS_TOO_LARGE',
    );
  });
});

describe('contract shapes', () => {
  test('a class instance exposes its prototype-chain methods, private ones hidden, this bound', async () => {
    const code = await fixtureCode('class-contract.ts');
    assert.deepEqual(runtime.validate(code), ['ping', 'register']);
    const instance = runtime.instantiate(code);
    const host = new MemoryHost();
    assert.equal(succeeded(host.execute(instance, invocation('register', ['Bob']))), 'bob');
    assert.equal(host.committed.get('reg:Bob'), 'alice');
    assert.equal(succeeded(host.execute(instance, invocation('ping'))), 'pong');
    assert.equal(
      failed(host.execute(instance, invocation('_normalise', ['X']))).code,
      'BSN_CONTRACT_METHOD_NOT_FOUND',
    );
  });

  test('a module without a default export cannot be loaded', async () => {
    const code = await fixtureCode('no-default-contract.ts');
    assert.throws(
      () => runtime.validate(code),
      (err: BsnError) => {
        assert.equal(err.code, 'BSN_CONTRACT_LOAD_FAILED');
        assert.match(err.message, /no default export/);
        return true;
      },
    );
  });

  test('exporting the class instead of an instance is refused with a hint', async () => {
    const code = await fixtureCode('class-not-instance-contract.ts');
    assert.throws(() => runtime.instantiate(code), /export default new MyContract\(\)/);
  });

  test('a module that throws while loading cannot be loaded, with the thrown message', async () => {
    const code = await fixtureCode('throws-at-load-contract.ts');
    assert.throws(
      () => runtime.validate(code),
      (err: BsnError) => err.code === 'BSN_CONTRACT_LOAD_FAILED' && /broken at load/.test(err.message),
    );
  });

  test('a module that never finishes loading is stopped by the load gas budget', async () => {
    const quick = await createJsRuntime({ loadGasLimit: 1_000_000 });
    const code = await fixtureCode('loops-at-load-contract.ts');
    assert.throws(
      () => quick.validate(code),
      (err: BsnError) => err.code === 'BSN_CONTRACT_LOAD_FAILED' && /OUT_OF_GAS/.test(err.message),
    );
  });

  test('source that is not a module cannot be loaded', () => {
    const bad = { name: 'bad', runtime: 'js', code: 'export default { broken( {', codeHash: '00' };
    assert.throws(() => runtime.validate(bad), { code: 'BSN_CONTRACT_LOAD_FAILED' });
    const importing = {
      name: 'imp',
      runtime: 'js',
      code: "import x from 'fs'; export default { a() { return x } }",
      codeHash: '00',
    };
    assert.throws(() => runtime.validate(importing), { code: 'BSN_CONTRACT_LOAD_FAILED' });
  });
});
