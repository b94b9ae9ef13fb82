/**
 * Cross-organisation data sharing: a record belongs to the organisation of the user who created
 * it; members of that organisation update it and grant or revoke read access to other
 * organisations (optionally until a block time); every read is checked against the grants.
 *
 * What this does and does not protect: the contract decides which organisations it serves a record
 * to, and every grant and revocation is on the ledger for audit. The state itself is replicated on
 * every PCN hosting the service, so the PCN operators can read it: put ciphertext (or digests) in
 * `data` when the content must stay confidential from them, and share keys off chain.
 */
import {
  type Context,
  type Contract,
  ContractError,
  type JsonObject,
  type JsonValue,
  requireInteger,
  requireString,
} from '@bsn/contract';

/** A record as stored. `owner` is an organisation (certificate O). */
export interface DataRecord extends JsonObject {
  readonly id: string;
  readonly owner: string;
  readonly data: JsonValue;
  /** 1 on creation, +1 per update. */
  readonly version: number;
  readonly createdBy: string;
  readonly updatedBy: string;
  /** Block time (ms) of the last write. */
  readonly updated: number;
}

/** A read grant of one record to one organisation. */
export interface Grant extends JsonObject {
  readonly org: string;
  /** The user (of the owner organisation) who granted it. */
  readonly grantedBy: string;
  readonly granted: number;
  /** Block time (ms) after which the grant no longer counts; null: until revoked. */
  readonly until: number | null;
}

const NAME = /^[A-Za-z0-9._:-]+$/;
const MAX_DATA_CHARS = 16 * 1024;
const MAX_GRANTS_LISTED = 1000;

function requireName(value: unknown, name: string): string {
  const s = requireString(value, name, { maxLength: 128 });
  // "/" separates key parts: a name without it gives exactly one key
  if (!NAME.test(s))
    throw new ContractError('INVALID_ARGUMENT', `${name} may only contain letters, digits and . _ : -`);
  return s;
}

const recordKey = (id: string) => `record/${id}`;
const grantPrefix = (id: string) => `grant/${id}/`;
const grantKey = (id: string, org: string) => `${grantPrefix(id)}${org}`;

function load(ctx: Context, id: unknown): DataRecord {
  const checked = requireName(id, 'id');
  const record = ctx.state.get(recordKey(checked)) as DataRecord | null;
  if (record === null) throw new ContractError('RECORD_NOT_FOUND', `record ${checked} does not exist`);
  return record;
}

/** Loads a record the caller's organisation owns, or fails with NOT_OWNER. */
function loadOwned(ctx: Context, id: unknown, action: string): DataRecord {
  const record = load(ctx, id);
  if (record.owner !== ctx.caller.org) {
    throw new ContractError(
      'NOT_OWNER',
      `only members of ${record.owner} may ${action} record ${record.id}; the caller is of ${ctx.caller.org}`,
    );
  }
  return record;
}

function requireData(value: unknown): JsonValue {
  if (value === undefined) throw new ContractError('INVALID_ARGUMENT', 'data must be given (any JSON value)');
  const size = JSON.stringify(value).length;
  if (size > MAX_DATA_CHARS) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `data must be at most ${MAX_DATA_CHARS} characters as JSON, got ${size}`,
    );
  }
  return value as JsonValue;
}

/** The grant of `org` on `id` that is in force at the transaction's block time, or null. */
function activeGrant(ctx: Context, id: string, org: string): Grant | null {
  const grant = ctx.state.get(grantKey(id, org)) as Grant | null;
  if (grant === null) return null;
  return grant.until === null || ctx.tx.time <= grant.until ? grant : null;
}

export default {
  /** Creates record `id` owned by the caller's organisation, or updates it (owner organisation only). */
  put(ctx: Context, id: string, data: JsonValue): DataRecord {
    const checked = requireName(id, 'id');
    const value = requireData(data);
    const existing = ctx.state.get(recordKey(checked)) as DataRecord | null;
    if (existing !== null && existing.owner !== ctx.caller.org) {
      throw new ContractError(
        'NOT_OWNER',
        `only members of ${existing.owner} may update record ${checked}; the caller is of ${ctx.caller.org}`,
      );
    }
    const record: DataRecord = {
      id: checked,
      owner: existing?.owner ?? ctx.caller.org,
      data: value,
      version: (existing?.version ?? 0) + 1,
      createdBy: existing?.createdBy ?? ctx.caller.id,
      updatedBy: ctx.caller.id,
      updated: ctx.tx.time,
    };
    ctx.state.put(recordKey(checked), record);
    ctx.emit('RecordPut', { id: checked, owner: record.owner, version: record.version });
    return record;
  },

  /** Grants organisation `org` read access to record `id`, until block time `until` (ms) if given. Owner organisation only. */
  grant(ctx: Context, id: string, org: string, until?: number | null): Grant {
    const record = loadOwned(ctx, id, 'grant access to');
    const to = requireName(org, 'org');
    if (to === record.owner) {
      throw new ContractError('INVALID_ARGUMENT', `org ${to} owns record ${record.id} and needs no grant`);
    }
    let end: number | null = null;
    if (until !== undefined && until !== null) {
      end = requireInteger(until, 'until', { min: ctx.tx.time + 1 });
    }
    const grant: Grant = { org: to, grantedBy: ctx.caller.id, granted: ctx.tx.time, until: end };
    ctx.state.put(grantKey(record.id, to), grant);
    ctx.emit('AccessGranted', { id: record.id, org: to, until: end });
    return grant;
  },

  /** Revokes organisation `org`'s read access to record `id`. Owner organisation only; NOT_GRANTED if it had none. */
  revoke(ctx: Context, id: string, org: string): JsonValue {
    const record = loadOwned(ctx, id, 'revoke access to');
    const from = requireName(org, 'org');
    const key = grantKey(record.id, from);
    if (ctx.state.get(key) === null) {
      throw new ContractError('NOT_GRANTED', `org ${from} has no grant on record ${record.id}`);
    }
    ctx.state.del(key);
    ctx.emit('AccessRevoked', { id: record.id, org: from });
    return { id: record.id, org: from, revoked: ctx.tx.time };
  },

  /** Record `id` for members of its owner organisation or of an organisation with a grant in force; ACCESS_DENIED otherwise. */
  read(ctx: Context, id: string): DataRecord {
    const record = load(ctx, id);
    if (record.owner !== ctx.caller.org && activeGrant(ctx, record.id, ctx.caller.org) === null) {
      throw new ContractError(
        'ACCESS_DENIED',
        `org ${ctx.caller.org} has no read access to record ${record.id}`,
      );
    }
    return record;
  },

  /** The grants of record `id` (expired ones included, with their `until`). Owner organisation only. */
  grants(ctx: Context, id: string): Grant[] {
    const record = loadOwned(ctx, id, 'list the grants of');
    const prefix = grantPrefix(record.id);
    // "0" is the character after "/": [prefix, prefix minus "/" plus "0") is exactly the keys under prefix
    const end = `${prefix.slice(0, -1)}0`;
    return ctx.state.range(prefix, end, MAX_GRANTS_LISTED).map((e) => e.value as Grant);
  },
} satisfies Contract;
