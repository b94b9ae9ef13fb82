/** Read-only queries of the service registry. */

import { Type } from '@sinclair/typebox';
import { NodeId, OrgId, PageLimit, RoleName, ServiceName, Sha256Hex } from '../../identifiers.js';
import { defineMethod, invalidArgument, optionalParam, param } from '../../method-args.js';
import { allowedMethodsFor } from './access.js';
import { loadBundle, requireBundle } from './bundles.js';
import {
  bundleChunkKey,
  readBundle,
  readService,
  readServiceNamesOfPcn,
  readServices,
  requireService,
} from './state.js';

/** `getService(name)` → the service record. */
export const getService = defineMethod('getService', [param('name', ServiceName)], (ctx, name) =>
  requireService(ctx.state, name),
);

/** `listServices(after?, limit?)` → services in name order. */
export const listServices = defineMethod(
  'listServices',
  [optionalParam('after', ServiceName), optionalParam('limit', PageLimit)],
  (ctx, after, limit) => readServices(ctx.state, after, limit),
);

/** `servicesOfPcn(pcnId)` → the services a PCN hosts (every status: a pending one is not started yet). */
export const servicesOfPcn = defineMethod('servicesOfPcn', [param('pcnId', NodeId)], (ctx, pcn) =>
  readServiceNamesOfPcn(ctx.state, pcn).map((name) => readService(ctx.state, name)!),
);

/** `allowedMethods(name, org, role)` → method names (`*` = all) users of `org` acting as `role` may call. */
export const allowedMethods = defineMethod(
  'allowedMethods',
  [param('name', ServiceName), param('org', OrgId), param('role', RoleName)],
  (ctx, name, org, role) => allowedMethodsFor(requireService(ctx.state, name), org, role),
);

/** `getBundle(hash)` → `{hash, encoding, size, storedAt, storedBy, data}`. */
export const getBundle = defineMethod('getBundle', [param('hash', Sha256Hex)], (ctx, hash) =>
  loadBundle(ctx.state, hash),
);

/**
 * `getBundleChunk(hash, index)` → chunk `index` of the stored data (`BUNDLE_CHUNK_CHARS` characters),
 * for bundles whose whole data exceeds a query's result limit.
 */
export const getBundleChunk = defineMethod(
  'getBundleChunk',
  [param('hash', Sha256Hex), param('index', Type.Integer({ minimum: 0, maximum: 9999 }))],
  (ctx, hash, index) => {
    const record = requireBundle(ctx.state, hash);
    if (index >= record.chunks) {
      invalidArgument('index', `bundle ${hash} has ${record.chunks} chunk(s)`, 'getBundleChunk');
    }
    return ctx.state.get(bundleChunkKey(hash, index));
  },
);

/** `getBundleInfo(hash)` → the bundle's metadata without its data, or null when not stored. */
export const getBundleInfo = defineMethod('getBundleInfo', [param('hash', Sha256Hex)], (ctx, hash) =>
  readBundle(ctx.state, hash),
);
