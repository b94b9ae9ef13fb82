/**
 * One chain hosted by this PCN: follows the chain's blocks from the ordering service, executes
 * and commits each, signs a commit vote, exchanges votes with the other hosting PCNs, stores the
 * commit certificate that forms, and halts the chain if a certificate contradicts its own result.
 *
 * Waiters (a client that submitted with `?wait=final`) and event subscribers are served from here.
 */
import type { KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  type Block,
  type CommitCertificate,
  type CommitStatement,
  type CommitVote,
  type KeyInput,
  parsePrivateKey,
  parsePublicKey,
  quorumSize,
  type Receipt,
  signCommitVote,
} from '@bsn/core';
import type { Chain, SignaturePool } from '@bsn/ledger';
import type { Orderer } from '@bsn/ordering';
import type { Logger } from 'pino';
import type { NodeMetrics } from './metrics.js';
import type { PeerClient } from './peer-network.js';
import { readAhead } from './read-ahead.js';
import { VoteCollector } from './vote-collector.js';

/** A hosting PCN as this node knows it. */
export interface HostInfo {
  readonly id: string;
  readonly publicKey: KeyInput;
  /** Base URL of its peer (mTLS) endpoint, e.g. https://127.0.0.1:7101. */
  readonly p2pUrl: string;
}

/** What a committed block produced, as reported to listeners. */
export interface CommittedBlock {
  readonly chain: string;
  readonly height: number;
  readonly blockHash: string;
  readonly stateRoot: string;
  readonly receiptsRoot: string;
  readonly receipts: readonly Receipt[];
  readonly block: Block;
}

/** Options of a {@link HostedChain}. */
export interface HostedChainOptions {
  readonly chainId: string;
  readonly selfId: string;
  readonly keyPem: string;
  /** Called before a block is executed: lets a service chain wait until the system chain it depends on is current. */
  readonly beforeExecute?: (block: Block) => Promise<void>;
  /** How long to wait for peers' votes before asking them directly. */
  readonly votePullDelayMs?: number;
}

/** Modules a {@link HostedChain} works with. */
export interface HostedChainModules {
  readonly chain: Chain;
  readonly orderer: Orderer;
  readonly peers: PeerClient;
  readonly log: Logger;
  readonly metrics: NodeMetrics;
  /**
   * Threads that verify the signatures of the next blocks while one executes (see
   * Chain.preverify); without it, each block's signatures are verified as it executes.
   */
  readonly signatures?: SignaturePool;
}

/** Blocks asked for ahead of the one executing, their signatures verified meanwhile. */
const READ_AHEAD_BLOCKS = 4;

/** Health of a hosted chain. */
export interface HostedChainStatus {
  readonly chain: string;
  readonly height: number;
  readonly certifiedHeight: number;
  readonly halted: false | { readonly height: number; readonly reason: string };
}

/** A comparable description of a hosting set (order-independent). */
function hostsKey(hosts: readonly HostInfo[]): string {
  return hosts
    .map(
      (h) =>
        `${h.id}\u0000${h.p2pUrl}\u0000${typeof h.publicKey === 'string' ? h.publicKey : h.publicKey.export({ type: 'spki', format: 'pem' })}`,
    )
    .sort()
    .join('\u0001');
}

/** A chain this PCN hosts, from block stream to commit certificate. */
export class HostedChain extends EventEmitter {
  readonly id: string;
  readonly #opts: HostedChainOptions;
  readonly #m: HostedChainModules;
  /** The node key, parsed once (parsing the PEM for every vote cost more than signing it). */
  readonly #signingKey: KeyObject;
  #hosts = new Map<string, HostInfo>();
  #collector: VoteCollector;
  #abort = new AbortController();
  #loop: Promise<void> | undefined;
  #halted: false | { height: number; reason: string } = false;
  #certifiedHeight = 0;
  readonly #pullTimers = new Map<number, NodeJS.Timeout>();

  constructor(opts: HostedChainOptions, modules: HostedChainModules, hosts: readonly HostInfo[]) {
    super();
    this.setMaxListeners(0);
    this.id = opts.chainId;
    this.#opts = opts;
    this.#m = modules;
    this.#signingKey = parsePrivateKey(opts.keyPem);
    this.#collector = this.#newCollector(hosts);
    this.#certifiedHeight = this.#contiguousCertified();
  }

  get chain(): Chain {
    return this.#m.chain;
  }

  #newCollector(hosts: readonly HostInfo[]): VoteCollector {
    this.#hosts = new Map(hosts.map((h) => [h.id, h]));
    return new VoteCollector({
      chain: this.id,
      // Parse each host's key once: a vote is checked per host per height.
      hosts: new Map(hosts.map((h) => [h.id, parsePublicKey(h.publicKey)])),
      quorum: quorumSize(Math.max(1, hosts.length)),
    });
  }

  /**
   * The highest height up to which every height has a stored certificate. Reported as the chain's
   * certified height, so a gap (a height whose certificate was never gathered) stays visible in
   * health and is re-requested, instead of hiding under a later certificate.
   */
  #contiguousCertified(from = 0): number {
    let h = from;
    while (h < this.#m.chain.height() && this.#m.chain.certificate(h + 1)) h++;
    return h;
  }

  /** Replaces the hosting set (system chain: when membership changes). Votes already collected are re-checked. */
  setHosts(hosts: readonly HostInfo[]): void {
    // Called after every system-chain block: rebuild (and re-check pooled votes) only on a change.
    if (hostsKey(hosts) === hostsKey([...this.#hosts.values()])) return;
    const old = this.#collector;
    this.#collector = this.#newCollector(hosts);
    for (let h = this.#certifiedHeight + 1; h <= this.#m.chain.height(); h++) {
      const head = this.#statementAt(h);
      if (head) this.#collector.setOwn(head);
      for (const v of old.votes(h)) this.#accept(v);
    }
  }

  /** The hosting PCNs. */
  hosts(): readonly HostInfo[] {
    return [...this.#hosts.values()];
  }

  get quorum(): number {
    return this.#collector.quorum;
  }

  status(): HostedChainStatus {
    return {
      chain: this.id,
      height: this.#m.chain.height(),
      certifiedHeight: this.#certifiedHeight,
      halted: this.#halted,
    };
  }

  get halted(): false | { readonly height: number; readonly reason: string } {
    return this.#halted;
  }

  /** Starts following the chain's blocks. */
  start(): void {
    if (this.#loop) return;
    // Re-announce our votes for committed but uncertified heights (after a restart peers may need them).
    for (let h = this.#certifiedHeight + 1; h <= this.#m.chain.height(); h++) {
      const s = this.#statementAt(h);
      if (s) this.#vote(s);
    }
    this.#loop = this.#run().catch((err: unknown) => {
      if (this.#abort.signal.aborted) return;
      this.#m.log.error({ chain: this.id, err }, 'chain follower stopped with an error');
      this.emit('error-stopped', err);
    });
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted && !this.#halted) {
      // Each stream ends with its own pass of the loop: blocks it was asked for ahead of the one
      // executing must not keep it (and its connection) waiting once the loop has moved on.
      const stream = new AbortController();
      try {
        const source = this.#m.orderer.blocks(
          this.id,
          this.#m.chain.height() + 1,
          AbortSignal.any([signal, stream.signal]),
        );
        const pool = this.#m.signatures;
        const blocks = pool
          ? readAhead(source, (block) => this.#preverify(block, pool), READ_AHEAD_BLOCKS)
          : source;
        for await (const block of blocks) {
          if (this.#halted) return;
          if (this.#opts.beforeExecute) await this.#opts.beforeExecute(block);
          this.#commit(block);
        }
      } catch (err) {
        stream.abort();
        if (signal.aborted) return;
        this.#m.log.warn(
          { chain: this.id, err: (err as Error).message },
          'block stream interrupted; resuming',
        );
        await new Promise((r) => setTimeout(r, 500));
      } finally {
        stream.abort();
      }
    }
  }

  async #preverify(block: Block, pool: SignaturePool): Promise<void> {
    const verified = await this.#m.chain.preverify(block, pool);
    if (verified > 0) this.#m.metrics.signaturesPreverifiedTotal.inc({ chain: this.id }, verified);
  }

  #statementAt(height: number): CommitStatement | undefined {
    return this.#m.chain.statement(height);
  }

  #commit(block: Block): void {
    const started = process.hrtime.bigint();
    const result = this.#m.chain.commitBlock(block);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.#m.metrics.blockCommitSeconds.observe({ chain: this.id }, seconds);
    this.#m.metrics.transactionsTotal.inc({ chain: this.id }, result.receipts.length);
    this.#m.metrics.chainHeight.set({ chain: this.id }, result.height);
    const statement: CommitStatement = {
      chain: this.id,
      height: result.height,
      blockHash: result.blockHash,
      stateRoot: result.stateRoot,
      receiptsRoot: result.receiptsRoot,
    };
    const committed: CommittedBlock = { ...statement, receipts: result.receipts, block };
    this.emit('committed', committed);
    this.#vote(statement);
  }

  #vote(statement: CommitStatement): void {
    const outcome = this.#collector.setOwn(statement);
    if (outcome.kind === 'certified') this.#onCertificate(outcome.certificate, outcome.agreesWithOwn);
    const vote = signCommitVote(statement, this.#opts.selfId, this.#signingKey);
    this.#accept(vote);
    const others = [...this.#hosts.values()].filter((h) => h.id !== this.#opts.selfId);
    for (const peer of others) void this.#m.peers.sendVotes(peer.p2pUrl, [vote]);
    this.#schedulePull(statement.height);
  }

  #schedulePull(height: number): void {
    if (this.#pullTimers.has(height)) return;
    const delay = this.#opts.votePullDelayMs ?? 1500;
    const timer = setTimeout(async () => {
      this.#pullTimers.delete(height);
      if (this.#abort.signal.aborted || this.#m.chain.certificate(height)) return;
      const others = [...this.#hosts.values()].filter((h) => h.id !== this.#opts.selfId);
      const batches = await Promise.all(
        others.map((p) => this.#m.peers.fetchVotes(p.p2pUrl, this.id, height)),
      );
      for (const votes of batches) for (const v of votes) this.#accept(v);
      if (!this.#m.chain.certificate(height) && !this.#halted) this.#schedulePull(height);
    }, delay);
    timer.unref();
    this.#pullTimers.set(height, timer);
  }

  /** Takes a vote from a peer (or self). */
  receiveVote(vote: CommitVote): void {
    if (vote.chain !== this.id) return;
    // A late vote for a height certified here adds nothing, and would open a pool slot for a
    // pruned height that is never certified again (so never pruned).
    if (this.#m.chain.certificate(vote.height)) return;
    this.#accept(vote);
  }

  #accept(vote: CommitVote): void {
    const outcome = this.#collector.add(vote);
    if (outcome.kind === 'ignored') {
      if (!outcome.reason.startsWith('duplicate'))
        this.#m.log.debug({ chain: this.id, reason: outcome.reason }, 'vote ignored');
      return;
    }
    if (outcome.kind === 'certified') this.#onCertificate(outcome.certificate, outcome.agreesWithOwn);
  }

  #onCertificate(cert: CommitCertificate, agreesWithOwn: boolean | null): void {
    if (agreesWithOwn === false) {
      this.#halt(
        cert.height,
        "this node's state root disagrees with the commit certificate of the hosting nodes",
      );
      return;
    }
    if (agreesWithOwn === null) return; // not executed here yet: stored when we reach it (setOwn reports it)
    if (this.#m.chain.certificate(cert.height)) return;
    this.#m.chain.saveCertificate(cert);
    this.#certifiedHeight = this.#contiguousCertified(this.#certifiedHeight);
    this.#m.metrics.certifiedHeight.set({ chain: this.id }, this.#certifiedHeight);
    this.#collector.prune(cert.height - 16);
    this.emit('certified', cert);
  }

  #halt(height: number, reason: string): void {
    if (this.#halted) return;
    this.#halted = { height, reason };
    this.#m.metrics.chainHalted.set({ chain: this.id }, 1);
    this.#m.log.error(
      { chain: this.id, height, reason },
      'CHAIN HALTED: results disagree with a commit certificate',
    );
    this.#abort.abort();
    this.emit('halted', this.#halted);
  }

  /**
   * Votes known at a height: the stored certificate's and any others in the pool. The certificate's
   * come first and always: after pruning, the pool may hold only a catching-up peer's own vote, and
   * answering that peer with the pool alone would never let it certify the height.
   */
  votes(height: number): readonly CommitVote[] {
    const pooled = this.#collector.votes(height);
    const cert = this.#m.chain.certificate(height);
    if (!cert) return pooled;
    const signed = new Set(cert.votes.map((v) => v.pcn));
    const fromCert = cert.votes.map((v) => ({
      chain: cert.chain,
      height: cert.height,
      blockHash: cert.blockHash,
      stateRoot: cert.stateRoot,
      receiptsRoot: cert.receiptsRoot,
      ...v,
    }));
    return [...fromCert, ...pooled.filter((v) => !signed.has(v.pcn))];
  }

  /** Stops following blocks and closes the chain's store. */
  async stop(): Promise<void> {
    this.#abort.abort();
    for (const t of this.#pullTimers.values()) clearTimeout(t);
    await this.#loop;
    this.#m.chain.close();
  }
}
