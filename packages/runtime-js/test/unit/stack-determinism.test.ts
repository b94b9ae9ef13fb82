/**
 * Where V8's own stack runs out under QuickJS's deepest C recursions must not depend on how long
 * the process has run. V8 used to run QuickJS's WebAssembly first in its baseline tier, whose
 * frames are larger, and move hot functions to its optimising tier later: a call that overflowed
 * in a fresh process (a replay, a new node) succeeded in a warmed-up one. Each run here is a worker
 * (its own isolate, so the WebAssembly is compiled afresh) with the same 1 MiB stack.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';

const WORKER = new URL('../fixtures/stack-probe-worker.ts', import.meta.url);

function inWorker<T>(data: unknown): Promise<T> {
  // Workers do not inherit tsx's hooks: register them before loading the TypeScript worker.
  const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(WORKER.href)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: data, resourceLimits: { stackSizeMb: 1 } });
  return new Promise<T>((resolve, reject) => {
    worker.once('message', (m: T) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

test('a fresh process and a warmed-up one overflow V8’s stack at the same depth', {
  timeout: 120_000,
}, async () => {
  // The first depth that fails in a warmed-up runtime…
  const failsWarm = await inWorker<number>({
    depths: [],
    warm: true,
    scan: { from: 1000, to: 200_000, step: 500 },
  });
  assert.ok(failsWarm > 1000, `a nesting of ${failsWarm} failed already`);
  // …and, each in a fresh runtime, the depths just below it succeed and it fails, as warmed up.
  const below = [failsWarm - 3000, failsWarm - 1500, failsWarm - 500].filter((n) => n > 0);
  for (const n of below) {
    assert.deepEqual(await inWorker<string[]>({ depths: [n], warm: false }), ['ok'], `depth ${n}, fresh`);
  }
  assert.deepEqual(await inWorker<string[]>({ depths: [failsWarm], warm: false }), [
    'BSN_CONTRACT_STACK_OVERFLOW',
  ]);
});
