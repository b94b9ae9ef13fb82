/**
 * What every network command needs: the network folder, the identity it acts as (the network
 * admin unless --identity names another), and an SDK client for the gateways that can answer.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BsnError, type JsonValue } from '@bsn/core';
import { createClient, identityFromPem } from '@bsn/sdk';
import { type ServiceRecord, SYSTEM_CHAIN, SYSTEM_CONTRACT } from '@bsn/system';
import { type LoadedNetwork, loadNetwork } from './network-layout.js';

/** Options shared by network commands. */
export interface NetworkCommandOptions {
  readonly dir: string;
  /** `org/name` of an enrolled identity, or a path prefix to `<prefix>.cert.pem` + `<prefix>.key.pem`; default: the network admin. */
  readonly identity?: string;
}

/** Paths of an identity's certificate and key. */
export function identityPaths(net: LoadedNetwork, identity?: string): { cert: string; key: string } {
  if (identity === undefined) return { cert: net.path(net.admin.cert), key: net.path(net.admin.key) };
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\/([A-Za-z0-9][A-Za-z0-9._-]*)$/.exec(identity);
  if (m) {
    const base = join(net.dir, 'orgs', m[1]!, 'users', m[2]!);
    return { cert: `${base}.cert.pem`, key: `${base}.key.pem` };
  }
  return { cert: `${identity}.cert.pem`, key: `${identity}.key.pem` };
}

function readOrFail(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new BsnError('BSN_CLI_NOT_FOUND', `${what} not found at ${path}`, { details: { path } });
  }
}

/**
 * A client acting as the chosen identity against the given gateways (default: every PCN). The
 * network's PCNs are pinned from network.json, so no gateway can shrink the system chain's hosting
 * set by listing fewer PCNs.
 */
export function clientFor(net: LoadedNetwork, identity?: string, gateways?: readonly string[]) {
  const paths = identityPaths(net, identity);
  const id = identityFromPem({
    certPem: readOrFail(paths.cert, 'identity certificate'),
    keyPem: readOrFail(paths.key, 'identity key'),
  });
  return createClient({
    gateway: gateways && gateways.length > 0 ? [...gateways] : net.pcns.map((p) => p.gateway),
    identity: id,
    rootCertPem: net.rootCertPem,
    pcns: net.pcns.map((p) => p.id),
  });
}

/** Loads the network and a client for the system chain. */
export function networkContext(opts: NetworkCommandOptions) {
  const net = loadNetwork(opts.dir);
  return { net, client: clientFor(net, opts.identity) };
}

/** Submits a system-chain transaction and waits for finality. */
export async function systemInvoke(
  client: ReturnType<typeof clientFor>,
  method: string,
  args: JsonValue[],
): Promise<Awaited<ReturnType<ReturnType<typeof clientFor>['submitTransaction']>>> {
  const r = await client.submitTransaction({
    chain: SYSTEM_CHAIN,
    contract: SYSTEM_CONTRACT,
    method,
    args,
    wait: 'final',
  });
  if ('receipt' in r && r.receipt.status === 'failed') {
    // Final, but the system contract refused it: the command fails with the contract's code.
    throw new BsnError(
      r.receipt.error?.code ?? 'BSN_INTERNAL',
      r.receipt.error?.message ?? `${method} failed`,
      {
        details: { txId: r.txId, height: r.height, method },
      },
    );
  }
  return r;
}

/** Reads a service record from the system chain (null when there is none). */
export async function readService(
  client: ReturnType<typeof clientFor>,
  name: string,
): Promise<ServiceRecord | null> {
  const r = await client.query({
    chain: SYSTEM_CHAIN,
    contract: SYSTEM_CONTRACT,
    method: 'getService',
    args: [name],
  });
  return (r.result ?? null) as ServiceRecord | null;
}

/** Parses CLI ARGS as JSON values; a bare word that is not JSON is a string. */
export function parseArgs(args: readonly string[]): JsonValue[] {
  return args.map((a) => {
    try {
      return JSON.parse(a) as JsonValue;
    } catch {
      return a;
    }
  });
}
