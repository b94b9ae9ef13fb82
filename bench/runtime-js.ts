/**
 * Throughput of the js contract runtime: a trivial method through a reused instance (the calls of
 * one block), a state write, a new instance per call (a pooled sandbox reset to its post-load
 * state, as for each block) and a newly loaded sandbox per call, and how long the default gas
 * limit lasts in a tight loop. Run: node scripts/run-ts.mjs bench/runtime-js.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonValue } from '@bsn/core';
import type { HostApi, Invocation, StateEntry } from '@bsn/ledger';
import { bundleContract, createJsRuntime, JsRuntime, QuickJSEngine } from '@bsn/runtime-js';

const SOURCE = `
export default {
  ping() { return 1; },
  put(ctx, key, value) { ctx.state.put(key, value); return null; },
  spin() { for (;;) {} },
};
`;

const state = new Map<string, JsonValue>();
const host: HostApi = {
  get: (k) => state.get(k) ?? null,
  put: (k, v) => void state.set(k, v),
  del: (k) => void state.delete(k),
  range: (): StateEntry[] => [],
  emit: () => {},
};

function call(method: string, args: JsonValue[] = [], gasLimit = 10_000_000): Invocation {
  return {
    method,
    args,
    caller: { id: 'bench', org: 'org', role: 'client', certFingerprint: '00', attributes: {} },
    tx: { id: '00', chain: 'bench', height: 1, time: 0, index: 0 },
    gasLimit,
    readOnly: false,
  };
}

function rate(label: string, seconds: number, fn: () => void): number {
  for (let i = 0; i < 200; i++) fn(); // warm up (lets V8 tier the WebAssembly up)
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    fn();
    n++;
  }
  const perSecond = n / ((performance.now() - start) / 1000);
  console.log(`${label.padEnd(48)} ${Math.round(perSecond).toLocaleString('en-US').padStart(9)} /s`);
  return perSecond;
}

const dir = mkdtempSync(join(tmpdir(), 'bsn-bench-js-'));
try {
  writeFileSync(join(dir, 'bench-contract.js'), SOURCE);
  const { code, codeHash } = await bundleContract(join(dir, 'bench-contract.js'));
  const contract = { name: 'bench', runtime: 'js', code, codeHash };
  const runtime = await createJsRuntime();

  const reused = runtime.instantiate(contract);
  rate('trivial call, reused instance', 3, () => {
    if (!reused.invoke(call('ping'), host).ok) throw new Error('ping failed');
  });
  let i = 0;
  rate('state write, reused instance', 3, () => {
    reused.invoke(call('put', [`k${i++ % 1000}`, { n: i }]), host);
  });
  rate('trivial call, new instance per call (reset)', 3, () => {
    const instance = runtime.instantiate(contract);
    instance.invoke(call('ping'), host);
    instance.dispose();
  });
  const engine = await QuickJSEngine.load();
  rate('trivial call, newly loaded sandbox per call', 3, () => {
    // A runtime of its own each time: nothing pooled, so the sandbox is loaded from scratch (and
    // its dispose still pays one reset, into a pool no later call uses).
    const instance = new JsRuntime(runtime.options, { engine }).instantiate(contract);
    instance.invoke(call('ping'), host);
    instance.dispose();
  });
  const t = performance.now();
  const r = reused.invoke(call('spin'), host);
  console.log(
    `${'infinite loop until 10M gas (default limit)'.padEnd(48)} ${(performance.now() - t).toFixed(0).padStart(9)} ms (${r.ok ? 'ok' : r.code})`,
  );
  reused.dispose();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
