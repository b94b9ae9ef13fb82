#!/usr/bin/env node
// Runs the test suites named on the command line ("unit", "integration", "e2e") with Node's own
// test runner. Test files live in packages/*/test/<suite>/, examples/**/test/<suite>/ and
// bench/test/<suite>/ and are TypeScript, loaded through tsx with the "@bsn/source" export
// condition so packages are tested from source, never from build output.
// Extra arguments after "--" are passed to node --test (e.g. --test-name-pattern).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sep = process.argv.indexOf('--');
const suites = (sep === -1 ? process.argv.slice(2) : process.argv.slice(2, sep)).filter(Boolean);
const extra = sep === -1 ? [] : process.argv.slice(sep + 1);
if (suites.length === 0) suites.push('unit', 'integration');

function testDirs() {
  const dirs = [];
  for (const base of ['packages', 'examples']) {
    const abs = join(root, base);
    if (!existsSync(abs)) continue;
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name !== 'node_modules') dirs.push(join(abs, entry.name, 'test'));
    }
  }
  dirs.push(join(root, 'bench', 'test'));
  return dirs;
}

function filesIn(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.ts') && !f.includes('node_modules'))
    .map((f) => join(dir, f))
    .sort();
}

const files = [];
for (const dir of testDirs()) for (const suite of suites) files.push(...filesIn(join(dir, suite)));
if (files.length === 0) {
  // An e2e suite with no tests yet is not a failure (CI runs it before the first e2e test lands);
  // a unit or integration run that finds nothing means the runner is broken, so that still fails.
  if (suites.every((s) => s === 'e2e')) {
    console.log('no e2e test files yet (packages/*/test/e2e/*.test.ts): nothing to run');
    process.exit(0);
  }
  console.error(`no test files found for suites: ${suites.join(', ')}`);
  process.exit(1);
}
// No --test-force-exit: with process isolation it can drop the verdicts of a file's last tests
// before the parent reads them, at exit code 0 (nodejs/node#64833): a run here reported 644 of
// 646 tests, and a failing test in such a tail would have gone unseen. Every file here exits on
// its own, so a file that leaks a handle now hangs the run visibly instead.
// Multi-process integration tests start their own nodes; two files at a time fits 2 cores.
const concurrency =
  process.env.BSN_TEST_CONCURRENCY ?? (suites.includes('unit') && suites.length === 1 ? '4' : '2');
const args = [
  '--conditions=@bsn/source',
  '--import',
  'tsx',
  '--import',
  './scripts/test-setup.mjs',
  '--test',
  `--test-concurrency=${concurrency}`,
  '--test-reporter=spec',
  ...extra,
  ...files.map((f) => relative(root, f)),
];
const result = spawnSync(process.execPath, args, {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, BSN_LOG_LEVEL: process.env.BSN_LOG_LEVEL ?? 'silent' },
});
process.exit(result.status ?? 1);
