import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DefaultIntrinsics, QuickJSWASMModule } from 'quickjs-emscripten-core';

const require = createRequire(import.meta.url);
const dir = dirname(require.resolve('@jitl/quickjs-wasmfile-release-sync/package.json'));
const { default: factory } = await import(
  pathToFileURL(join(dir, 'dist/emscripten-module.browser.mjs')).href
);
const { QuickJSFFI } = await import('@jitl/quickjs-wasmfile-release-sync/ffi');
const compiled = new WebAssembly.Module(readFileSync(join(dir, 'dist/emscripten-module.wasm')));
function newModule(maxBytes) {
  const memory = new WebAssembly.Memory({ initial: 256, maximum: Math.ceil(maxBytes / 65536) });
  const arg = {
    wasmMemory: memory,
    instantiateWasm(imports, receive) {
      const inst = new WebAssembly.Instance(compiled, imports);
      receive(inst);
      return inst.exports;
    },
  };
  factory(arg);
  arg.type = 'sync';
  return { mod: new QuickJSWASMModule(arg, new QuickJSFFI(arg)), memory };
}
const t = performance.now();
for (let i = 0; i < 100; i++) {
  const { mod } = newModule(64 << 20);
  const rt = mod.newRuntime();
  const c = rt.newContext();
  c.dispose();
  rt.dispose();
}
console.log('100 module instantiations ms', performance.now() - t);
function run(code, stack = 512 * 1024, maxMem = 128 << 20, qjsLimit = 64 << 20) {
  const { mod, memory } = newModule(maxMem);
  const rt = mod.newRuntime();
  rt.setMemoryLimit(qjsLimit);
  rt.setMaxStackSize(stack);
  let ticks = 0;
  rt.setInterruptHandler(() => {
    ticks++;
    return ticks > 2000;
  });
  const ctx = rt.newContext({ intrinsics: { ...DefaultIntrinsics, Date: false } });
  let out;
  try {
    const r = ctx.evalCode(code);
    if (r.error) {
      out = { err: ctx.dump(r.error) };
      r.error.dispose();
    } else {
      out = { ok: ctx.dump(r.value) };
      r.value.dispose();
    }
  } catch (e) {
    out = { hostErr: String(e) };
  }
  return { ...out, ticks, memMB: memory.buffer.byteLength >> 20 };
}
console.log(run('let a=[]; for(let i=0;i<1000;i++) a.push("x".repeat(1<<20)+i); a.length'));
console.log(run('let a=[]; for(let i=0;i<10000000;i++) a.push({i}); a.length'));
for (const st of [64, 128, 256, 384, 512])
  console.log(
    st,
    run(
      'let d=0; function f(n){d=n; return f(n+1)+1}; try { f(0) } catch(e) { String(e) + " depth " + d }',
      st * 1024,
    ),
  );
console.log(
  run(
    'let s = "x".repeat(1<<20); let a=[s+1,s+2,s+3,s+4,s+5,s+6,s+7,s+8,s+9,s+10,s+11,s+12,s+13,s+14,s+15,s+16,s+17,s+18,s+19,s+20,s+21,s+22,s+23,s+24,s+25,s+26,s+27,s+28,s+29,s+30,s+31,s+32,s+33,s+34,s+35,s+36,s+37,s+38,s+39,s+40,s+41,s+42,s+43,s+44,s+45,s+46,s+47,s+48,s+49,s+50,s+51,s+52,s+53,s+54,s+55,s+56,s+57,s+58,s+59,s+60,s+61,s+62,s+63,s+64,s+65,s+66,s+67,s+68,s+69,s+70]; a.length',
  ),
);
console.log(run('let i=0; for(;i<3000000;i++){}; i'), run('let i=0; for(;i<3000000;i++){}; i'));
