/**
 * Node-to-node traffic: commit votes and catch-up, over mutual TLS with the node certificates.
 *
 * Both sides present their node certificate; each side accepts only certificates that chain to
 * the network root (TLS does that) and belong to a member PCN (checked per request by the
 * `isMember` hook). Votes are also signed, so a vote is authentic wherever it travelled.
 */
import { Agent, request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { BsnError, type CommitCertificate, type CommitVote } from '@bsn/core';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/** TLS material of this node. */
export interface PeerTls {
  readonly certPem: string;
  readonly keyPem: string;
  /** Trust anchors for peers: the network root (and any intermediates). */
  readonly caPem: string;
}

/** What the peer server needs from the node. */
export interface PeerHandlers {
  /** True when the certificate (PEM) presented by a peer is a member PCN's current node certificate. */
  isMember(fingerprint256: string): boolean;
  onVotes(votes: readonly CommitVote[], from: string): void;
  votes(chain: string, height: number): readonly CommitVote[] | undefined;
  certificate(chain: string, height: number): CommitCertificate | undefined;
}

/**
 * The fingerprint of the certificate a peer's connection presented, taken once per connection
 * (getPeerCertificate builds the whole certificate object each call, and a connection carries
 * every vote of a peer).
 */
const fingerprints = new WeakMap<TLSSocket, string | undefined>();

function fingerprintOf(socket: TLSSocket): string | undefined {
  if (fingerprints.has(socket)) return fingerprints.get(socket);
  const cert = socket.getPeerCertificate?.();
  const fp = cert?.fingerprint256 ? cert.fingerprint256.replaceAll(':', '').toLowerCase() : undefined;
  fingerprints.set(socket, fp);
  return fp;
}

const MAX_VOTE_BATCH = 256;

/** Starts the mTLS server peers talk to. */
export async function startPeerServer(
  tls: PeerTls,
  endpoint: { host: string; port: number },
  handlers: PeerHandlers,
  log: Logger,
): Promise<{ server: FastifyInstance; port: number }> {
  const server = Fastify({
    https: { cert: tls.certPem, key: tls.keyPem, ca: tls.caPem, requestCert: true, rejectUnauthorized: true },
    bodyLimit: 1_048_576,
    logger: false,
  });
  server.addHook('onRequest', async (req, reply) => {
    const fp = fingerprintOf(req.raw.socket as TLSSocket);
    if (!fp || !handlers.isMember(fp)) {
      log.warn({ fingerprint: fp ?? null }, 'refused a peer that is not a member node');
      return reply
        .code(403)
        .send({ error: { code: 'BSN_NODE_PEER_UNKNOWN', message: 'not a member node', details: {} } });
    }
  });
  server.post('/v1/p2p/votes', async (req, reply) => {
    const body = req.body as unknown;
    if (!Array.isArray(body) || body.length > MAX_VOTE_BATCH) {
      return reply.code(400).send({
        error: { code: 'BSN_NODE_VOTE_INVALID', message: 'expected an array of votes', details: {} },
      });
    }
    handlers.onVotes(body as CommitVote[], fingerprintOf(req.raw.socket as TLSSocket) ?? '');
    return reply.code(204).send();
  });
  server.get<{ Params: { chain: string; height: string } }>(
    '/v1/p2p/chains/:chain/votes/:height',
    async (req, reply) => {
      const votes = handlers.votes(req.params.chain, Number(req.params.height));
      if (votes === undefined)
        return reply.code(404).send({
          error: { code: 'BSN_GATEWAY_CHAIN_NOT_HOSTED', message: 'chain not hosted here', details: {} },
        });
      return votes;
    },
  );
  server.get<{ Params: { chain: string; height: string } }>(
    '/v1/p2p/chains/:chain/certificates/:height',
    async (req, reply) => {
      const cert = handlers.certificate(req.params.chain, Number(req.params.height));
      if (!cert)
        return reply.code(404).send({
          error: { code: 'BSN_GATEWAY_NOT_FOUND', message: 'no certificate for that height', details: {} },
        });
      return cert;
    },
  );
  await server.listen({ host: endpoint.host, port: endpoint.port });
  const addr = server.server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : endpoint.port };
}

/** Client side of peer traffic: one keep-alive mTLS agent for all peers. */
export class PeerClient {
  readonly #agent: Agent;

  constructor(tls: PeerTls) {
    this.#agent = new Agent({
      keepAlive: true,
      maxSockets: 8,
      cert: tls.certPem,
      key: tls.keyPem,
      ca: tls.caPem,
    });
  }

  #call(
    url: string,
    method: 'GET' | 'POST',
    body?: unknown,
    timeoutMs = 5000,
  ): Promise<{ status: number; body: unknown }> {
    return new Promise((resolvePromise, reject) => {
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = request(
        url,
        {
          method,
          agent: this.#agent,
          timeout: timeoutMs,
          // Peers are addressed by URL; their identity is established by the certificate chain and the member check.
          checkServerIdentity: () => undefined,
          headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = null;
            if (text) {
              try {
                parsed = JSON.parse(text);
              } catch {
                parsed = text;
              }
            }
            resolvePromise({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new BsnError('BSN_GATEWAY_TIMEOUT', `peer ${url} timed out`)));
      req.on('error', reject);
      req.end(data);
    });
  }

  /** Sends votes to a peer; errors are returned, not thrown (a down peer is normal). */
  async sendVotes(peerUrl: string, votes: readonly CommitVote[]): Promise<boolean> {
    try {
      const res = await this.#call(`${peerUrl}/v1/p2p/votes`, 'POST', votes);
      return res.status === 204;
    } catch {
      return false;
    }
  }

  /** Asks a peer for the votes it knows at a height. */
  async fetchVotes(peerUrl: string, chain: string, height: number): Promise<CommitVote[]> {
    try {
      const res = await this.#call(
        `${peerUrl}/v1/p2p/chains/${encodeURIComponent(chain)}/votes/${height}`,
        'GET',
      );
      return res.status === 200 && Array.isArray(res.body) ? (res.body as CommitVote[]) : [];
    } catch {
      return [];
    }
  }

  close(): void {
    this.#agent.destroy();
  }
}
