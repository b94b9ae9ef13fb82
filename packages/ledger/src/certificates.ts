/**
 * How the ledger learns who signed a transaction: a {@link CertificateVerifier} checks the
 * signer's certificate chain (the pki TrustStore behind an adapter) and names the caller; the
 * signer's public key is taken from the certificate and cached, since the same few certificates
 * sign most transactions.
 */

import type { KeyObject } from 'node:crypto';
import { X509Certificate } from 'node:crypto';
import { BoundedMap, BsnError, type KeyInput, parsePublicKey } from '@bsn/core';
import type { Caller } from './runtime.js';

/** The outcome of checking a signer certificate at a point in time. */
export type CertificateCheck =
  | {
      readonly ok: true;
      readonly caller: Caller;
      /** The certificate's public key, when the verifier has it at hand (saves parsing the PEM again). */
      readonly publicKey?: KeyInput;
    }
  | { readonly ok: false; readonly code: string; readonly message: string };

/**
 * Checks a signer certificate at `atMs` (the checker's clock before ordering, the block time
 * during execution). Must be synchronous, must never throw, and — for execution to be
 * deterministic — must answer the same for the same (certificate, time) on every node and on
 * every replay: revocations must take effect at a time, not "from now on".
 */
export interface CertificateVerifier {
  verify(certPem: string, atMs: number): CertificateCheck;
}

/** The part of `@bsn/pki`'s chain check the adapter needs (structural, so the ledger need not import pki's classes). */
export type TrustStoreCheck =
  | {
      readonly ok: true;
      readonly leaf: {
        readonly subject: {
          readonly commonName: string;
          readonly organization: string;
          readonly role: string;
          readonly attributes: Readonly<Record<string, string>>;
        };
        readonly fingerprint: string;
        readonly publicKeyPem: string;
      };
      /** The chain from the leaf (first) to the root (last). */
      readonly chain: readonly { readonly fingerprint: string }[];
    }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** What {@link trustStoreVerifier} needs of a pki `TrustStore`. */
export interface TrustStoreLike {
  verify(leafPem: string, expect: 'user' | 'node' | 'leaf', at?: number): TrustStoreCheck;
}

/** When each revoked certificate (by fingerprint) stopped being valid, ms since the epoch. */
export interface RevocationSchedule {
  revokedAt(fingerprint: string): number | undefined;
}

/** Options of {@link trustStoreVerifier}. */
export interface TrustStoreVerifierOptions {
  /** Which certificates may sign transactions: users only, nodes only, or either (`leaf`, the default). */
  readonly expect: 'user' | 'node' | 'leaf';
  /**
   * Time-stamped revocations. A certificate revoked at T is refused at every time strictly after T,
   * so a block that carries the revocation (time T) executes the same on first run and on replay.
   * Leave the TrustStore's own revocation list empty when using this: it has no notion of time.
   */
  readonly revocations?: RevocationSchedule;
}

/** Adapts a pki `TrustStore` to a {@link CertificateVerifier}, naming the caller from the leaf certificate's subject. */
export function trustStoreVerifier(
  store: TrustStoreLike,
  options: TrustStoreVerifierOptions = { expect: 'leaf' },
): CertificateVerifier {
  return {
    verify(certPem, atMs) {
      let check: TrustStoreCheck;
      try {
        check = store.verify(certPem, options.expect, atMs);
      } catch (err) {
        return { ok: false, code: 'BSN_PKI_CERT_MALFORMED', message: errorMessage(err) };
      }
      if (!check.ok) return { ok: false, code: check.code, message: check.message };
      const { leaf } = check;
      const revocations = options.revocations;
      if (revocations) {
        // Every certificate of the chain but the root: a revoked CA takes all it issued with it,
        // including certificates its key signs after the revocation.
        for (let i = 0; i < check.chain.length - 1; i++) {
          const fingerprint = check.chain[i]!.fingerprint;
          const revokedAt = revocations.revokedAt(fingerprint);
          if (revokedAt !== undefined && atMs > revokedAt) {
            return {
              ok: false,
              code: 'BSN_PKI_REVOKED',
              message:
                i === 0
                  ? `certificate ${fingerprint} was revoked at ${revokedAt}`
                  : `certificate ${leaf.fingerprint} was issued by CA certificate ${fingerprint}, revoked at ${revokedAt}`,
            };
          }
        }
      }
      return {
        ok: true,
        caller: {
          id: leaf.subject.commonName,
          org: leaf.subject.organization,
          role: leaf.subject.role,
          certFingerprint: leaf.fingerprint,
          attributes: leaf.subject.attributes,
        },
        publicKey: leaf.publicKeyPem,
      };
    },
  };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Parsed public keys by certificate PEM (or by the verifier's key PEM). Bounded: when full, the
 * oldest entry goes, so a flood of distinct certificates cannot grow memory without limit.
 */
export class PublicKeyCache {
  readonly #keys: BoundedMap<string, KeyObject>;

  constructor(capacity = 10_000) {
    this.#keys = new BoundedMap(capacity);
  }

  /** The public key of a certificate, or of `known` when the verifier supplied it; throws BSN_KEY_INVALID. */
  keyOf(certPem: string, known?: KeyInput): KeyObject {
    const cacheKey = typeof known === 'string' ? known : certPem;
    const cached = this.#keys.get(cacheKey);
    if (cached) return cached;
    let key: KeyObject;
    if (known !== undefined) {
      key = parsePublicKey(known);
    } else {
      try {
        key = new X509Certificate(certPem).publicKey;
      } catch (cause) {
        throw new BsnError('BSN_KEY_INVALID', 'signer certificate cannot be parsed', { cause });
      }
      key = parsePublicKey(key);
    }
    if (typeof known === 'string' || known === undefined) {
      this.#keys.set(cacheKey, key);
    }
    return key;
  }
}
