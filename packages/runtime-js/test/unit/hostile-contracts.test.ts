import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { ContractCode, ContractInstance, InvocationResult } from '@bsn/ledger';
import { createJsRuntime, type JsRuntime } from '@bsn/runtime-js';
import { fixtureCode, invocation } from '../fixtures.js';
import { MemoryHost } from '../memory-host.js';

let runtime: JsRuntime;
let hostile: ContractCode;
let instance: ContractInstance;
const host = new MemoryHost();

before(async () => {
  runtime = await createJsRuntime();
  hostile = await fixtureCode('hostile-contract.ts', 'hostile');
  // One instance for the whole file, as within one block: every attack must leave it usable.
  instance = runtime.instantiate(hostile);
});

function run(method: string, readOnly = false): InvocationResult {
  return host.execute(instance, invocation(method, [], { readOnly }));
}

function expectFailure(method: string, code: string, message?: RegExp, readOnly = false): InvocationResult {
  const result = run(method, readOnly);
  assert.equal(result.ok, false, `${method} should fail, got ${JSON.stringify(result)}`);
  if (result.ok) throw new Error('unreachable');
  assert.equal(result.code, code, `${method}: ${result.message}`);
  if (message) assert.match(result.message, message);
  // The node keeps running and the same instance serves the next call.
  const alive = run('ok');
  assert.equal(alive.ok && alive.result, 'still alive');
  return result;
}

describe('resource exhaustion ends in a failed receipt, never a crash or a hang', () => {
  test('an infinite loop runs out of gas, using exactly its gas limit', () => {
    const r = expectFailure('infiniteLoop', 'BSN_CONTRACT_OUT_OF_GAS', /gas limit of 10000000/);
    assert.equal(r.gasUsed, 10_000_000);
  });

  test('running out of gas cannot be caught by the contract', () => {
    expectFailure('infiniteLoopCatching', 'BSN_CONTRACT_OUT_OF_GAS');
  });

  test('an endless chain of promise jobs runs out of gas: queued jobs run within the call', () => {
    expectFailure('endlessMicrotasks', 'BSN_CONTRACT_OUT_OF_GAS');
  });

  test('a loop of host calls runs out of gas too', () => {
    expectFailure('manyHostCalls', 'BSN_CONTRACT_OUT_OF_GAS');
  });

  test('writes made before running out of gas are discarded', () => {
    expectFailure('writeThenLoop', 'BSN_CONTRACT_OUT_OF_GAS');
    assert.equal(host.committed.has('before-loop'), false);
  });

  test('unbounded recursion fails with BSN_CONTRACT_STACK_OVERFLOW', () => {
    expectFailure('unboundedRecursion', 'BSN_CONTRACT_STACK_OVERFLOW');
  });

  test('a 1 GB allocation fails with BSN_CONTRACT_OUT_OF_MEMORY', () => {
    expectFailure('allocate1GB', 'BSN_CONTRACT_OUT_OF_MEMORY');
  });

  test('many allocations kept alive fail with BSN_CONTRACT_OUT_OF_MEMORY', () => {
    expectFailure('keepAllocating', 'BSN_CONTRACT_OUT_OF_MEMORY');
  });

  test('allocations in one expression (no interpreter poll between them) are bounded too', () => {
    expectFailure('allocateInOneExpression', 'BSN_CONTRACT_OUT_OF_MEMORY');
  });

  test('a huge return value fails with BSN_CONTRACT_RESULT_TOO_LARGE', () => {
    expectFailure('hugeReturn', 'BSN_CONTRACT_RESULT_TOO_LARGE');
  });
});

describe('non-deterministic and I/O APIs fail with BSN_CONTRACT_FORBIDDEN_API naming the API', () => {
  const cases: [string, string][] = [
    ['useDate', 'Date'],
    ['typeofDate', 'Date'],
    ['useMathRandom', 'Math.random'],
    ['useRequire', 'require'],
    ['useProcess', 'process'],
    ['useFetch', 'fetch'],
    ['useEval', 'eval'],
    ['useIndirectEval', 'eval'],
    ['useNewFunction', 'Function'],
    ['useFunctionViaConstructor', 'Function'],
    ['useAsyncFunctionConstructor', 'AsyncFunction'],
    ['useSetTimeout', 'setTimeout'],
    ['useSetImmediate', 'setImmediate'],
    ['useWeakRef', 'WeakRef'],
  ];
  for (const [method, api] of cases) {
    test(`${method} fails naming ${api}`, () => {
      expectFailure(
        method,
        'BSN_CONTRACT_FORBIDDEN_API',
        new RegExp(`^${api.replace('.', '\\.')} is not available to contracts`),
      );
    });
  }

  test('catching the error does not help: the call still fails', () => {
    expectFailure('catchDate', 'BSN_CONTRACT_FORBIDDEN_API', /^Date /);
  });

  test('removing those APIs leaves ordinary functions and instanceof Function working', () => {
    assert.deepEqual((run('instanceofStillWorks') as { result: unknown }).result, [
      true,
      'function',
      'function',
    ]);
  });
});

describe('runtime rules a contract cannot get around', () => {
  test('a write in a read-only call fails with BSN_CONTRACT_READ_ONLY', () => {
    expectFailure('writeInReadOnly', 'BSN_CONTRACT_READ_ONLY', /ctx\.state\.put/, true);
    assert.equal(host.committed.has('k'), false);
  });

  test('catching the read-only error does not turn the call into a success', () => {
    expectFailure('catchReadOnly', 'BSN_CONTRACT_READ_ONLY', /ctx\.emit/, true);
  });

  test('a contract cannot claim a runtime code (BSN_…) for its own errors', () => {
    expectFailure('fakeRuntimeCode', 'BSN_CONTRACT_THREW', /must not start with BSN_/);
  });

  test('nor by throwing an error that escapes the prelude: only the runtime’s own codes are taken from it', () => {
    for (const code of ['huge', 'BSN_LEDGER_STATE_KEY', 'MY_CODE']) {
      const r = host.execute(instance, invocation('escapingFakeCode', [code]));
      assert.equal(!r.ok && r.code, 'BSN_CONTRACT_THREW', code);
    }
    assert.equal(run('ok').ok, true);
  });

  test("a contract cannot re-bind the runtime's method table", () => {
    expectFailure('callInternalBind', 'BSN_CONTRACT_FORBIDDEN_API');
  });

  test('a contract that survives its own stack overflow by catching it may go on (deterministically)', () => {
    const r = run('recursionCaught');
    assert.deepEqual(r.ok && r.result, 'survived: InternalError: stack overflow');
  });
});

describe('the host running out of its own stack', () => {
  test('inside a host call, fails the call as a stack overflow, with no V8 text in the receipt', () => {
    // Where V8's stack runs out depends on the node (docs/contracts.md, "Limits"); simulated here
    // at a state read, the host code a contract reaches most.
    class ShallowHost extends MemoryHost {
      override get(): never {
        throw new RangeError('Maximum call stack size exceeded');
      }
    }
    const r = new ShallowHost().execute(instance, invocation('readThenReturn', ['k']));
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'BSN_CONTRACT_STACK_OVERFLOW');
    assert.equal(!r.ok && r.message, 'stack overflow (host stack exhausted)');
    assert.equal(run('ok').ok, true);
  });
});

describe('a sandbox is bounded in what it takes from the node', () => {
  test('after many out-of-memory calls the process heap has not grown by their allocations', () => {
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 5; i++)
      assert.equal((run('keepAllocating') as { code?: string }).code, 'BSN_CONTRACT_OUT_OF_MEMORY');
    const grownMiB = (process.memoryUsage().rss - before) / 2 ** 20;
    // Each attempt fills one capped 80 MiB sandbox at most; freed sandboxes are reclaimed by GC.
    assert.ok(grownMiB < 400, `rss grew by ${grownMiB.toFixed(0)} MiB`);
  });
});
