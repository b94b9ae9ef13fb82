/**
 * Threads that verify transaction signatures off the thread that executes blocks. A PCN commits
 * blocks whose transactions mostly came in through other PCNs' gateways, so it verifies them
 * itself while it commits: one P-256 verification per transaction, on the same thread as execution.
 * With a pool, {@link Chain.preverify} hands a block's signatures to the pool while the previous
 * block executes, and commitBlock then finds them verified (see VerifiedSignatures).
 *
 * A pool only ever says "this signature verified", with the chain's own verification function; a
 * signature it did not verify (refused, or a worker that failed) is verified by commitBlock as
 * before, so a pool changes how fast a block commits and never what it commits.
 */
import type { KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { BsnError } from '@bsn/core';

/** One signature to verify: `signature` (64 bytes, r ‖ s) over `data` under `key`. */
export interface SignatureJob {
  readonly key: KeyObject;
  readonly data: Uint8Array;
  readonly signature: Uint8Array;
}

/** A batch as sent to a worker: keys once each (SPKI DER), the data of all jobs in one buffer. */
export interface SignatureBatch {
  readonly id: number;
  readonly keys: readonly Uint8Array[];
  readonly keyIndex: Uint32Array;
  /** Job i's data is data[offsets[i], offsets[i + 1]). */
  readonly offsets: Uint32Array;
  readonly data: Uint8Array;
  /** 64 bytes per job. */
  readonly signatures: Uint8Array;
}

/** A worker's answer: 1 where the signature verified, 0 where it did not. */
export interface SignatureBatchResult {
  readonly id: number;
  readonly ok: Uint8Array;
}

/**
 * How many signature threads a node runs unless told: one fewer than the machine's cores (the
 * executing thread keeps one), at most 4; none on one core, where a thread would only take turns
 * with the executing one.
 */
export function defaultSignatureThreads(): number {
  return Math.max(0, Math.min(4, availableParallelism() - 1));
}

/** Options of a {@link SignaturePool}. */
export interface SignaturePoolOptions {
  /** Worker threads, 1 to 256. */
  readonly threads: number;
  /** Told when a worker fails or exits unasked (its batches answer 0; the next batch starts another). */
  readonly onWorkerError?: (err: Error) => void;
  /** JavaScript a worker runs instead of this package's signature worker (for tests of failures). */
  readonly workerSource?: string;
}

interface Pending {
  readonly worker: PoolWorker;
  readonly size: number;
  readonly resolve: (ok: Uint8Array) => void;
}

/** SPKI DER of each key, kept while the key object lives. */
const derOf = new WeakMap<KeyObject, Uint8Array>();

function spki(key: KeyObject): Uint8Array {
  let der = derOf.get(key);
  if (der === undefined) {
    der = new Uint8Array(key.export({ type: 'spki', format: 'der' }));
    derOf.set(key, der);
  }
  return der;
}

/** How this module was loaded decides how a worker loads its script: from source (via tsx) or built. */
function spawnWorker(): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const script = new URL('./signature-worker.ts', here).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    // Worker threads do not inherit the tsx loader of the thread that made them: register it first.
    return new Worker(
      `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(script)}); });`,
      { eval: true },
    );
  }
  return new Worker(new URL('./signature-worker.js', here));
}

/** A worker and how many batches it has not answered (it keeps the process alive only while it has some). */
interface PoolWorker {
  readonly thread: Worker;
  busy: number;
}

/** A fixed set of worker threads verifying signatures; see the module comment. */
export class SignaturePool {
  readonly threads: number;
  readonly #onWorkerError: ((err: Error) => void) | undefined;
  readonly #workerSource: string | undefined;
  readonly #workers: PoolWorker[] = [];
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #next = 0;
  #closed = false;

  constructor(options: SignaturePoolOptions) {
    const { threads } = options;
    if (!Number.isSafeInteger(threads) || threads < 1 || threads > 256) {
      throw new BsnError('BSN_INVALID_ARGUMENT', 'signature pool threads must be an integer from 1 to 256', {
        details: { threads },
      });
    }
    this.threads = threads;
    this.#onWorkerError = options.onWorkerError;
    this.#workerSource = options.workerSource;
  }

  /**
   * Verifies `jobs` across the threads; answers 1 per signature that verified and 0 per one that
   * did not or could not be checked (a signature not 64 bytes long, a worker that failed, a closed
   * pool). Never rejects.
   */
  async verify(jobs: readonly SignatureJob[]): Promise<Uint8Array> {
    const ok = new Uint8Array(jobs.length);
    if (jobs.length === 0 || this.#closed) return ok;
    const parts = Math.min(this.threads, jobs.length);
    const per = Math.ceil(jobs.length / parts);
    const answers: Promise<void>[] = [];
    for (let start = 0; start < jobs.length; start += per) {
      const end = Math.min(jobs.length, start + per);
      answers.push(
        this.#send(jobs, start, end).then((part) => {
          ok.set(part, start);
        }),
      );
    }
    await Promise.all(answers);
    return ok;
  }

  /**
   * Starts the threads now rather than with the first batch (a thread loads its code for a while:
   * a node starts them with itself, so its first block does not wait for that).
   */
  start(): this {
    if (!this.#closed) while (this.#workers.length < this.threads) this.#workers.push(this.#start());
    return this;
  }

  /** Ends the threads; verifications still running answer 0. */
  async close(): Promise<void> {
    this.#closed = true;
    const workers = this.#workers.splice(0);
    for (const [id, p] of this.#pending) {
      this.#pending.delete(id);
      p.resolve(new Uint8Array(p.size));
    }
    await Promise.all(workers.map((w) => w.thread.terminate()));
  }

  #send(jobs: readonly SignatureJob[], start: number, end: number): Promise<Uint8Array> {
    const size = end - start;
    const keys: Uint8Array[] = [];
    const keyIds = new Map<KeyObject, number>();
    const keyIndex = new Uint32Array(size);
    const offsets = new Uint32Array(size + 1);
    const signatures = new Uint8Array(64 * size);
    let bytes = 0;
    for (let i = 0; i < size; i++) bytes += (jobs[start + i] as SignatureJob).data.byteLength;
    const data = new Uint8Array(bytes);
    const usable = new Uint8Array(size);
    let at = 0;
    for (let i = 0; i < size; i++) {
      const job = jobs[start + i] as SignatureJob;
      offsets[i] = at;
      data.set(job.data, at);
      at += job.data.byteLength;
      if (job.signature.byteLength !== 64) continue;
      let k = keyIds.get(job.key);
      if (k === undefined) {
        try {
          keys.push(spki(job.key));
        } catch {
          continue;
        }
        k = keys.length - 1;
        keyIds.set(job.key, k);
      }
      keyIndex[i] = k;
      signatures.set(job.signature, 64 * i);
      usable[i] = 1;
    }
    offsets[size] = at;
    const worker = this.#worker();
    const id = this.#nextId++;
    const batch: SignatureBatch = { id, keys, keyIndex, offsets, data, signatures };
    return new Promise<Uint8Array>((resolve) => {
      this.#pending.set(id, {
        worker,
        size,
        // A job the worker could not be given a key or signature for is not verified, whatever it says.
        resolve: (ok) => {
          if (--worker.busy === 0) worker.thread.unref();
          resolve(ok.map((v, i) => v & (usable[i] as number)));
        },
      });
      if (worker.busy++ === 0) worker.thread.ref();
      worker.thread.postMessage(batch, [keyIndex.buffer, offsets.buffer, data.buffer, signatures.buffer]);
    });
  }

  #worker(): PoolWorker {
    this.start();
    const worker = this.#workers[this.#next % this.#workers.length] as PoolWorker;
    this.#next++;
    return worker;
  }

  #start(): PoolWorker {
    const thread =
      this.#workerSource === undefined ? spawnWorker() : new Worker(this.#workerSource, { eval: true });
    thread.unref(); // an idle pool never keeps a process alive
    const worker: PoolWorker = { thread, busy: 0 };
    thread.on('message', (result: SignatureBatchResult) => {
      const p = this.#pending.get(result.id);
      if (p === undefined) return;
      this.#pending.delete(result.id);
      p.resolve(result.ok);
    });
    const fail = (cause: unknown) => {
      // The worker is gone: what it had answers 0 (commitBlock verifies those), and the next batch
      // starts a new one.
      if (!this.#closed) {
        this.#onWorkerError?.(
          cause instanceof Error ? cause : new Error(`signature worker exited with code ${String(cause)}`),
        );
      }
      const i = this.#workers.indexOf(worker);
      if (i >= 0) this.#workers.splice(i, 1);
      for (const [id, p] of this.#pending) {
        if (p.worker !== worker) continue;
        this.#pending.delete(id);
        p.resolve(new Uint8Array(p.size));
      }
    };
    let failed = false;
    const once = (cause: unknown) => {
      if (failed) return;
      failed = true;
      fail(cause);
    };
    thread.on('error', once);
    thread.on('exit', once);
    return worker;
  }
}
