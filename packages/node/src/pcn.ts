/**
 * A city node (PCN): hosts the system chain and every service chain the system chain places on it.
 *
 * One process per PCN. It follows each hosted chain's blocks from the ordering service, executes
 * and commits them, exchanges commit votes with the other hosting PCNs over mutual TLS, and serves
 * the gateway API. What it hosts follows the system chain: when a service placed on this PCN
 * appears there, the node opens its chain and starts following it.
 */
import { X509Certificate } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Block, BsnError, type CommitVote, type ContractEvent, parsePublicKey } from '@bsn/core';
import {
  Chain,
  type ContractCode,
  type ContractRuntime,
  defaultSignatureThreads,
  NativeRuntime,
  SignaturePool,
  type TransactionAuthorizer,
  type TransactionChecker,
} from '@bsn/ledger';
import type { Orderer } from '@bsn/ordering';
import { createJsRuntime } from '@bsn/runtime-js';
import {
  checkMethodAccess,
  contractVersionAt,
  registerSystemContracts,
  type ServiceRecord,
  SYSTEM_CHAIN,
  serviceChainId,
  systemContractResolver,
} from '@bsn/system';
import pino, { type Logger } from 'pino';
import type { LoadedPcnConfig } from './config.js';
import { faultyRuntime } from './fault-injection.js';
import { HostedChain, type HostedChainModules, type HostInfo } from './hosted-chain.js';
import { createNodeMetrics, type NodeMetrics } from './metrics.js';
import { PeerClient, type PeerTls, startPeerServer } from './peer-network.js';
import { bundleVerifier, splitPemBundle, systemRevocations } from './signer-verifier.js';
import { SystemView } from './system-view.js';
import './errors.js';

/** Collaborators a {@link Pcn} is built with (replaceable in tests). */
export interface PcnModules {
  readonly orderer: Orderer;
  /** Asks the ordering service for a chain's current height (used to know the system chain is current). */
  readonly ordererHeight: (chain: string) => Promise<number>;
  readonly log?: Logger;
}

/** Event delivered to gateway subscribers of a chain. */
export interface ChainEventRecord {
  readonly height: number;
  readonly txIndex: number;
  readonly eventIndex: number;
  readonly txId: string;
  readonly event: ContractEvent;
}

/** The node certificate's SHA-256 fingerprint, as the system chain records it and TLS reports it. */
function fingerprintOfPem(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replaceAll(':', '').toLowerCase();
}

/** A running PCN. */
export class Pcn {
  readonly id: string;
  readonly config: LoadedPcnConfig;
  readonly log: Logger;
  readonly metrics: NodeMetrics;
  readonly system: HostedChain;
  readonly systemView: SystemView;
  readonly #chains = new Map<string, HostedChain>();
  readonly #runtimes: ReadonlyMap<string, ContractRuntime>;
  readonly #orderer: Orderer;
  /** Threads verifying the signatures of blocks ahead of their execution (shared by every chain). */
  readonly #signatures: SignaturePool | undefined;
  readonly #ordererHeight: (chain: string) => Promise<number>;
  readonly #peers: PeerClient;
  readonly #verifier: ReturnType<typeof bundleVerifier>;
  readonly #ordererKeys: ReadonlyMap<string, ReturnType<typeof parsePublicKey>>;
  #peerServer: Awaited<ReturnType<typeof startPeerServer>> | undefined;
  #memberFingerprints = new Set<string>();
  #stopped = false;
  readonly fingerprint: string;

  private constructor(
    config: LoadedPcnConfig,
    modules: PcnModules,
    runtimes: ReadonlyMap<string, ContractRuntime>,
    log: Logger,
  ) {
    this.id = config.id;
    this.config = config;
    this.log = log;
    this.metrics = createNodeMetrics();
    this.#orderer = modules.orderer;
    this.#ordererHeight = modules.ordererHeight;
    this.#runtimes = runtimes;
    this.fingerprint = fingerprintOfPem(splitPemBundle(config.certPem)[0] ?? config.certPem);
    const ordererCert = splitPemBundle(config.ordererCertPem)[0] ?? config.ordererCertPem;
    this.#ordererKeys = new Map([
      [config.orderer.id, parsePublicKey(new X509Certificate(ordererCert).publicKey)],
    ]);
    const threads = config.signatureThreads ?? defaultSignatureThreads();
    this.#signatures =
      threads > 0
        ? new SignaturePool({
            threads,
            onWorkerError: (err) =>
              log.warn(
                { err: err.message },
                'signature thread failed; blocks verify their own signatures meanwhile',
              ),
          }).start()
        : undefined;
    const tls: PeerTls = { certPem: config.certPem, keyPem: config.keyPem, caPem: config.rootCertPem };
    this.#peers = new PeerClient(tls);
    mkdirSync(config.dataDir, { recursive: true });

    // The system chain first: everything else is decided by it.
    let systemView: SystemView | undefined;
    this.#verifier = bundleVerifier(
      config.rootCertPem,
      systemRevocations((fp) => (systemView ? systemView.revocation(fp) : null)),
    );
    const systemChain = Chain.open({
      path: join(config.dataDir, `${SYSTEM_CHAIN}.sqlite`),
      chain: SYSTEM_CHAIN,
      runtimes: this.#runtimesFor(SYSTEM_CHAIN),
      contracts: systemContractResolver(),
      certificates: this.#verifier,
      ordererKeys: this.#ordererKeys,
    });
    systemView = new SystemView(systemChain);
    this.systemView = systemView;
    this.system = new HostedChain(
      { chainId: SYSTEM_CHAIN, selfId: this.id, keyPem: config.keyPem },
      this.#chainModules(systemChain, log),
      this.#systemHosts(),
    );
    this.system.on('committed', () => this.#onSystemCommitted());
    this.#register(this.system);
  }

  #runtimesFor(chain: string): ReadonlyMap<string, ContractRuntime> {
    const fault = this.config.faults?.corruptWriteOnChain;
    if (fault === undefined || fault !== chain) return this.#runtimes;
    this.log.warn({ chain }, 'TEST FAULT ENABLED: one state write per block of this chain is corrupted');
    return new Map([...this.#runtimes].map(([name, rt]) => [name, faultyRuntime(rt)]));
  }

  /** Starts a PCN from its configuration. */
  static async start(config: LoadedPcnConfig, modules: PcnModules): Promise<Pcn> {
    const log = modules.log ?? pino({ name: 'bsn-node', level: config.logLevel, base: { pcn: config.id } });
    const native = registerSystemContracts(new NativeRuntime());
    const js = await createJsRuntime();
    const runtimes = new Map<string, ContractRuntime>([
      ['native', native],
      ['js', js],
    ]);
    const pcn = new Pcn(config, modules, runtimes, log.child({ module: 'pcn' }));
    await pcn.#start();
    return pcn;
  }

  async #start(): Promise<void> {
    this.#refreshMembership();
    this.#peerServer = await startPeerServer(
      { certPem: this.config.certPem, keyPem: this.config.keyPem, caPem: this.config.rootCertPem },
      this.config.p2p,
      {
        isMember: (fp) => this.#memberFingerprints.has(fp),
        onVotes: (votes) => this.#onPeerVotes(votes),
        votes: (chain, height) => this.#chains.get(chain)?.votes(height),
        certificate: (chain, height) => this.#chains.get(chain)?.chain.certificate(height),
      },
      this.log.child({ module: 'p2p' }),
    );
    this.system.start();
    this.#syncServices();
    this.log.info(
      {
        pcn: this.id,
        p2p: `${this.config.p2p.host}:${this.#peerServer.port}`,
        systemHeight: this.system.chain.height(),
      },
      'PCN started',
    );
  }

  /** Chains hosted here. */
  chains(): readonly HostedChain[] {
    return [...this.#chains.values()];
  }

  /** A hosted chain, or undefined when this PCN does not host it. */
  chain(id: string): HostedChain | undefined {
    return this.#chains.get(id);
  }

  /**
   * The pre-ordering checker of a hosted chain: the chain's own, so it checks with the chain's
   * limits and hash, and a signature it verified is not verified again when its block executes.
   */
  checker(chainId: string): TransactionChecker | undefined {
    return this.#chains.get(chainId)?.chain.checker;
  }

  get orderer(): Orderer {
    return this.#orderer;
  }

  get verifier(): ReturnType<typeof bundleVerifier> {
    return this.#verifier;
  }

  #register(hosted: HostedChain): void {
    this.#chains.set(hosted.id, hosted);
  }

  #systemHosts(): HostInfo[] {
    const pcns = this.systemView.pcns();
    return pcns.map((p) => ({
      id: p.id,
      publicKey: splitPemBundle(p.certPem)[0] ?? p.certPem,
      p2pUrl: p.p2p,
    }));
  }

  #refreshMembership(): void {
    const pcns = this.systemView.pcns();
    this.#memberFingerprints = new Set(pcns.map((p) => p.fingerprint));
  }

  #onSystemCommitted(): void {
    this.#refreshMembership();
    this.system.setHosts(this.#systemHosts());
    for (const hosted of this.#chains.values()) {
      if (hosted === this.system) continue;
      const name = hosted.id.slice('svc-'.length);
      const service = this.systemView.service(name);
      if (service) hosted.setHosts(this.#serviceHosts(service));
    }
    this.#syncServices();
  }

  #serviceHosts(service: ServiceRecord): HostInfo[] {
    const hosts: HostInfo[] = [];
    for (const id of service.pcns) {
      const p = this.systemView.pcn(id);
      if (p && p.status === 'active')
        hosts.push({ id: p.id, publicKey: splitPemBundle(p.certPem)[0] ?? p.certPem, p2pUrl: p.p2p });
    }
    return hosts;
  }

  /** Opens the chains of services newly placed on this PCN. */
  #syncServices(): void {
    if (this.#stopped) return;
    for (const name of this.systemView.servicesOf(this.id)) {
      const service = this.systemView.service(name);
      if (service?.status !== 'active') continue;
      const chainId = service.chain ?? serviceChainId(name);
      if (this.#chains.has(chainId)) continue;
      this.#openService(service, chainId);
    }
  }

  #contractResolver(serviceName: string) {
    const cache = new Map<string, ContractCode>();
    return (name: string, height: number): ContractCode | undefined => {
      const service = this.systemView.service(serviceName);
      if (!service || name !== service.contract) return undefined;
      // The code in force for a service block is the version recorded on the system chain before
      // that block's time (see beforeExecute: the system chain is current up to it).
      const hosted = this.#chains.get(service.chain);
      // The block's own time when it is committed or being executed; for the gateway's pre-check
      // of a transaction not yet ordered, now (its block will be cut no earlier).
      const executing = this.#executing.get(service.chain);
      const blockTime =
        hosted?.chain.block(height)?.header.time ??
        (executing?.height === height ? executing.time : Date.now());
      // A version recorded in system block h is in force from system height h+1, i.e. for service
      // blocks whose time is after block h's: versions as of (last system block before t) + 1.
      const version =
        contractVersionAt(service, this.systemView.heightBefore(blockTime) + 1) ?? service.versions[0];
      if (!version) return undefined;
      const cached = cache.get(version.codeHash);
      if (cached) return cached;
      const code = this.systemView.bundle(version.codeHash);
      if (code === undefined) return undefined;
      const cc: ContractCode = {
        name: service.contract,
        runtime: service.runtime,
        code,
        codeHash: version.codeHash,
      };
      cache.set(version.codeHash, cc);
      return cc;
    };
  }

  /**
   * The service's access rules as they stood for a block: the service record at the last system
   * height before the block's time (every hosting node holds it before executing, see
   * #systemCurrentFor), so the verdict is the same on every node and on replay. The gateway checks
   * the same rules before ordering; this check covers transactions that reached the orderer some
   * other way, and rules that changed between submit and execution.
   */
  #serviceAccess(name: string): TransactionAuthorizer {
    // The record depends on the block's time alone; SystemView reads it once per system height.
    return (caller, _contract, method, block) => {
      const record = this.systemView.service(name, this.systemView.heightBefore(block.time));
      if (!record) {
        return {
          code: 'BSN_SYSTEM_SERVICE_NOT_ACTIVE',
          message: `service "${name}" did not exist at this block's time`,
        };
      }
      const access = checkMethodAccess(record, caller.org, caller.role, method);
      return access.ok ? undefined : { code: access.code, message: access.message };
    };
  }

  /** The service block being executed per chain (height and orderer time), set just before execution. */
  readonly #executing = new Map<string, { height: number; time: number }>();

  #openService(service: ServiceRecord, chainId: string): void {
    const chain = Chain.open({
      path: join(this.config.dataDir, `${chainId}.sqlite`),
      chain: chainId,
      runtimes: this.#runtimesFor(chainId),
      contracts: this.#contractResolver(service.name),
      certificates: this.#verifier,
      authorize: this.#serviceAccess(service.name),
      ordererKeys: this.#ordererKeys,
    });
    const hosted = new HostedChain(
      {
        chainId,
        selfId: this.id,
        keyPem: this.config.keyPem,
        beforeExecute: async (block) => {
          this.#executing.set(chainId, { height: block.header.height, time: block.header.time });
          await this.#systemCurrentFor(block);
        },
      },
      this.#chainModules(chain, this.log),
      this.#serviceHosts(service),
    );
    this.#register(hosted);
    hosted.start();
    this.log.info({ chain: chainId, service: service.name, hosts: service.pcns }, 'hosting service chain');
  }

  /**
   * Waits until this node's system chain holds every system block older than `block`, so that
   * revocations, organisations and contract versions read during its execution are the same on
   * every node (one orderer clock orders both chains' block times).
   */
  async #systemCurrentFor(block: Block): Promise<void> {
    if (this.systemView.headTime() >= block.header.time) return;
    const target = await this.#ordererHeight(SYSTEM_CHAIN);
    while (
      !this.#stopped &&
      this.system.chain.height() < target &&
      this.systemView.headTime() < block.header.time
    ) {
      await new Promise<void>((resolve) => this.system.once('committed', () => resolve()));
    }
  }

  #onPeerVotes(votes: readonly CommitVote[]): void {
    for (const v of votes) {
      if (typeof v !== 'object' || v === null || typeof v.chain !== 'string') continue;
      this.#chains.get(v.chain)?.receiveVote(v);
    }
  }

  /** Base URL of the peer endpoint actually listening. */
  get p2pPort(): number | undefined {
    return this.#peerServer?.port;
  }

  /** What every hosted chain of this PCN works with. */
  #chainModules(chain: Chain, log: Logger): HostedChainModules {
    return {
      chain,
      orderer: this.#orderer,
      peers: this.#peers,
      log,
      metrics: this.metrics,
      ...(this.#signatures ? { signatures: this.#signatures } : {}),
    };
  }

  /** Stops every chain, the peer server, the peer client and the signature threads. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#peerServer?.server.close();
    for (const hosted of this.#chains.values()) await hosted.stop();
    await this.#signatures?.close();
    this.#peers.close();
    await this.#orderer.close();
    this.log.info({ pcn: this.id }, 'PCN stopped');
  }
}

/** Thrown when a request names a chain this PCN does not host. */
export function chainNotHosted(chain: string): BsnError {
  return new BsnError('BSN_GATEWAY_CHAIN_NOT_HOSTED', `this PCN does not host chain "${chain}"`, {
    details: { chain },
  });
}
