/**
 * Error codes of the system chain's contracts. Registered at import time so the gateway maps each
 * code to its HTTP status; `docs/errors.md` lists them.
 */
import { registerErrorCodes } from '@bsn/core';

/** The codes the system contracts fail with, and what each means. */
export const SystemErrorCode = {
  INVALID_ARGUMENT: 'BSN_SYSTEM_INVALID_ARGUMENT',
  NOT_INITIALISED: 'BSN_SYSTEM_NOT_INITIALISED',
  ALREADY_INITIALISED: 'BSN_SYSTEM_ALREADY_INITIALISED',
  INIT_NOT_GENESIS: 'BSN_SYSTEM_INIT_NOT_GENESIS',
  NOT_ADMIN: 'BSN_SYSTEM_NOT_ADMIN',
  FORBIDDEN: 'BSN_SYSTEM_FORBIDDEN',
  NOT_FOUND: 'BSN_SYSTEM_NOT_FOUND',
  ALREADY_EXISTS: 'BSN_SYSTEM_ALREADY_EXISTS',
  CONFLICT: 'BSN_SYSTEM_CONFLICT',
  CERT_INVALID: 'BSN_SYSTEM_CERT_INVALID',
  PROPOSAL_EXPIRED: 'BSN_SYSTEM_PROPOSAL_EXPIRED',
  PROPOSAL_CLOSED: 'BSN_SYSTEM_PROPOSAL_CLOSED',
  ALREADY_APPROVED: 'BSN_SYSTEM_ALREADY_APPROVED',
  BUNDLE_HASH_MISMATCH: 'BSN_SYSTEM_BUNDLE_HASH_MISMATCH',
  BUNDLE_TOO_LARGE: 'BSN_SYSTEM_BUNDLE_TOO_LARGE',
  BUNDLE_NOT_FOUND: 'BSN_SYSTEM_BUNDLE_NOT_FOUND',
  SERVICE_NOT_ACTIVE: 'BSN_SYSTEM_SERVICE_NOT_ACTIVE',
  METHOD_NOT_ALLOWED: 'BSN_SYSTEM_METHOD_NOT_ALLOWED',
} as const;

/** One of the system contracts' error codes. */
export type SystemErrorCode = (typeof SystemErrorCode)[keyof typeof SystemErrorCode];

registerErrorCodes({
  BSN_SYSTEM_INVALID_ARGUMENT: {
    status: 400,
    description:
      'An argument of a system-contract call does not match its schema; the message names the field.',
  },
  BSN_SYSTEM_NOT_INITIALISED: {
    status: 409,
    description: 'The system chain has no genesis configuration yet: `init` must run first.',
  },
  BSN_SYSTEM_ALREADY_INITIALISED: { status: 409, description: 'The system chain was already initialised.' },
  BSN_SYSTEM_INIT_NOT_GENESIS: {
    status: 409,
    description: 'System-chain `init` runs only at height 1 and only when signed by a genesis admin.',
  },
  BSN_SYSTEM_NOT_ADMIN: {
    status: 403,
    description: 'The caller is not a network admin (by certificate fingerprint).',
  },
  BSN_SYSTEM_FORBIDDEN: {
    status: 403,
    description:
      "The caller's organisation or role may not do this (e.g. manage another organisation's service).",
  },
  BSN_SYSTEM_NOT_FOUND: {
    status: 404,
    description: 'The named PCN, organisation, portal, service or proposal does not exist.',
  },
  BSN_SYSTEM_ALREADY_EXISTS: {
    status: 409,
    description: 'A PCN, organisation, portal, service or participant with that id already exists.',
  },
  BSN_SYSTEM_CONFLICT: {
    status: 409,
    description:
      'The current system state does not allow the change (e.g. removing a PCN that still hosts services).',
  },
  BSN_SYSTEM_CERT_INVALID: {
    status: 400,
    description:
      'A certificate in a governance action is malformed, not a CA where one is needed, not issued by the network root, or not valid at block time.',
  },
  BSN_SYSTEM_PROPOSAL_EXPIRED: {
    status: 409,
    description: 'The governance proposal passed its expiry height.',
  },
  BSN_SYSTEM_PROPOSAL_CLOSED: { status: 409, description: 'The governance proposal was already executed.' },
  BSN_SYSTEM_ALREADY_APPROVED: {
    status: 409,
    description: 'This admin already approved the proposal; an admin counts once.',
  },
  BSN_SYSTEM_BUNDLE_HASH_MISMATCH: {
    status: 400,
    description: 'The contract bundle does not hash to the declared code hash.',
  },
  BSN_SYSTEM_BUNDLE_TOO_LARGE: {
    status: 413,
    description: 'The contract bundle exceeds the size limit (2 MiB).',
  },
  BSN_SYSTEM_BUNDLE_NOT_FOUND: {
    status: 404,
    description:
      'No contract bundle with that hash is stored on the system chain; upload it with putBundle first.',
  },
  BSN_SYSTEM_SERVICE_NOT_ACTIVE: {
    status: 409,
    description: 'The service is not active (it awaits the network operator approval).',
  },
  BSN_SYSTEM_METHOD_NOT_ALLOWED: {
    status: 403,
    description: "The caller's organisation and role may not call this method of the service.",
  },
});
