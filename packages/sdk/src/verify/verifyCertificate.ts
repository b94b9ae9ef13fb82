/**
 * Checks a commit certificate with no trust in whoever delivered it: every vote must come from a
 * PCN of the chain's hosting set whose node certificate chains to the network root, every
 * signature must verify, and the distinct signers must reach the quorum.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { type CommitCertificate, quorumSize, verifyCommitVote } from '@bsn/core';
import { TrustStore } from '@bsn/pki';
import { BaseError } from '../errors.js';

/** One PCN hosting a chain: its id and node certificate (as in `ChainHost` of @bsn/api). */
export interface Host {
  readonly pcn: string;
  readonly certPem: string;
}

/** How a verifier decides whom to trust. */
export interface TrustOptions {
  /** The network root CA certificate the client was configured with: the trust anchor. */
  readonly rootCertPem: string;
  /** CA certificates that may sit between node certificates and the root (untrusted until chained). */
  readonly intermediates?: readonly string[];
  /** Votes needed; default more than 2/3 of the hosts. A value below a majority is refused. */
  readonly quorum?: number;
  /** Time (ms) at which node certificates must be valid; default now. */
  readonly at?: number;
  /** A TrustStore to reuse (memoises chain checks); built from rootCertPem and intermediates when absent. */
  readonly trustStore?: TrustStore;
  /** Parsed public keys by certificate PEM, reused across calls (parsing a certificate costs twice a signature check). */
  readonly keyCache?: Map<string, KeyObject>;
  /**
   * PCNs outside the hosting set whose votes are left out before counting: they neither count
   * towards the quorum nor fail the certificate. For the system chain, the PCNs a verified network
   * description lists beyond the pinned ones; any other outsider's vote still fails it.
   */
  readonly uncountedVoters?: readonly string[];
}

/** Error type of {@link verifyCertificate}. */
export type VerifyCertificateErrorType = BaseError;

/** The result of a certificate that verified: who signed it, and the quorum that was required. */
export interface VerifyCertificateReturnType {
  readonly signers: readonly string[];
  readonly quorum: number;
}

/** A TrustStore for `options` (the given one, or a fresh one from the root and intermediates). */
export function trustStoreFor(options: TrustOptions): TrustStore {
  if (options.trustStore) return options.trustStore;
  try {
    return new TrustStore({ roots: [options.rootCertPem], intermediates: options.intermediates ?? [] });
  } catch (cause) {
    throw new BaseError(
      'BSN_SDK_INVALID_PARAMETER',
      'rootCertPem or an intermediate is not a valid CA certificate',
      {
        details: { field: 'rootCertPem' },
        cause,
      },
    );
  }
}

/** Throws BSN_SDK_PCN_UNTRUSTED unless `host`'s certificate is a node certificate for `host.pcn` under the root. */
export function assertTrustedHost(host: Host, store: TrustStore, at: number): void {
  const check = store.verify(host.certPem, 'node', at);
  if (!check.ok) {
    throw new BaseError(
      'BSN_SDK_PCN_UNTRUSTED',
      `node certificate of PCN ${host.pcn} does not chain to the network root`,
      {
        details: { pcn: host.pcn, reason: check.code },
        metaMessages: [check.message],
      },
    );
  }
  if (check.leaf.subject.commonName !== host.pcn) {
    throw new BaseError(
      'BSN_SDK_PCN_UNTRUSTED',
      `node certificate given for PCN ${host.pcn} names ${check.leaf.subject.commonName}`,
      {
        details: { pcn: host.pcn, commonName: check.leaf.subject.commonName },
      },
    );
  }
}

/**
 * Verifies `cert` against the chain's hosting set; throws BSN_SDK_VOTE_NOT_HOST,
 * BSN_SDK_PCN_UNTRUSTED, BSN_SDK_VOTE_SIGNATURE or BSN_SDK_CERT_QUORUM. A single bad vote fails the
 * whole certificate: a forged vote is evidence of an attack, not noise to be out-voted. Votes of
 * `options.uncountedVoters` (that are not hosts) are left out first.
 */
export function verifyCertificate(
  cert: CommitCertificate,
  hosts: readonly Host[],
  options: TrustOptions,
): VerifyCertificateReturnType {
  if (hosts.length === 0) {
    throw new BaseError('BSN_SDK_INVALID_PARAMETER', 'the hosting set is empty', {
      details: { field: 'hosts' },
    });
  }
  const byId = new Map(hosts.map((h) => [h.pcn, h]));
  const majority = Math.floor(byId.size / 2) + 1;
  const quorum = options.quorum ?? quorumSize(byId.size);
  if (!Number.isInteger(quorum) || quorum < majority || quorum > byId.size) {
    throw new BaseError(
      'BSN_SDK_INVALID_PARAMETER',
      `quorum ${quorum} is not between a majority (${majority}) and all ${byId.size} hosts`,
      {
        details: { field: 'quorum', quorum, hosts: byId.size },
      },
    );
  }
  const store = trustStoreFor(options);
  const at = options.at ?? Date.now();
  const uncounted = new Set(options.uncountedVoters ?? []);
  const votes = (Array.isArray(cert.votes) ? cert.votes : []).filter(
    (v) => byId.has(v.pcn) || !uncounted.has(v.pcn),
  );
  const signers = new Set<string>();
  for (const vote of votes) {
    const host = byId.get(vote.pcn);
    if (host === undefined) {
      throw new BaseError(
        'BSN_SDK_VOTE_NOT_HOST',
        `certificate carries a vote of ${vote.pcn}, which does not host chain ${cert.chain}`,
        {
          details: { pcn: vote.pcn, chain: cert.chain, height: cert.height },
        },
      );
    }
    assertTrustedHost(host, store, at);
    let key = options.keyCache?.get(host.certPem);
    if (key === undefined) {
      try {
        key = createPublicKey(host.certPem);
      } catch {
        throw new BaseError('BSN_SDK_PCN_UNTRUSTED', `node certificate of PCN ${host.pcn} cannot be read`, {
          details: { pcn: host.pcn },
        });
      }
      if (options.keyCache !== undefined && options.keyCache.size < 10_000)
        options.keyCache.set(host.certPem, key);
    }
    const check = verifyCommitVote(cert, vote, key);
    if (!check.ok) {
      throw new BaseError(
        'BSN_SDK_VOTE_SIGNATURE',
        `vote of ${vote.pcn} does not verify under its node certificate`,
        {
          details: { pcn: vote.pcn, chain: cert.chain, height: cert.height, reason: check.code },
        },
      );
    }
    signers.add(vote.pcn);
  }
  if (signers.size < quorum) {
    throw new BaseError(
      'BSN_SDK_CERT_QUORUM',
      `certificate of ${cert.chain}@${cert.height} has ${signers.size} distinct hosting signers, ${quorum} needed`,
      { details: { chain: cert.chain, height: cert.height, signers: [...signers].sort(), quorum } },
    );
  }
  return { signers: [...signers].sort(), quorum };
}
