#!/usr/bin/env node
// The `bsn` command: runs the CLI from its TypeScript source with tsx and the "@bsn/source"
// export condition (no build step needed), forwarding arguments, signals and the exit status.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const child = spawn(
  process.execPath,
  ['--conditions=@bsn/source', '--import', import.meta.resolve('tsx'), bin, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else {
    process.exit(code ?? 1);
  }
});
