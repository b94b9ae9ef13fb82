/**
 * Evidence notarisation: register the digest of a document with metadata, once. The first
 * registration wins and is never changed, so a state proof at height h shows that the digest was
 * registered at or before h (and a non-membership proof at h-1 that it was not before h).
 * The document itself never goes on chain: only its digest and the metadata you choose.
 */
import {
  type Context,
  type Contract,
  ContractError,
  type JsonObject,
  type JsonValue,
  requireObject,
  requireString,
} from '@bsn/contract';
import { DIGEST_PATTERN, evidenceKey } from './keys.js';

/** A registration as stored and returned. */
export interface Registration extends JsonObject {
  readonly digest: string;
  readonly metadata: JsonObject;
  /** Who registered it (certificate CN and O). */
  readonly registrant: { readonly id: string; readonly org: string };
  /** Block height, block time (ms) and transaction of the registration. */
  readonly height: number;
  readonly time: number;
  readonly txId: string;
}

/** Largest metadata accepted, as JSON text: evidence is for digests, not for documents. */
const MAX_METADATA_CHARS = 4096;

function requireDigest(value: unknown): string {
  const digest = requireString(value, 'digest', { minLength: 64, maxLength: 64 });
  if (!DIGEST_PATTERN.test(digest)) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      'digest must be 64 lower-case hex digits (a SHA-256 or SM3 hash)',
    );
  }
  return digest;
}

function requireMetadata(value: unknown): JsonObject {
  if (value === undefined) return {};
  const metadata = requireObject(value, 'metadata');
  const size = JSON.stringify(metadata).length;
  if (size > MAX_METADATA_CHARS) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `metadata must be at most ${MAX_METADATA_CHARS} characters as JSON, got ${size}`,
    );
  }
  return metadata;
}

function find(ctx: Context, digest: unknown): Registration | null {
  return ctx.state.get(evidenceKey(requireDigest(digest))) as Registration | null;
}

export default {
  /** Registers `digest` with `metadata` (a JSON object, optional); ALREADY_REGISTERED if it was registered before. */
  register(ctx: Context, digest: string, metadata?: JsonObject): Registration {
    const existing = find(ctx, digest);
    if (existing !== null) {
      throw new ContractError(
        'ALREADY_REGISTERED',
        `digest ${digest} was registered at height ${existing.height} by ${existing.registrant.org}/${existing.registrant.id}`,
      );
    }
    const record: Registration = {
      digest,
      metadata: requireMetadata(metadata),
      registrant: { id: ctx.caller.id, org: ctx.caller.org },
      height: ctx.tx.height,
      time: ctx.tx.time,
      txId: ctx.tx.id,
    };
    ctx.state.put(evidenceKey(digest), record);
    ctx.emit('EvidenceRegistered', { digest, registrant: record.registrant, height: record.height });
    return record;
  },

  /** The registration of `digest`; NOT_REGISTERED when there is none. */
  get(ctx: Context, digest: string): Registration {
    const record = find(ctx, digest);
    if (record === null) throw new ContractError('NOT_REGISTERED', `digest ${digest} is not registered`);
    return record;
  },

  /** `{registered: true, registration}` or `{registered: false}`: a check that never fails for an unknown digest. */
  verify(ctx: Context, digest: string): JsonValue {
    const record = find(ctx, digest);
    return record === null ? { registered: false } : { registered: true, registration: record };
  },
} satisfies Contract;
