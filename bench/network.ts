/**
 * Network benchmark (issue #4, "Performance"). For each network size in --pcns (default 1 and 4):
 * a real dev network — orderer and PCNs as separate OS processes, exactly what `bsn up` starts —
 * with the asset-transfer service (examples/asset-transfer/contract.ts, QuickJS) hosted on every
 * PCN, and --users users enrolled in a tenant organisation. Every transaction is signed up front
 * (core signTransaction, signer = the identity file's PEM bundle), then an open-loop load
 * generator offers them at increasing rates (--rates, tx/s, each for --seconds): transaction i is
 * sent at t0 + i/rate whatever has come back, round-robin over the PCN gateways, as
 * `POST /v1/chains/svc-bench/transactions?wait=final` on keep-alive connections. The gateway
 * answers when the receipt is covered by a commit certificate (votes of > 2/3 of the hosts), so
 * the latency measured — from the *scheduled* send time (no coordinated omission) to the answer —
 * is submit→finality as a client sees it.
 *
 * Per rate: final receipts/s, p50/p99/max latency, failed receipts and errors by code, and the CPU
 * each process used per transaction (from /proc). Same run: the signature-verification ceiling —
 * core verifyTransactionSignature over the same pre-signed transactions, keys pre-parsed, one
 * core — and the ratio of the best achieved throughput to it. Figures only, never pass/fail.
 *
 * Run: node scripts/run-ts.mjs bench/network.ts [--pcns 1,4] [--rates 50,100,200,400,800,1600]
 *      [--seconds 8] [--users 50] [--drain 30] [--keep-going] [--json] [--profile DIR]
 * --keep-going: also run the rates above the first saturated one (by default they are skipped).
 * --profile DIR: every orderer/PCN process writes a V8 CPU profile into DIR when it stops.
 */
import { type KeyObject, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  parsePrivateKey,
  type SignedTransaction,
  signTransaction,
  verifyTransactionSignature,
} from '@bsn/core';
// The multi-process harness the network tests use (the same code path as `bsn up`); the CLI has
// no public index, and copying its process management would only let the two drift apart.
import { identityEnroll, orgCreate, serviceCreate } from '../packages/cli/src/commands/network-commands.js';
import { type DevNetwork, startDevNetwork } from '../packages/cli/test/support/dev-network.js';

/** Benchmark parameters (command-line flags). */
interface NetworkBenchOptions {
  readonly pcns: readonly number[];
  readonly rates: readonly number[];
  readonly seconds: number;
  readonly users: number;
  /** Longest wait for outstanding answers after the last send of a rate, in seconds. */
  readonly drain: number;
  readonly keepGoing: boolean;
  readonly json: boolean;
  readonly profile: string | undefined;
}

const defaultNetworkBenchOptions: NetworkBenchOptions = {
  pcns: [1, 4],
  rates: [50, 100, 200, 400, 800, 1600],
  seconds: 8,
  users: 50,
  drain: 30,
  keepGoing: false,
  json: false,
  profile: undefined,
};

function parseOptions(argv: readonly string[]): NetworkBenchOptions {
  const o: { -readonly [K in keyof NetworkBenchOptions]: NetworkBenchOptions[K] } = {
    ...defaultNetworkBenchOptions,
  };
  const list = (flag: string, v: string | undefined): number[] => {
    const xs = (v ?? '').split(',').map(Number);
    if (xs.length === 0 || xs.some((x) => !Number.isFinite(x) || x <= 0))
      throw new Error(`${flag} needs a comma-separated list of positive numbers, got "${v}"`);
    return xs;
  };
  const num = (flag: string, v: string | undefined): number => {
    const x = Number(v);
    if (!Number.isFinite(x) || x <= 0) throw new Error(`${flag} needs a positive number, got "${v}"`);
    return x;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    switch (flag) {
      case '--pcns':
        o.pcns = list(flag, argv[++i]).map(Math.floor);
        break;
      case '--rates':
        o.rates = list(flag, argv[++i]);
        break;
      case '--seconds':
        o.seconds = num(flag, argv[++i]);
        break;
      case '--users':
        o.users = Math.floor(num(flag, argv[++i]));
        break;
      case '--drain':
        o.drain = num(flag, argv[++i]);
        break;
      case '--keep-going':
        o.keepGoing = true;
        break;
      case '--json':
        o.json = true;
        break;
      case '--profile':
        o.profile = path.resolve(argv[++i] ?? '');
        break;
      default:
        throw new Error(`unknown flag ${flag} (see the header of bench/network.ts)`);
    }
  }
  return o;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const CONTRACT = path.resolve(here, '../examples/asset-transfer/contract.ts');
const SERVICE = 'bench';
const CHAIN = `svc-${SERVICE}`;
const ORG = 'benchorg';
/** Transactions offered (and not counted) before the first rate: JIT, QuickJS module, connections. */
const WARMUP_TXS = 200;
const WARMUP_RATE = 100;
/** A rate is saturated when fewer than this share of its transactions are final at the offered rate. */
const SATURATED = 0.9;

/** An enrolled user: identity file contents, parsed keys. */
interface BenchUser {
  readonly name: string;
  readonly signerPem: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** A pre-signed transaction ready to send. */
interface Prepared {
  readonly tx: SignedTransaction;
  readonly user: number;
  readonly body: Buffer;
}

/** What one offered rate gave. */
interface RateResult {
  readonly offered: number;
  readonly sent: number;
  readonly final: number;
  readonly failedReceipts: number;
  readonly errors: Record<string, number>;
  readonly unanswered: number;
  /** Final receipts per second over the span of the final answers (at least the sending window). */
  readonly throughput: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** p99 of how late the generator sent against the schedule (its own lag), ms. */
  readonly sendLagP99: number;
  /** CPU milliseconds per final transaction, by process (orderer, pcnN, loadgen). */
  readonly cpuMsPerTx: Record<string, number>;
  readonly saturated: boolean;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '–';

/** User+system CPU time of a process in ms, from /proc (Linux); NaN elsewhere. */
function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux.
  } catch {
    return Number.NaN;
  }
}

function firstPem(bundle: string): string {
  const end = '-----END CERTIFICATE-----';
  return bundle.slice(0, bundle.indexOf(end) + end.length);
}

/** Enrols `count` users of the tenant organisation and reads their identity files. */
async function enrolUsers(net: DevNetwork, count: number): Promise<BenchUser[]> {
  const users: BenchUser[] = [];
  for (let i = 0; i < count; i++) {
    const name = `u${i}`;
    const r = (await identityEnroll({ dir: net.dir, org: ORG, name, role: 'member' })) as {
      cert: string;
      key: string;
    };
    const signerPem = readFileSync(r.cert, 'utf8');
    users.push({
      name,
      signerPem,
      privateKey: parsePrivateKey(readFileSync(r.key, 'utf8')),
      publicKey: new X509Certificate(firstPem(signerPem)).publicKey,
    });
  }
  return users;
}

/** Signs `count` asset creations (distinct assets, so every one succeeds), round-robin over users. */
function presign(users: readonly BenchUser[], count: number, tag: string): Prepared[] {
  const expires = Date.now() + 50 * 60_000;
  const out: Prepared[] = [];
  for (let i = 0; i < count; i++) {
    const u = i % users.length;
    const user = users[u] as BenchUser;
    const tx = signTransaction(
      {
        chain: CHAIN,
        contract: SERVICE,
        method: 'create',
        args: [`${tag}-${i}`, i],
        nonce: `${tag}-${i}`,
        expires,
        signer: user.signerPem,
      },
      user.privateKey,
    );
    out.push({ tx, user: u, body: Buffer.from(JSON.stringify(tx)) });
  }
  return out;
}

/** One POST with wait=final; resolves with the outcome class and when it arrived. */
function post(
  agent: http.Agent,
  gateway: URL,
  body: Buffer,
  timeoutMs: number,
): Promise<{ outcome: 'final' | 'failed' | string; at: number }> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        agent,
        host: gateway.hostname,
        port: gateway.port,
        method: 'POST',
        path: `/v1/chains/${CHAIN}/transactions?wait=final&timeoutMs=${timeoutMs}`,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const at = performance.now();
          let parsed: {
            status?: string;
            receipt?: { status?: string; error?: { code?: string } };
            error?: { code?: string };
          } = {};
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            // Classified by status code below.
          }
          if (res.statusCode === 200 && parsed.status === 'final') {
            resolve({ outcome: parsed.receipt?.status === 'ok' ? 'final' : 'failed', at });
          } else if (res.statusCode === 202) {
            resolve({ outcome: 'NOT_FINAL_WITHIN_WAIT (202)', at });
          } else {
            resolve({ outcome: parsed.error?.code ?? `HTTP_${res.statusCode}`, at });
          }
        });
        res.on('error', (err: NodeJS.ErrnoException) =>
          resolve({ outcome: err.code ?? 'RESPONSE_ERROR', at: performance.now() }),
        );
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ outcome: err.code ?? err.message, at: performance.now() }),
    );
    req.end(body);
  });
}

/**
 * Offers `txs` open-loop at `rate` tx/s round-robin over `gateways`; returns per-transaction
 * outcomes. Waits at most `drainMs` after the last scheduled send for answers still out.
 */
async function offer(
  txs: readonly Prepared[],
  rate: number,
  gateways: readonly URL[],
  agents: readonly http.Agent[],
  drainMs: number,
): Promise<{
  latencies: number[];
  lags: number[];
  outcomes: Map<string, number>;
  unanswered: number;
  t0: number;
  firstFinal: number;
  lastFinal: number;
}> {
  const latencies: number[] = [];
  const lags: number[] = [];
  const outcomes = new Map<string, number>();
  let answered = 0;
  let firstFinal = Number.POSITIVE_INFINITY;
  let lastFinal = 0;
  // Answers later than the drain are not waited for; their requests stay open until the wait ends.
  const waitMs = Math.ceil(drainMs + (txs.length / rate) * 1000);
  const t0 = performance.now() + 20;
  let next = 0;
  let allAnswered: () => void = () => {};
  const done = new Promise<void>((r) => {
    allAnswered = r;
  });
  while (next < txs.length) {
    const now = performance.now();
    while (next < txs.length && t0 + (next * 1000) / rate <= now) {
      const i = next++;
      const scheduled = t0 + (i * 1000) / rate;
      lags.push(now - scheduled);
      const g = i % gateways.length;
      void post(agents[g] as http.Agent, gateways[g] as URL, (txs[i] as Prepared).body, waitMs).then(
        ({ outcome, at }) => {
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          if (outcome === 'final' || outcome === 'failed') {
            latencies.push(at - scheduled);
            firstFinal = Math.min(firstFinal, at);
            lastFinal = Math.max(lastFinal, at);
          }
          if (++answered === txs.length) allAnswered();
        },
      );
    }
    const wait = t0 + (next * 1000) / rate - performance.now();
    await new Promise((r) => setTimeout(r, Math.max(0, wait)));
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, drainMs)))]);
  clearTimeout(timer);
  latencies.sort((a, b) => a - b);
  lags.sort((a, b) => a - b);
  return { latencies, lags, outcomes, unanswered: txs.length - answered, t0, firstFinal, lastFinal };
}

/** Verifications per second of core verifyTransactionSignature over `txs`, keys pre-parsed, one core. */
function verificationCeiling(txs: readonly Prepared[], users: readonly BenchUser[]): number {
  const sample = txs.slice(0, Math.min(txs.length, 20_000));
  for (const p of sample.slice(0, 500))
    verifyTransactionSignature(p.tx, (users[p.user] as BenchUser).publicKey);
  const t = performance.now();
  let bad = 0;
  for (const p of sample)
    if (!verifyTransactionSignature(p.tx, (users[p.user] as BenchUser).publicKey).ok) bad++;
  const seconds = (performance.now() - t) / 1000;
  if (bad > 0) throw new Error(`${bad} pre-signed transactions do not verify`);
  return sample.length / seconds;
}

/** Brings up a network of `pcns` PCNs, runs every rate on it, stops it. */
async function runNetwork(
  pcns: number,
  opts: NetworkBenchOptions,
): Promise<{ pcns: number; setupSeconds: number; ceiling: number; rates: RateResult[] }> {
  const setupStart = performance.now();
  const net = await startDevNetwork({ pcns, prefix: 'bsn-bench-net-' });
  try {
    const hosts = net.running.network.pcns.map((p) => p.id);
    await orgCreate({ dir: net.dir, name: ORG });
    const users = await enrolUsers(net, opts.users);
    await serviceCreate({ dir: net.dir, name: SERVICE, contract: CONTRACT, pcns: hosts, orgs: [ORG] });
    const gateways = net.running.network.pcns.map((p) => new URL(p.gateway));
    // Enough sockets that the client never queues a request behind another one's long wait.
    const agents = gateways.map(
      () => new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY }),
    );

    const perRate = opts.rates.map((r) => Math.max(1, Math.round(r * opts.seconds)));
    const warmup = presign(users, WARMUP_TXS, 'w');
    const batches = perRate.map((n, k) => presign(users, n, `r${k}`));
    const setupSeconds = (performance.now() - setupStart) / 1000;
    if (!opts.json)
      console.log(
        `\n${pcns} PCN${pcns > 1 ? 's' : ''} (${hosts.join(', ')}), service ${SERVICE} on all, ${users.length} users; ` +
          `set-up ${fmt(setupSeconds, 1)} s, ${fmt(perRate.reduce((a, b) => a + b, 0))} transactions pre-signed`,
      );

    const ceiling = verificationCeiling(batches.flat(), users);
    if (!opts.json)
      console.log(
        `  signature-verification ceiling (verifyTransactionSignature, one core): ${fmt(ceiling)} /s`,
      );

    const w = await offer(warmup, WARMUP_RATE, gateways, agents, opts.drain * 1000);
    const wFinal = w.outcomes.get('final') ?? 0;
    if (!opts.json)
      console.log(
        `  warm-up: ${wFinal}/${warmup.length} final at ${WARMUP_RATE}/s (p50 ${fmt(percentile(w.latencies, 50))} ms)` +
          (wFinal < warmup.length ? `; outcomes ${JSON.stringify(Object.fromEntries(w.outcomes))}` : ''),
      );

    if (!opts.json)
      console.log(
        `  ${'offered/s'.padStart(9)} ${'final/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ` +
          `${'max ms'.padStart(8)} ${'lag99'.padStart(6)}  ${'final'.padStart(6)}/${'sent'.padEnd(6)} ` +
          `CPU ms/tx (${['orderer', ...hosts, 'loadgen'].join(' ')})  errors`,
      );
    const rates: RateResult[] = [];
    const procs = ['orderer', ...hosts];
    let saturatedAt: number | undefined;
    for (const [k, rate] of opts.rates.entries()) {
      if (saturatedAt !== undefined && !opts.keepGoing) {
        if (!opts.json)
          console.log(
            `  ${fmt(rate).padStart(9)}  skipped (saturated at ${fmt(saturatedAt)}/s; --keep-going runs it)`,
          );
        continue;
      }
      const txs = batches[k] as Prepared[];
      const cpu0 = procs.map((p) => processCpuMs(net.process(p).child.pid));
      const own0 = process.cpuUsage();
      const r = await offer(txs, rate, gateways, agents, opts.drain * 1000);
      const own = process.cpuUsage(own0);
      const cpu1 = procs.map((p) => processCpuMs(net.process(p).child.pid));
      const final = r.outcomes.get('final') ?? 0;
      const failed = r.outcomes.get('failed') ?? 0;
      const errors = Object.fromEntries([...r.outcomes].filter(([c]) => c !== 'final' && c !== 'failed'));
      // Over the span of the answers, not from t0: a constant latency shifts the span without
      // widening it, while a backlog the network cannot absorb stretches it.
      const seconds = Math.max((r.lastFinal - r.firstFinal) / 1000, txs.length / rate);
      const throughput = (final + failed) / seconds;
      const done = Math.max(1, final + failed);
      const cpuMsPerTx: Record<string, number> = {};
      procs.forEach((p, i) => {
        cpuMsPerTx[p] = ((cpu1[i] as number) - (cpu0[i] as number)) / done;
      });
      cpuMsPerTx['loadgen'] = (own.user + own.system) / 1000 / done;
      const saturated = throughput < SATURATED * rate || final + failed < txs.length;
      const result: RateResult = {
        offered: rate,
        sent: txs.length,
        final,
        failedReceipts: failed,
        errors,
        unanswered: r.unanswered,
        throughput,
        p50: percentile(r.latencies, 50),
        p99: percentile(r.latencies, 99),
        max: r.latencies.at(-1) ?? Number.NaN,
        sendLagP99: percentile(r.lags, 99),
        cpuMsPerTx,
        saturated,
      };
      rates.push(result);
      if (saturated && saturatedAt === undefined) saturatedAt = rate;
      if (!opts.json) {
        const errs = [
          ...(failed > 0 ? [`failed receipts ${failed}`] : []),
          ...Object.entries(errors).map(([c, n]) => `${c} ${n}`),
          ...(r.unanswered > 0 ? [`unanswered after drain ${r.unanswered}`] : []),
        ];
        console.log(
          `  ${fmt(rate).padStart(9)} ${fmt(throughput, 1).padStart(8)} ${fmt(result.p50).padStart(8)} ` +
            `${fmt(result.p99).padStart(8)} ${fmt(result.max).padStart(8)} ${fmt(result.sendLagP99).padStart(6)}  ` +
            `${String(final).padStart(6)}/${String(txs.length).padEnd(6)} ` +
            `${Object.values(cpuMsPerTx)
              .map((v) => fmt(v, 2))
              .join(' ')}  ${errs.join(', ') || '—'}${saturated ? '  (saturated)' : ''}`,
        );
      }
    }
    for (const a of agents) a.destroy();
    if (opts.profile) await collectProfiles(net, procs, opts.profile, pcns);
    return { pcns, setupSeconds, ceiling, rates };
  } finally {
    await net.stop();
  }
}

/** Source of the preload module that profiles a spawned process until it receives SIGUSR2. */
function profilerPreload(dir: string): string {
  return [
    "import { Session } from 'node:inspector';",
    "import { writeFileSync } from 'node:fs';",
    'const s = new Session(); s.connect();',
    "s.post('Profiler.enable', () => s.post('Profiler.start'));",
    "process.on('SIGUSR2', () => s.post('Profiler.stop', (err, r) => {",
    `  if (!err) writeFileSync(${JSON.stringify(dir)} + '/' + process.pid + '.cpuprofile', JSON.stringify(r.profile));`,
    '}));',
  ].join('\n');
}

/** Asks every orderer/PCN process for its CPU profile and names the files after the processes. */
async function collectProfiles(
  net: DevNetwork,
  names: readonly string[],
  dir: string,
  pcns: number,
): Promise<void> {
  for (const name of names) {
    const pid = net.process(name).child.pid;
    if (pid === undefined) continue;
    const from = path.join(dir, `${pid}.cpuprofile`);
    process.kill(pid, 'SIGUSR2');
    const deadline = Date.now() + 30_000;
    while (!existsSync(from) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    // The file is written in one call; give it a moment to finish before renaming.
    await new Promise((r) => setTimeout(r, 500));
    const to = path.join(dir, `${pcns}pcns-${name}.cpuprofile`);
    if (existsSync(from)) renameSync(from, to);
    console.log(`  CPU profile of ${name}: ${existsSync(to) ? to : 'not written'}`);
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (opts.profile) {
    // Node refuses --cpu-prof in NODE_OPTIONS, but --import is allowed: every process the harness
    // spawns (orderer, PCNs) loads this profiler, which writes <pid>.cpuprofile on SIGUSR2.
    mkdirSync(opts.profile, { recursive: true });
    process.env['NODE_OPTIONS'] =
      `${process.env['NODE_OPTIONS'] ?? ''} --import=data:text/javascript,${encodeURIComponent(profilerPreload(opts.profile))}`.trim();
  }
  const load0 = os.loadavg()[0] ?? 0;
  if (!opts.json)
    console.log(
      `Network benchmark — ${new Date().toISOString()}, Node ${process.versions.node}, ` +
        `${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'cpu'}), load average ${fmt(load0, 2)}\n` +
        `asset-transfer create() on QuickJS, open loop, POST …/transactions?wait=final round-robin over the gateways, ` +
        `${opts.seconds} s per rate; latency = scheduled send → final answer`,
    );
  const results = [];
  for (const n of opts.pcns) results.push(await runNetwork(n, opts));
  const load1 = os.loadavg()[0] ?? 0;
  if (opts.json) {
    console.log(
      JSON.stringify(
        {
          date: new Date().toISOString(),
          node: process.versions.node,
          cores: os.availableParallelism(),
          loadAverage: [load0, load1],
          options: opts,
          results,
        },
        null,
        2,
      ),
    );
    return;
  }
  console.log(
    '\nSummary (best final/s among the rates; ratio to the same-run signature-verification ceiling)',
  );
  for (const r of results) {
    const best = r.rates.reduce<RateResult | undefined>(
      (b, x) => (b === undefined || x.throughput > b.throughput ? x : b),
      undefined,
    );
    const sustained = r.rates.filter((x) => !x.saturated).at(-1);
    console.log(
      `  ${r.pcns} PCN${r.pcns > 1 ? 's' : ' '}: best ${fmt(best?.throughput ?? Number.NaN, 1)} final/s ` +
        `(offered ${fmt(best?.offered ?? Number.NaN)}/s) = ${fmt(((best?.throughput ?? 0) / r.ceiling) * 100, 1)}% ` +
        `of ${fmt(r.ceiling)} verifications/s; highest unsaturated rate ${sustained ? `${fmt(sustained.offered)}/s, p50 ${fmt(sustained.p50)} ms, p99 ${fmt(sustained.p99)} ms` : 'none'}`,
    );
  }
  console.log(`  load average (1 min) at start / end: ${fmt(load0, 2)} / ${fmt(load1, 2)}`);
}

await main();
