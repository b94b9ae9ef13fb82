/** Read-only queries of the revocation module. */
import { Fingerprint, Height, PageLimit } from '../../identifiers.js';
import { defineMethod, optionalParam, param } from '../../method-args.js';
import { readRevocation, readRevocations, readRevokedSince } from './state.js';

/** `isRevoked(fingerprint)` → boolean (as of the state the query runs on). */
export const isRevoked = defineMethod(
  'isRevoked',
  [param('fingerprint', Fingerprint)],
  (ctx, fp) => readRevocation(ctx.state, fp) !== null,
);

/** `getRevocation(fingerprint)` → `{fingerprint, reason, height, time, proposalId}` or null. */
export const getRevocation = defineMethod('getRevocation', [param('fingerprint', Fingerprint)], (ctx, fp) =>
  readRevocation(ctx.state, fp),
);

/** `revokedCertificates(after?, limit?)` → revocations in fingerprint order (page with `after`). */
export const revokedCertificates = defineMethod(
  'revokedCertificates',
  [optionalParam('after', Fingerprint), optionalParam('limit', PageLimit)],
  (ctx, after, limit) => readRevocations(ctx.state, after, limit),
);

/** `revokedSince(fromHeight, limit?)` → revocations made at heights `>= fromHeight`, oldest first. */
export const revokedSince = defineMethod(
  'revokedSince',
  [param('fromHeight', Height), optionalParam('limit', PageLimit)],
  (ctx, fromHeight, limit) => readRevokedSince(ctx.state, fromHeight, limit),
);
