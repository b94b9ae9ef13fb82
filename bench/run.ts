/**
 * `npm run bench`: runs every benchmark in sequence, ledger first, each in its own process (so
 * one's heap and caches do not colour the next) and each printing its own figures, baselines and
 * ratios. Benchmarks report; they never pass or fail on timing. A benchmark file that is not there
 * (yet) is skipped with a note. Arguments after `--` go to the ledger benchmark:
 * `npm run bench -- --txs 5000`. `BENCH_ONLY=ledger,state npm run bench` runs a subset.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** One benchmark: its file under bench/ and the arguments it runs with by default. */
interface BenchEntry {
  readonly name: string;
  readonly file: string;
  readonly args: readonly string[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

const benches: readonly BenchEntry[] = [
  { name: 'ledger', file: 'ledger.ts', args: process.argv.slice(2) },
  { name: 'storage-engines', file: 'storage-engines.ts', args: [] },
  { name: 'state', file: 'state.ts', args: [] },
  { name: 'runtime-js', file: 'runtime-js.ts', args: [] },
  { name: 'network', file: 'network.ts', args: [] },
];

const only = process.env.BENCH_ONLY?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
console.log(
  `BSN benchmarks — ${new Date().toISOString()}, Node ${process.versions.node}, ${os.availableParallelism()} cores ` +
    `(${os.cpus()[0]?.model ?? 'cpu'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average ${os.loadavg()[0]?.toFixed(2)}`,
);
let failures = 0;
for (const bench of benches) {
  if (only && !only.includes(bench.name)) continue;
  const file = path.join(here, bench.file);
  console.log(`\n=== ${bench.name} (bench/${bench.file} ${bench.args.join(' ')})`);
  if (!existsSync(file)) {
    console.log('  (not present in this checkout: skipped)');
    continue;
  }
  const t = performance.now();
  const r = spawnSync(
    process.execPath,
    ['--conditions=@bsn/source', '--import', 'tsx', file, ...bench.args],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  console.log(`  (${bench.name} took ${((performance.now() - t) / 1000).toFixed(1)} s)`);
  if (r.status !== 0) {
    failures++;
    console.log(`  ${bench.name} exited with ${r.status ?? r.signal}`);
  }
}
// A benchmark that crashes is an error; slow figures are not.
process.exit(failures === 0 ? 0 : 1);
