/**
 * `bsn up`: brings a whole dev network up on this machine — generates it on first use, starts the
 * orderer and each PCN as its own OS process, writes the system chain's genesis, waits until every
 * PCN is healthy and has certified the system chain, prints the gateways, and stops everything
 * cleanly on Ctrl-C. Run again on the same folder, it resumes the same network with its data.
 */

import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type SignedTransaction, signTransaction } from '@bsn/core';
import { RemoteOrderer } from '@bsn/ordering';
import { SYSTEM_CHAIN, SYSTEM_CONTRACT, type SystemGenesisConfig } from '@bsn/system';
import { generateNetwork } from '../generate-network.js';
import { type LoadedNetwork, loadNetwork, networkFilePath } from '../network-layout.js';
import { assertPortFree, type ManagedProcess, spawnBsn, stopProcess, waitUntil } from '../processes.js';

/** Options of `bsn up`. */
export interface UpOptions {
  readonly dir: string;
  readonly pcns: number;
  readonly basePort: number;
  readonly host: string;
  /** Resolve once the network is up instead of waiting for a signal (tests). */
  readonly detach?: boolean;
  readonly print?: (line: string) => void;
  readonly timeoutMs?: number;
}

/** A network started by {@link up}. */
export interface RunningNetwork {
  readonly network: LoadedNetwork;
  readonly processes: readonly ManagedProcess[];
  stop(): Promise<void>;
}

/** The `bsn` arguments that start a network's orderer (also used to restart it). */
export function ordererArgs(net: LoadedNetwork): string[] {
  const url = new URL(net.orderer.url);
  return [
    'orderer',
    'start',
    '--dir',
    net.path(net.orderer.dir),
    '--id',
    net.orderer.id,
    '--key',
    net.path(net.orderer.key),
    '--host',
    url.hostname,
    '--port',
    url.port,
  ];
}

function fingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replaceAll(':', '').toLowerCase();
}

function genesisTransaction(net: LoadedNetwork): SignedTransaction {
  const read = (p: string) => readFileSync(net.path(p), 'utf8');
  const adminCert = read(net.admin.cert);
  const opCa = read(net.operatorOrg.caCert);
  const config: SystemGenesisConfig = {
    networkId: net.networkId,
    rootCertPem: net.rootCertPem,
    admins: [fingerprint(adminCert)],
    threshold: 1,
    policy: { serviceApproval: 'none' },
    pcns: net.pcns.map((p) => ({ id: p.id, certPem: read(p.cert), gateway: p.gateway, p2p: p.p2p })),
    orderer: { id: net.orderer.id, certPem: read(net.orderer.cert) },
    organisations: [{ id: net.operatorOrg.id, name: 'Network operator', caCertPem: opCa }],
  };
  return signTransaction(
    {
      chain: SYSTEM_CHAIN,
      contract: SYSTEM_CONTRACT,
      method: 'init',
      args: [config as unknown as import('@bsn/core').JsonValue],
      nonce: 'genesis',
      expires: Date.now() + 10 * 60_000,
      // The admin file holds its certificate followed by its issuing CA (as in TLS).
      signer: adminCert,
    },
    read(net.admin.key),
  );
}

async function health(
  url: string,
): Promise<{ chains: { chain: string; height: number; certifiedHeight: number }[] } | undefined> {
  const res = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) return undefined;
  return (await res.json()) as { chains: { chain: string; height: number; certifiedHeight: number }[] };
}

/** Starts (generating on first use) the dev network in `opts.dir`. */
export async function up(opts: UpOptions): Promise<RunningNetwork> {
  const say = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const dir = resolve(opts.dir);
  const timeoutMs = opts.timeoutMs ?? 90_000;
  const fresh = !existsSync(networkFilePath(dir));
  if (fresh) {
    say(`Creating a new network with ${opts.pcns} city nodes in ${dir}`);
    await generateNetwork({
      dir,
      pcns: opts.pcns,
      basePort: opts.basePort,
      host: opts.host,
      networkId: 'bsn-dev',
      onProgress: (m) => say(`  · ${m}`),
    });
  } else {
    say(`Resuming the network in ${dir}`);
  }
  const net = loadNetwork(dir);
  const ordererUrl = new URL(net.orderer.url);
  await assertPortFree(ordererUrl.hostname, Number(ordererUrl.port), 'orderer');
  for (const p of net.pcns) {
    const g = new URL(p.gateway);
    await assertPortFree(g.hostname, Number(g.port), `${p.id} gateway`);
    const p2p = new URL(p.p2p);
    await assertPortFree(p2p.hostname, Number(p2p.port), `${p.id} peer endpoint`);
  }

  const logDir = join(dir, 'logs');
  const processes: ManagedProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.slice(1).map((p) => stopProcess(p)));
    if (processes[0]) await stopProcess(processes[0]);
  };
  try {
    say('Starting the orderer');
    processes.push(spawnBsn('orderer', ordererArgs(net), logDir));
    const orderer = new RemoteOrderer({ url: net.orderer.url });
    await waitUntil(
      async () => (await fetch(`${net.orderer.url}/v1/orderer/health`)).ok,
      timeoutMs,
      'the orderer to start',
    );
    if ((await orderer.fetchHeight(SYSTEM_CHAIN)) === 0) {
      say('Writing the system chain genesis (network admin, PCNs, operator organisation)');
      await orderer.submit(genesisTransaction(net));
    }
    await orderer.close();
    for (const p of net.pcns) {
      say(`Starting ${p.id}`);
      processes.push(spawnBsn(p.id, ['node', 'start', '--config', net.path(p.config)], logDir));
    }
    for (const proc of processes) {
      void proc.exited.then(({ code, signal }) => {
        if (code !== 0 && signal !== 'SIGTERM')
          say(`! ${proc.name} exited (${code ?? signal}); see ${proc.logPath}`);
      });
    }
    say('Waiting for every city node to certify the system chain');
    await waitUntil(
      async () => {
        const all = await Promise.all(net.pcns.map((p) => health(p.gateway).catch(() => undefined)));
        return all.every((h) => (h?.chains.find((c) => c.chain === SYSTEM_CHAIN)?.certifiedHeight ?? 0) >= 1);
      },
      timeoutMs,
      'the city nodes to certify the system chain',
      300,
    );
  } catch (err) {
    await stop();
    throw err;
  }

  say('');
  say('BSN dev network is up.');
  say('');
  say('  node    gateway                       peer endpoint');
  for (const p of net.pcns) say(`  ${p.id.padEnd(7)} ${p.gateway.padEnd(29)} ${p.p2p}`);
  say(`  orderer ${net.orderer.url}`);
  say('');
  say(`  network file: ${networkFilePath(dir)}`);
  say(`  admin:        ${net.path(net.admin.cert)} (org ${net.admin.org}, role admin)`);
  say(`  logs:         ${logDir}`);
  say('');
  say('Next: deploy a contract and call it, e.g.');
  const pcnList = net.pcns
    .slice(0, Math.min(3, net.pcns.length))
    .map((p) => p.id)
    .join(',');
  say(
    `  npx bsn service create --name assets --contract examples/asset-transfer/contract.ts --pcns ${pcnList}`,
  );
  say('  npx bsn invoke --service assets create a1 100');
  say('  npx bsn query --service assets read a1 --proof');
  say('');
  say('Press Ctrl-C to stop the network (its data stays in the folder; `npm start` resumes it).');
  return { network: net, processes, stop };
}
