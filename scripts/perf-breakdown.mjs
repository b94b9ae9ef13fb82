#!/usr/bin/env node
// Where a process's CPU went, by thread (main / others) and by kind of code, from a `perf` recording.
//
//   perf record -k CLOCK_MONOTONIC -F 1999 -o /tmp/perf.data -- \
//     node --perf-basic-prof --conditions=@bsn/source --import tsx bench/ledger.ts --pipeline-only
//   node scripts/perf-breakdown.mjs /tmp/perf.data [start,end]   # the window bench/ledger.ts prints for (b)
//
// Needs `perf` (Debian: linux-perf). --perf-basic-prof names V8's generated code (JS functions,
// builtins, regular expressions, the QuickJS WebAssembly functions) in /tmp/perf-<pid>.map.
import { execFileSync } from 'node:child_process';

const [file, window] = process.argv.slice(2);
if (!file) {
  console.error('usage: perf-breakdown.mjs PERF_DATA [start,end]');
  process.exit(2);
}
const args = ['script', '-i', file, '-F', 'tid,ip,sym,dso'];
if (window) args.push('--time', window);
const text = execFileSync('perf', args, {
  encoding: 'utf8',
  maxBuffer: 1 << 30,
  stdio: ['ignore', 'pipe', 'ignore'],
});

/** Kinds of code, first match wins. */
const KINDS = [
  ['ECDSA / bignum (OpenSSL)', (s) => /ecp_nistz256|^bn_|BN_|ecdsa|^EC_|ossl_ec/i.test(s)],
  ['hashing (OpenSSL SHA)', (s) => /sha256|sha512|SHA256|sm3/.test(s)],
  ['QuickJS (WebAssembly)', (s) => /wasm-function|Wasm/.test(s)],
  ['SQLite', (_s, d) => d.includes('better_sqlite3')],
  ['kernel', (_s, d) => d.includes('kernel')],
  ['V8 compiler', (s) => /^v8::internal::(compiler|maglev|baseline)|Compile/.test(s)],
  [
    'V8 garbage collector',
    (s) => /Scaveng|Mark|Sweep|Evacuat|Compactor|ArrayBufferSweeper|Heap::|GCTracer/.test(s),
  ],
  ['malloc / free', (s, d) => d.includes('libc') && /malloc|free|consolidate|unlink_chunk/.test(s)],
  ['JS code, builtins, regexps', (s) => /^(JS:|Builtins_|RegExp:|Function:|LazyCompile:)/.test(s)],
  ['libc (memcpy, …)', (_s, d) => d.includes('libc')],
  ['strings and JSON (V8 / Node C++)', (s) => /Json|String|Utf8|StringBytes|Latin1|OneByte/.test(s)],
  ['Node / V8 runtime (C++)', () => true],
];

const samples = [];
const perThread = new Map();
for (const line of text.split('\n')) {
  const m = /^\s*(\d+)\s+[0-9a-f]+\s+(.*?)\s+\(([^()]*)\)\s*$/.exec(line);
  if (!m) continue;
  const [, tid, sym, dso] = m;
  samples.push({ tid, sym, dso });
  perThread.set(tid, (perThread.get(tid) ?? 0) + 1);
}
if (samples.length === 0) {
  console.error('no samples (wrong window?)');
  process.exit(1);
}
const main = [...perThread].sort((a, b) => b[1] - a[1])[0][0];
const counts = new Map();
for (const { tid, sym, dso } of samples) {
  const kind = KINDS.find(([, test]) => test(sym, dso))[0];
  const key = `${tid === main ? 'main thread  ' : 'other threads'}  ${kind}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
console.log(`${samples.length} samples, ${perThread.size} threads; main thread ${main}`);
for (const [key, n] of [...counts].sort((a, b) => b[1] - a[1])) {
  console.log(`${((100 * n) / samples.length).toFixed(1).padStart(5)} %  ${key}`);
}
