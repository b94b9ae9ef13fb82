#!/usr/bin/env node
// Layering check, run by `npm run lint`:
//  1. the workspace packages' dependencies on each other form no cycle (names the cycle if they do);
//  2. source under packages/*/src imports other packages only through their public entry
//     (`@bsn/x`, never `@bsn/x/deep/path`) and never reaches into another package with a
//     relative path (`../../ledger/src/...`);
//  3. a source file importing `@bsn/x` belongs to a package that declares `@bsn/x` as a dependency,
//     so the declared graph checked in (1) is the real one.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// An optional argument names another repository root (used to try the check on a scratch tree).
const root = process.argv[2] ? resolve(process.argv[2]) : fileURLToPath(new URL('..', import.meta.url));

function workspaceDirs() {
  const dirs = [];
  const pkgs = join(root, 'packages');
  for (const entry of readdirSync(pkgs, { withFileTypes: true })) {
    if (entry.isDirectory() && existsSync(join(pkgs, entry.name, 'package.json')))
      dirs.push(join(pkgs, entry.name));
  }
  for (const extra of ['examples', 'bench']) {
    if (existsSync(join(root, extra, 'package.json'))) dirs.push(join(root, extra));
  }
  return dirs;
}

const packages = new Map(); // name -> { dir, deps: string[] }
for (const dir of workspaceDirs()) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const all = { ...manifest.dependencies, ...manifest.devDependencies, ...manifest.peerDependencies };
  packages.set(manifest.name, { dir, deps: Object.keys(all) });
}
const problems = [];

// 1. Cycles in the declared workspace graph (depth-first search with an explicit path stack).
const state = new Map(); // name -> 'active' | 'done'
const stack = [];
function visit(name) {
  state.set(name, 'active');
  stack.push(name);
  for (const dep of packages.get(name).deps) {
    if (!packages.has(dep)) continue;
    if (state.get(dep) === 'active') {
      problems.push(`dependency cycle: ${[...stack.slice(stack.indexOf(dep)), dep].join(' -> ')}`);
    } else if (!state.has(dep)) {
      visit(dep);
    }
  }
  stack.pop();
  state.set(name, 'done');
}
for (const name of [...packages.keys()].sort()) if (!state.has(name)) visit(name);

// 2 and 3. Imports in packages/*/src.
const importPattern =
  /(?:^|[\s;])(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(m|c)?[jt]sx?$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .filter((f) => !f.split(sep).includes('node_modules'));
}

for (const [name, { dir, deps }] of packages) {
  const src = join(dir, 'src');
  for (const file of sourceFiles(src)) {
    const text = readFileSync(file, 'utf8');
    const where = relative(root, file);
    for (const match of text.matchAll(importPattern)) {
      const spec = match[1] ?? match[2] ?? match[3];
      if (spec === undefined) continue;
      const scoped = /^(@bsn\/[^/]+)(\/.*)?$/.exec(spec);
      if (scoped) {
        const [, target, deep] = scoped;
        if (deep) problems.push(`${where}: deep import '${spec}' (import '${target}', its public entry)`);
        if (target !== name && packages.has(target) && !deps.includes(target)) {
          problems.push(`${where}: imports '${target}', which ${name} does not declare as a dependency`);
        }
        if (target === name)
          problems.push(`${where}: imports its own package '${spec}' (use a relative path)`);
        continue;
      }
      if (spec.startsWith('.')) {
        const resolved = resolve(dirname(file), spec);
        const rel = relative(dir, resolved);
        if (rel.startsWith('..')) problems.push(`${where}: relative import '${spec}' leaves package ${name}`);
      }
    }
  }
}

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`check-cycles: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`check-cycles: ${packages.size} workspace packages, no cycles, no deep or cross-package imports`);
