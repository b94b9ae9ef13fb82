/**
 * The commands that act on a running network through its gateways: organisations, identities,
 * services, invoke and query. Each prints JSON on stdout (for scripts) and explains failures with
 * the error's code and message.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BsnError, type JsonValue } from '@bsn/core';
import { issueCaCertificate, issueUserCertificate, writeCredential } from '@bsn/pki';
import { bundleContract } from '@bsn/runtime-js';
import { serviceChainId } from '@bsn/system';
import {
  clientFor,
  type NetworkCommandOptions,
  networkContext,
  parseArgs,
  readService,
  systemInvoke,
} from '../cli-context.js';
import { writeIdentityFiles } from '../identity-files.js';
import { loadNetwork } from '../network-layout.js';

const ORG_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SERVICE_NAME = /^[a-z][a-z0-9-]{1,39}$/;

function invalid(message: string, field: string): never {
  throw new BsnError('BSN_CLI_INVALID_ARGUMENT', message, { details: { field } });
}

/** `bsn org create --name O`: creates the organisation's CA and its admin, and admits it on the system chain. */
export async function orgCreate(
  opts: NetworkCommandOptions & { name: string; displayName?: string },
): Promise<JsonValue> {
  if (!ORG_ID.test(opts.name)) invalid(`organisation name "${opts.name}" must match ${ORG_ID}`, 'name');
  const { net, client } = networkContext(opts);
  const root = {
    certPem: net.rootCertPem,
    keyPem: readFileSync(join(net.dir, 'ca', 'root.key.pem'), 'utf8'),
  };
  const orgDir = join(net.dir, 'orgs', opts.name);
  const ca = await issueCaCertificate(root, {
    commonName: `${opts.name} CA`,
    organization: opts.name,
    purpose: 'org',
  });
  await writeCredential(orgDir, 'ca', { certPem: ca.certPem, keyPem: ca.keyPem! });
  const admin = await issueUserCertificate(
    { certPem: ca.certPem, keyPem: ca.keyPem! },
    { id: 'admin', organization: opts.name, role: 'admin' },
  );
  const files = await writeIdentityFiles(
    join(orgDir, 'users'),
    'admin',
    admin.certPem,
    ca.certPem,
    admin.keyPem!,
  );
  const receipt = await systemInvoke(client, 'propose', [
    {
      type: 'admitOrganisation',
      organisation: { id: opts.name, name: opts.displayName ?? opts.name, caCertPem: ca.certPem },
    },
  ]);
  return {
    organisation: opts.name,
    admin: `${opts.name}/admin`,
    adminCert: files.certPath,
    receipt: receipt as unknown as JsonValue,
  };
}

/** `bsn identity enroll --org O --name U [--role R]`: issues a user certificate (custody mode: the key is generated here). */
export async function identityEnroll(opts: {
  dir: string;
  org: string;
  name: string;
  role: string;
  attributes?: Record<string, string>;
}): Promise<JsonValue> {
  if (!ORG_ID.test(opts.org)) invalid(`organisation "${opts.org}" must match ${ORG_ID}`, 'org');
  if (!ORG_ID.test(opts.name)) invalid(`user name "${opts.name}" must match ${ORG_ID}`, 'name');
  const net = loadNetwork(opts.dir);
  const orgDir = join(net.dir, 'orgs', opts.org);
  let ca: { certPem: string; keyPem: string };
  try {
    ca = {
      certPem: readFileSync(join(orgDir, 'ca.cert.pem'), 'utf8'),
      keyPem: readFileSync(join(orgDir, 'ca.key.pem'), 'utf8'),
    };
  } catch {
    throw new BsnError(
      'BSN_CLI_NOT_FOUND',
      `organisation "${opts.org}" has no CA in ${orgDir}: run \`bsn org create --name ${opts.org}\``,
      {
        details: { org: opts.org },
      },
    );
  }
  const user = await issueUserCertificate(ca, {
    id: opts.name,
    organization: opts.org,
    role: opts.role,
    ...(opts.attributes ? { attributes: opts.attributes } : {}),
  });
  mkdirSync(join(orgDir, 'users'), { recursive: true });
  const files = await writeIdentityFiles(
    join(orgDir, 'users'),
    opts.name,
    user.certPem,
    ca.certPem,
    user.keyPem!,
  );
  return {
    identity: `${opts.org}/${opts.name}`,
    org: opts.org,
    role: opts.role,
    cert: files.certPath,
    key: files.keyPath ?? null,
  };
}

/** `bsn service create --name N --contract PATH --pcns a,b,c`: bundles, registers and waits until the hosts run it. */
export async function serviceCreate(
  opts: NetworkCommandOptions & {
    name: string;
    contract: string;
    pcns: string[];
    orgs?: string[];
    roles?: Record<string, string[]>;
  },
): Promise<JsonValue> {
  if (!SERVICE_NAME.test(opts.name))
    invalid(`service name "${opts.name}" must match ${SERVICE_NAME}`, 'name');
  if (opts.pcns.length === 0) invalid('--pcns needs at least one PCN id', 'pcns');
  const { net, client } = networkContext(opts);
  const known = new Set(net.pcns.map((p) => p.id));
  for (const p of opts.pcns)
    if (!known.has(p)) invalid(`unknown PCN "${p}" (this network has ${[...known].join(', ')})`, 'pcns');
  const bundle = await bundleContract(resolve(opts.contract));
  const owner = client.identity.certificate.subject.organization;
  const orgs = [...new Set([owner, ...(opts.orgs ?? [])])];
  const spec = {
    name: opts.name,
    runtime: 'js',
    codeHash: bundle.codeHash,
    bundle: { encoding: 'utf8', data: bundle.code },
    pcns: [...opts.pcns].sort(),
    organisations: orgs,
    roles: opts.roles ?? { admin: ['*'], member: ['*'] },
  };
  await systemInvoke(client, 'createService', [spec as unknown as JsonValue]);
  const chain = serviceChainId(opts.name);
  const gateways = net.pcns.filter((p) => opts.pcns.includes(p.id)).map((p) => p.gateway);
  // Wait until every hosting PCN runs the chain (its health lists it).
  const deadline = Date.now() + 60_000;
  for (const g of gateways) {
    for (;;) {
      const h = (await fetch(`${g}/v1/health`)
        .then((r) => r.json())
        .catch(() => null)) as { chains?: { chain: string }[] } | null;
      if (h?.chains?.some((c) => c.chain === chain)) break;
      if (Date.now() > deadline)
        throw new BsnError('BSN_CLI_TIMEOUT', `PCN at ${g} did not start chain ${chain} within 60 s`, {
          details: { gateway: g, chain },
        });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { service: opts.name, chain, pcns: [...opts.pcns].sort(), codeHash: bundle.codeHash };
}

async function serviceClient(opts: NetworkCommandOptions & { service: string }) {
  const net = loadNetwork(opts.dir);
  const admin = clientFor(net, opts.identity);
  const service = await readService(admin, opts.service);
  if (!service) {
    throw new BsnError(
      'BSN_CLI_NOT_FOUND',
      `no service "${opts.service}" on this network: create it with \`bsn service create\``,
      {
        details: { service: opts.service },
      },
    );
  }
  const gateways = net.pcns.filter((p) => service.pcns.includes(p.id)).map((p) => p.gateway);
  return { service, client: clientFor(net, opts.identity, gateways) };
}

/** `bsn invoke --service N METHOD [ARGS…]`: submits, waits for finality, returns the verified receipt with its certificate. */
export async function invoke(
  opts: NetworkCommandOptions & { service: string; method: string; args: string[] },
): Promise<JsonValue> {
  const { service, client } = await serviceClient(opts);
  const r = await client.submitTransaction({
    chain: service.chain,
    contract: service.contract,
    method: opts.method,
    args: parseArgs(opts.args),
    wait: 'final',
  });
  if ('receipt' in r && r.receipt.status === 'failed') {
    // The transaction is final but the contract refused it: print the receipt, and fail the command
    // with the receipt's code so scripts see it.
    throw new ReceiptFailed(
      r as unknown as JsonValue,
      r.receipt.error?.code ?? 'BSN_INTERNAL',
      r.receipt.error?.message ?? '',
    );
  }
  return r as unknown as JsonValue;
}

/** A final receipt whose status is `failed`: the command prints it and exits 1 with its code. */
export class ReceiptFailed extends Error {
  constructor(
    readonly receipt: JsonValue,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `bsn query --service N METHOD [ARGS…] [--proof]`: `{result, height, verified, resultVerified}`.
 * `verified`: every read the answer lists is proven against a certified state root; the result is
 * still the answering PCN's computation (`resultVerified` is false: the CLI cannot re-run it).
 */
export async function query(
  opts: NetworkCommandOptions & { service: string; method: string; args: string[]; proof: boolean },
): Promise<JsonValue> {
  const { service, client } = await serviceClient(opts);
  const r = await client.query({
    chain: service.chain,
    contract: service.contract,
    method: opts.method,
    args: parseArgs(opts.args),
    proof: opts.proof,
  });
  return {
    result: r.result as JsonValue,
    height: r.height,
    verified: r.verified,
    resultVerified: r.resultVerified,
    ...(opts.proof ? { signers: [...r.signers], reads: r.reads.length } : {}),
  };
}

/** `bsn status`: health of every PCN of the network. */
export async function status(opts: { dir: string }): Promise<JsonValue> {
  const net = loadNetwork(opts.dir);
  const out: JsonValue[] = [];
  for (const p of net.pcns) {
    const h = (await fetch(`${p.gateway}/v1/health`, { signal: AbortSignal.timeout(2000) })
      .then((r) => r.json())
      .catch(() => null)) as JsonValue;
    out.push({ pcn: p.id, gateway: p.gateway, health: h ?? 'unreachable' });
  }
  return out;
}

/** `bsn service upgrade --name N --contract PATH`: new contract code for a service, state kept. */
export async function serviceUpgrade(
  opts: NetworkCommandOptions & { name: string; contract: string },
): Promise<JsonValue> {
  if (!SERVICE_NAME.test(opts.name))
    invalid(`service name "${opts.name}" must match ${SERVICE_NAME}`, 'name');
  const { client } = networkContext(opts);
  const bundle = await bundleContract(resolve(opts.contract));
  const r = await systemInvoke(client, 'upgradeContract', [
    opts.name,
    bundle.codeHash,
    { encoding: 'utf8', data: bundle.code },
  ]);
  const result = ('receipt' in r ? r.receipt.result : null) as {
    version?: number;
    fromSystemHeight?: number;
  } | null;
  return {
    service: opts.name,
    codeHash: bundle.codeHash,
    version: result?.version ?? null,
    fromSystemHeight: result?.fromSystemHeight ?? null,
  };
}
