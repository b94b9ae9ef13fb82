/**
 * The checks of a transaction envelope that depend only on the envelope, a clock and the
 * signer's certificate: schema, size, expiry, certificate, signature. The pre-ordering
 * {@link TransactionChecker} runs them against the wall clock; the executor runs the same code
 * against the block time, so a transaction refused at the gateway is refused the same way (with
 * the same code) if an orderer includes it anyway.
 */

import type { SignedTransaction } from '@bsn/core';
import {
  BoundedMap,
  canonicalString,
  canonicalTransactionId,
  type HashAlgorithm,
  isBsnError,
  type JsonValue,
  SigningDomain,
  utf8,
  verifySignatureDetailed,
} from '@bsn/core';
import { type TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { CertificateVerifier, PublicKeyCache } from './certificates.js';
import type { LedgerErrorCode } from './errors.js';
import type { ChainLimits } from './limits.js';
import type { Caller } from './runtime.js';

/** Contract names: a letter, then letters, digits, `_`, `.`, `-`; at most 64 characters. */
export const CONTRACT_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_.-]{0,63}$';
/** Method names: like contract names, but may start with `_` so a private method is refused by name, not as malformed. */
export const METHOD_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_.-]{0,63}$';

/** A transaction's signature as envelopes carry it: 64 bytes (r ‖ s) in lowercase hex. */
export const TRANSACTION_SIGNATURE_PATTERN = '^[0-9a-f]{128}$';
/** Chain ids: a letter or digit, then letters, digits, `_`, `.`, `-`; at most 64 characters. */
export const CHAIN_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';

/** Longest signer certificate PEM accepted (a P-256 leaf is under 1 KB; room for extensions). */
const MAX_SIGNER_PEM = 16 * 1024;

/** The schema of a {@link SignedTransaction}: strict, no extra fields anywhere outside `args`. */
export const SignedTransactionSchema = Type.Object(
  {
    payload: Type.Object(
      {
        chain: Type.String({ pattern: CHAIN_ID_PATTERN }),
        contract: Type.String({ pattern: CONTRACT_NAME_PATTERN }),
        method: Type.String({ pattern: METHOD_NAME_PATTERN }),
        args: Type.Array(Type.Unknown()),
        nonce: Type.String({ minLength: 1, maxLength: 64 }),
        expires: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
        signer: Type.String({ minLength: 1, maxLength: MAX_SIGNER_PEM }),
      },
      { additionalProperties: false },
    ),
    signature: Type.String({ pattern: TRANSACTION_SIGNATURE_PATTERN }),
  },
  { additionalProperties: false },
);

const compiled = TypeCompiler.Compile(SignedTransactionSchema as TSchema);

/** A refused transaction: the code (a `BSN_TX_*` code) and why. */
export interface EnvelopeFailure {
  readonly ok: false;
  readonly code: LedgerErrorCode;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** A transaction that passed the shape checks, with its id and canonical payload. */
export interface ParsedEnvelope {
  readonly ok: true;
  readonly tx: SignedTransaction;
  readonly txId: string;
  /** Canonical JSON text of the payload (what the txId hashes and the signature covers). */
  readonly payloadText: string;
}

function fail(code: LedgerErrorCode, message: string, details?: Record<string, unknown>): EnvelopeFailure {
  return details === undefined ? { ok: false, code, message } : { ok: false, code, message, details };
}

/**
 * Schema and size checks; computes the txId. Run first, because everything after relies on the
 * types it establishes.
 */
export function parseEnvelope(
  value: unknown,
  limits: Pick<ChainLimits, 'maxTxBytes' | 'maxArgsBytes'>,
  alg: HashAlgorithm,
  known?: { readonly txId: string; readonly payloadText: string },
): ParsedEnvelope | EnvelopeFailure {
  if (!compiled.Check(value)) {
    const first = compiled.Errors(value).First();
    const path = first?.path || '/';
    return fail('BSN_TX_MALFORMED', `transaction ${path}: ${first?.message ?? 'does not match the schema'}`, {
      path,
    });
  }
  const tx = value as unknown as SignedTransaction;
  let payloadText: string;
  let argsBytes: number;
  try {
    payloadText = known?.payloadText ?? canonicalString(tx.payload);
    // The schema fixed the members, so the canonical text is {"args":…,"chain":"…",…}: the
    // arguments end at the last top-level `,"chain":` (later members are strings and a number,
    // in which a quote is always escaped), which saves encoding them a second time.
    argsBytes = Buffer.byteLength(payloadText.slice(8, payloadText.lastIndexOf(',"chain":')));
  } catch (err) {
    return fail(
      'BSN_TX_MALFORMED',
      `transaction /payload/args: ${isBsnError(err) ? err.message : 'not JSON'}`,
      {
        path: '/payload/args',
      },
    );
  }
  if (argsBytes > limits.maxArgsBytes) {
    return fail(
      'BSN_TX_ARGS_TOO_LARGE',
      `arguments are ${argsBytes} bytes, at most ${limits.maxArgsBytes} allowed`,
      {
        size: argsBytes,
        limit: limits.maxArgsBytes,
      },
    );
  }
  const payloadSize = Buffer.byteLength(payloadText);
  if (payloadSize > limits.maxTxBytes) {
    return fail(
      'BSN_TX_TOO_LARGE',
      `transaction payload is ${payloadSize} bytes, at most ${limits.maxTxBytes} allowed`,
      {
        size: payloadSize,
        limit: limits.maxTxBytes,
      },
    );
  }
  return { ok: true, tx, txId: known?.txId ?? canonicalTransactionId(payloadText, alg), payloadText };
}

/** The expiry check against a clock: not expired, and not further ahead than the chain allows. */
export function checkExpiry(
  expires: number,
  nowMs: number,
  limits: Pick<ChainLimits, 'maxTtlMs' | 'clockSkewMs'>,
): EnvelopeFailure | undefined {
  if (expires < nowMs) {
    return fail('BSN_TX_EXPIRED', `transaction expired at ${expires}, it is now ${nowMs}`, {
      expires,
      now: nowMs,
    });
  }
  const latest = nowMs + limits.maxTtlMs + limits.clockSkewMs;
  if (expires > latest) {
    return fail(
      'BSN_TX_EXPIRY_TOO_FAR',
      `transaction expires at ${expires}, later than the allowed ${latest} (maxTtlMs ${limits.maxTtlMs})`,
      { expires, latest, maxTtlMs: limits.maxTtlMs },
    );
  }
  return undefined;
}

/** The bytes a transaction's signature covers, built from the canonical payload text without re-encoding it. */
export function transactionSigningBytes(payloadText: string): Uint8Array {
  // canonical {"domain":…,"value":…}: the members are already in sorted order.
  return utf8(`{"domain":${JSON.stringify(SigningDomain.transaction)},"value":${payloadText}}`);
}

/**
 * Remembers which (txId, signature) pairs verified, so a transaction checked at the gateway is not
 * verified again when its block executes on the same node. Sound because the pair fixes the
 * payload (signer included) and the signature, hence the outcome. Bounded, oldest out first.
 */
export class VerifiedSignatures {
  /**
   * txId → the signature that verified for it. Keyed by the txId alone (a string already hashed
   * for other lookups) rather than by txId + signature, which made a ~200-character string to
   * allocate and hash per call. A transaction signed twice (ECDSA signatures differ each time)
   * keeps the last pair that verified: a miss only costs a verification again.
   */
  readonly #seen: BoundedMap<string, string>;

  constructor(capacity = 200_000) {
    this.#seen = new BoundedMap(capacity);
  }

  has(txId: string, signature: string): boolean {
    return this.#seen.get(txId) === signature;
  }

  add(txId: string, signature: string): void {
    this.#seen.set(txId, signature);
  }
}

const CERT_CODES: Record<string, LedgerErrorCode> = {
  BSN_PKI_REVOKED: 'BSN_TX_CERTIFICATE_REVOKED',
  BSN_PKI_CERT_EXPIRED: 'BSN_TX_CERTIFICATE_EXPIRED',
  BSN_PKI_CERT_NOT_YET_VALID: 'BSN_TX_CERTIFICATE_EXPIRED',
};

/** What {@link checkSigner} needs. */
export interface SignerCheckModules {
  readonly certificates: CertificateVerifier;
  readonly keys: PublicKeyCache;
  readonly signatures: VerifiedSignatures;
}

/**
 * The signer's certificate at `atMs` and the signature under its key. The certificate's own code
 * is kept in `details.reason` (e.g. `BSN_PKI_UNKNOWN_ISSUER`); revoked and expired get codes of
 * their own because users act on them differently.
 */
export function checkSigner(
  env: ParsedEnvelope,
  atMs: number,
  modules: SignerCheckModules,
): { readonly ok: true; readonly caller: Caller } | EnvelopeFailure {
  const { tx, txId } = env;
  let cert: ReturnType<CertificateVerifier['verify']>;
  try {
    cert = modules.certificates.verify(tx.payload.signer, atMs);
  } catch (err) {
    cert = { ok: false, code: 'BSN_INTERNAL', message: err instanceof Error ? err.message : String(err) };
  }
  if (!cert.ok) {
    return fail(
      CERT_CODES[cert.code] ?? 'BSN_TX_CERTIFICATE_UNTRUSTED',
      `signer certificate: ${cert.message}`,
      {
        reason: cert.code,
      },
    );
  }
  if (!modules.signatures.has(txId, tx.signature)) {
    let check: ReturnType<typeof verifySignatureDetailed>;
    try {
      const key = modules.keys.keyOf(tx.payload.signer, cert.publicKey);
      check = verifySignatureDetailed(
        key,
        transactionSigningBytes(env.payloadText),
        Buffer.from(tx.signature, 'hex'),
      );
    } catch {
      check = { ok: false, code: 'BSN_KEY_INVALID' };
    }
    if (!check.ok) {
      return fail(
        'BSN_TX_SIGNATURE_INVALID',
        "signature does not verify under the signer certificate's key",
        {
          reason: check.code,
        },
      );
    }
    modules.signatures.add(txId, tx.signature);
  }
  return { ok: true, caller: cert.caller };
}

/** A JSON value's canonical size in bytes; throws BSN_ENCODING_INVALID for a value JSON cannot carry. */
export function canonicalSize(value: JsonValue): number {
  return Buffer.byteLength(canonicalString(value));
}
