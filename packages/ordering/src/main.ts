/**
 * The orderer as a process: `node --import tsx main.ts --dir D --id ID --key K --port P [--host H]`
 * or `… main.ts --config orderer.json` (flags override the file). Opens the solo orderer, serves
 * it over HTTP(S), logs start and stop at info (never keys or payloads), and closes cleanly on
 * SIGTERM/SIGINT. `bsn orderer start` calls {@link ordererMain}.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BsnError, isBsnError } from '@bsn/core';
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import pino from 'pino';
import { OrdererServer } from './orderer-server.js';
import { defaultSoloOrdererOptions, SoloOrderer } from './solo-orderer.js';

/** The orderer process configuration (JSON file, then flags). Paths are relative to the file. */
export const OrdererConfigSchema = Type.Object(
  {
    dir: Type.String({ minLength: 1, description: 'data directory (WAL and blocks)' }),
    id: Type.String({ minLength: 1, description: 'orderer id written into block headers' }),
    key: Type.String({ minLength: 1, description: 'PEM file of the orderer private key' }),
    host: Type.String({ minLength: 1, description: 'address to listen on' }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    maxTxPerBlock: Type.Optional(Type.Integer({ minimum: 1 })),
    maxBlockDelayMs: Type.Optional(Type.Integer({ minimum: 0 })),
    maxPending: Type.Optional(Type.Integer({ minimum: 1 })),
    maxTxBytes: Type.Optional(Type.Integer({ minimum: 1 })),
    maxTxTtlMs: Type.Optional(Type.Integer({ minimum: 1 })),
    segmentBytes: Type.Optional(Type.Integer({ minimum: 1 })),
    maxChains: Type.Optional(Type.Integer({ minimum: 1 })),
    recentBlockBytes: Type.Optional(Type.Integer({ minimum: 1 })),
    heartbeatMs: Type.Optional(Type.Integer({ minimum: 10 })),
    maxConnections: Type.Optional(Type.Integer({ minimum: 1 })),
    idleTimeoutMs: Type.Optional(Type.Integer({ minimum: 20 })),
    maxStreamsPerClient: Type.Optional(Type.Integer({ minimum: 1 })),
    logLevel: Type.Optional(
      Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
    ),
    tls: Type.Optional(
      Type.Object(
        {
          key: Type.String({ minLength: 1, description: 'PEM file of the server key' }),
          cert: Type.String({ minLength: 1, description: 'PEM file of the server certificate' }),
          ca: Type.Optional(
            Type.String({ minLength: 1, description: 'PEM file of the CA for client certificates' }),
          ),
          requestCert: Type.Optional(
            Type.Boolean({ description: 'require client certificates (mutual TLS)' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** A validated orderer process configuration. */
export type OrdererConfig = Static<typeof OrdererConfigSchema>;

const checkConfig = TypeCompiler.Compile(OrdererConfigSchema);

function readPem(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new BsnError('BSN_INVALID_ARGUMENT', `orderer config ${field}: cannot read ${path}`, {
      details: { field, path },
      cause,
    });
  }
}

/** Parses flags (and the JSON file named by `--config`) into a validated config; throws BSN_INVALID_ARGUMENT naming the field. */
export function parseOrdererArgs(argv: readonly string[]): OrdererConfig {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string' },
        dir: { type: 'string' },
        id: { type: 'string' },
        key: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'log-level': { type: 'string' },
      },
      strict: true,
    });
  } catch (cause) {
    throw new BsnError('BSN_INVALID_ARGUMENT', (cause as Error).message, { cause });
  }
  const v = parsed.values as Record<string, string | undefined>;
  let fromFile: Record<string, unknown> = {};
  if (v.config) {
    const file = resolve(v.config);
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (cause) {
      throw new BsnError('BSN_INVALID_ARGUMENT', `orderer config ${file} is not readable JSON`, { cause });
    }
    const base = resolve(file, '..');
    for (const f of ['dir', 'key'] as const) {
      if (typeof fromFile[f] === 'string') fromFile[f] = resolve(base, fromFile[f] as string);
    }
    const tls = fromFile.tls as Record<string, unknown> | undefined;
    if (tls && typeof tls === 'object') {
      for (const f of ['key', 'cert', 'ca'] as const) {
        if (typeof tls[f] === 'string') tls[f] = resolve(base, tls[f] as string);
      }
    }
  }
  const merged: Record<string, unknown> = { host: '127.0.0.1', ...fromFile };
  if (v.dir !== undefined) merged.dir = resolve(v.dir);
  if (v.id !== undefined) merged.id = v.id;
  if (v.key !== undefined) merged.key = resolve(v.key);
  if (v.host !== undefined) merged.host = v.host;
  if (v.port !== undefined) merged.port = /^\d+$/.test(v.port) ? Number(v.port) : v.port;
  if (v['log-level'] !== undefined) merged.logLevel = v['log-level'];
  if (!checkConfig.Check(merged)) {
    const first = checkConfig.Errors(merged).First();
    const field = (first?.path ?? '/').slice(1).replaceAll('/', '.') || '(root)';
    throw new BsnError('BSN_INVALID_ARGUMENT', `orderer config ${field}: ${first?.message ?? 'invalid'}`, {
      details: { field },
    });
  }
  return merged as OrdererConfig;
}

/** A running orderer process: the orderer, its server and how to stop both. */
export interface RunningOrderer {
  readonly orderer: SoloOrderer;
  readonly server: OrdererServer;
  readonly url: string;
  stop(): Promise<void>;
}

/** Opens the orderer and starts serving it, per `config`. */
export async function runOrderer(config: OrdererConfig, log: pino.Logger): Promise<RunningOrderer> {
  const orderer = await SoloOrderer.open(
    {
      dir: config.dir,
      id: config.id,
      keyPem: readPem(config.key, 'key'),
      maxTxPerBlock: config.maxTxPerBlock ?? defaultSoloOrdererOptions.maxTxPerBlock,
      maxBlockDelayMs: config.maxBlockDelayMs ?? defaultSoloOrdererOptions.maxBlockDelayMs,
      maxPending: config.maxPending ?? defaultSoloOrdererOptions.maxPending,
      maxTxBytes: config.maxTxBytes ?? defaultSoloOrdererOptions.maxTxBytes,
      maxTxTtlMs: config.maxTxTtlMs ?? defaultSoloOrdererOptions.maxTxTtlMs,
      segmentBytes: config.segmentBytes ?? defaultSoloOrdererOptions.segmentBytes,
      maxChains: config.maxChains ?? defaultSoloOrdererOptions.maxChains,
      recentBlockBytes: config.recentBlockBytes ?? defaultSoloOrdererOptions.recentBlockBytes,
    },
    {
      onFailure: (err) =>
        log.error({ code: err.code, reason: err.message }, 'orderer stopped ordering after a storage error'),
    },
  );
  const tls = config.tls;
  const server = new OrdererServer(
    {
      host: config.host,
      port: config.port,
      ...(config.heartbeatMs ? { heartbeatMs: config.heartbeatMs } : {}),
      ...(config.maxConnections ? { maxConnections: config.maxConnections } : {}),
      ...(config.idleTimeoutMs ? { idleTimeoutMs: config.idleTimeoutMs } : {}),
      ...(config.maxStreamsPerClient ? { maxStreamsPerClient: config.maxStreamsPerClient } : {}),
      ...(tls
        ? {
            tls: {
              keyPem: readPem(tls.key, 'tls.key'),
              certPem: readPem(tls.cert, 'tls.cert'),
              ...(tls.ca ? { caPem: readPem(tls.ca, 'tls.ca') } : {}),
              ...(tls.requestCert !== undefined ? { requestCert: tls.requestCert } : {}),
            },
          }
        : {}),
    },
    { orderer, log },
  );
  let url: string;
  try {
    url = await server.listen();
  } catch (err) {
    await orderer.close();
    throw err;
  }
  const s = orderer.stats();
  log.info(
    {
      id: config.id,
      url,
      dir: config.dir,
      chains: s.chains,
      requeued: s.requeuedOnOpen,
      truncatedBytes: s.truncatedBytesOnOpen,
    },
    'orderer started',
  );
  return {
    orderer,
    server,
    url,
    stop: async () => {
      await server.close();
      await orderer.close();
    },
  };
}

/**
 * Process entry: parses `argv`, runs the orderer, stops cleanly on SIGTERM/SIGINT. Exits 1 with
 * `bsn orderer: CODE: message` on a bad config or a refused start (locked or corrupt directory).
 */
export async function ordererMain(argv: readonly string[]): Promise<void> {
  let running: RunningOrderer;
  let log: pino.Logger;
  try {
    const config = parseOrdererArgs(argv);
    log = pino({ name: 'bsn-orderer', level: config.logLevel ?? process.env.BSN_LOG_LEVEL ?? 'info' });
    running = await runOrderer(config, log);
  } catch (err) {
    process.stderr.write(
      `bsn orderer: ${isBsnError(err) ? `${err.code}: ${err.message}` : (err as Error).message}\n`,
    );
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'orderer stopping');
    try {
      await running.stop();
      log.info('orderer stopped');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'orderer did not stop cleanly');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await ordererMain(process.argv.slice(2));
}
