/**
 * Asset transfer: anyone enrolled may create an asset and becomes its owner (user id and
 * organisation, from the signer's certificate); only the owner may transfer it; anyone may read it.
 * Deploy: `npx bsn service create --name assets --contract examples/asset-transfer/contract.ts --pcns pcn1,pcn2,pcn3`.
 */
import {
  type Context,
  type Contract,
  ContractError,
  type JsonObject,
  requireInteger,
  requireString,
} from '@bsn/contract';

/** Who owns an asset: a user of an organisation, as named by their certificate (CN and O). */
export interface Owner extends JsonObject {
  readonly id: string;
  readonly org: string;
}

/** An asset as stored and as `read` returns it. `value` is an integer (e.g. minor units). */
export interface Asset extends JsonObject {
  readonly id: string;
  readonly value: number;
  readonly owner: Owner;
  /** Block time (ms) of creation and of the last transfer. */
  readonly created: number;
  readonly updated: number;
  /** How many times the asset changed hands. */
  readonly transfers: number;
}

const MAX_ID = 128;
/** Asset ids: no "/" (the key separator) and nothing invisible, so every id names one key. */
const ASSET_ID = /^[A-Za-z0-9._:-]+$/;

// Plain "asset/<id>" keys: the ledger refuses keys containing U+0000, the separator of
// @bsn/contract's compositeKey, so composite keys cannot be stored on a real chain.
function assetKey(id: unknown): string {
  const checked = requireString(id, 'id', { maxLength: MAX_ID });
  if (!ASSET_ID.test(checked)) {
    throw new ContractError('INVALID_ARGUMENT', 'id may only contain letters, digits and . _ : -');
  }
  return `asset/${checked}`;
}

function load(ctx: Context, id: unknown): Asset {
  const asset = ctx.state.get(assetKey(id));
  if (asset === null) throw new ContractError('ASSET_NOT_FOUND', `asset ${String(id)} does not exist`);
  return asset as Asset;
}

/**
 * The new owner named in a transfer: `"org/user"` (as the CLI's `--identity org/name`) or
 * `{"org": …, "id": …}`. Both parts are checked, so an owner can always be matched exactly later.
 */
function parseOwner(value: unknown): Owner {
  let org: unknown;
  let id: unknown;
  if (typeof value === 'string') {
    const slash = value.indexOf('/');
    if (slash < 0) {
      throw new ContractError('INVALID_ARGUMENT', 'newOwner must be "org/user" or {"org": …, "id": …}');
    }
    org = value.slice(0, slash);
    id = value.slice(slash + 1);
  } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    if (Object.keys(o).some((k) => k !== 'org' && k !== 'id')) {
      throw new ContractError('INVALID_ARGUMENT', 'newOwner may only have the fields "org" and "id"');
    }
    org = o.org;
    id = o.id;
  } else {
    throw new ContractError('INVALID_ARGUMENT', 'newOwner must be "org/user" or {"org": …, "id": …}');
  }
  return {
    org: requireString(org, 'newOwner.org', { maxLength: MAX_ID }),
    id: requireString(id, 'newOwner.id', { maxLength: MAX_ID }),
  };
}

export default {
  /** Creates asset `id` worth `value` (a non-negative integer), owned by the caller. */
  create(ctx: Context, id: string, value: number): Asset {
    const key = assetKey(id);
    if (ctx.state.get(key) !== null) throw new ContractError('ASSET_EXISTS', `asset ${id} already exists`);
    const asset: Asset = {
      id,
      value: requireInteger(value, 'value', { min: 0 }),
      owner: { id: ctx.caller.id, org: ctx.caller.org },
      created: ctx.tx.time,
      updated: ctx.tx.time,
      transfers: 0,
    };
    ctx.state.put(key, asset);
    ctx.emit('AssetCreated', { id, owner: asset.owner, value: asset.value });
    return asset;
  },

  /** Transfers asset `id` to `newOwner` ("org/user" or {org, id}); only its current owner may. */
  transfer(ctx: Context, id: string, newOwner: string | Owner): Asset {
    const asset = load(ctx, id);
    const to = parseOwner(newOwner);
    const { owner } = asset;
    // Both id and org must match: user ids are only unique within an organisation.
    if (owner.id !== ctx.caller.id || owner.org !== ctx.caller.org) {
      throw new ContractError(
        'NOT_OWNER',
        `asset ${id} belongs to ${owner.org}/${owner.id}, not to ${ctx.caller.org}/${ctx.caller.id}`,
      );
    }
    if (to.id === owner.id && to.org === owner.org) {
      throw new ContractError('ALREADY_OWNER', `asset ${id} already belongs to ${to.org}/${to.id}`);
    }
    const moved: Asset = { ...asset, owner: to, updated: ctx.tx.time, transfers: asset.transfers + 1 };
    ctx.state.put(assetKey(id), moved);
    ctx.emit('AssetTransferred', { id, from: owner, to });
    return moved;
  },

  /** The asset `id`; ASSET_NOT_FOUND when there is none. */
  read(ctx: Context, id: string): Asset {
    return load(ctx, id);
  },
} satisfies Contract;
