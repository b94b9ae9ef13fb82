/**
 * Typed errors with stable string codes. Every error BSN raises carries one of the codes in
 * {@link errorCatalog}; the gateway maps a code to its HTTP status and clients branch on the code.
 * `docs/errors.md` lists every code; a test keeps the two in step.
 */

/** One entry of the error catalogue: the HTTP status a gateway answers with, and what it means. */
export interface ErrorCatalogEntry {
  readonly status: number;
  readonly description: string;
}

const catalog = {
  // core
  BSN_INVALID_ARGUMENT: { status: 400, description: 'An argument to a library function is not valid.' },
  BSN_ENCODING_INVALID: {
    status: 400,
    description: 'A value cannot be canonically encoded (non-finite number, unsupported type, cycle).',
  },
  BSN_HEX_INVALID: { status: 400, description: 'A hexadecimal string is malformed.' },
  BSN_HASH_UNSUPPORTED: { status: 400, description: 'The named hash algorithm is not supported.' },
  BSN_SIGNATURE_UNSUPPORTED: { status: 400, description: 'The named signature algorithm is not supported.' },
  BSN_KEY_INVALID: { status: 400, description: 'A key is malformed or of the wrong type for the algorithm.' },
  BSN_SIGNATURE_MALFORMED: { status: 400, description: 'A signature has the wrong length or encoding.' },
  BSN_SIGNATURE_INVALID: {
    status: 401,
    description: 'A signature does not verify against the key and data.',
  },
  BSN_MERKLE_PROOF_INVALID: { status: 400, description: 'A Merkle proof is malformed or does not verify.' },
  BSN_CERTIFICATE_QUORUM: {
    status: 422,
    description: 'A commit certificate carries fewer valid votes of hosting PCNs than the quorum.',
  },
  BSN_CERTIFICATE_SIGNER: {
    status: 422,
    description: 'A commit certificate carries a vote from a non-hosting PCN or with a bad signature.',
  },
  BSN_INTERNAL: { status: 500, description: 'An unexpected internal error; the logs of the node say more.' },
} as const satisfies Record<string, ErrorCatalogEntry>;

/** Every error code BSN uses, with its HTTP status and meaning. Packages extend it via {@link registerErrorCodes}. */
export const errorCatalog: Record<string, ErrorCatalogEntry> = { ...catalog };

/** Adds a package's codes to the catalogue (each package registers its own at import time). */
export function registerErrorCodes(entries: Record<string, ErrorCatalogEntry>): void {
  for (const [code, entry] of Object.entries(entries)) {
    if (!/^BSN_[A-Z0-9_]+$/.test(code)) throw new Error(`error code ${code} must match BSN_[A-Z0-9_]+`);
    const known = errorCatalog[code];
    if (known && (known.status !== entry.status || known.description !== entry.description)) {
      throw new Error(`error code ${code} registered twice with different meanings`);
    }
    errorCatalog[code] = entry;
  }
}

/** The codes defined by `core` itself. */
export type CoreErrorCode = keyof typeof catalog;

/** Options of a {@link BsnError}: machine-readable facts and the underlying cause. */
export interface BsnErrorOptions {
  readonly details?: Record<string, unknown>;
  readonly cause?: unknown;
}

/** The one base class of BSN errors: a stable `code`, a human `message` and the `details` to act on. */
export class BsnError extends Error {
  override readonly name: string = 'BsnError';
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, options: BsnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  /** The HTTP status the gateway answers with for this error's code (500 for an unknown code). */
  get status(): number {
    return errorCatalog[this.code]?.status ?? 500;
  }

  /** The wire form `{code, message, details}` returned by the gateway (never a stack trace). */
  toJSON(): { code: string; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** True when `err` is a {@link BsnError}, optionally with the given code. */
export function isBsnError(err: unknown, code?: string): err is BsnError {
  return err instanceof BsnError && (code === undefined || err.code === code);
}
