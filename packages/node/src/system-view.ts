/**
 * What the node reads from its copy of the system chain: members, organisations, services,
 * bundles and revocations. Reads go straight to the system contract's world state (the same keys
 * a client can ask proofs for), at the latest committed height unless a height is given.
 */
import type { JsonValue } from '@bsn/core';
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

/** Read-only view of the system chain's state. */
export class SystemView {
  readonly #chain: Chain;

  constructor(chain: Chain) {
    this.#chain = chain;
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
    return this.#get<PcnRecord>(systemStateKeys.pcn(id));
  }

  organisations(): OrganisationRecord[] {
    return this.#prefix<OrganisationRecord>(systemStateKeys.organisationPrefix).filter(
      (o) => o.status === 'active',
    );
  }

  organisation(id: string): OrganisationRecord | null {
    return this.#get<OrganisationRecord>(systemStateKeys.organisation(id));
  }

  /** Service `name` as of system height `height` (latest by default). */
  service(name: string, height?: number): ServiceRecord | null {
    return this.#get<ServiceRecord>(systemStateKeys.service(name), height);
  }

  /** Names of the services placed on PCN `pcn`. */
  servicesOf(pcn: string): string[] {
    return this.#prefix<string>(systemStateKeys.servicesOfPcnPrefix(pcn));
  }

  revocation(fingerprint: string): RevocationRecord | null {
    return this.#get<RevocationRecord>(systemStateKeys.revoked(fingerprint));
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
