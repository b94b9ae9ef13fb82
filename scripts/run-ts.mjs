#!/usr/bin/env node
// Runs a TypeScript entry point from source: node with tsx and the "@bsn/source" export condition.
import { spawn } from 'node:child_process';

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts.mjs <entry.ts> [args...]');
  process.exit(2);
}
const child = spawn(process.execPath, ['--conditions=@bsn/source', '--import', 'tsx', entry, ...rest], {
  stdio: 'inherit',
  cwd: process.cwd(),
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
