/**
 * The PCN's configuration: one YAML (or JSON) file, validated once at start against a schema,
 * then frozen. Relative paths are resolved against the file's folder. Environment variables
 * `BSN_NODE_<FIELD>` (e.g. BSN_NODE_GATEWAY_PORT) override the file for the common fields.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { BsnError } from '@bsn/core';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import './errors.js';

const Endpoint = Type.Object(
  {
    host: Type.String({ minLength: 1, default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
  },
  { additionalProperties: false },
);

/** The schema of a PCN config file. */
export const PcnConfigSchema = Type.Object(
  {
    id: Type.String({
      pattern: '^[a-z][a-z0-9-]{0,39}$',
      description: 'this PCN id, as admitted on the system chain',
    }),
    dataDir: Type.String({ minLength: 1, description: 'folder for chain data (one SQLite file per chain)' }),
    rootCert: Type.String({ minLength: 1, description: 'network root CA certificate (PEM file)' }),
    identity: Type.Object(
      { cert: Type.String({ minLength: 1 }), key: Type.String({ minLength: 1 }) },
      { additionalProperties: false, description: 'node certificate and key (PEM files)' },
    ),
    gateway: Type.Object(
      {
        ...Endpoint.properties,
        tls: Type.Boolean({ default: false, description: 'serve HTTPS with the node certificate' }),
        maxBodyBytes: Type.Integer({ minimum: 1024, default: 1_048_576 }),
        rateLimitPerSecond: Type.Integer({
          minimum: 1,
          default: 2000,
          description: 'requests per second per client address',
        }),
      },
      { additionalProperties: false },
    ),
    p2p: Endpoint,
    orderer: Type.Object(
      {
        url: Type.String({ pattern: '^https?://' }),
        id: Type.String({ minLength: 1 }),
        cert: Type.String({
          minLength: 1,
          description: 'orderer certificate (PEM file): block signatures are checked against it',
        }),
      },
      { additionalProperties: false },
    ),
    signatureThreads: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 64,
        description:
          'threads verifying the signatures of the next blocks while one executes (0: none; default: cores − 1, at most 4)',
      }),
    ),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
    faults: Type.Optional(
      Type.Object(
        {
          corruptWriteOnChain: Type.Optional(
            Type.String({ description: 'TEST ONLY: corrupt one state write of every block of this chain' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** A validated, frozen PCN configuration with absolute paths and the PEM files read. */
export type PcnConfig = Static<typeof PcnConfigSchema>;

/** The config plus the PEM material it points at. */
export interface LoadedPcnConfig extends PcnConfig {
  readonly rootCertPem: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly ordererCertPem: string;
}

function invalid(message: string, details: Record<string, unknown> = {}): never {
  throw new BsnError('BSN_NODE_CONFIG_INVALID', message, { details });
}

function readPem(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new BsnError('BSN_NODE_CONFIG_INVALID', `cannot read ${field} at ${path}`, {
      details: { field, path },
      cause,
    });
  }
}

const ENV_OVERRIDES: ReadonlyArray<[string, (c: Record<string, unknown>, v: string) => void]> = [
  ['BSN_NODE_GATEWAY_PORT', (c, v) => ((c['gateway'] as Record<string, unknown>)['port'] = Number(v))],
  ['BSN_NODE_P2P_PORT', (c, v) => ((c['p2p'] as Record<string, unknown>)['port'] = Number(v))],
  ['BSN_NODE_LOG_LEVEL', (c, v) => (c['logLevel'] = v)],
  ['BSN_NODE_DATA_DIR', (c, v) => (c['dataDir'] = v)],
  ['BSN_NODE_SIGNATURE_THREADS', (c, v) => (c['signatureThreads'] = Number(v))],
];

/** Validates a raw config object (from a file or built in code); `baseDir` resolves relative paths. */
export function validatePcnConfig(
  raw: unknown,
  baseDir: string,
  env: NodeJS.ProcessEnv = {},
): LoadedPcnConfig {
  if (typeof raw !== 'object' || raw === null) invalid('config must be an object');
  const withEnv = structuredClone(raw) as Record<string, unknown>;
  for (const [name, apply] of ENV_OVERRIDES) {
    const v = env[name];
    if (v !== undefined && typeof withEnv['gateway'] === 'object' && typeof withEnv['p2p'] === 'object')
      apply(withEnv, v);
  }
  const value = Value.Default(PcnConfigSchema, withEnv);
  const first = Value.Errors(PcnConfigSchema, value).First();
  if (first) {
    invalid(`config field ${first.path || '/'}: ${first.message}`, { field: first.path, value: first.value });
  }
  const cfg = value as PcnConfig;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const resolved: PcnConfig = {
    ...cfg,
    dataDir: abs(cfg.dataDir),
    rootCert: abs(cfg.rootCert),
    identity: { cert: abs(cfg.identity.cert), key: abs(cfg.identity.key) },
    orderer: { ...cfg.orderer, cert: abs(cfg.orderer.cert) },
  };
  return Object.freeze({
    ...resolved,
    rootCertPem: readPem(resolved.rootCert, 'rootCert'),
    certPem: readPem(resolved.identity.cert, 'identity.cert'),
    keyPem: readPem(resolved.identity.key, 'identity.key'),
    ordererCertPem: readPem(resolved.orderer.cert, 'orderer.cert'),
  });
}

/** Reads and validates a config file (YAML or JSON), applying `BSN_NODE_*` environment overrides. */
export function loadPcnConfig(path: string, env: NodeJS.ProcessEnv = process.env): LoadedPcnConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new BsnError('BSN_NODE_CONFIG_INVALID', `cannot read config file ${path}`, {
      details: { path },
      cause,
    });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (cause) {
    throw new BsnError(
      'BSN_NODE_CONFIG_INVALID',
      `config file ${path} is not valid YAML: ${(cause as Error).message}`,
      {
        details: { path },
        cause,
      },
    );
  }
  return validatePcnConfig(raw, dirname(resolve(path)), env);
}
