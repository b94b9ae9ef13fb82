/**
 * Runs a PCN as an OS process: `bsn node start --config pcn.yaml`. Loads and validates the config,
 * connects to the ordering service, starts the node and its gateway, and stops cleanly on SIGTERM
 * or SIGINT. Logs are structured JSON (pino) on stdout.
 */
import { BsnError } from '@bsn/core';
import { RemoteOrderer } from '@bsn/ordering';
import pino from 'pino';
import { loadPcnConfig } from './config.js';
import { startGateway } from './gateway.js';
import { Pcn } from './pcn.js';

/** Starts a PCN from a config file; resolves with a function that stops it. */
export async function runNode(
  configPath: string,
): Promise<{ pcn: Pcn; gatewayPort: number; stop: () => Promise<void> }> {
  const config = loadPcnConfig(configPath);
  const log = pino({ name: 'bsn-node', level: config.logLevel, base: { pcn: config.id } });
  // An https orderer URL gets mutual TLS: the PCN presents its node certificate and accepts only an
  // orderer certificate chaining to the network root.
  const orderer = new RemoteOrderer({
    url: config.orderer.url,
    ...(config.orderer.url.startsWith('https:')
      ? { tls: { caPem: config.rootCertPem, certPem: config.certPem, keyPem: config.keyPem } }
      : {}),
  });
  const pcn = await Pcn.start(config, {
    orderer,
    ordererHeight: (chain) => orderer.fetchHeight(chain),
    log,
  });
  const gateway = await startGateway(pcn, {
    host: config.gateway.host,
    port: config.gateway.port,
    maxBodyBytes: config.gateway.maxBodyBytes,
    rateLimitPerSecond: config.gateway.rateLimitPerSecond,
    ...(config.gateway.tls ? { tls: { certPem: config.certPem, keyPem: config.keyPem } } : {}),
  });
  log.info(
    { gateway: `${config.gateway.tls ? 'https' : 'http'}://${config.gateway.host}:${gateway.port}` },
    'gateway listening',
  );
  return {
    pcn,
    gatewayPort: gateway.port,
    stop: async () => {
      await gateway.app.close();
      await pcn.stop();
    },
  };
}

/** Process entry: start, and stop on signals. Exits 1 with a clear message on a bad config. */
export async function nodeMain(configPath: string): Promise<void> {
  let running: Awaited<ReturnType<typeof runNode>>;
  try {
    running = await runNode(configPath);
  } catch (err) {
    const e = err instanceof BsnError ? err : undefined;
    process.stderr.write(`bsn node: ${e ? `${e.code}: ${e.message}` : (err as Error).stack}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.pcn.log.info({ signal }, 'stopping');
    await running.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
