#!/usr/bin/env node
// Stand-in for the `bsn` command until the CLI package ships its own bin: runs
// packages/cli/src/bin.ts from source (tsx, "@bsn/source" condition) with the given arguments,
// forwarding signals and the exit status. Without that file it says what exists and exits 0,
// so `npm start` works on a fresh checkout at every stage of the project.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'packages', 'cli', 'src', 'bin.ts');
const args = process.argv.slice(2);

if (existsSync(bin)) {
  const child = spawn(process.execPath, ['--conditions=@bsn/source', '--import', 'tsx', bin, ...args], {
    stdio: 'inherit',
    cwd: process.cwd(),
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) {
      // Die of the same signal so a parent shell sees what happened to the CLI.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else {
      process.exit(code ?? 1);
    }
  });
} else {
  const lines = [
    'BSN: the `bsn` command is not built yet (packages/cli/src/bin.ts does not exist).',
    '',
    'Packages in this checkout:',
  ];
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const manifest = join(root, 'packages', dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    const hasSource = existsSync(join(root, 'packages', dir, 'src', 'index.ts'));
    lines.push(
      `  ${pkg.name.padEnd(18)} ${hasSource ? '' : '(no public entry yet) '}${pkg.description ?? ''}`,
    );
  }
  lines.push(
    '',
    `\`bsn ${args.join(' ') || 'up'}\` arrives with the network issue; until then try \`npm test\` and docs/architecture.md.`,
  );
  console.log(lines.join('\n'));
}
