/**
 * What the node reads from its copy of the system chain: members, organisations, services,
 * bundles and revocations. Reads go to the system contract's world state (the same keys a client
 * can ask proofs for), at the latest committed height unless a height is given.
 *
 * Single records (a PCN, an organisation, a service, a revocation) are asked for on every
 * transaction: the gateway's access rules, the checker's contract methods, the signer's chain of
 * certificates at check and again at execution. A value at a given height never changes, so each is
 * read once per (height, key) and kept, frozen (it is shared), in a bounded memo: a new system block
 * makes the latest reads new keys, so nothing kept can be stale.
 */
import { BoundedMap, deepFreeze, type JsonValue } from '@bsn/core';
import type { Chain } from '@bsn/ledger';
import {
  loadBundleFrom,
  type OrganisationRecord,
  type PcnRecord,
  prefixEnd,
  type RevocationRecord,
  type ServiceRecord,
  SYSTEM_CONTRACT,
  systemStateKeys,
} from '@bsn/system';

const PAGE = 1000;

/** Single records kept (a few per service, organisation, PCN and certificate in use). */
const MEMO_ENTRIES = 4096;

/** Read-only view of the system chain's state. */
export class SystemView {
  readonly #chain: Chain;
  /** `<height>\0<key>` → the frozen value there (null when absent). */
  readonly #memo = new BoundedMap<string, unknown>(MEMO_ENTRIES);

  constructor(chain: Chain) {
    this.#chain = chain;
  }

  /** A single record at `height` (latest by default), read once per height and kept. */
  #record<T>(key: string, height?: number): T | null {
    const tip = this.#chain.height();
    if (tip === 0) return null;
    const h = height ?? tip;
    const id = `${h}\u0000${key}`;
    const kept = this.#memo.get(id);
    if (kept !== undefined) return kept as T | null;
    const value = deepFreeze(this.#chain.state.get(SYSTEM_CONTRACT, key, h) as T | null);
    this.#memo.set(id, value);
    return value;
  }

  get height(): number {
    return this.#chain.height();
  }

  #get<T>(key: string, height?: number): T | null {
    if (this.#chain.height() === 0) return null;
    return this.#chain.state.get(SYSTEM_CONTRACT, key, height) as T | null;
  }

  #prefix<T>(prefix: string, height?: number): T[] {
    if (this.#chain.height() === 0) return [];
    const out: T[] = [];
    let start = prefix;
    const end = prefixEnd(prefix);
    for (;;) {
      const page = this.#chain.state.range(SYSTEM_CONTRACT, start, end, PAGE, height);
      for (const e of page) out.push(e.value as T);
      if (page.length < PAGE) break;
      start = `${page[page.length - 1]!.key}\u0000`;
    }
    return out;
  }

  /** Active PCNs. */
  pcns(height?: number): PcnRecord[] {
    return this.#prefix<PcnRecord>(systemStateKeys.pcnPrefix, height).filter((p) => p.status === 'active');
  }

  pcn(id: string): PcnRecord | null {
    return this.#record<PcnRecord>(systemStateKeys.pcn(id));
  }

  organisations(): OrganisationRecord[] {
    return this.#prefix<OrganisationRecord>(systemStateKeys.organisationPrefix).filter(
      (o) => o.status === 'active',
    );
  }

  organisation(id: string): OrganisationRecord | null {
    return this.#record<OrganisationRecord>(systemStateKeys.organisation(id));
  }

  /** Service `name` as of system height `height` (latest by default). */
  service(name: string, height?: number): ServiceRecord | null {
    return this.#record<ServiceRecord>(systemStateKeys.service(name), height);
  }

  /** Names of the services placed on PCN `pcn`. */
  servicesOf(pcn: string): string[] {
    return this.#prefix<string>(systemStateKeys.servicesOfPcnPrefix(pcn));
  }

  revocation(fingerprint: string): RevocationRecord | null {
    return this.#record<RevocationRecord>(systemStateKeys.revoked(fingerprint));
  }

  /** A contract bundle's code by hash. */
  bundle(codeHash: string): string | undefined {
    return loadBundleFrom((key) => this.#get<JsonValue>(key), codeHash)?.data;
  }

  /** The highest system height whose block time is strictly before `time` (0 if none). */
  heightBefore(time: number): number {
    // The common case (a new block, or a pre-check at "now"): every system block is older.
    if (this.#chain.head().time < time) return this.#chain.height();
    let lo = 0;
    let hi = this.#chain.height();
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const t = this.#chain.block(mid)?.header.time ?? Number.POSITIVE_INFINITY;
      if (t < time) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Time of the latest system block (0 before genesis). */
  headTime(): number {
    return this.#chain.head().time;
  }
}
