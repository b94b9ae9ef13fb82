/**
 * The gateway: the HTTP API of a PCN, exactly the routes of `@bsn/api` (validated with its
 * schemas), with authentication and authorisation in front of every chain:
 *
 * - a transaction or query is authenticated by its own signature and signer certificate chain;
 *   other chain routes by a BSN-Sig request signature;
 * - the system chain is readable by every certified identity, changed only through its contract's
 *   own policy; a service chain is reachable only by organisations taking part in the service,
 *   and only for the methods their role allows.
 *
 * Errors are `{error:{code,message,details}}` with the status mapped from the code; never a stack trace.
 */

import {
  API_VERSION,
  type BlockResponse,
  type ChainResponse,
  type EventMessage,
  errorResponse,
  fastifySchema,
  formatEventId,
  HEARTBEAT_INTERVAL_MS,
  type HealthResponse,
  isAfterCursor,
  type NetworkResponse,
  openApiDocument,
  parseEventId,
  type QueryResponse,
  type RouteDefinition,
  resumeHeight,
  routeById,
  type StateRead,
  type StateResponse,
  StreamEventName,
  type TransactionResponse,
  verifyRequestSignature,
  type WaitMode,
} from '@bsn/api';
import {
  BoundedMap,
  BsnError,
  type CommitCertificate,
  canonicalEncode,
  errorCatalog,
  type JsonValue,
  type MerkleProof,
  merkleProofs,
  type Receipt,
  toHex,
} from '@bsn/core';
import type { Caller } from '@bsn/ledger';
import {
  allowedMethodsFor,
  checkMethodAccess,
  SYSTEM_CHAIN,
  SYSTEM_CONTRACT,
  systemStateKeys,
} from '@bsn/system';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { CommittedBlock, HostedChain } from './hosted-chain.js';
import { chainNotHosted, type Pcn } from './pcn.js';
import { splitPemBundle } from './signer-verifier.js';

const DEFAULT_WAIT_MS = 30_000;

/** A commit certificate as the API schemas type it (mutable arrays). */
type WireCertificate = NonNullable<TransactionResponse['certificate']>;

function wire(cert: CommitCertificate): WireCertificate;
function wire(cert: CommitCertificate | null): WireCertificate | null;
function wire(cert: CommitCertificate | null): WireCertificate | null {
  return cert as WireCertificate | null;
}

/** Options of the gateway. */
export interface GatewayOptions {
  readonly host: string;
  readonly port: number;
  readonly maxBodyBytes: number;
  readonly rateLimitPerSecond: number;
  /** HTTPS with the node certificate (production); plain HTTP on loopback for the dev network. */
  readonly tls?: { readonly certPem: string; readonly keyPem: string };
}

/** A token bucket per client address: a simple, bounded rate limit. */
class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  constructor(readonly perSecond: number) {}
  take(client: string, now = Date.now()): boolean {
    let b = this.#buckets.get(client);
    if (!b) {
      if (this.#buckets.size > 10_000) this.#buckets.clear();
      b = { tokens: this.perSecond, at: now };
      this.#buckets.set(client, b);
    }
    b.tokens = Math.min(this.perSecond, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

/**
 * Most distinct state keys a query asked with proof may read. Each costs a sparse-Merkle proof in
 * the answer (about 1.4 KB, built synchronously): a query ranging over 100,000 keys within its gas
 * made a 144 MB answer and held the PCN's event loop for 10 s.
 */
export const MAX_PROVEN_READS = 1000;

/** The distinct keys of `reads`, in first-read order; BSN_GATEWAY_PROOF_TOO_LARGE past `max`. */
export function distinctReads(
  reads: readonly { readonly contract: string; readonly key: string }[],
  max = MAX_PROVEN_READS,
): { contract: string; key: string }[] {
  const seen = new Set<string>();
  const out: { contract: string; key: string }[] = [];
  for (const r of reads) {
    const id = `${r.contract}\u0000${r.key}`;
    if (seen.has(id)) continue;
    seen.add(id);
    if (out.length === max) {
      throw new BsnError(
        'BSN_GATEWAY_PROOF_TOO_LARGE',
        `the query read more than ${max} distinct state keys, more than one answer proves; ask without proof or read fewer keys`,
        { details: { limit: max } },
      );
    }
    out.push({ contract: r.contract, key: r.key });
  }
  return out;
}

/**
 * A query whose contract call failed: the runtime's own codes (BSN_CONTRACT_*, BSN_TX_*) keep their
 * status; a contract's own code (e.g. ASSET_NOT_FOUND) is reported as BSN_GATEWAY_CONTRACT_ERROR
 * with the contract's code and message, since contract codes are not in the network's catalogue.
 */
function contractFailure(result: { code: string; message: string }, chain: string, method: string): BsnError {
  if (errorCatalog[result.code] !== undefined) {
    return new BsnError(result.code, result.message, { details: { chain, method } });
  }
  return new BsnError('BSN_GATEWAY_CONTRACT_ERROR', `${method} failed: ${result.code}: ${result.message}`, {
    details: { chain, method, contractCode: result.code, contractMessage: result.message },
  });
}

function forbidden(message: string, details: Record<string, unknown> = {}): BsnError {
  return new BsnError('BSN_GATEWAY_FORBIDDEN', message, { details });
}

/** Builds (without listening) the gateway of a PCN. */
export function buildGateway(pcn: Pcn, opts: GatewayOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: opts.maxBodyBytes,
    // Fastify's default strips properties a schema does not allow and goes on: a request with
    // unknown fields would be accepted as if they were absent. Refuse them, naming the field.
    ajv: { customOptions: { removeAdditional: false } },
    // Errors raised before routing (a path that is not valid percent-encoding) skip the error
    // handler; answer them in the one error format too.
    frameworkErrors: (err, _req, reply) => {
      const { status, body } = errorResponse(err);
      void (reply as unknown as FastifyReply).code(status).type('application/json').send(body);
    },
    ...(opts.tls ? { https: { cert: opts.tls.certPem, key: opts.tls.keyPem } } : {}),
  }) as unknown as FastifyInstance;
  const limiter = new RateLimiter(opts.rateLimitPerSecond);
  const log = pcn.log.child({ module: 'gateway' });

  app.setErrorHandler((err, req, reply) => {
    const { status, body } = errorResponse(err);
    if (status >= 500) log.error({ err, url: req.url }, 'gateway request failed');
    void reply.code(status).type('application/json').send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({
      error: {
        code: 'BSN_GATEWAY_NOT_FOUND',
        message: `no route ${req.method} ${req.url.split('?')[0]}`,
        details: {},
      },
    });
  });
  app.addHook('onRequest', async (req) => {
    if (!limiter.take(req.ip)) {
      throw new BsnError(
        'BSN_GATEWAY_RATE_LIMITED',
        `more than ${opts.rateLimitPerSecond} requests per second from ${req.ip}`,
        {
          details: { limitPerSecond: opts.rateLimitPerSecond },
        },
      );
    }
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    pcn.metrics.httpRequestsTotal.inc({ route, status: String(reply.statusCode) });
    pcn.metrics.httpRequestSeconds.observe({ route }, reply.elapsedTime / 1000);
  });
  // Keep the raw body of signed GET/POST requests for request-signature checks.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    (req as FastifyRequest & { rawBody?: string }).rawBody = body as string;
    if ((body as string).length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(
        new BsnError('BSN_GATEWAY_BAD_REQUEST', 'request body is not valid JSON', {
          details: { field: 'body' },
        }),
        undefined,
      );
    }
  });

  const register = (
    operationId: string,
    handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
  ) => {
    const route: RouteDefinition = routeById(operationId);
    app.route({ method: route.method, url: route.url, schema: fastifySchema(route), handler });
  };

  // ---- helpers ---------------------------------------------------------------------------

  const hosted = (chain: string): HostedChain => {
    const h = pcn.chain(chain);
    if (!h) throw chainNotHosted(chain);
    return h;
  };
  const live = (h: HostedChain): HostedChain => {
    if (h.halted) {
      throw new BsnError(
        'BSN_GATEWAY_CHAIN_HALTED',
        `chain ${h.id} is halted on this PCN: ${h.halted.reason}`,
        {
          details: { chain: h.id, height: h.halted.height },
        },
      );
    }
    return h;
  };

  /** Authenticates a BSN-Sig request and checks the signer's certificate chain now. */
  const requestCaller = (req: FastifyRequest, allowQueryAuth = false): Caller => {
    const rawBody = (req as FastifyRequest & { rawBody?: string }).rawBody;
    const verified = verifyRequestSignature(
      { method: req.method, path: req.url, body: rawBody, authorization: req.headers.authorization },
      { allowQueryAuth },
    );
    const check = pcn.verifier.verify(verified.certPem, Date.now());
    if (!check.ok)
      throw new BsnError('BSN_GATEWAY_UNAUTHENTICATED', check.message, { details: { reason: check.code } });
    return check.caller;
  };

  /** May `caller` read chain `chain` at all? (method undefined: any read) */
  const authorise = (chain: string, caller: Caller, method?: string): void => {
    if (chain === SYSTEM_CHAIN) return;
    const name = chain.startsWith('svc-') ? chain.slice(4) : chain;
    const service = pcn.systemView.service(name);
    if (!service) throw chainNotHosted(chain);
    const participant = Object.hasOwn(service.participants, caller.org);
    if (!participant) {
      throw forbidden(`organisation "${caller.org}" does not take part in service "${service.name}"`, {
        org: caller.org,
        service: service.name,
      });
    }
    if (method !== undefined) {
      const access = checkMethodAccess(service, caller.org, caller.role, method);
      if (!access.ok)
        throw forbidden(access.message, { reason: access.code, org: caller.org, role: caller.role, method });
    } else if (allowedMethodsFor(service, caller.org, caller.role).length === 0) {
      // A read (state, receipts, blocks, events) shows what the methods wrote and were given: a role
      // that may call none of them may read none of it.
      throw forbidden(
        `role "${caller.role}" of organisation "${caller.org}" may not read service "${service.name}"`,
        {
          reason: 'BSN_SYSTEM_METHOD_NOT_ALLOWED',
          org: caller.org,
          role: caller.role,
          service: service.name,
        },
      );
    }
  };

  const certificateFor = (h: HostedChain, height: number): WireCertificate | null =>
    wire(h.chain.certificate(height) ?? null);

  // Every waiter of a block asks for its own receipt proof when the block is certified: build all
  // of a block's proofs once (O(n log n)) and keep the last few blocks' (blocks never change).
  const proofCache = new BoundedMap<string, MerkleProof[]>(64);
  const receiptProofs = (h: HostedChain, height: number): MerkleProof[] => {
    const key = `${h.id}\u0000${height}`;
    let proofs = proofCache.get(key);
    if (!proofs) {
      proofs = merkleProofs(h.chain.receipts(height).map((r) => canonicalEncode(r)));
      proofCache.set(key, proofs);
    }
    return proofs;
  };

  const transactionResponse = (h: HostedChain, txId: string): TransactionResponse | undefined => {
    const stored = h.chain.receipt(txId);
    if (!stored) return undefined;
    const proof = receiptProofs(h, stored.height)[stored.index]!;
    const statement = h.chain.statement(stored.height)!;
    const certificate = certificateFor(h, stored.height);
    return {
      txId,
      chain: h.id,
      status: certificate ? 'final' : 'committed',
      height: stored.height,
      index: stored.index,
      blockHash: stored.blockHash,
      receipt: stored.receipt as TransactionResponse['receipt'],
      receiptProof: { index: proof.index, size: proof.size, path: proof.path.map(toHex) },
      commit: { stateRoot: statement.stateRoot, receiptsRoot: statement.receiptsRoot },
      certificate,
    };
  };

  /**
   * The waiters of each chain, woken by the transactions a block commits and (once committed) by
   * certificates: a block costs its own transactions plus the waiters already committed, not one
   * receipt lookup per waiter per block (nor an EventEmitter listener each, whose removal walks
   * every other one).
   */
  interface ChainWaiters {
    /** Waiters whose transaction this PCN has not committed yet, by txId. */
    readonly byTx: Map<string, Set<Waiter>>;
    /** Waiters whose transaction is committed, waiting for its certificate. */
    readonly committed: Set<Waiter>;
    readonly all: Set<Waiter>;
    /** The chain's events, listened to while there are waiters. */
    readonly listeners: {
      readonly committed: (c: CommittedBlock) => void;
      readonly certified: () => void;
      readonly halted: () => void;
    };
  }
  interface Waiter {
    check(): void;
    halt(): void;
  }
  const chainWaiters = new WeakMap<HostedChain, ChainWaiters>();
  const waitersOf = (h: HostedChain): ChainWaiters => {
    const w = chainWaiters.get(h);
    if (w) return w;
    const waiters: ChainWaiters = {
      byTx: new Map(),
      committed: new Set(),
      all: new Set(),
      listeners: {
        committed: (c) => {
          for (const r of c.receipts) {
            const set = waiters.byTx.get(r.txId);
            if (!set) continue;
            waiters.byTx.delete(r.txId);
            for (const waiter of set) {
              waiters.committed.add(waiter);
              waiter.check();
            }
          }
        },
        certified: () => {
          for (const waiter of [...waiters.committed]) waiter.check();
        },
        halted: () => {
          for (const waiter of [...waiters.all]) waiter.halt();
        },
      },
    };
    chainWaiters.set(h, waiters);
    return waiters;
  };
  const listen = (h: HostedChain, w: ChainWaiters, on: boolean) => {
    for (const [event, listener] of Object.entries(w.listeners)) {
      if (on) h.on(event, listener);
      else h.off(event, listener);
    }
  };

  /** Waits until txId is committed (or final), or the timeout passes; answers what is known then. */
  const waitFor = async (
    h: HostedChain,
    txId: string,
    mode: WaitMode,
    timeoutMs: number,
  ): Promise<TransactionResponse | undefined> => {
    const ready = () => {
      // Every waiter is woken by every block committed or certified on the chain. Building a
      // response (the receipts proof over its whole block) only to drop it as not yet final made
      // each block cost waiters × block size: answer "not yet" from the index and the height.
      if (mode === 'final') {
        const stored = h.chain.receipt(txId);
        if (!stored) return undefined;
        // certifiedHeight is contiguous; a block above a gap may still have its own certificate.
        if (stored.height > h.status().certifiedHeight && !h.chain.certificate(stored.height))
          return undefined;
      }
      const r = transactionResponse(h, txId);
      if (!r) return undefined;
      if (mode === 'final' && r.status !== 'final') return undefined;
      return r;
    };
    const now = ready();
    if (now || mode === 'none') return now ?? transactionResponse(h, txId);
    const waiters = waitersOf(h);
    return await new Promise<TransactionResponse | undefined>((resolve) => {
      const waiter: Waiter = {
        check: () => {
          const r = ready();
          if (r) finish(r);
        },
        halt: () => finish(undefined),
      };
      const timer = setTimeout(() => finish(transactionResponse(h, txId)), timeoutMs);
      const finish = (r: TransactionResponse | undefined) => {
        clearTimeout(timer);
        if (waiters.all.delete(waiter) && waiters.all.size === 0) listen(h, waiters, false);
        waiters.committed.delete(waiter);
        const set = waiters.byTx.get(txId);
        set?.delete(waiter);
        if (set?.size === 0) waiters.byTx.delete(txId);
        resolve(r);
      };
      if (waiters.all.size === 0) listen(h, waiters, true);
      waiters.all.add(waiter);
      if (h.chain.receipt(txId)) waiters.committed.add(waiter);
      else {
        const set = waiters.byTx.get(txId);
        if (set) set.add(waiter);
        else waiters.byTx.set(txId, new Set([waiter]));
      }
      // Nothing ran since `ready()` above answered "not yet": the next block or certificate wakes it.
    });
  };

  // ---- routes ----------------------------------------------------------------------------

  register('getHealth', async () => {
    const chains = pcn.chains().map((h) => {
      const s = h.status();
      return {
        chain: s.chain,
        height: s.height,
        certifiedHeight: s.certifiedHeight,
        status: s.halted
          ? ('halted' as const)
          : s.certifiedHeight < s.height - 2
            ? ('syncing' as const)
            : ('running' as const),
      };
    });
    const body: HealthResponse = {
      status: chains.some((c) => c.status === 'halted') ? 'degraded' : 'ok',
      pcn: pcn.id,
      version: API_VERSION,
      time: Date.now(),
      chains,
    };
    return body;
  });

  register('getOpenApi', async () => openApiDocument({ servers: [`http://${opts.host}:${opts.port}`] }));

  register('getMetrics', async (_req, reply) => {
    reply.type(pcn.metrics.registry.contentType);
    return await pcn.metrics.registry.metrics();
  });

  register('getNetwork', async () => {
    const view = pcn.systemView;
    const pcns = view
      .pcns()
      .map((p) => ({ id: p.id, gateway: p.gateway, certPem: splitPemBundle(p.certPem)[0] ?? p.certPem }));
    const intermediates = new Set<string>();
    for (const p of view.pcns()) for (const ca of splitPemBundle(p.certPem).slice(1)) intermediates.add(ca);
    for (const o of view.organisations()) intermediates.add(o.caCertPem);
    let certificate: WireCertificate | null = null;
    const sys = pcn.system;
    for (let h = sys.status().certifiedHeight; h > 0 && !certificate; h--)
      certificate = wire(sys.chain.certificate(h) ?? null);
    const body: NetworkResponse = {
      networkId:
        (sys.chain.height() > 0
          ? (sys.chain.state.get(SYSTEM_CONTRACT, systemStateKeys.network) as { networkId?: string } | null)
              ?.networkId
          : undefined) ?? 'unknown',
      rootCertPem: pcn.config.rootCertPem,
      intermediates: [...intermediates],
      pcns,
      systemChain: { height: sys.chain.height(), certificate },
    };
    return body;
  });

  register('getChain', async (req) => {
    const { chain } = req.params as { chain: string };
    const h = hosted(chain);
    const caller = requestCaller(req);
    authorise(chain, caller);
    const hosts = h.hosts().map((host) => {
      const rec = pcn.systemView.pcn(host.id);
      return {
        pcn: host.id,
        certPem: splitPemBundle(rec?.certPem ?? '')[0] ?? '',
        gateway: rec?.gateway ?? '',
      };
    });
    const intermediates = new Set<string>();
    for (const host of h.hosts())
      for (const ca of splitPemBundle(pcn.systemView.pcn(host.id)?.certPem ?? '').slice(1))
        intermediates.add(ca);
    let hostingProof: ChainResponse['hostingProof'] = null;
    if (chain !== SYSTEM_CHAIN) {
      const sys = pcn.system.chain;
      const height = pcn.system.status().certifiedHeight;
      const cert = height > 0 ? sys.certificate(height) : undefined;
      if (cert) {
        const name = chain.slice(4);
        const keys = [systemStateKeys.service(name), ...h.hosts().map((x) => systemStateKeys.pcn(x.id))];
        const reads: StateRead[] = keys.map((key) => {
          const p = sys.state.prove(SYSTEM_CONTRACT, key, height);
          return { contract: SYSTEM_CONTRACT, key, value: p.value, proof: p.proof as StateRead['proof'] };
        });
        hostingProof = { height, stateRoot: cert.stateRoot, reads, certificate: wire(cert) };
      }
    }
    const s = h.status();
    const body: ChainResponse = {
      chain,
      service: chain === SYSTEM_CHAIN ? null : chain.slice(4),
      hosts,
      intermediates: [...intermediates],
      quorum: h.quorum,
      height: s.height,
      certifiedHeight: s.certifiedHeight,
      hostingProof,
    };
    return body;
  });

  register('submitTransaction', async (req, reply) => {
    const { chain } = req.params as { chain: string };
    const q = req.query as { wait?: WaitMode; timeoutMs?: number };
    const h = live(hosted(chain));
    const checker = pcn.checker(chain)!;
    let checked: ReturnType<typeof checker.check>;
    try {
      checked = checker.check(req.body);
    } catch (err) {
      if (err instanceof BsnError) pcn.metrics.submitRejectedTotal.inc({ code: err.code });
      throw err;
    }
    try {
      authorise(chain, checked.caller, checked.tx.payload.method);
    } catch (err) {
      checker.settle([checked.txId]);
      throw err;
    }
    try {
      await pcn.orderer.submit(checked.tx);
    } catch (err) {
      checker.settle([checked.txId]);
      throw err;
    }
    const mode = q.wait ?? 'committed';
    if (mode === 'none') {
      return reply.code(202).send({ txId: checked.txId, chain, status: 'accepted' });
    }
    const r = await waitFor(h, checked.txId, mode, q.timeoutMs ?? DEFAULT_WAIT_MS);
    if (!r) {
      if (h.halted) throw live(h);
      return reply.code(202).send({ txId: checked.txId, chain, status: 'accepted' });
    }
    return reply.code(200).send(r);
  });

  register('getTransaction', async (req, reply) => {
    const { chain, txId } = req.params as { chain: string; txId: string };
    const q = req.query as { wait?: WaitMode; timeoutMs?: number };
    // A halted chain's receipts past the halt are results this PCN cannot stand behind, and a
    // wait on it would never end: refuse, so a client asks another PCN.
    const h = live(hosted(chain));
    const caller = requestCaller(req);
    authorise(chain, caller);
    const r = await waitFor(h, txId, q.wait ?? 'none', q.timeoutMs ?? DEFAULT_WAIT_MS);
    if (h.halted) throw live(h);
    if (!r) {
      throw new BsnError('BSN_GATEWAY_NOT_FOUND', `transaction ${txId} is not committed on ${chain} (yet)`, {
        details: { chain, txId },
      });
    }
    return reply.send(r);
  });

  register('query', async (req) => {
    const { chain } = req.params as { chain: string };
    const q = req.query as { proof?: 'true' | 'false' };
    const h = live(hosted(chain));
    const checker = pcn.checker(chain)!;
    // A query is signed like a transaction but never ordered: check it without marking it pending.
    const inspected = checker.inspect(req.body);
    if (!inspected.ok)
      throw new BsnError(inspected.code, inspected.message, { details: inspected.details ?? {} });
    const { payload } = inspected.tx;
    authorise(chain, inspected.caller, payload.method);
    const withProof = q.proof === 'true';
    const height = withProof ? h.status().certifiedHeight : h.chain.height();
    if (withProof && height === 0) {
      throw new BsnError('BSN_GATEWAY_HEIGHT_NOT_CERTIFIED', `chain ${chain} has no certified block yet`, {
        details: { chain },
      });
    }
    const reads: { contract: string; key: string }[] = [];
    const result = h.chain.query(payload.contract, payload.method, payload.args, inspected.caller, {
      height,
      ...(withProof ? { onRead: (contract: string, key: string) => void reads.push({ contract, key }) } : {}),
    });
    if (!result.ok) throw contractFailure(result, chain, payload.method);
    if (!withProof) {
      const plain: QueryResponse = { result: result.result, height };
      return plain;
    }
    const cert = h.chain.certificate(height)!;
    const proven: StateRead[] = [];
    for (const r of distinctReads(reads)) {
      const p = h.chain.state.prove(r.contract, r.key, height);
      proven.push({ contract: r.contract, key: r.key, value: p.value, proof: p.proof as StateRead['proof'] });
    }
    const body: QueryResponse = {
      result: result.result,
      height,
      reads: proven,
      stateRoot: cert.stateRoot,
      certificate: wire(cert),
    };
    return body;
  });

  register('getBlock', async (req) => {
    const { chain, height: hp } = req.params as { chain: string; height: string };
    const h = hosted(chain);
    const caller = requestCaller(req);
    authorise(chain, caller);
    const height = hp === 'latest' ? h.chain.height() : Number(hp);
    const block = height > 0 ? h.chain.block(height) : undefined;
    if (!block)
      throw new BsnError('BSN_GATEWAY_NOT_FOUND', `no block ${hp} on ${chain}`, {
        details: { chain, height: hp },
      });
    const statement = h.chain.statement(height);
    const body: BlockResponse = {
      block: block as BlockResponse['block'],
      hash: statement?.blockHash ?? '',
      receipts: h.chain.receipts(height) as BlockResponse['receipts'],
      commit: statement ? { stateRoot: statement.stateRoot, receiptsRoot: statement.receiptsRoot } : null,
      certificate: certificateFor(h, height),
    };
    return body;
  });

  register('getState', async (req) => {
    const { chain, key } = req.params as { chain: string; key: string };
    const q = req.query as { contract: string; proof?: 'true' | 'false'; height?: string };
    const h = live(hosted(chain));
    const caller = requestCaller(req);
    authorise(chain, caller);
    const withProof = q.proof === 'true';
    const height =
      q.height !== undefined ? Number(q.height) : withProof ? h.status().certifiedHeight : h.chain.height();
    if (height > h.chain.height()) {
      throw new BsnError('BSN_GATEWAY_NOT_FOUND', `height ${height} is not committed on ${chain}`, {
        details: { chain, height },
      });
    }
    if (height === 0) {
      const empty: StateResponse = { contract: q.contract, key, value: null, height: 0 };
      return empty;
    }
    if (!withProof) {
      const body: StateResponse = {
        contract: q.contract,
        key,
        value: h.chain.state.get(q.contract, key, height),
        height,
      };
      return body;
    }
    const p = h.chain.state.prove(q.contract, key, height);
    const body: StateResponse = {
      contract: q.contract,
      key,
      value: p.value,
      height,
      stateRoot: p.root,
      proof: p.proof as NonNullable<StateResponse['proof']>,
      certificate: certificateFor(h, height),
    };
    return body;
  });

  app.route({
    method: 'GET',
    url: routeById('watchEvents').url,
    schema: fastifySchema(routeById('watchEvents')),
    handler: async (req, reply) => {
      const { chain } = req.params as { chain: string };
      const q = req.query as { from?: string; contract?: string; name?: string };
      const h = live(hosted(chain));
      const caller = requestCaller(req, true);
      authorise(chain, caller);
      const lastId = req.headers['last-event-id'];
      const cursor = typeof lastId === 'string' && lastId !== '' ? parseEventId(lastId) : undefined;
      let next = cursor ? resumeHeight(cursor) : q.from !== undefined ? Number(q.from) : h.chain.height() + 1;
      const matches = (contract: string, name: string) =>
        (q.contract === undefined || q.contract === contract) && (q.name === undefined || q.name === name);

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const send = (event: string, id: string, data: unknown) => {
        res.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const sendBlock = (height: number, receipts: readonly Receipt[], blockHash: string, time: number) => {
        receipts.forEach((receipt, txIndex) => {
          receipt.events.forEach((ev, eventIndex) => {
            if (!matches(ev.contract, ev.name) || !isAfterCursor(cursor, height, txIndex, eventIndex)) return;
            const msg: EventMessage = {
              height,
              txId: receipt.txId,
              index: txIndex,
              eventIndex,
              contract: ev.contract,
              name: ev.name,
              data: ev.data as JsonValue,
            };
            send(StreamEventName.contractEvent, formatEventId({ height, txIndex, eventIndex }), msg);
          });
        });
        send(StreamEventName.block, formatEventId({ height, end: true }), { height, hash: blockHash, time });
        next = height + 1;
      };
      // Stored blocks first, then live ones; a block committed while catching up is picked up by the loop.
      let closed = false;
      // Sends every committed block from `next` on. A catch-up from an early height waits for the
      // client whenever the socket's buffer is full and lets other requests run between blocks:
      // written all at once, a replay of 2,000 blocks to a client that did not read held the event
      // loop 1.5 s and 357 MB. One drain runs at a time; it picks up blocks committed meanwhile.
      let draining = false;
      const writable = () =>
        new Promise<void>((resolve) => {
          if (closed || !res.writableNeedDrain) {
            resolve();
            return;
          }
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      const drain = async () => {
        if (draining) return;
        draining = true;
        try {
          while (!closed && next <= h.chain.height()) {
            const block = h.chain.block(next);
            const statement = h.chain.statement(next);
            if (!block || !statement) break;
            sendBlock(next, h.chain.receipts(next), statement.blockHash, block.header.time);
            if (res.writableNeedDrain) await writable();
            else await new Promise<void>((resolve) => setImmediate(resolve));
          }
        } finally {
          draining = false;
        }
      };
      const wake = () => void drain();
      h.on('committed', wake);
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_INTERVAL_MS);
      const onHalt = () => {
        send(StreamEventName.error, formatEventId({ height: Math.max(1, next - 1), end: true }), {
          error: {
            code: 'BSN_GATEWAY_CHAIN_HALTED',
            message: `chain ${chain} halted on this PCN`,
            details: {},
          },
        });
        res.end();
      };
      h.once('halted', onHalt);
      const cleanup = () => {
        closed = true;
        clearInterval(heartbeat);
        h.off('committed', wake);
        h.off('halted', onHalt);
      };
      req.raw.on('close', cleanup);
      res.on('close', cleanup);
      void drain();
    },
  });

  return app;
}

/** Starts the gateway; resolves with the port it listens on. */
export async function startGateway(
  pcn: Pcn,
  opts: GatewayOptions,
): Promise<{ app: FastifyInstance; port: number }> {
  const app = buildGateway(pcn, opts);
  await app.listen({ host: opts.host, port: opts.port });
  const addr = app.server.address();
  return { app, port: typeof addr === 'object' && addr ? addr.port : opts.port };
}
