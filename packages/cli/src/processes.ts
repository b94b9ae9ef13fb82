/**
 * Starting BSN processes (orderer, PCNs) as separate OS processes from source, with their output
 * in log files, and stopping them cleanly.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BsnError } from '@bsn/core';

/** Node arguments that run a TypeScript entry from source (tsx loader + the @bsn/source export condition). */
export function tsNodeArgs(): string[] {
  return ['--conditions=@bsn/source', '--import', import.meta.resolve('tsx')];
}

/** Absolute path of this package's `bin.ts`. */
export function binPath(): string {
  return fileURLToPath(new URL('./bin.ts', import.meta.url));
}

/** A started child process with its log file. */
export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logPath: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `bsn <args>` as its own process, stdout/stderr appended to `<logDir>/<name>.log`. */
export function spawnBsn(
  name: string,
  args: readonly string[],
  logDir: string,
  env: NodeJS.ProcessEnv = process.env,
): ManagedProcess {
  mkdirSync(logDir, { recursive: true });
  const logPath = join(logDir, `${name}.log`);
  const log = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(process.execPath, [...tsNodeArgs(), binPath(), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { name, child, logPath, exited };
}

/** Sends SIGTERM and waits (SIGKILL after `graceMs`). */
export async function stopProcess(p: ManagedProcess, graceMs = 10_000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
}

/** Throws BSN_CLI_PORT_IN_USE when a TCP port on `host` is taken. */
export async function assertPortFree(host: string, port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', () =>
      reject(
        new BsnError(
          'BSN_CLI_PORT_IN_USE',
          `port ${port} (${what}) on ${host} is in use; stop what uses it or pass --base-port`,
          {
            details: { host, port, what },
          },
        ),
      ),
    );
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}

/** Polls `check` every `intervalMs` until it returns true or `timeoutMs` passes. */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new BsnError('BSN_CLI_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${what}`, {
        details: { what, timeoutMs },
      });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
