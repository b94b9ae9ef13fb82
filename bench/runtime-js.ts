/**
 * Throughput of the js contract runtime: a trivial method through a reused instance (the calls of
 * one block), a state write, a new instance per call (a pooled sandbox reset to its post-load
 * state, as for each block) and a newly loaded sandbox per call, how long the default gas limit
 * lasts in a tight loop, and the asset-transfer example (examples/asset-transfer): a `transfer`
 * through a reused instance (as in a block; a read, a write, an event and a result, each checked
 * and serialised in QuickJS and parsed by the host) and a `read` as a query (instance per call).
 * The host here is a Map, so the figures are the runtime's own cost, without the chain's state.
 * Run: node scripts/run-ts.mjs bench/runtime-js.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

function call(method: string, args: JsonValue[] = [], gasLimit = 10_000_000, callerId = 'bench'): Invocation {
  return {
    method,
    args,
    caller: { id: callerId, org: 'org', role: 'client', certFingerprint: '00', attributes: {} },
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

  // The asset-transfer example: 1,000 assets of user u0, each transferred to u1 and put back.
  const example = await bundleContract(
    join(dirname(fileURLToPath(import.meta.url)), '../examples/asset-transfer/contract.ts'),
  );
  const assets = { name: 'asset', runtime: 'js', code: example.code, codeHash: example.codeHash };
  const asset = (n: number): JsonValue => ({
    id: `a${n}`,
    value: 5,
    owner: { id: 'u0', org: 'org' },
    created: 0,
    updated: 0,
    transfers: 0,
  });
  for (let n = 0; n < 1000; n++) state.set(`asset/a${n}`, asset(n));
  const transfers = runtime.instantiate(assets);
  let moved = 0;
  rate('asset-transfer transfer, reused instance', 3, () => {
    const n = moved++ % 1000;
    const r = transfers.invoke(call('transfer', [`a${n}`, 'org/u1'], 10_000_000, 'u0'), host);
    if (!r.ok) throw new Error(`transfer failed: ${r.code}`);
    state.set(`asset/a${n}`, asset(n));
  });
  transfers.dispose();
  let q = 0;
  rate('asset-transfer read, instance per call (query)', 3, () => {
    const instance = runtime.instantiate(assets);
    const r = instance.invoke({ ...call('read', [`a${q++ % 1000}`]), readOnly: true }, host);
    if (!r.ok) throw new Error(`read failed: ${r.code}`);
    instance.dispose();
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
