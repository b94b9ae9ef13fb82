/**
 * Test harness: the lightest real network — one PCN in this process on a solo orderer and SQLite,
 * with its real gateway listening on a loopback socket — and a service `probe` running
 * test/fixtures/probe-contract.ts on it. Requests are signed as the network admin, exactly as a
 * client signs them (BSN-Sig for reads, a signed transaction for writes and queries).
 *
 * Every port is the kernel's choice at bind time (port 0), so there is no window in which another
 * process could take it. With one PCN nothing connects to its peer endpoint (votes go to the other
 * hosts only), and the orderer is handed to the PCN in-process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type QueryResponse, signRequest } from '@bsn/api';
import { type JsonValue, type SignedTransaction, signTransaction } from '@bsn/core';
import { SoloOrderer } from '@bsn/ordering';
import {
  createRootCa,
  issueCaCertificate,
  issueNodeCertificate,
  issueUserCertificate,
  parseCertificate,
} from '@bsn/pki';
import { bundleContract } from '@bsn/runtime-js';
import { SYSTEM_CHAIN, SYSTEM_CONTRACT, type SystemGenesisConfig } from '@bsn/system';
import type { FastifyInstance } from 'fastify';
import { Pcn, startGateway, validatePcnConfig } from '../../src/index.js';

/** The service the harness deploys, and its chain. */
export const PROBE_SERVICE = 'probe';
export const PROBE_CHAIN = `svc-${PROBE_SERVICE}`;

const PROBE_CONTRACT = fileURLToPath(new URL('../fixtures/probe-contract.ts', import.meta.url));

/** An HTTP answer of the gateway: status and parsed JSON body. */
export interface GatewayAnswer<T = unknown> {
  readonly status: number;
  readonly body: T;
}

/** A running single-PCN network. */
export interface SinglePcnNetwork {
  readonly pcn: Pcn;
  readonly app: FastifyInstance;
  /** Base URL of the gateway, e.g. `http://127.0.0.1:41234`. */
  readonly gateway: string;
  readonly rootCertPem: string;
  /** The PCN's node certificate (leaf only) and its issuing CA, for verifying commit certificates. */
  readonly pcnCertPem: string;
  readonly pcnCaPem: string;
  /** The orderer, handed to the PCN in-process (submitting here skips the gateway's checks). */
  readonly orderer: SoloOrderer;
  /** A transaction signed by the network admin. */
  sign(chain: string, contract: string, method: string, args: readonly JsonValue[]): SignedTransaction;
  /** A transaction signed by a user of the network admin's organisation acting as `role`. */
  signAs(
    role: string,
    chain: string,
    contract: string,
    method: string,
    args: readonly JsonValue[],
  ): Promise<SignedTransaction>;
  /** The `Authorization` header value of a signed GET of `path` (path and query string). */
  authorization(path: string): string;
  /** The same for a new user of the network admin's organisation acting as `role`. */
  authorizationAs(role: string, path: string): Promise<string>;
  /** POSTs a transaction and waits for it to be final; fails unless its receipt succeeded. */
  submitFinal(tx: SignedTransaction): Promise<{ height: number }>;
  /** POSTs a query (optionally with proof). */
  query(tx: SignedTransaction, proof: boolean): Promise<GatewayAnswer<QueryResponse>>;
  stop(): Promise<void>;
}

/**
 * Starts the network and deploys the probe service; `ordererBlockSize` caps transactions per block,
 * `signatureThreads` is the PCN's setting of that name (its default when absent).
 */
export async function startSinglePcnNetwork(
  opts: { ordererBlockSize?: number; signatureThreads?: number } = {},
): Promise<SinglePcnNetwork> {
  const dir = mkdtempSync(join(tmpdir(), 'bsn-node-gw-'));
  const root = await createRootCa({ commonName: 'test root CA', organization: 'test' });
  const caOf = async (commonName: string, organization: string, purpose: 'org' | 'orderer' | 'pcn') => {
    const ca = await issueCaCertificate(root, { commonName, organization, purpose });
    return { certPem: ca.certPem, keyPem: ca.keyPem! };
  };
  const opCa = await caOf('operator CA', 'operator', 'org');
  const admin = await issueUserCertificate(opCa, { id: 'admin', organization: 'operator', role: 'admin' });
  const ordCa = await caOf('orderer CA', 'operator', 'orderer');
  const orderer = await issueNodeCertificate(ordCa, {
    id: 'orderer1',
    organization: 'operator',
    hosts: ['127.0.0.1'],
    role: 'orderer',
  });
  const pcnCa = await caOf('pcn1 operator CA', 'pcn1-operator', 'pcn');
  const node = await issueNodeCertificate(pcnCa, {
    id: 'pcn1',
    organization: 'pcn1-operator',
    hosts: ['127.0.0.1'],
  });
  // Identities travel as their certificate followed by the issuing CA, as the network's files hold them.
  const bundle = (leaf: string, ca: string) => (leaf.endsWith('\n') ? leaf + ca : `${leaf}\n${ca}`);
  const adminBundle = bundle(admin.certPem, opCa.certPem);
  const nodeBundle = bundle(node.certPem, pcnCa.certPem);
  const files = {
    root: join(dir, 'root.cert.pem'),
    nodeCert: join(dir, 'node.cert.pem'),
    nodeKey: join(dir, 'node.key.pem'),
    ordererCert: join(dir, 'orderer.cert.pem'),
  };
  writeFileSync(files.root, root.certPem);
  writeFileSync(files.nodeCert, nodeBundle);
  writeFileSync(files.nodeKey, node.keyPem!, { mode: 0o600 });
  writeFileSync(files.ordererCert, orderer.certPem);

  const solo = await SoloOrderer.open({
    dir: join(dir, 'orderer'),
    id: 'orderer1',
    keyPem: orderer.keyPem!,
    maxTxPerBlock: opts.ordererBlockSize ?? 500,
    maxBlockDelayMs: 5,
  });
  interface Identity {
    readonly bundle: string;
    readonly keyPem: string;
  }
  const adminId: Identity = { bundle: adminBundle, keyPem: admin.keyPem! };
  const roleIds = new Map<string, Promise<Identity>>();
  /** A user of the operator organisation acting as `role`, made once per role. */
  const identityAs = (role: string): Promise<Identity> => {
    let id = roleIds.get(role);
    if (!id) {
      id = issueUserCertificate(opCa, { id: `user-${role}`, organization: 'operator', role }).then((u) => ({
        bundle: bundle(u.certPem, opCa.certPem),
        keyPem: u.keyPem!,
      }));
      roleIds.set(role, id);
    }
    return id;
  };
  const signWith = (
    who: Identity,
    chain: string,
    contract: string,
    method: string,
    args: readonly JsonValue[],
  ) =>
    signTransaction(
      {
        chain,
        contract,
        method,
        args,
        nonce: `${method}-${Math.random().toString(36).slice(2)}`,
        expires: Date.now() + 10 * 60_000,
        signer: who.bundle,
      },
      who.keyPem,
    );
  const sign = (chain: string, contract: string, method: string, args: readonly JsonValue[]) =>
    signWith(adminId, chain, contract, method, args);
  const genesis: SystemGenesisConfig = {
    networkId: 'gateway-test',
    rootCertPem: root.certPem,
    admins: [parseCertificate(admin.certPem).fingerprint],
    threshold: 1,
    policy: { serviceApproval: 'none' },
    // The gateway and peer URLs are recorded but never dialled with a single PCN.
    pcns: [{ id: 'pcn1', certPem: nodeBundle, gateway: 'http://127.0.0.1:1', p2p: 'https://127.0.0.1:2' }],
    orderer: { id: 'orderer1', certPem: orderer.certPem },
    organisations: [{ id: 'operator', name: 'Network operator', caCertPem: opCa.certPem }],
  };
  await solo.submit(sign(SYSTEM_CHAIN, SYSTEM_CONTRACT, 'init', [genesis as unknown as JsonValue]));

  const config = validatePcnConfig(
    {
      id: 'pcn1',
      dataDir: join(dir, 'pcn1'),
      rootCert: files.root,
      identity: { cert: files.nodeCert, key: files.nodeKey },
      gateway: { host: '127.0.0.1', port: 0 },
      p2p: { host: '127.0.0.1', port: 0 },
      // Never dialled: the orderer is handed to the PCN in-process below.
      orderer: { url: 'http://127.0.0.1:1', id: 'orderer1', cert: files.ordererCert },
      logLevel: process.env['BSN_LOG_LEVEL'] ?? 'silent',
      ...(opts.signatureThreads === undefined ? {} : { signatureThreads: opts.signatureThreads }),
    },
    dir,
  );
  const pcn = await Pcn.start(config, { orderer: solo, ordererHeight: async (c) => solo.height(c) });
  let app: FastifyInstance | undefined;
  const stop = async () => {
    await app?.close();
    await pcn.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const gw = await startGateway(pcn, {
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: config.gateway.maxBodyBytes,
      rateLimitPerSecond: config.gateway.rateLimitPerSecond,
    });
    app = gw.app;
    const gateway = `http://127.0.0.1:${gw.port}`;

    const post = async <T>(path: string, body: unknown): Promise<GatewayAnswer<T>> => {
      const res = await fetch(`${gateway}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as T };
    };
    const submitFinal = async (tx: SignedTransaction) => {
      const r = await post<{ status?: string; height: number; receipt?: { status: string } }>(
        `/v1/chains/${tx.payload.chain}/transactions?wait=final`,
        tx,
      );
      if (r.status !== 200 || r.body.status !== 'final' || r.body.receipt?.status !== 'ok')
        throw new Error(`${tx.payload.method} did not succeed: ${r.status} ${JSON.stringify(r.body)}`);
      return { height: r.body.height };
    };

    // Wait until the system chain is certified (its genesis executed), then deploy the probe service.
    await until(() => pcn.system.status().certifiedHeight >= 1, 'the system chain genesis');
    const code = await bundleContract(PROBE_CONTRACT);
    await submitFinal(
      sign(SYSTEM_CHAIN, SYSTEM_CONTRACT, 'createService', [
        {
          name: PROBE_SERVICE,
          runtime: 'js',
          codeHash: code.codeHash,
          bundle: { encoding: 'utf8', data: code.code },
          pcns: ['pcn1'],
          organisations: ['operator'],
          roles: { admin: ['*'] },
        },
      ]),
    );
    await until(() => pcn.chain(PROBE_CHAIN) !== undefined, `the PCN to host ${PROBE_CHAIN}`);

    return {
      pcn,
      orderer: solo,
      app: gw.app,
      gateway,
      rootCertPem: root.certPem,
      pcnCertPem: node.certPem,
      pcnCaPem: pcnCa.certPem,
      sign,
      authorization: (path) =>
        signRequest({ method: 'GET', path }, { certPem: adminBundle, privateKey: admin.keyPem! })
          .authorization,
      authorizationAs: async (role, path) => {
        const who = await identityAs(role);
        return signRequest({ method: 'GET', path }, { certPem: who.bundle, privateKey: who.keyPem })
          .authorization;
      },
      signAs: async (role, chain, contract, method, args) =>
        signWith(await identityAs(role), chain, contract, method, args),
      submitFinal,
      query: (tx, proof) =>
        post<QueryResponse>(`/v1/chains/${tx.payload.chain}/query${proof ? '?proof=true' : ''}`, tx),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Polls `done` every 20 ms; fails naming `what` after 30 s. */
export async function until(done: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
