/**
 * Test harness: drives the system contract through the real NativeRuntime with an in-memory
 * HostApi that, like the ledger's executor, applies a call's writes and events only when the
 * call succeeds. Certificates are issued at test time with @bsn/pki.
 */
import { canonicalString, type JsonValue } from '@bsn/core';
import {
  type Caller,
  type ContractInstance,
  type HostApi,
  type InvocationResult,
  NativeRuntime,
  type StateEntry,
} from '@bsn/ledger';
import {
  type Credential,
  createRootCa,
  issueCaCertificate,
  issueNodeCertificate,
  issueUserCertificate,
  parseCertificate,
} from '@bsn/pki';
import { registerSystemContracts, type SystemGenesisConfig, systemContractCodes } from '../../src/index.js';

/** An event as the harness recorded it. */
export interface RecordedEvent {
  readonly name: string;
  readonly data: JsonValue;
}

/** The system contract on an in-memory state, one "block" per call unless told otherwise. */
export class SystemHarness {
  readonly state = new Map<string, string>();
  readonly events: RecordedEvent[] = [];
  readonly instance: ContractInstance;
  height = 1;
  // Certificates are issued "now", so blocks start a minute later.
  time = Date.now() + 60_000;
  #txCounter = 0;

  constructor() {
    const runtime = registerSystemContracts(new NativeRuntime());
    this.instance = runtime.instantiate(systemContractCodes()[0]!);
  }

  #host(writes: Map<string, string | null>, events: RecordedEvent[], readOnly: boolean): HostApi {
    const read = (key: string): string | undefined =>
      writes.has(key) ? (writes.get(key) ?? undefined) : this.state.get(key);
    return {
      get: (key) => {
        const text = read(key);
        return text === undefined ? null : (JSON.parse(text) as JsonValue);
      },
      put: (key, value) => {
        if (readOnly) throw new Error('write in a query');
        writes.set(key, canonicalString(value));
      },
      del: (key) => {
        if (readOnly) throw new Error('delete in a query');
        writes.set(key, null);
      },
      range: (start, end, limit): StateEntry[] => {
        const keys = new Set([...this.state.keys(), ...writes.keys()]);
        return [...keys]
          .filter((k) => k >= start && (end === undefined || k < end) && read(k) !== undefined)
          .sort()
          .slice(0, limit)
          .map((key) => ({ key, value: JSON.parse(read(key)!) as JsonValue }));
      },
      emit: (name, data) => {
        if (readOnly) throw new Error('event in a query');
        events.push({ name, data });
      },
    };
  }

  /** Submits a transaction as `caller` at the current height; state changes only if it succeeds. */
  submit(caller: Caller, method: string, ...args: JsonValue[]): InvocationResult {
    const writes = new Map<string, string | null>();
    const events: RecordedEvent[] = [];
    this.#txCounter++;
    const id = this.#txCounter.toString(16).padStart(64, '0');
    const result = this.instance.invoke(
      {
        method,
        args,
        caller,
        tx: { id, chain: 'system', height: this.height, time: this.time, index: 0 },
        gasLimit: 1_000_000,
        readOnly: false,
      },
      this.#host(writes, events, false),
    );
    if (result.ok) {
      for (const [k, v] of writes) {
        if (v === null) this.state.delete(k);
        else this.state.set(k, v);
      }
      this.events.push(...events);
    }
    return result;
  }

  /** Like {@link submit} but throws unless the call succeeds; returns its result. */
  ok(caller: Caller, method: string, ...args: JsonValue[]): JsonValue {
    const r = this.submit(caller, method, ...args);
    if (!r.ok) throw new Error(`${method} failed: ${r.code} ${r.message}`);
    return r.result;
  }

  /** Runs a read-only query. */
  query(method: string, ...args: JsonValue[]): InvocationResult {
    return this.instance.invoke(
      {
        method,
        args,
        caller: makeCaller('reader', 'nobody', 'client'),
        tx: { id: '0'.repeat(64), chain: 'system', height: this.height, time: this.time, index: 0 },
        gasLimit: 1_000_000,
        readOnly: true,
      },
      this.#host(new Map(), [], true),
    );
  }

  /** A query's result; throws on failure. */
  read<T = JsonValue>(method: string, ...args: JsonValue[]): T {
    const r = this.query(method, ...args);
    if (!r.ok) throw new Error(`${method} failed: ${r.code} ${r.message}`);
    return r.result as T;
  }

  /** Moves to the next block. */
  nextBlock(blocks = 1): void {
    this.height += blocks;
    this.time += 1000 * blocks;
  }

  /** Names of the events recorded since `from`. */
  eventNames(from = 0): string[] {
    return this.events.slice(from).map((e) => e.name);
  }
}

let fingerprintCounter = 0;

/** A fabricated caller with a unique fingerprint (or the given one). */
export function makeCaller(id: string, org: string, role: string, certFingerprint?: string): Caller {
  fingerprintCounter++;
  return {
    id,
    org,
    role,
    certFingerprint: certFingerprint ?? fingerprintCounter.toString(16).padStart(64, 'f'),
    attributes: {},
  };
}

/** Real certificates of a small network, issued once per test file. */
export interface NetworkFixture {
  readonly root: Credential;
  readonly pcnCa: Credential;
  readonly pcnCerts: Record<string, string>;
  readonly ordererCertPem: string;
  readonly orgCas: Record<string, Credential>;
  /** A CA for org "rogue" issued by a different root. */
  readonly foreignOrgCaPem: string;
  /** An org-CA-issued user certificate (a leaf, not a CA). */
  readonly leafPem: string;
}

/** Issues the fixture's certificates (P-256). */
export async function createNetworkFixture(
  orgs: readonly string[] = ['acme', 'globex', 'initech'],
): Promise<NetworkFixture> {
  const root = await createRootCa({ commonName: 'BSN Root', organization: 'bsn-operator' });
  const pcnCaIssued = await issueCaCertificate(root, {
    commonName: 'PCN CA',
    organization: 'bsn-operator',
    purpose: 'pcn',
  });
  const pcnCa = { certPem: pcnCaIssued.certPem, keyPem: pcnCaIssued.keyPem! };
  const pcnCerts: Record<string, string> = {};
  for (const id of ['pcn-a', 'pcn-b', 'pcn-c', 'pcn-d']) {
    pcnCerts[id] = (
      await issueNodeCertificate(pcnCa, { id, organization: 'bsn-operator', hosts: [`${id}.test`] })
    ).certPem;
  }
  const ordererCertPem = (
    await issueNodeCertificate(pcnCa, {
      id: 'orderer',
      organization: 'bsn-operator',
      hosts: ['orderer.test'],
      role: 'orderer',
    })
  ).certPem;
  const orgCas: Record<string, Credential> = {};
  for (const org of orgs) {
    const ca = await issueCaCertificate(root, { commonName: `${org} CA`, organization: org, purpose: 'org' });
    orgCas[org] = { certPem: ca.certPem, keyPem: ca.keyPem! };
  }
  const otherRoot = await createRootCa({ commonName: 'Other Root', organization: 'other' });
  const foreignOrgCaPem = (
    await issueCaCertificate(otherRoot, { commonName: 'rogue CA', organization: 'rogue', purpose: 'org' })
  ).certPem;
  const leafPem = (
    await issueUserCertificate(orgCas[orgs[0]!]!, { id: 'alice', organization: orgs[0]!, role: 'client' })
  ).certPem;
  return { root, pcnCa, pcnCerts, ordererCertPem, orgCas, foreignOrgCaPem, leafPem };
}

/** A genesis config for the fixture: the given admins, threshold and policy, PCNs a–c, no orgs. */
export function genesisConfig(
  fx: NetworkFixture,
  admins: readonly Caller[],
  overrides: Partial<SystemGenesisConfig> = {},
): SystemGenesisConfig {
  return {
    networkId: 'testnet',
    rootCertPem: fx.root.certPem,
    admins: admins.map((a) => a.certFingerprint),
    threshold: 1,
    policy: { serviceApproval: 'none' },
    pcns: ['pcn-a', 'pcn-b', 'pcn-c'].map((id) => ({
      id,
      certPem: fx.pcnCerts[id]!,
      gateway: `https://${id}.test:8443`,
      p2p: `tls://${id}.test:7051`,
    })),
    orderer: { id: 'orderer', certPem: fx.ordererCertPem },
    ...overrides,
  };
}

/** The fingerprint a certificate's signer presents. */
export function fingerprintOf(pem: string): string {
  return parseCertificate(pem).fingerprint;
}

/** Asserts that a call failed with `code` (and, if given, a message mentioning `mentions`). */
export function expectFailure(result: InvocationResult, code: string, mentions?: string): void {
  if (result.ok)
    throw new Error(`expected ${code}, but the call succeeded with ${JSON.stringify(result.result)}`);
  if (result.code !== code) throw new Error(`expected ${code}, got ${result.code}: ${result.message}`);
  if (mentions !== undefined && !result.message.includes(mentions)) {
    throw new Error(`expected the message to mention "${mentions}": ${result.message}`);
  }
}

/** An initialised network with admitted organisations and an admin caller per organisation. */
export interface Network {
  readonly h: SystemHarness;
  readonly admins: Caller[];
  /** `orgAdmins[org]` is an admin (role 'admin') of that organisation. */
  readonly orgAdmins: Record<string, Caller>;
}

/** Runs genesis with `adminCount` admins and admits the fixture's organisations through governance. */
export function initialisedNetwork(
  fx: NetworkFixture,
  options: { adminCount?: number; threshold?: number; serviceApproval?: 'none' | 'operator' } = {},
): Network {
  const h = new SystemHarness();
  const admins = Array.from({ length: options.adminCount ?? 1 }, (_, i) =>
    makeCaller(`admin-${i}`, 'bsn-operator', 'admin'),
  );
  h.ok(
    admins[0]!,
    'init',
    genesisConfig(fx, admins, {
      threshold: options.threshold ?? 1,
      policy: { serviceApproval: options.serviceApproval ?? 'none' },
      organisations: Object.entries(fx.orgCas).map(([id, ca]) => ({
        id,
        name: `${id} Inc.`,
        caCertPem: ca.certPem,
      })),
    }) as unknown as JsonValue,
  );
  h.nextBlock();
  const orgAdmins: Record<string, Caller> = {};
  for (const org of Object.keys(fx.orgCas)) orgAdmins[org] = makeCaller(`${org}-admin`, org, 'admin');
  return { h, admins, orgAdmins };
}
