/**
 * A gateway in the process: a `fetch` that answers from a route function, for tests that play a
 * gateway lying in ways a real one would not. Answers are still checked by the SDK against the API
 * schemas, so a route must return well-formed bodies.
 */
import { type Client, type ClientOptions, createClient, identityFromPem } from '@bsn/sdk';
import type { Network } from './network-fixture.js';

/** Answers a request: a JSON body (status 200), a Response, or undefined for 404. */
export type Route = (method: string, path: string, url: URL) => unknown;

/** A fetch answering from `route`. */
export function fakeFetch(route: Route): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const out = await route(init?.method ?? 'GET', url.pathname, url);
    if (out === undefined) {
      const error = { code: 'BSN_GATEWAY_NOT_FOUND', message: `no route ${url.pathname}`, details: {} };
      return new Response(JSON.stringify({ error }), { status: 404 });
    }
    if (out instanceof Response) return out;
    return new Response(JSON.stringify(out), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof fetch;
}

/**
 * A gateway's routes: `/v1/network` answers `network`, `/v1/chains/<id>` answers `chains[id]`, and
 * any other path `rest`.
 */
export function gatewayRoute(
  network: unknown,
  chains: Readonly<Record<string, unknown>> = {},
  rest: (path: string, url: URL) => unknown = () => undefined,
): Route {
  return (_method, path, url) => {
    if (path === '/v1/network') return network;
    const chain = path.startsWith('/v1/chains/') ? path.slice('/v1/chains/'.length) : '';
    if (Object.hasOwn(chains, chain)) return chains[chain];
    return rest(path, url);
  };
}

/** A client of `net`'s user talking to `route` (one attempt per call, no backoff). */
export function clientFor(net: Network, route: Route, options: Partial<ClientOptions> = {}): Client {
  return createClient({
    gateway: 'http://gw.invalid',
    identity: identityFromPem({ certPem: net.user.certPem, keyPem: net.user.keyPem }),
    rootCertPem: net.root.certPem,
    fetch: fakeFetch(route),
    retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    ...options,
  });
}
