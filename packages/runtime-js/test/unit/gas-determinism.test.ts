import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { JsonValue } from '@bsn/core';
import type { Caller, ContractCode, InvocationResult } from '@bsn/ledger';
import { createJsRuntime, JsRuntime, QuickJSEngine, resolveJsRuntimeOptions } from '@bsn/runtime-js';
import { fixtureCode, invocation, sampleCaller } from '../fixtures.js';
import { MemoryHost } from '../memory-host.js';

let asset: ContractCode;
let hostile: ContractCode;
let runtimeA: JsRuntime;
let runtimeB: JsRuntime;

before(async () => {
  asset = await fixtureCode('asset-contract.ts', 'asset');
  hostile = await fixtureCode('hostile-contract.ts', 'hostile');
  // Two independently loaded runtimes stand for two nodes.
  runtimeA = await createJsRuntime();
  runtimeB = await createJsRuntime();
});

/** Gas of the calls of the pinned-schedule test, as measured when the schedule was fixed. */
const GAS_PINNED = { calls: 229, total: 969_755, last: [3124, 3120, 24_218, 2026, 1320, 51_013] };

/** Runs a block's worth of calls through one instance, as the executor does. */
/** The failures after which a sandbox is replaced rather than reused. */
const ABNORMAL = ['BSN_CONTRACT_OUT_OF_GAS', 'BSN_CONTRACT_OUT_OF_MEMORY', 'BSN_CONTRACT_STACK_OVERFLOW'];

function runBlock(
  runtime: JsRuntime,
  code: ContractCode,
  calls: [string, unknown[]][],
  gasLimit = 10_000_000,
): InvocationResult[] {
  const instance = runtime.instantiate(code);
  const host = new MemoryHost();
  try {
    return calls.map(([method, args]) =>
      host.execute(instance, invocation(method, args as never, { gasLimit })),
    );
  } finally {
    instance.dispose();
  }
}

describe('gas is deterministic', () => {
  test('the same call uses the same gas in two fresh runtimes', () => {
    const a = runBlock(runtimeA, asset, [['spin', [300_000]]]);
    const b = runBlock(runtimeB, asset, [['spin', [300_000]]]);
    assert.deepEqual(a, b);
    assert.ok((a[0]?.gasUsed ?? 0) > 300_000, 'a 300k-iteration loop costs more than 300k gas');
  });

  test('the same block of calls gives the same results and gas on every run', () => {
    const block: [string, unknown[]][] = [
      ['create', ['a1', 1]],
      ['spin', [50_000]],
      ['create', ['a2', 2]],
      ['list', []],
      ['asyncRead', ['a1']],
      ['read', ['missing']],
      ['spin', [123_457]],
    ];
    const first = runBlock(runtimeA, asset, block);
    for (let i = 0; i < 3; i++) assert.deepEqual(runBlock(i % 2 ? runtimeA : runtimeB, asset, block), first);
  });

  test('the gas schedule is pinned: these calls cost exactly what they cost when it was fixed', () => {
    // gasUsed is in every receipt, so in the receipts root: a change to what a call costs (the
    // prelude's own work counts, as QuickJS polls) changes the roots of every chain that ran the
    // call, and a node with the change cannot replay or agree with one without it. Change these
    // figures only together with a versioned gas schedule (see docs/performance.md). Polls are
    // coarse, so it takes a few hundred calls (three alternating callers, writes, reads, results
    // of several sizes) for a small change in the prelude to show.
    const callers = ['alice', 'bob', 'carol'].map((id) => ({ ...sampleCaller, id }));
    const calls: [string, JsonValue[]][] = [];
    for (let i = 0; i < 150; i++) calls.push(['create', [`asset-${i}`, i * 7]]);
    for (let i = 0; i < 150; i += 2) calls.push(['read', [`asset-${i}`]]);
    calls.push(['list', []], ['read', ['missing']], ['whoami', []], ['spin', [25_000]]);
    const instance = runtimeA.instantiate(asset);
    const host = new MemoryHost();
    const gas = calls.map(
      ([method, args], i) =>
        host.execute(instance, invocation(method, args, { caller: callers[i % 3] as Caller })).gasUsed,
    );
    instance.dispose();
    assert.deepEqual(
      { calls: gas.length, total: gas.reduce((a, b) => a + b, 0), last: gas.slice(-6) },
      GAS_PINNED,
    );
  });

  test('more work costs more gas', () => {
    const [small] = runBlock(runtimeA, asset, [['spin', [100_000]]]);
    const [large] = runBlock(runtimeA, asset, [['spin', [1_000_000]]]);
    assert.ok((large?.gasUsed ?? 0) > (small?.gasUsed ?? 0) * 5, `${small?.gasUsed} vs ${large?.gasUsed}`);
  });

  test('an infinite loop of host calls stops at exactly the same host call every time', () => {
    const lastRead = (runtime: JsRuntime, gasLimit: number): string | undefined => {
      const instance = runtime.instantiate(hostile);
      const host = new MemoryHost();
      const r = host.execute(instance, invocation('manyHostCalls', [], { gasLimit }));
      instance.dispose();
      assert.equal(r.ok || r.code, 'BSN_CONTRACT_OUT_OF_GAS');
      assert.equal(r.gasUsed, gasLimit);
      return host.log.at(-1);
    };
    const stop = lastRead(runtimeA, 2_000_000);
    assert.ok(stop?.startsWith('get k'));
    assert.equal(lastRead(runtimeB, 2_000_000), stop);
    assert.equal(lastRead(runtimeA, 2_000_000), stop);
    assert.notEqual(lastRead(runtimeA, 4_000_000), stop, 'a larger budget gets further');
  });

  test('an infinite loop uses exactly its gas limit every time', () => {
    for (const runtime of [runtimeA, runtimeB, runtimeA]) {
      const [r] = runBlock(runtime, hostile, [['infiniteLoop', []]], 3_000_000);
      assert.deepEqual(r && { ok: r.ok, gasUsed: r.gasUsed }, { ok: false, gasUsed: 3_000_000 });
    }
  });

  test('after an abnormal failure the next call runs in a fresh sandbox, exactly as on a fresh instance', () => {
    const [fresh] = runBlock(runtimeA, asset, [['spin', [200_000]]]);
    const instance = runtimeB.instantiate(asset);
    const host = new MemoryHost();
    assert.equal(host.execute(instance, invocation('spin', [1e12], { gasLimit: 500_000 })).ok, false);
    const again = host.execute(instance, invocation('spin', [200_000]));
    instance.dispose();
    assert.deepEqual(again, fresh);
  });

  test('a block on a sandbox reused from earlier blocks gives exactly what a newly loaded sandbox gives', async () => {
    // Alternating callers (the prelude keeps them), module state, writes, promise jobs, and abnormal
    // failures mid-block (out of gas, stack overflow, out of memory), run with a small budget.
    const callers = ['alice', 'bob', 'carol'].map((id) => ({ ...sampleCaller, id }));
    const runOn = (runtime: JsRuntime, code: ContractCode, calls: [string, unknown[]][]) => {
      const instance = runtime.instantiate(code);
      const host = new MemoryHost();
      try {
        return calls.map(([method, args], i) =>
          host.execute(
            instance,
            invocation(method, args as never, { gasLimit: 3_000_000, caller: callers[i % 3] as Caller }),
          ),
        );
      } finally {
        instance.dispose();
      }
    };
    const assetBlock: [string, unknown[]][] = [
      ['counter', []],
      ['create', ['a1', 1]],
      ['whoami', []],
      ['spin', [30_000]],
      ['asyncRead', ['a1']],
      ['counter', []],
      ['spin', [1e12]],
      ['counter', []],
      ['whoami', []],
    ];
    const hostileBlock: [string, unknown[]][] = [
      ['ok', []],
      ['infiniteLoop', []],
      ['recursionCaught', []],
      ['unboundedRecursion', []],
      ['ok', []],
      ['manyHostCalls', []],
      ['keepAllocating', []],
      ['ok', []],
    ];
    for (const [code, block] of [
      [asset, assetBlock],
      [hostile, hostileBlock],
    ] as const) {
      // The baseline never resets a sandbox: a new one after each abnormal failure, as at load.
      const engine = await QuickJSEngine.load();
      const neverReused = new JsRuntime(resolveJsRuntimeOptions({}), { engine, reuseSandboxes: false });
      const fresh = runOn(neverReused, code, [...block]);
      // It loaded its first sandbox, then a new one after every abnormal failure but a last one.
      const abnormal = fresh.slice(0, -1).filter((r) => !r.ok && ABNORMAL.includes(r.code)).length;
      assert.equal(neverReused.sandboxesLoaded, 1 + abnormal, `${code.name}: the baseline reused a sandbox`);
      const reused = new JsRuntime(resolveJsRuntimeOptions({}), { engine });
      for (let i = 0; i < 3; i++)
        assert.deepEqual(runOn(reused, code, [...block]), fresh, `${code.name} block ${i}`);
      // And reuse did happen: fewer sandboxes loaded for three blocks than the baseline's one.
      assert.ok(
        reused.sandboxesLoaded < neverReused.sandboxesLoaded * 3,
        `${code.name}: ${reused.sandboxesLoaded} loaded for 3 blocks, ${neverReused.sandboxesLoaded} for 1 without reuse`,
      );
    }
  });

  test('gas per tick scales the metered part', async () => {
    const cheap = await createJsRuntime({ gasPerTick: 1, hostCallGas: 0, hostByteGas: 0 });
    const [r] = runBlock(cheap, asset, [['spin', [3_000_000]]]);
    // ~5,000 loop iterations per tick with this loop body.
    assert.ok(r?.ok && r.gasUsed > 300 && r.gasUsed < 1500, `ticks: ${r?.gasUsed}`);
  });

  test('a call whose fixed costs exceed its limit fails with out of gas without running', () => {
    const [r] = runBlock(runtimeA, asset, [['create', ['z', 1]]], 10);
    assert.deepEqual(r && !r.ok && { code: r.code, gasUsed: r.gasUsed }, {
      code: 'BSN_CONTRACT_OUT_OF_GAS',
      gasUsed: 10,
    });
  });
});
