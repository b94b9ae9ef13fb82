/**
 * Authentication of gateway reads: the `BSN-Sig` scheme.
 *
 * Writes and queries carry their own authentication (the body is a SignedTransaction). Reads by GET
 * carry `Authorization: BSN-Sig cert="<base64 PEM>", time="<ms>", sig="<hex>"`, a signature by the
 * certificate's key over `signingBytes(SigningDomain.request, {method, path, time, bodyHash})`:
 *
 * - `method` is the upper-case HTTP method;
 * - `path` is the request-target exactly as sent (path and query string, percent-encoding
 *   untouched) with any `auth` query parameter removed;
 * - `time` is the client's clock in ms; the gateway accepts ±5 minutes;
 * - `bodyHash` is the lower-case hex SHA-256 of the body bytes (of no bytes for a GET).
 *
 * The signing domain keeps a request signature from ever verifying as a transaction or a vote.
 * Clients that cannot set headers (a browser EventSource) send the same three fields as
 * `?auth=<base64url of JSON {cert,time,sig}>` instead.
 *
 * These helpers check the signature and the time only; whether the certificate chains to the
 * network root, is unrevoked and belongs to an organisation of the chain's service is the gateway's
 * decision, made on the certificate PEM that {@link verifyRequestSignature} returns.
 */
import {
  BsnError,
  fromHex,
  hashHex,
  type KeyInput,
  SigningDomain,
  signBytes,
  signingBytes,
  toHex,
  utf8,
  verifySignatureDetailed,
} from '@bsn/core';

/** The authentication scheme name in the Authorization header. */
export const AUTH_SCHEME = 'BSN-Sig';

/** The query parameter carrying authentication on routes that accept it (the event stream). */
export const AUTH_QUERY_PARAM = 'auth';

/** How far a request's `time` may be from the gateway's clock (ms). */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** The three fields of a request signature. */
export interface RequestAuth {
  /** The signer's certificate, PEM. */
  readonly cert: string;
  /** The client's time, ms since the Unix epoch. */
  readonly time: number;
  /** Hex signature over {@link requestSigningBytes}. */
  readonly sig: string;
}

/** What is signed: method, request-target, time and body hash. */
export interface RequestSigningInput {
  readonly method: string;
  readonly path: string;
  readonly time: number;
  readonly bodyHash: string;
}

/** A request as both sides see it. */
export interface RequestDescription {
  /** HTTP method. */
  readonly method: string;
  /** Request-target as sent: path plus query string (e.g. `/v1/chains/a/state/k?contract=c`). */
  readonly path: string;
  /** The body bytes (or text); absent for GET. */
  readonly body?: Uint8Array | string | undefined;
}

/** The key and certificate a request is signed with. */
export interface RequestSigner {
  readonly certPem: string;
  readonly privateKey: KeyInput;
}

/** The headers and query value of a signed request. */
export interface SignedRequest {
  /** Value of the Authorization header. */
  readonly authorization: string;
  /** Value of the `auth` query parameter, for clients that cannot set headers. */
  readonly authQuery: string;
  readonly auth: RequestAuth;
}

/** Lower-case hex SHA-256 of a body (of zero bytes when absent). */
export function bodyHash(body?: Uint8Array | string): string {
  const bytes = body === undefined ? new Uint8Array(0) : typeof body === 'string' ? utf8(body) : body;
  return hashHex(bytes, 'sha256');
}

/** The request-target with every `auth` query parameter removed (the part of the URL that is signed). */
export function signedPath(path: string): string {
  const q = path.indexOf('?');
  if (q === -1) return path;
  const kept = path
    .slice(q + 1)
    .split('&')
    .filter((part) => part !== '' && part !== AUTH_QUERY_PARAM && !part.startsWith(`${AUTH_QUERY_PARAM}=`));
  return kept.length === 0 ? path.slice(0, q) : `${path.slice(0, q)}?${kept.join('&')}`;
}

/** The bytes a request signature signs. */
export function requestSigningBytes(input: RequestSigningInput): Uint8Array {
  return signingBytes(SigningDomain.request, {
    method: input.method.toUpperCase(),
    path: input.path,
    time: input.time,
    bodyHash: input.bodyHash,
  });
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** Signs a request (SDK side): returns the Authorization header value and the equivalent `auth` query value. */
export function signRequest(
  request: RequestDescription,
  signer: RequestSigner,
  now: number = Date.now(),
): SignedRequest {
  const time = Math.floor(now);
  const sig = toHex(
    signBytes(
      signer.privateKey,
      requestSigningBytes({
        method: request.method,
        path: signedPath(request.path),
        time,
        bodyHash: bodyHash(request.body),
      }),
    ),
  );
  const auth: RequestAuth = { cert: signer.certPem, time, sig };
  return { auth, authorization: formatAuthorization(auth), authQuery: base64url(JSON.stringify(auth)) };
}

/** The Authorization header value for `auth`. */
export function formatAuthorization(auth: RequestAuth): string {
  const cert = Buffer.from(auth.cert, 'utf8').toString('base64');
  return `${AUTH_SCHEME} cert="${cert}", time="${auth.time}", sig="${auth.sig}"`;
}

function unauthenticated(reason: string, message: string, cause?: unknown): BsnError {
  return new BsnError('BSN_GATEWAY_UNAUTHENTICATED', message, {
    details: { reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

const MAX_AUTH_LENGTH = 32_768;

function checkFields(cert: unknown, time: unknown, sig: unknown): RequestAuth {
  if (typeof cert !== 'string' || !cert.includes('-----BEGIN CERTIFICATE-----')) {
    throw unauthenticated('malformed', 'authentication cert is not a PEM certificate');
  }
  const t = typeof time === 'string' && /^[0-9]{1,16}$/.test(time) ? Number(time) : time;
  if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0) {
    throw unauthenticated('malformed', 'authentication time is not a whole number of milliseconds');
  }
  if (typeof sig !== 'string' || !/^[0-9a-f]{128}$/.test(sig)) {
    throw unauthenticated('malformed', 'authentication sig is not 128 lower-case hex characters');
  }
  return { cert, time: t, sig };
}

/** Parses an Authorization header of the BSN-Sig scheme; throws BSN_GATEWAY_UNAUTHENTICATED (reason "malformed"). */
export function parseAuthorization(header: string): RequestAuth {
  if (header.length > MAX_AUTH_LENGTH) throw unauthenticated('malformed', 'Authorization header is too long');
  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  if (scheme.toLowerCase() !== AUTH_SCHEME.toLowerCase()) {
    throw unauthenticated('malformed', `Authorization scheme must be ${AUTH_SCHEME}`);
  }
  const fields = new Map<string, string>();
  const re = /\s*([a-z]+)="([^"]*)"\s*(?:,|$)/gy;
  const rest = header.slice(space + 1);
  re.lastIndex = 0;
  let consumed = 0;
  for (let m = re.exec(rest); m !== null; m = re.exec(rest)) {
    if (fields.has(m[1] as string))
      throw unauthenticated('malformed', `Authorization field ${m[1]} appears twice`);
    fields.set(m[1] as string, m[2] as string);
    consumed = re.lastIndex;
    if (consumed >= rest.length) break;
  }
  if (consumed < rest.trimEnd().length)
    throw unauthenticated('malformed', 'Authorization parameters are not key="value" pairs');
  const certB64 = fields.get('cert');
  if (certB64 === undefined || !/^[A-Za-z0-9+/]+=*$/.test(certB64)) {
    throw unauthenticated('malformed', 'Authorization cert must be the base64 of a PEM certificate');
  }
  return checkFields(Buffer.from(certB64, 'base64').toString('utf8'), fields.get('time'), fields.get('sig'));
}

/** Parses the `auth` query value (base64url JSON); throws BSN_GATEWAY_UNAUTHENTICATED (reason "malformed"). */
export function parseAuthQuery(value: string): RequestAuth {
  if (value.length > MAX_AUTH_LENGTH || !/^[A-Za-z0-9_-]+$/.test(value)) {
    throw unauthenticated('malformed', 'auth query parameter must be base64url');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch (cause) {
    throw unauthenticated('malformed', 'auth query parameter is not base64url JSON', cause);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw unauthenticated('malformed', 'auth query parameter must hold an object {cert,time,sig}');
  }
  const o = parsed as Record<string, unknown>;
  return checkFields(o.cert, o.time, o.sig);
}

/** Options of {@link verifyRequestSignature}. */
export interface VerifyRequestOptions {
  /** The gateway's clock (ms); default `Date.now()`. */
  readonly now?: number;
  /** Accepted distance between the request's time and `now`; default 5 minutes. */
  readonly maxClockSkewMs?: number;
  /** Also accept the `auth` query parameter (only on routes that allow it: the event stream). */
  readonly allowQueryAuth?: boolean;
}

/** A request whose signature verified: the signer's certificate for the gateway to check further. */
export interface VerifiedRequest {
  readonly certPem: string;
  readonly time: number;
}

function queryAuthValue(path: string): string | undefined {
  const q = path.indexOf('?');
  if (q === -1) return undefined;
  for (const part of path.slice(q + 1).split('&')) {
    if (part.startsWith(`${AUTH_QUERY_PARAM}=`))
      return decodeURIComponent(part.slice(AUTH_QUERY_PARAM.length + 1));
  }
  return undefined;
}

/**
 * Verifies a request's BSN-Sig authentication (gateway side) and returns the signer's certificate
 * PEM. Throws BSN_GATEWAY_UNAUTHENTICATED with `details.reason` one of `missing`, `malformed`,
 * `clock-skew`, `bad-signature`.
 */
export function verifyRequestSignature(
  request: RequestDescription & { readonly authorization?: string | undefined },
  options: VerifyRequestOptions = {},
): VerifiedRequest {
  let auth: RequestAuth;
  if (request.authorization !== undefined && request.authorization !== '') {
    auth = parseAuthorization(request.authorization);
  } else {
    const fromQuery = options.allowQueryAuth === true ? queryAuthValue(request.path) : undefined;
    if (fromQuery === undefined) {
      throw unauthenticated(
        'missing',
        options.allowQueryAuth === true
          ? `this route needs an Authorization: ${AUTH_SCHEME} header or an auth query parameter`
          : `this route needs an Authorization: ${AUTH_SCHEME} header`,
      );
    }
    auth = parseAuthQuery(fromQuery);
  }
  const now = options.now ?? Date.now();
  const skew = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
  if (Math.abs(now - auth.time) > skew) {
    throw new BsnError(
      'BSN_GATEWAY_UNAUTHENTICATED',
      `request time is more than ${skew} ms from the gateway's clock`,
      {
        details: { reason: 'clock-skew', time: auth.time, now, maxClockSkewMs: skew },
      },
    );
  }
  const data = requestSigningBytes({
    method: request.method,
    path: signedPath(request.path),
    time: auth.time,
    bodyHash: bodyHash(request.body),
  });
  const check = verifySignatureDetailed(auth.cert, data, fromHex(auth.sig));
  if (!check.ok) {
    throw new BsnError(
      'BSN_GATEWAY_UNAUTHENTICATED',
      'request signature does not verify under the certificate’s key',
      {
        details: {
          reason: check.code === 'BSN_KEY_INVALID' ? 'malformed' : 'bad-signature',
          check: check.code,
        },
      },
    );
  }
  return { certPem: auth.cert, time: auth.time };
}
