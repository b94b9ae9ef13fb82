/**
 * Ledger benchmark (issue #3, "Performance"). N asset-transfer transactions of U users with real
 * certificates (root CA → org CA → users) are signed up front: each asset is created by a user,
 * then transferred by that user to the next one. Then, on one process:
 *
 *   (a) signature verification alone (core verifyTransactionSignature, keys pre-parsed), one core,
 *       measured before (b) and again after it; ratios use the mean of the two
 *   (b) the whole pipeline: TransactionChecker.check (envelope, certificate chain via the pki
 *       TrustStore, signature) → SoloOrderer.submit (real WAL, fsync'ed group commits, durable ack)
 *       → blocks streamed from the orderer → Chain.commitBlock (asset-transfer in the QuickJS
 *       runtime, sparse Merkle state on SQLite, synchronous=FULL) — tx/s end to end, and
 *       latency from submit to commit (p50/p99)
 *   after an untimed warm-up run of the same pipeline on other transactions (--warmup), and, to separate the stages: the checker alone, the orderer alone, and the executor alone on
 *   the blocks (b) produced (signatures verified by the executor itself, or pre-verified, or by a
 *   signature thread ahead of execution, as a PCN follows blocks it did not check).
 *
 * A baseline measured in the same run and ratios; never a pass/fail on timing.
 * Run: node scripts/run-ts.mjs bench/ledger.ts [--txs 20000] [--users 50] [--block 500]
 *      [--delay 20] [--window 2000] [--sync full|normal] [--runtime js|native] [--warmup 10000] [--json] [--pipeline-only]
 * Profile: node --cpu-prof --conditions=@bsn/source --import tsx bench/ledger.ts --pipeline-only
 */
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type Block,
  generateKeyPair,
  parsePrivateKey,
  parsePublicKey,
  type SignedTransaction,
  signTransaction,
  transactionId,
  verifyTransactionSignature,
} from '@bsn/core';
import {
  Chain,
  type ContractCode,
  type ContractRuntime,
  type NativeContract,
  NativeRuntime,
  SignaturePool,
  trustStoreVerifier,
} from '@bsn/ledger';
import { SoloOrderer } from '@bsn/ordering';
import {
  type Credential,
  createRootCa,
  issueCaCertificate,
  issueUserCertificate,
  parseCertificate,
  TrustStore,
} from '@bsn/pki';
import { bundleContract, createJsRuntime } from '@bsn/runtime-js';

/** Benchmark parameters (command-line flags). */
interface LedgerBenchOptions {
  readonly txs: number;
  readonly users: number;
  readonly block: number;
  readonly delay: number;
  readonly window: number;
  readonly sync: 'full' | 'normal';
  readonly json: boolean;
  /** Which runtime runs asset-transfer: `js` (QuickJS, as deployed) or `native` (the same module in-process, to isolate the runtime's share). */
  readonly runtime: 'js' | 'native';
  /** Skip the stage-alone runs (for profiling the pipeline with --cpu-prof). */
  readonly pipelineOnly: boolean;
  /**
   * Transactions of an untimed (b) run before the measured one, on its own chain and orderer with
   * its own assets and nonces (0: none). It compiles what a running node has long compiled (V8's
   * optimised code, the QuickJS WebAssembly module's optimising tier) without filling any cache
   * with the measured transactions.
   */
  readonly warmup: number;
}

const defaultLedgerBenchOptions: LedgerBenchOptions = {
  txs: 20_000,
  users: 50,
  block: 500,
  delay: 20,
  window: 2_000,
  sync: 'full',
  json: false,
  runtime: 'js',
  pipelineOnly: false,
  warmup: 10_000,
};

function parseOptions(argv: readonly string[]): LedgerBenchOptions {
  const out: Record<string, unknown> = { ...defaultLedgerBenchOptions };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const name = flag.replace(/^--/, '');
    if (name === 'json' || name === 'pipeline-only') {
      out[name === 'json' ? 'json' : 'pipelineOnly'] = true;
      continue;
    }
    if (!(name in defaultLedgerBenchOptions) || !flag.startsWith('--')) {
      throw new Error(
        `unknown option ${flag}; options: ${Object.keys(defaultLedgerBenchOptions).join(', ')}`,
      );
    }
    const value = argv[++i];
    if (name === 'sync') {
      if (value !== 'full' && value !== 'normal') throw new Error('--sync must be full or normal');
      out.sync = value;
      continue;
    }
    if (name === 'runtime') {
      if (value !== 'js' && value !== 'native') throw new Error('--runtime must be js or native');
      out.runtime = value;
      continue;
    }
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < (name === 'delay' || name === 'warmup' ? 0 : 1)) {
      throw new Error(`--${name} must be a positive integer, got ${value}`);
    }
    out[name] = n;
  }
  const o = out as unknown as LedgerBenchOptions;
  if (o.txs < 2 * o.users) throw new Error('--txs must be at least twice --users');
  if (o.warmup !== 0 && o.warmup < 2 * o.users)
    throw new Error('--warmup must be 0 or at least twice --users');
  return o;
}

const CHAIN = 'bench';
const CONTRACT = 'assets';
const ORDERER_ID = 'orderer1';
const here = path.dirname(fileURLToPath(import.meta.url));

interface User {
  readonly name: string;
  readonly certPem: string;
  readonly keyPem: string;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const line = (label: string, value: string) => console.log(`  ${label.padEnd(52)} ${value}`);

/** A fresh temp dir, removed at exit. */
const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
process.on('exit', () => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const cores = os.availableParallelism();
  const load0 = os.loadavg()[0] ?? 0;
  console.log(
    `ledger benchmark — ${opts.txs} transactions, ${opts.users} users, blocks ≤ ${opts.block} tx / ${opts.delay} ms, ` +
      `window ${opts.window}, synchronous=${opts.sync}, runtime ${opts.runtime}; Node ${process.versions.node}, ${cores} cores (${os.cpus()[0]?.model ?? 'cpu'})`,
  );

  // ---------------------------------------------------------------- identities, contract, transactions
  const t = performance.now();
  const root = await createRootCa({ commonName: 'Bench Root CA', organization: 'bsn' });
  const issued = await issueCaCertificate(root, {
    commonName: 'Org1 CA',
    organization: 'org1',
    purpose: 'org',
  });
  const orgCa: Credential = { certPem: issued.certPem, keyPem: issued.keyPem as string };
  const users: User[] = [];
  for (let i = 0; i < opts.users; i++) {
    const c = await issueUserCertificate(orgCa, { id: `user${i}`, organization: 'org1', role: 'member' });
    users.push({ name: `user${i}`, certPem: c.certPem, keyPem: c.keyPem as string });
  }
  const contractPath = path.join(here, '../examples/asset-transfer/contract.ts');
  let code: ContractCode;
  const runtimes = new Map<string, ContractRuntime>();
  if (opts.runtime === 'js') {
    const bundle = await bundleContract(contractPath);
    code = { name: CONTRACT, runtime: 'js', code: bundle.code, codeHash: bundle.codeHash };
    runtimes.set('js', await createJsRuntime());
  } else {
    // The very same module, called in-process: what remains is the ledger's own cost per transaction.
    const module = (await import(pathToFileURL(contractPath).href)) as { default: unknown };
    runtimes.set('native', new NativeRuntime().register('asset-transfer', module.default as NativeContract));
    code = { name: CONTRACT, runtime: 'native', code: 'asset-transfer', codeHash: '0'.repeat(64) };
  }

  const privateKeys = users.map((u) => parsePrivateKey(u.keyPem));
  const publicKeys = users.map((u) => parsePublicKey(parseCertificate(u.certPem).publicKeyPem));
  const expires = Date.now() + 50 * 60_000; // the chain accepts at most one hour ahead
  /** `count` transactions: the first half creates assets `<prefix><i>`, the second half transfers each to the next user. */
  const signWorkload = (prefix: string, count: number) => {
    const assets = Math.floor(count / 2);
    const signed: SignedTransaction[] = [];
    const signers: number[] = [];
    for (let i = 0; i < count; i++) {
      const creating = i < assets;
      const asset = creating ? i : i - assets;
      const u = asset % opts.users;
      const to = users[(u + 1) % opts.users] as User;
      signed.push(
        signTransaction(
          {
            chain: CHAIN,
            contract: CONTRACT,
            method: creating ? 'create' : 'transfer',
            args: creating
              ? [`${prefix}${asset}`, 100 + (asset % 900)]
              : [`${prefix}${asset}`, `org1/${to.name}`],
            nonce: `${prefix}n${i}`,
            expires,
            signer: (users[u] as User).certPem,
          },
          privateKeys[u] as ReturnType<typeof parsePrivateKey>,
        ),
      );
      signers.push(u);
    }
    return { signed, signers };
  };
  const { signed: txs, signers: signerOf } = signWorkload('asset', opts.txs);
  const warmTxs = signWorkload('warm', opts.warmup).signed;
  const txIds = txs.map((tx) => transactionId(tx.payload));
  console.log(
    `  set-up: CAs, ${opts.users} users, bundle, ${opts.txs} + ${opts.warmup} (warm-up) signed tx in ${fmt(performance.now() - t)} ms`,
  );

  const newTrust = () => new TrustStore({ roots: [root.certPem], intermediates: [orgCa.certPem] });
  const ordererKeys = generateKeyPair();
  const openChain = (dir: string) =>
    Chain.open({
      path: path.join(dir, 'chain.db'),
      chain: CHAIN,
      runtimes,
      contracts: (name) => (name === CONTRACT ? code : undefined),
      certificates: trustStoreVerifier(newTrust(), { expect: 'user' }),
      ordererKeys: new Map([[ORDERER_ID, ordererKeys.publicKeyPem]]),
      synchronous: opts.sync,
    });

  // ---------------------------------------------------------------- (a) signature verification, one core
  const verifyOne = (i: number) =>
    verifyTransactionSignature(txs[i] as SignedTransaction, publicKeys[signerOf[i] as number] as KeyObject);
  // warm-up so the first figure is not JIT compilation
  for (let i = 0; i < Math.min(500, txs.length); i++) verifyOne(i);
  /** One pass of (a) over every transaction: verifications per wall-clock and per CPU second. */
  const measureVerify = () => {
    const cpuA = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < txs.length; i++) {
      const check = verifyOne(i);
      if (!check.ok) throw new Error(`transaction ${i} does not verify: ${check.code}`);
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpuA);
    return { perSec: (txs.length / ms) * 1000, perCpuSec: (txs.length / (cpu.user + cpu.system)) * 1e6 };
  };
  const verifyBefore = measureVerify();
  console.log('(a) signature verification alone (verifyTransactionSignature), one core');
  line('verifications per second (wall clock)', fmt(verifyBefore.perSec));
  line('verifications per CPU-second', fmt(verifyBefore.perCpuSec));

  // ---------------------------------------------------------------- (b) check → order → execute → commit
  // One chain and one orderer, as on a node: the warm-up's blocks come first, and the measured run
  // continues from them (new instances would make V8 deoptimise and recompile the code warmed up).
  const node = await openPipeline(opts, openChain, ordererKeys.privateKeyPem);
  const warmRun =
    warmTxs.length > 0
      ? await runPipeline(
          opts,
          warmTxs,
          warmTxs.map((tx) => transactionId(tx.payload)),
          node,
        )
      : undefined;
  const pipeline = await runPipeline(opts, txs, txIds, node);
  await node.orderer.close();
  node.chain.close();
  const warmBlocks = warmRun?.blocks ?? [];
  const bPerSec = pipeline.txPerSec;
  const coresUsed = pipeline.cpuMs / pipeline.wallMs;
  const bPerCpuSec = (pipeline.txs / pipeline.cpuMs) * 1000;
  console.log(
    `(b) check → order (WAL, durable ack) → execute (${opts.runtime === 'js' ? 'QuickJS' : 'native'}) → commit (SQLite), one process`,
  );
  line('transactions per second (first submit → last commit)', fmt(bPerSec));
  line('receipts ok / failed', `${pipeline.ok} / ${pipeline.failed}`);
  line(
    'blocks, mean transactions per block',
    `${pipeline.blocks.length}, ${fmt(pipeline.txs / pipeline.blocks.length, 1)}`,
  );
  line(
    'latency submit → commit p50 / p99 / max (ms)',
    `${fmt(pipeline.p50, 1)} / ${fmt(pipeline.p99, 1)} / ${fmt(pipeline.max, 1)}`,
  );
  line(
    'latency submit → durable ack p50 / p99 (ms)',
    `${fmt(pipeline.ackP50, 1)} / ${fmt(pipeline.ackP99, 1)}`,
  );
  line(
    'CPU used (user+system / wall) = cores used; system',
    `${fmt(coresUsed, 2)}; ${fmt((100 * pipeline.systemMs) / pipeline.cpuMs)} % of it`,
  );
  line('transactions per CPU-second', fmt(bPerCpuSec));
  line('window on CLOCK_MONOTONIC (perf report --time)', pipeline.monotonic.join(','));
  line(
    'main thread: check / submit / commitBlock / rest (ms)',
    `${fmt(pipeline.checkMs)} / ${fmt(pipeline.submitMs)} / ${fmt(pipeline.commitMs)} / ${fmt(pipeline.wallMs - pipeline.checkMs - pipeline.submitMs - pipeline.commitMs)}`,
  );

  // (a) again, right after (b): the baseline brackets the run it is compared with, so a machine
  // that speeds up or slows down meanwhile (shared hosts do) moves both sides of the ratio alike.
  const verifyAfter = measureVerify();
  const verifyPerSec = (verifyBefore.perSec + verifyAfter.perSec) / 2;
  const verifyPerCpuSec = (verifyBefore.perCpuSec + verifyAfter.perCpuSec) / 2;
  line(
    '(a) again after (b), per CPU-second; mean of both',
    `${fmt(verifyAfter.perCpuSec)}; ${fmt(verifyPerCpuSec)}`,
  );
  const perCoreRatio = bPerCpuSec / verifyPerCpuSec;
  line('(b) / (a) per core used (per CPU-second)', `${fmt(perCoreRatio * 100, 1)} %`);

  // ---------------------------------------------------------------- stages alone
  if (opts.pipelineOnly) return;
  console.log('stages alone, on the same transactions and blocks');
  const checker = checkerOnly(txs, openChain);
  line('checker only (chain + signature, cold caches) tx/s', fmt(checker.txPerSec));
  const ordering = await ordererOnly(opts, txs, ordererKeys.privateKeyPem);
  line('orderer only (submit → durable block) tx/s', fmt(ordering.txPerSec));
  const cold = executorOnly(warmBlocks, pipeline.blocks, openChain, false);
  line(
    'executor only, verifies signatures itself, tx/s',
    `${fmt(cold.txPerSec)}  (per block p50 ${fmt(cold.blockP50, 1)} ms)`,
  );
  const warm = executorOnly(warmBlocks, pipeline.blocks, openChain, true);
  line(
    'executor only, signatures pre-verified, tx/s',
    `${fmt(warm.txPerSec)}  (per block p50 ${fmt(warm.blockP50, 1)} ms)`,
  );
  // A PCN following blocks it did not check (what most blocks are on a network of several PCNs):
  // the executor verifying every signature itself (the baseline), against the same with the
  // node's signature thread verifying the next blocks while one executes.
  const follower = await followerWithPool(warmBlocks, pipeline.blocks, openChain, 1);
  line(
    'follower: executor + 1 signature thread, 4 blocks ahead, tx/s',
    `${fmt(follower.txPerSec)}  (${fmt(follower.txPerSec / cold.txPerSec, 2)}× verifying itself; ` +
      `${fmt(follower.perCpuSec)} per CPU-second, ${fmt(follower.coresUsed, 2)} cores)`,
  );

  // ---------------------------------------------------------------- ratios
  const ratio = bPerSec / verifyPerSec;
  // Per core used = per CPU-second: both runs are charged only the CPU they got, which also keeps
  // the ratio meaningful when other processes compete for the cores.
  console.log('ratios (target: (b) ≥ 40% of (a) per core used)');
  line('(b) / (a), wall clock', `${fmt(ratio * 100, 1)} %`);
  line('(b) / (a) per core used (per CPU-second)', `${fmt(perCoreRatio * 100, 1)} %`);
  line('load average at start / end (1 min)', `${fmt(load0, 2)} / ${fmt(os.loadavg()[0] ?? 0, 2)}`);

  if (opts.json) {
    console.log(
      JSON.stringify({
        bench: 'ledger',
        options: opts,
        node: process.versions.node,
        cores,
        verifyPerSec,
        verifyPerCpuSec,
        verifyBefore,
        verifyAfter,
        loadAverage: [load0, os.loadavg()[0] ?? 0],
        pipeline: { ...pipeline, blocks: pipeline.blocks.length, coresUsed, perCpuSec: bPerCpuSec },
        checkerPerSec: checker.txPerSec,
        ordererPerSec: ordering.txPerSec,
        executorColdPerSec: cold.txPerSec,
        executorWarmPerSec: warm.txPerSec,
        follower,
        ratio,
        perCoreRatio,
      }),
    );
  }
}

interface PipelineResult {
  readonly txs: number;
  readonly txPerSec: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  /** Of which system (kernel) time: writes, fsyncs. */
  readonly systemMs: number;
  readonly ok: number;
  readonly failed: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly ackP50: number;
  readonly ackP99: number;
  readonly checkMs: number;
  readonly submitMs: number;
  readonly commitMs: number;
  /** The run's start and end on CLOCK_MONOTONIC, in seconds: `perf report --time start,end` (perf record -k CLOCK_MONOTONIC). */
  readonly monotonic: readonly [string, string];
  readonly blocks: Block[];
}

/**
 * (b): a producer keeps up to `window` transactions between submit and commit (clients waiting for
 * their receipts), checking and submitting in slices so the event loop can run the orderer's WAL
 * flushes and the block consumer between them.
 */
async function runPipeline(
  opts: LedgerBenchOptions,
  txs: readonly SignedTransaction[],
  txIds: readonly string[],
  node: { readonly chain: Chain; readonly orderer: SoloOrderer },
): Promise<PipelineResult> {
  const { chain, orderer } = node;
  const fromHeight = chain.head().height + 1;
  const submittedAt = new Map<string, number>();
  const latencies: number[] = [];
  const acks: number[] = [];
  const blocks: Block[] = [];
  let next = 0;
  let committed = 0;
  let ok = 0;
  let failed = 0;
  let checkMs = 0;
  let submitMs = 0;
  let commitMs = 0;
  let wake: (() => void) | undefined;
  let failure: unknown;

  const mono0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const consumer = (async () => {
    for await (const block of orderer.blocks(CHAIN, fromHeight)) {
      const s = performance.now();
      const result = chain.commitBlock(block);
      const done = performance.now();
      commitMs += done - s;
      blocks.push(block);
      for (const r of result.receipts) {
        latencies.push(done - (submittedAt.get(r.txId) as number));
        submittedAt.delete(r.txId);
        if (r.status === 'ok') ok++;
        else failed++;
      }
      committed += block.txs.length;
      wake?.();
      if (committed >= txs.length) return;
    }
  })();
  const producer = (async () => {
    while (next < txs.length && failure === undefined) {
      let slice = 0;
      while (next < txs.length && next - committed < opts.window && slice < 250) {
        const tx = txs[next] as SignedTransaction;
        const s = performance.now();
        submittedAt.set(txIds[next] as string, s);
        chain.checker.check(tx);
        const c = performance.now();
        orderer.submit(tx).then(
          () => acks.push(performance.now() - s),
          (err: unknown) => {
            failure ??= err;
            wake?.();
          },
        );
        const d = performance.now();
        checkMs += c - s;
        submitMs += d - c;
        next++;
        slice++;
      }
      await new Promise<void>((resolve) => {
        if (next - committed < opts.window) setImmediate(resolve);
        else wake = resolve;
      });
      wake = undefined;
    }
  })();
  await producer;
  if (failure !== undefined) throw failure;
  await consumer;
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const mono1 = process.hrtime.bigint();
  latencies.sort((a, b) => a - b);
  acks.sort((a, b) => a - b);
  return {
    txs: txs.length,
    txPerSec: (txs.length / wallMs) * 1000,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    systemMs: cpu.system / 1000,
    ok,
    failed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] as number,
    ackP50: percentile(acks, 50),
    ackP99: percentile(acks, 99),
    checkMs,
    submitMs,
    commitMs,
    monotonic: [seconds(mono0), seconds(mono1)],
    blocks,
  };
}

/** Nanoseconds as seconds with microsecond digits, as perf prints times. */
function seconds(ns: bigint): string {
  return `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n)
    .padStart(9, '0')
    .slice(0, 6)}`;
}

/** A node's chain and the solo orderer it reads blocks from, both fresh. */
async function openPipeline(
  opts: LedgerBenchOptions,
  openChain: (dir: string) => Chain,
  ordererKeyPem: string,
): Promise<{ chain: Chain; orderer: SoloOrderer }> {
  const chain = openChain(tempDir('bsn-bench-chain-'));
  const orderer = await SoloOrderer.open({
    dir: tempDir('bsn-bench-orderer-'),
    id: ORDERER_ID,
    keyPem: ordererKeyPem,
    maxTxPerBlock: opts.block,
    maxBlockDelayMs: opts.delay,
    maxPending: Math.max(opts.window * 2, 10_000),
  });
  return { chain, orderer };
}

/** The gateway's pre-ordering checks alone, on a fresh chain (cold signature and certificate caches). */
function checkerOnly(txs: readonly SignedTransaction[], openChain: (dir: string) => Chain) {
  const chain = openChain(tempDir('bsn-bench-checker-'));
  const t = performance.now();
  for (const tx of txs) chain.checker.check(tx);
  const ms = performance.now() - t;
  chain.close();
  return { txPerSec: (txs.length / ms) * 1000 };
}

/** The orderer alone: every transaction submitted, at most `window` not yet in a durable block, until all are ordered. */
async function ordererOnly(opts: LedgerBenchOptions, txs: readonly SignedTransaction[], keyPem: string) {
  const orderer = await SoloOrderer.open({
    dir: tempDir('bsn-bench-orderer-only-'),
    id: ORDERER_ID,
    keyPem,
    maxTxPerBlock: opts.block,
    maxBlockDelayMs: opts.delay,
    maxPending: Math.max(opts.window * 2, 10_000),
  });
  const t = performance.now();
  let ordered = 0;
  let wake: (() => void) | undefined;
  const consumer = (async () => {
    for await (const block of orderer.blocks(CHAIN, 1)) {
      ordered += block.txs.length;
      wake?.();
      if (ordered >= txs.length) return;
    }
  })();
  let failure: unknown;
  for (let i = 0; i < txs.length && failure === undefined; i++) {
    if (i - ordered >= opts.window) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
    orderer.submit(txs[i] as SignedTransaction).catch((err: unknown) => {
      failure ??= err;
    });
    if (i % 250 === 249) await new Promise((resolve) => setImmediate(resolve));
  }
  if (failure !== undefined) throw failure;
  await consumer;
  const ms = performance.now() - t;
  await orderer.close();
  return { txPerSec: (txs.length / ms) * 1000 };
}

/** Commits pre-built blocks on a fresh chain (after `before`, untimed); with `prechecked`, the chain's checker has verified every transaction first (untimed). */
function executorOnly(
  before: readonly Block[],
  blocks: readonly Block[],
  openChain: (dir: string) => Chain,
  prechecked: boolean,
) {
  const chain = openChain(tempDir('bsn-bench-executor-'));
  for (const b of before) chain.commitBlock(b); // the warm-up's blocks, untimed
  if (prechecked) for (const b of blocks) for (const tx of b.txs) chain.checker.check(tx);
  const perBlock: number[] = [];
  let n = 0;
  const t = performance.now();
  for (const b of blocks) {
    const s = performance.now();
    const r = chain.commitBlock(b);
    perBlock.push(performance.now() - s);
    n += r.receipts.length;
  }
  const ms = performance.now() - t;
  chain.close();
  perBlock.sort((a, b) => a - b);
  return { txPerSec: (n / ms) * 1000, blockP50: percentile(perBlock, 50) };
}

/**
 * Commits pre-built blocks on a fresh chain (after `before`, untimed) as a PCN follows a chain:
 * Chain.preverify of up to 4 blocks ahead on a pool of `threads`, then commitBlock of each.
 */
async function followerWithPool(
  before: readonly Block[],
  blocks: readonly Block[],
  openChain: (dir: string) => Chain,
  threads: number,
) {
  const chain = openChain(tempDir('bsn-bench-follower-'));
  for (const b of before) chain.commitBlock(b);
  const pool = new SignaturePool({ threads });
  await pool.verify([]); // nothing: the threads start with the first batch, inside the timing
  const ahead: Promise<number>[] = [];
  let next = 0;
  let n = 0;
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const fill = () => {
    while (next < blocks.length && ahead.length < 4)
      ahead.push(chain.preverify(blocks[next++] as Block, pool));
  };
  fill();
  for (const b of blocks) {
    await ahead.shift();
    fill();
    n += chain.commitBlock(b).receipts.length;
  }
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  await pool.close();
  chain.close();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { txPerSec: (n / ms) * 1000, perCpuSec: (n / cpuMs) * 1000, coresUsed: cpuMs / ms };
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
