/**
 * The folder a dev network lives in (`.bsn` by default) and its `network.json`:
 *
 *   network.json            what clients need: gateways, orderer, admin identity, root certificate (paths to PEM files)
 *   ca/root.pem|key         the network root CA (first-level root)
 *   ca/<purpose>-*.pem|key  second-level CAs: the operator's organisation, PCN operators, the orderer
 *   admin/admin.pem|key     the network admin (role admin of the operator organisation)
 *   orderer/                orderer certificate, key and write-ahead log
 *   pcns/<id>/              pcn.yaml, node certificate and key, chain data
 *   orgs/<org>/             an organisation's CA and its users' certificates and keys
 *
 * Private keys are written with mode 0600 and never printed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { BsnError } from '@bsn/core';

/** One PCN of the dev network as recorded in network.json. */
export interface NetworkPcn {
  readonly id: string;
  readonly gateway: string;
  readonly p2p: string;
  readonly config: string;
  readonly cert: string;
}

/** The content of network.json (paths relative to the folder holding it). */
export interface NetworkFile {
  readonly version: 1;
  readonly networkId: string;
  readonly rootCert: string;
  readonly pcns: readonly NetworkPcn[];
  readonly orderer: {
    readonly id: string;
    readonly url: string;
    readonly cert: string;
    readonly key: string;
    readonly dir: string;
  };
  readonly admin: { readonly cert: string; readonly key: string; readonly org: string };
  readonly operatorOrg: { readonly id: string; readonly caCert: string; readonly caKey: string };
}

/** A loaded network.json with absolute paths. */
export interface LoadedNetwork extends NetworkFile {
  readonly dir: string;
  path(relative: string): string;
  readonly rootCertPem: string;
}

/** Path of network.json in `dir`. */
export function networkFilePath(dir: string): string {
  return join(resolve(dir), 'network.json');
}

/** Loads network.json from `dir`; BSN_CLI_NO_NETWORK when there is none. */
export function loadNetwork(dir: string): LoadedNetwork {
  const file = networkFilePath(dir);
  if (!existsSync(file)) {
    throw new BsnError('BSN_CLI_NO_NETWORK', `no network at ${file}: run \`bsn up\` first (or pass --dir)`, {
      details: { path: file },
    });
  }
  let parsed: NetworkFile;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as NetworkFile;
  } catch (cause) {
    throw new BsnError('BSN_CLI_NO_NETWORK', `${file} is not valid JSON`, { details: { path: file }, cause });
  }
  const base = dirname(file);
  const path = (p: string) => (isAbsolute(p) ? p : join(base, p));
  return { ...parsed, dir: base, path, rootCertPem: readFileSync(path(parsed.rootCert), 'utf8') };
}
