/**
 * Test harness: a real dev network (orderer + PCNs as separate OS processes, exactly what
 * `bsn up` starts) in a temporary folder on free loopback ports, plus helpers to act on it with
 * the SDK as any identity, and to kill and restart single processes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientFor } from '../../src/cli-context.js';
import { serviceCreate } from '../../src/commands/network-commands.js';
import { ordererArgs, type RunningNetwork, up } from '../../src/commands/up.js';
import { type ManagedProcess, spawnBsn, stopProcess, waitUntil } from '../../src/processes.js';

async function portFree(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A base port whose orderer, gateway and peer ports are all free. Bases stay below Linux's
 * ephemeral range (32768 and up), where the kernel hands out ports to outgoing connections: a
 * port free when checked there could be taken by any connection before the network binds it,
 * and the network would never come up.
 */
export async function freeBasePort(pcns: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 120) * 100;
    const ports = [base, ...Array.from({ length: pcns }, (_, i) => [base + 1 + i, base + 101 + i]).flat()];
    const free = await Promise.all(ports.map(portFree));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no free port range found');
}

/** The asset-transfer example contract, the service most network tests deploy. */
export const ASSET_TRANSFER_CONTRACT = fileURLToPath(
  new URL('../../../../examples/asset-transfer/contract.ts', import.meta.url),
);

/** A running test network. */
export interface DevNetwork {
  readonly dir: string;
  readonly running: RunningNetwork;
  /** SDK client acting as `identity` (`org/name`, default the network admin) against `gateways` (default all). */
  client(identity?: string, gateways?: readonly string[]): ReturnType<typeof clientFor>;
  /** The managed process of a PCN (or 'orderer'). */
  process(name: string): ManagedProcess;
  /** Kills a PCN (or 'orderer') with SIGKILL and waits for it to be gone. */
  kill(name: string): Promise<void>;
  /** Stops a PCN (or 'orderer') cleanly with SIGTERM and waits for it to be gone. */
  terminate(name: string): Promise<void>;
  /** Starts a killed or stopped PCN (or 'orderer') again with the same arguments, config and data. */
  restart(name: string): Promise<void>;
  /** Creates service `name` (default `assets`, chain `svc-assets`) running the asset-transfer example on `pcns`. */
  deployAssets(pcns: readonly string[], name?: string): Promise<unknown>;
  /** Health of a PCN's gateway (undefined when unreachable). */
  health(
    pcn: string,
  ): Promise<
    { chains: { chain: string; height: number; certifiedHeight: number; status: string }[] } | undefined
  >;
  stop(): Promise<void>;
}

/** Starts a network of `pcns` PCNs in a fresh temp folder. */
export async function startDevNetwork(opts: { pcns?: number; prefix?: string } = {}): Promise<DevNetwork> {
  const pcns = opts.pcns ?? 4;
  const dir = mkdtempSync(join(tmpdir(), opts.prefix ?? 'bsn-net-'));
  const basePort = await freeBasePort(pcns);
  const lines: string[] = [];
  const running = await up({
    dir,
    pcns,
    basePort,
    host: '127.0.0.1',
    print: (l) => lines.push(l),
    timeoutMs: 120_000,
  });
  const procs = new Map<string, ManagedProcess>(running.processes.map((p) => [p.name, p]));
  const net = running.network;
  const gatewayOf = (pcn: string) => net.pcns.find((p) => p.id === pcn)!.gateway;
  const health: DevNetwork['health'] = async (pcn) => {
    try {
      const res = await fetch(`${gatewayOf(pcn)}/v1/health`, { signal: AbortSignal.timeout(2000) });
      return res.ok ? ((await res.json()) as Awaited<ReturnType<DevNetwork['health']>>) : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    dir,
    running,
    client: (identity, gateways) => clientFor(net, identity, gateways),
    process: (name) => procs.get(name)!,
    async kill(name) {
      const p = procs.get(name)!;
      p.child.kill('SIGKILL');
      await p.exited;
    },
    async terminate(name) {
      await stopProcess(procs.get(name)!);
    },
    async restart(name) {
      if (name === 'orderer') {
        // The same arguments `bsn up` starts the orderer with.
        const args = ordererArgs(net);
        procs.set(name, spawnBsn(name, args, join(dir, 'logs')));
        await waitUntil(
          async () => (await fetch(`${net.orderer.url}/v1/orderer/health`)).ok,
          60_000,
          'the orderer to restart',
        );
        return;
      }
      const pcn = net.pcns.find((p) => p.id === name);
      if (!pcn) throw new Error(`unknown PCN ${name}`);
      const p = spawnBsn(name, ['node', 'start', '--config', net.path(pcn.config)], join(dir, 'logs'));
      procs.set(name, p);
      await waitUntil(async () => (await health(name)) !== undefined, 60_000, `${name} to restart`);
    },
    health,
    deployAssets: (pcns, name = 'assets') =>
      serviceCreate({ dir, name, contract: ASSET_TRANSFER_CONTRACT, pcns: [...pcns] }),
    async stop() {
      const all = [...procs.values()];
      await Promise.all(all.filter((p) => p.name !== 'orderer').map((p) => stopProcess(p)));
      const orderer = procs.get('orderer');
      if (orderer) await stopProcess(orderer);
      if (!process.env['BSN_KEEP_TEST_DIRS']) rmSync(dir, { recursive: true, force: true });
    },
  };
}
