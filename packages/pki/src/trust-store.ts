/**
 * Verifying a certificate chain to the network root, synchronously and without throwing: block
 * execution checks the signer chain of every transaction. The static part of a verdict (parsing,
 * issuer search, signatures, CA flags, key usages, path lengths) depends only on the certificates,
 * so a {@link TrustStore} memoises it per leaf; time and revocation change, so they are checked on
 * every call.
 */
import { verify } from 'node:crypto';
import { BoundedMap, BsnError } from '@bsn/core';
import {
  type CertificateInfo,
  type ParsedCertificate,
  parseCertificateDetailed,
} from './parse-certificate.js';
import { KEY_USAGE_BITS, OID } from './profile.js';

/** A set of revoked certificate fingerprints (lower-case hex SHA-256 of the DER); a `Set<string>` satisfies it. */
export interface RevocationList {
  has(fingerprint: string): boolean;
}

/** What a verified certificate must be: a user, a node, either of them (`leaf`), or a CA. */
export type ChainPurpose = 'user' | 'node' | 'ca' | 'leaf';

/** The verdict on a chain: the leaf and the chain leaf…root, or the reason for rejection as a BSN_PKI_ code. */
export type ChainCheck =
  | { readonly ok: true; readonly leaf: CertificateInfo; readonly chain: readonly CertificateInfo[] }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** Options of a {@link TrustStore}. */
export interface TrustStoreOptions {
  /** PEM certificates of the trusted roots (trust anchors). */
  readonly roots: readonly string[];
  /** PEM certificates of known intermediate CAs (untrusted until chained to a root). */
  readonly intermediates?: readonly string[];
  /** Revoked fingerprints, consulted on every verification. */
  readonly revoked?: RevocationList;
  /** Most memoised leaves before the oldest are forgotten (default 10,000). */
  readonly cacheSize?: number;
}

/** Default options of a {@link TrustStore}. */
export const defaultTrustStoreOptions = { cacheSize: 10_000 } as const;

/** Longest chain considered, leaf and root included: more is refused as a path-length failure. */
const MAX_CHAIN = 6;
/** Most alternative valid paths remembered per leaf (re-issued CAs with the same name and key). */
const MAX_PATHS = 4;

type Failure = { readonly ok: false; readonly code: string; readonly message: string };
type StaticVerdict =
  | Failure
  | { readonly ok: true; readonly paths: readonly (readonly ParsedCertificate[])[] };

function fail(code: string, message: string): Failure {
  return { ok: false, code, message };
}

function label(c: ParsedCertificate): string {
  const cn = c.info.subject.commonName || c.info.issuer;
  return `"${cn}" (${c.info.fingerprint.slice(0, 16)}…)`;
}

const EMPTY_REVOKED: RevocationList = { has: () => false };

/** Checks that the leaf may serve `expect`: role (CA or not) and key usages. */
function checkLeaf(leaf: ParsedCertificate, expect: ChainPurpose): Failure | undefined {
  const name = label(leaf);
  if (leaf.unknownCritical.length > 0) {
    return fail(
      'BSN_PKI_UNKNOWN_CRITICAL_EXTENSION',
      `certificate ${name} has unknown critical extensions ${leaf.unknownCritical.join(', ')}`,
    );
  }
  const ku = leaf.keyUsageBits ?? 0;
  const eku = leaf.extKeyUsage ?? [];
  if (expect === 'ca') {
    if (!leaf.isCa)
      return fail('BSN_PKI_LEAF_AS_CA', `certificate ${name} is not a CA certificate but a CA is expected`);
    if ((ku & KEY_USAGE_BITS.keyCertSign) === 0) {
      return fail('BSN_PKI_KEY_USAGE', `CA certificate ${name} lacks the keyCertSign key usage`);
    }
    return undefined;
  }
  if (leaf.isCa) {
    return fail(
      'BSN_PKI_CA_AS_LEAF',
      `certificate ${name} is a CA certificate but a ${expect} certificate is expected`,
    );
  }
  if (!leaf.info.subject.commonName) {
    return fail(
      'BSN_PKI_CERT_MALFORMED',
      `certificate ${name} has no subject CN, so it names no user or node`,
    );
  }
  if ((ku & KEY_USAGE_BITS.digitalSignature) === 0) {
    return fail('BSN_PKI_KEY_USAGE', `certificate ${name} lacks the digitalSignature key usage`);
  }
  const client = eku.includes(OID.clientAuth);
  const server = eku.includes(OID.serverAuth);
  if (expect === 'node' && !(client && server)) {
    return fail(
      'BSN_PKI_KEY_USAGE',
      `certificate ${name} is not a node certificate: it needs extended key usages serverAuth and clientAuth`,
    );
  }
  if (expect === 'user' && (!client || server)) {
    return fail(
      'BSN_PKI_KEY_USAGE',
      server
        ? `certificate ${name} is a node certificate (serverAuth) but a user certificate is expected`
        : `certificate ${name} lacks the clientAuth extended key usage of a user certificate`,
    );
  }
  if (expect === 'leaf' && !client) {
    return fail('BSN_PKI_KEY_USAGE', `certificate ${name} lacks the clientAuth extended key usage`);
  }
  return undefined;
}

/** Checks that `ca`, found at `index` in the chain (0 = leaf), may have issued what is below it. */
function checkIssuerCa(ca: ParsedCertificate, index: number): Failure | undefined {
  const name = label(ca);
  if (ca.unknownCritical.length > 0) {
    return fail(
      'BSN_PKI_UNKNOWN_CRITICAL_EXTENSION',
      `issuer ${name} has unknown critical extensions ${ca.unknownCritical.join(', ')}`,
    );
  }
  if (!ca.isCa)
    return fail('BSN_PKI_LEAF_AS_CA', `certificate ${name} issued another certificate but is not a CA`);
  if (ca.keyUsageBits === undefined || (ca.keyUsageBits & KEY_USAGE_BITS.keyCertSign) === 0) {
    return fail('BSN_PKI_KEY_USAGE', `issuer ${name} lacks the keyCertSign key usage`);
  }
  // RFC 5280 §4.2.1.9: pathLen bounds the CA certificates between this CA and the end of the path.
  const below = index - 1;
  const pathLength = ca.info.pathLength;
  if (pathLength !== undefined && below > pathLength) {
    return fail(
      'BSN_PKI_PATH_LENGTH',
      `issuer ${name} allows ${pathLength} CA certificate(s) below it, the chain has ${below}`,
    );
  }
  return undefined;
}

function signedBy(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  if (child.signatureAlgorithm !== issuer.info.algorithm) return false;
  try {
    const digest = child.signatureAlgorithm === 'ed25519' ? null : 'sha256';
    return verify(digest, child.tbs, { key: issuer.publicKey, dsaEncoding: 'der' }, child.signature);
  } catch {
    return false;
  }
}

/** Dynamic checks on one path: revocation, then validity time of every certificate. */
function checkPathAt(
  path: readonly ParsedCertificate[],
  at: number,
  revoked: RevocationList,
): Failure | undefined {
  for (const c of path) {
    let isRevoked: boolean;
    try {
      isRevoked = revoked.has(c.info.fingerprint);
    } catch {
      return fail(
        'BSN_PKI_REVOKED',
        'the revocation list cannot be consulted; refusing rather than accepting',
      );
    }
    if (isRevoked) return fail('BSN_PKI_REVOKED', `certificate ${label(c)} is revoked`);
  }
  for (const c of path) {
    if (at < c.info.notBefore) {
      return fail(
        'BSN_PKI_CERT_NOT_YET_VALID',
        `certificate ${label(c)} is not valid before ${new Date(c.info.notBefore).toISOString()}`,
      );
    }
    if (at > c.info.notAfter) {
      return fail(
        'BSN_PKI_CERT_EXPIRED',
        `certificate ${label(c)} expired at ${new Date(c.info.notAfter).toISOString()}`,
      );
    }
  }
  return undefined;
}

function toFailure(err: unknown, what: string): Failure {
  if (err instanceof BsnError) return fail(err.code, `${what}: ${err.message}`);
  return fail('BSN_PKI_CERT_MALFORMED', `${what} cannot be parsed`);
}

/**
 * The trusted roots, known intermediates and revocation list of a network, verifying chains
 * synchronously. Verdicts on the certificates themselves are memoised per leaf PEM; revocation and
 * validity time are checked on every call, so a revocation takes effect at once.
 */
export class TrustStore {
  readonly #roots = new Map<string, ParsedCertificate>();
  readonly #bySubject = new Map<string, ParsedCertificate[]>();
  /**
   * Static verdicts by leaf PEM, then by purpose. Keyed by the PEM itself, not by a string made
   * from it: a key built per call (purpose + PEM) was a 1-2 KB string to allocate and hash on
   * every transaction checked.
   */
  readonly #cache: BoundedMap<string, Partial<Record<ChainPurpose, StaticVerdict>>> | undefined;
  /** `child:issuer` fingerprint pairs of CA certificates whose signature verified: CAs are few, leaves many. */
  readonly #verifiedCaEdges = new Set<string>();
  readonly #addedIntermediates = new Set<string>();
  #revoked: RevocationList;
  #ownRevoked: Set<string> | undefined;

  /** Parses the roots and intermediates; throws BsnError (BSN_PKI_CERT_MALFORMED, …) for a bad one, naming it. */
  constructor(opts: TrustStoreOptions) {
    if (!opts || !Array.isArray(opts.roots) || opts.roots.length === 0) {
      throw new BsnError('BSN_INVALID_ARGUMENT', 'a trust store needs at least one root certificate', {
        details: { field: 'roots' },
      });
    }
    const cacheSize = opts.cacheSize ?? defaultTrustStoreOptions.cacheSize;
    if (!Number.isInteger(cacheSize) || cacheSize < 0) {
      throw new BsnError('BSN_INVALID_ARGUMENT', 'cacheSize must be a non-negative integer', {
        details: { field: 'cacheSize' },
      });
    }
    this.#cache = cacheSize > 0 ? new BoundedMap(cacheSize) : undefined;
    opts.roots.forEach((pem, i) => {
      const root = this.#parse(pem, `roots[${i}]`);
      this.#roots.set(root.info.fingerprint, root);
      this.#index(root);
    });
    for (const pem of opts.intermediates ?? []) this.addIntermediate(pem);
    this.#revoked = opts.revoked ?? EMPTY_REVOKED;
  }

  #parse(pem: string, what: string): ParsedCertificate {
    try {
      const parsed = parseCertificateDetailed(pem);
      // A CA's key is needed for every chain through it: build it now, so a bad one fails here.
      void parsed.publicKey;
      return parsed;
    } catch (err) {
      if (err instanceof BsnError)
        throw new BsnError(err.code, `${what}: ${err.message}`, { details: err.details });
      throw err;
    }
  }

  /** Indexes `c` by subject name; false when it was known already. */
  #index(c: ParsedCertificate): boolean {
    const list = this.#bySubject.get(c.subjectDer) ?? [];
    if (list.some((x) => x.info.fingerprint === c.info.fingerprint)) return false;
    list.push(c);
    this.#bySubject.set(c.subjectDer, list);
    return true;
  }

  /** Adds an intermediate CA certificate (it is trusted only if it chains to a root); throws for a malformed one. */
  addIntermediate(pem: string): void {
    // Peers present their CA with every TLS connection: skip the parse for text seen before.
    if (this.#addedIntermediates.has(pem)) return;
    // A leaf that had no known issuer may now have one, so memoised verdicts are dropped.
    if (this.#index(this.#parse(pem, 'intermediate'))) this.#cache?.clear();
    this.#addedIntermediates.add(pem);
  }

  /** Adds a fingerprint to this store's own revocation set (used when no external list was set). */
  revoke(fingerprint: string): void {
    if (typeof fingerprint !== 'string' || !/^[0-9a-f]{64}$/.test(fingerprint)) {
      throw new BsnError('BSN_INVALID_ARGUMENT', 'fingerprint must be 64 lower-case hex characters', {
        details: { field: 'fingerprint' },
      });
    }
    if (!this.#ownRevoked) {
      const outer = this.#revoked;
      const own = new Set<string>();
      this.#ownRevoked = own;
      this.#revoked = { has: (fp) => own.has(fp) || outer.has(fp) };
    }
    this.#ownRevoked.add(fingerprint);
  }

  /** Replaces the revocation list (e.g. with the system chain's current list); fingerprints added by {@link revoke} are kept. */
  setRevoked(list: RevocationList): void {
    const own = this.#ownRevoked;
    this.#revoked = own ? { has: (fp) => own.has(fp) || list.has(fp) } : list;
  }

  /** Certificates of the trusted roots, parsed. */
  get roots(): readonly CertificateInfo[] {
    return [...this.#roots.values()].map((r) => r.info);
  }

  /** Number of leaves whose static verdict is memoised. */
  get cachedLeaves(): number {
    return this.#cache?.size ?? 0;
  }

  /** Verifies `leafPem` for `expect` at time `at` (ms, default now); never throws. */
  verify(leafPem: string, expect: ChainPurpose, at: number = Date.now()): ChainCheck {
    if (!['user', 'node', 'ca', 'leaf'].includes(expect)) {
      return fail('BSN_INVALID_ARGUMENT', `expect must be user, node, ca or leaf, not "${String(expect)}"`);
    }
    if (typeof at !== 'number' || !Number.isFinite(at))
      return fail('BSN_INVALID_ARGUMENT', 'at must be a time in ms');
    if (typeof leafPem !== 'string')
      return fail('BSN_PKI_CERT_MALFORMED', 'certificate must be a PEM string');
    const cache = this.#cache;
    let verdicts = cache?.get(leafPem);
    let verdict = verdicts?.[expect];
    if (!verdict) {
      verdict = this.#verifyStatic(leafPem, expect);
      if (cache) {
        if (!verdicts) {
          verdicts = {};
          cache.set(leafPem, verdicts);
        }
        verdicts[expect] = verdict;
      }
    }
    if (!verdict.ok) return verdict;
    let first: Failure | undefined;
    for (const path of verdict.paths) {
      const failure = checkPathAt(path, at, this.#revoked);
      if (!failure) {
        return { ok: true, leaf: path[0]!.info, chain: path.map((c) => c.info) };
      }
      first ??= failure;
    }
    return first!;
  }

  #signedBy(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
    if (!child.isCa) return signedBy(child, issuer);
    const edge = `${child.info.fingerprint}:${issuer.info.fingerprint}`;
    if (this.#verifiedCaEdges.has(edge)) return true;
    const good = signedBy(child, issuer);
    if (good) this.#verifiedCaEdges.add(edge);
    return good;
  }

  #verifyStatic(leafPem: string, expect: ChainPurpose): StaticVerdict {
    let leaf: ParsedCertificate;
    try {
      leaf = parseCertificateDetailed(leafPem);
    } catch (err) {
      return toFailure(err, 'certificate');
    }
    const leafFailure = checkLeaf(leaf, expect);
    if (leafFailure) return leafFailure;
    const paths: ParsedCertificate[][] = [];
    let firstFailure: Failure | undefined;
    const walk = (path: ParsedCertificate[]): void => {
      if (paths.length >= MAX_PATHS) return;
      const current = path[path.length - 1]!;
      if (this.#roots.has(current.info.fingerprint)) {
        paths.push([...path]);
        return;
      }
      if (path.length >= MAX_CHAIN) {
        firstFailure ??= fail(
          'BSN_PKI_PATH_LENGTH',
          `chain of ${label(leaf)} is longer than ${MAX_CHAIN} certificates`,
        );
        return;
      }
      const candidates = (this.#bySubject.get(current.issuerDer) ?? []).filter(
        (c) => !path.some((p) => p.info.fingerprint === c.info.fingerprint),
      );
      if (candidates.length === 0) {
        firstFailure ??= fail(
          'BSN_PKI_UNKNOWN_ISSUER',
          `no trusted root or known intermediate is the issuer "${current.info.issuer}" of ${label(current)}`,
        );
        return;
      }
      let anySigned = false;
      for (const issuer of candidates) {
        if (!this.#signedBy(current, issuer)) continue;
        anySigned = true;
        const issuerFailure = checkIssuerCa(issuer, path.length);
        if (issuerFailure) {
          firstFailure ??= issuerFailure;
          continue;
        }
        path.push(issuer);
        walk(path);
        path.pop();
      }
      if (!anySigned) {
        firstFailure ??= fail(
          'BSN_PKI_BAD_SIGNATURE',
          `the signature on ${label(current)} does not verify under the key of its issuer "${current.info.issuer}"`,
        );
      }
    };
    walk([leaf]);
    if (paths.length > 0) return { ok: true, paths };
    return firstFailure ?? fail('BSN_PKI_UNKNOWN_ISSUER', `no chain from ${label(leaf)} to a trusted root`);
  }
}

/** Options of {@link verifyCertificateChain}. */
export interface VerifyCertificateChainOptions {
  readonly roots: readonly string[];
  readonly intermediates?: readonly string[];
  readonly revoked?: RevocationList;
  /** Verification time in ms (default now). */
  readonly at?: number;
  readonly expect: ChainPurpose;
}

/**
 * Verifies `leafPem` up to one of `roots` through `intermediates`, at time `at`, for purpose
 * `expect`; never throws. For repeated verification build a {@link TrustStore} once instead.
 */
export function verifyCertificateChain(leafPem: string, opts: VerifyCertificateChainOptions): ChainCheck {
  let store: TrustStore;
  try {
    store = new TrustStore({
      roots: opts.roots,
      intermediates: opts.intermediates ?? [],
      cacheSize: 0,
      ...(opts.revoked ? { revoked: opts.revoked } : {}),
    });
  } catch (err) {
    return toFailure(err, 'trust configuration');
  }
  return store.verify(leafPem, opts.expect, opts.at ?? Date.now());
}
