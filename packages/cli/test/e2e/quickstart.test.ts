/**
 * The README's quick start, run as written (issue #4). The commands are read from README.md's
 * fenced blocks under the "Quick start" heading, so the test follows the README when it changes.
 *
 * What is substituted, and why: `npm install` is not run (the dependencies of this checkout are
 * installed already, and a test must not rewrite node_modules under other work); `npm start` runs
 * the root package's `start` script exactly, with `--dir <tmp> --base-port <free>` appended, and
 * every `npx bsn …` line gets `--dir <tmp>`: the README's defaults (`.bsn`, ports 7000+) must not
 * collide with a network a developer is running. The SDK script's `.bsn/` paths become `<tmp>/`
 * for the same reason. Nothing else is changed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freeBasePort } from '../support/dev-network.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const README = join(ROOT, 'README.md');

/** The fenced code blocks (language and lines) between the "Quick start" heading and the next heading of its level. */
function quickStartBlocks(markdown: string): { lang: string; lines: string[] }[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^#{1,3}\s+Quick start\s*$/i.test(l));
  assert.ok(start >= 0, 'README.md has a "Quick start" heading');
  const level = /^#+/.exec(lines[start]!)![0].length;
  const blocks: { lang: string; lines: string[] }[] = [];
  let current: { lang: string; lines: string[] } | undefined;
  for (const line of lines.slice(start + 1)) {
    const heading = /^(#+)\s/.exec(line);
    if (!current && heading && heading[1]!.length <= level) break;
    const fence = /^```(\w*)\s*$/.exec(line);
    if (fence) {
      if (current) {
        blocks.push(current);
        current = undefined;
      } else current = { lang: fence[1] ?? '', lines: [] };
    } else if (current) current.lines.push(line);
  }
  return blocks;
}

/** Splits a shell command into words (plain words and simple quotes; nothing fancier is expected). */
function shellWords(command: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(command); m; m = re.exec(command))
    words.push(m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3]!);
  return words;
}

/** A shell line of the quick start as the commands it chains with `&&` (comments removed). */
function commandsOf(line: string): string[][] {
  const code = line.replace(/(^|\s)#.*$/, '').trim();
  if (code === '') return [];
  return code.split('&&').map((c) => shellWords(c.trim()));
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runToEnd(cmd: string, args: string[], timeoutMs = 120_000): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A background `up`: its output so far, and a promise of its end. */
interface Background {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startBackground(cmd: string, args: string[]): Background {
  // Its own process group, so cleanup after a failure can reach the processes it started.
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out, ended };
}

async function waitForLine(bg: Background, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let done = false;
  void bg.ended.then(() => {
    done = true;
  });
  while (!pattern.test(bg.output())) {
    if (done) assert.fail(`the process ended before printing ${pattern}:\n${bg.output()}`);
    if (Date.now() > deadline) assert.fail(`no ${pattern} within ${timeoutMs} ms:\n${bg.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function listening(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function parseJson(what: string, r: Finished): Record<string, unknown> {
  assert.equal(r.code, 0, `${what} exits 0:\n${r.stdout}\n${r.stderr}`);
  try {
    return JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    assert.fail(`${what} prints JSON:\n${r.stdout}`);
  }
}

/** The output every documented command promises (README bullet points). */
function assertDocumentedOutput(
  words: string[],
  out: Record<string, unknown>,
  hosts: readonly string[],
): void {
  const [, , command, sub] = words;
  const opt = (name: string) => words[words.indexOf(name) + 1];
  if (command === 'service' && sub === 'create') {
    assert.equal(out['service'], opt('--name'));
    assert.equal(out['chain'], `svc-${opt('--name')}`);
    assert.deepEqual(out['pcns'], opt('--pcns')!.split(',').sort());
  } else if (command === 'invoke') {
    const receipt = out['receipt'] as { status: string; txId: string } | undefined;
    assert.ok(receipt, 'invoke prints a receipt');
    assert.equal(receipt.status, 'ok');
    assert.match(receipt.txId, /^[0-9a-f]{64}$/);
    const certificate = out['certificate'] as { votes: { pcn: string }[] } | undefined;
    assert.ok(certificate, 'invoke prints the commit certificate');
    // "More than two thirds of the hosting PCNs have signed", and only hosts sign.
    const signers = new Set(certificate.votes.map((v) => v.pcn));
    assert.ok(
      signers.size * 3 > hosts.length * 2,
      `signed by ${[...signers].join(',')} of ${hosts.join(',')}`,
    );
    for (const s of signers) assert.ok(hosts.includes(s), `${s} hosts the service`);
  } else if (command === 'query') {
    assert.equal(out['verified'], words.includes('--proof'));
    assert.ok(out['result'] !== undefined, 'query prints the result');
  } else {
    assert.fail(`the quick start runs \`${words.join(' ')}\`, which this test does not know how to check`);
  }
}

describe('the README quick start, run as written', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bsn-quickstart-'));
  let basePort: number;
  let shell: string[][] = [];
  let sdkScript: string | undefined;
  let startCommand: string[];
  const backgrounds: Background[] = [];

  const startUp = (): Background => {
    const [cmd, ...args] = startCommand;
    assert.equal(cmd, 'node', 'npm start runs a node script');
    const bg = startBackground(process.execPath, [...args, '--dir', dir, '--base-port', String(basePort)]);
    backgrounds.push(bg);
    return bg;
  };
  const npxBsn = async (words: string[]) => {
    assert.deepEqual(words.slice(0, 2), ['npx', 'bsn']);
    return await runToEnd('npx', [...words.slice(1), '--dir', dir]);
  };

  before(async () => {
    const blocks = quickStartBlocks(readFileSync(README, 'utf8'));
    const sh = blocks.find((b) => ['sh', 'bash', 'shell', ''].includes(b.lang));
    assert.ok(sh, 'the quick start has a shell block');
    shell = sh.lines.flatMap(commandsOf);
    sdkScript = blocks.find((b) => ['ts', 'typescript'].includes(b.lang))?.lines.join('\n');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: { start: string };
    };
    startCommand = shellWords(pkg.scripts.start);
    basePort = await freeBasePort(4);
  });

  /** Stops every `up` still running (after a failed step), by its own process group as a last resort. */
  const stopLeftovers = async () => {
    for (const bg of backgrounds) {
      if (bg.child.exitCode === null && bg.child.signalCode === null) {
        bg.child.kill('SIGINT');
        const stopped = await Promise.race([
          bg.ended.then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), 20_000)),
        ]);
        if (!stopped && bg.child.pid) process.kill(-bg.child.pid, 'SIGKILL');
      }
    }
  };

  after(async () => {
    await stopLeftovers();
    if (!process.env['BSN_KEEP_TEST_DIRS']) rmSync(dir, { recursive: true, force: true });
  });

  it('runs every command of the quick start with the documented output, then stops on Ctrl-C', async () => {
    assert.deepEqual(shell[0], ['npm', 'install'], 'the quick start begins with npm install');
    assert.deepEqual(shell[1], ['npm', 'start'], 'and then npm start');
    const rest = shell.slice(2);
    assert.ok(rest.length >= 3, `the quick start deploys, invokes and queries (${JSON.stringify(rest)})`);

    const up = startUp();
    await waitForLine(up, /is up/, 180_000);
    assert.match(up.output(), /Creating a new network/);
    const create = rest.find((w) => w[2] === 'service' && w[3] === 'create');
    assert.ok(create, 'the quick start creates a service');
    const hosts = create[create.indexOf('--pcns') + 1]!.split(',');
    const outputs: Record<string, unknown>[] = [];
    for (const words of rest) {
      const out = parseJson(words.join(' '), await npxBsn(words));
      assertDocumentedOutput(words, out, hosts);
      outputs.push(out);
    }
    // The query of the quick start reads what its invoke wrote.
    const read = outputs[rest.findIndex((w) => w[2] === 'query')]!;
    assert.equal((read['result'] as { value: number }).value, 100);

    if (sdkScript) {
      // The 20-line SDK script, against this network's folder instead of `.bsn/`.
      const script = sdkScript.replaceAll('.bsn/', `${dir}/`);
      // Run as TypeScript from the repository root, where `@bsn/sdk` resolves (tsx's CLI evaluates TS).
      const tsx = fileURLToPath(import.meta.resolve('tsx/cli'));
      const r = await runToEnd(process.execPath, [
        tsx,
        '--conditions=@bsn/source',
        '--input-type=module',
        '--eval',
        script,
      ]);
      assert.equal(r.code, 0, `the SDK script runs:\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /status: 'ok'/, 'it prints an ok receipt');
      // console.log(answer.result, answer.verified): the asset, then `true`.
      assert.match(r.stdout, /value: 50\b[^}]*\}\s+true\s*$/, r.stdout);
    }

    up.child.kill('SIGINT');
    const end = await up.ended;
    assert.equal(end.code, 0, `up exits 0 on Ctrl-C:\n${up.output()}`);
    assert.match(up.output(), /Stopped\./);
    for (let port = basePort; port <= basePort + 4; port++)
      assert.equal(await listening(port), false, `nothing listens on ${port} after the stop`);
  });

  it('a second npm start resumes the same network with its data', async () => {
    await stopLeftovers();
    const up = startUp();
    await waitForLine(up, /is up/, 180_000);
    assert.match(up.output(), /Resuming the network/);
    const query = shell.find((w) => w[2] === 'query')!;
    const r = parseJson('query after resume', await npxBsn(query));
    assert.equal(r['verified'], query.includes('--proof'));
    assert.equal((r['result'] as { value: number }).value, 100, 'the asset survived the restart');
    up.child.kill('SIGINT');
    assert.equal((await up.ended).code, 0, `up exits 0 on Ctrl-C:\n${up.output()}`);
  });
});
