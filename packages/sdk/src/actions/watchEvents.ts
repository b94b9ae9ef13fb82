import {
  type BlockMarker,
  BlockMarkerSchema,
  type EventCursor,
  type EventMessage,
  EventMessageSchema,
  errorFromBody,
  formatEventId,
  isAfterCursor,
  parseEventId,
  resumeHeight,
  routeById,
  routePath,
  StreamEventName,
  signRequest,
} from '@bsn/api';
import { Value } from '@sinclair/typebox/value';
import { assertHeight } from '../assertHeight.js';
import type { BaseClient } from '../client.js';
import { BaseError } from '../errors.js';
import { SseParser } from '../sse.js';
import { backoffMs, gatewayUrl, RETRYABLE_GATEWAY_CODES, sleep } from '../transport.js';
import { getHealth } from './getHealth.js';

/** Parameters of {@link watchEvents}. */
export interface WatchEventsParameters {
  readonly chain: string;
  /** First height to deliver events of (default: from the next block). Ignored once an event id is known. */
  readonly from?: number;
  /** Resume after this event id (as given to `onEvent` earlier, e.g. persisted across restarts). */
  readonly lastEventId?: string;
  readonly contract?: string;
  readonly name?: string;
  /** Called once per event, in order; the next event waits until a returned promise settles. */
  readonly onEvent: (event: EventMessage, meta: { readonly id: string }) => void | Promise<void>;
  /** Called after each block (every matching event up to it was delivered). */
  readonly onBlock?: (marker: BlockMarker, meta: { readonly id: string }) => void | Promise<void>;
  /** Called once with the error that ended the watch (not for reconnects). */
  readonly onError?: (error: BaseError) => void;
  readonly signal?: AbortSignal;
}
/** Return type of {@link watchEvents}: stop watching, the promise of the end, and the resume point. */
export interface WatchEventsReturnType {
  readonly unwatch: () => void;
  /** Settles when the watch ends (unwatch, abort, or a fatal error passed to onError). */
  readonly done: Promise<void>;
  /** The id after which a new watch would resume. */
  lastEventId(): string | undefined;
}
/** Error type of {@link watchEvents} (given to onError): gateway codes (forbidden, unauthenticated…), BSN_SDK_EVENT_STREAM (a gap or bad message only causes a reconnect). */
export type WatchEventsErrorType = BaseError;

class Reconnect extends Error {}

/**
 * Streams contract events of a chain over SSE, reconnecting (with backoff, across the gateway list)
 * whenever the stream drops, and resuming after the last event or block marker seen. Events come in
 * (height, tx, event) order; one already delivered is never delivered again, even if a gateway
 * repeats it. The gateway ends every block with a marker, so a stream that skips a block (a marker
 * or an event of a later height while a block is open) is a gap: the watch reconnects, to the next
 * gateway, after the last position delivered. Events are not proven: for proof, fetch the
 * transaction (`getTransaction`) by txId.
 */
export function watchEvents(client: BaseClient, params: WatchEventsParameters): WatchEventsReturnType {
  if (params.from !== undefined) assertHeight('from', params.from);
  const controller = new AbortController();
  const signal = params.signal ? AbortSignal.any([params.signal, controller.signal]) : controller.signal;
  let cursor: EventCursor | undefined =
    params.lastEventId === undefined ? undefined : parseEventId(params.lastEventId);
  const route = routeById('watchEvents');
  const t = client.transport;
  let from = params.from;

  async function connectOnce(gateway: string): Promise<boolean> {
    const query = new URLSearchParams();
    if (cursor === undefined && from !== undefined) query.set('from', String(from));
    if (params.contract !== undefined) query.set('contract', params.contract);
    if (params.name !== undefined) query.set('name', params.name);
    const path = `${routePath(route, { chain: params.chain })}${query.size > 0 ? `?${query}` : ''}`;
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      authorization: signRequest(
        { method: 'GET', path },
        { certPem: client.identity.certPem, privateKey: client.identity.privateKey },
        client.now(),
      ).authorization,
    };
    if (cursor !== undefined) headers['last-event-id'] = formatEventId(cursor);
    let res: Response;
    try {
      res = await t.fetch(gatewayUrl(gateway, path), { method: 'GET', headers, signal });
    } catch {
      if (signal.aborted) return false;
      throw new Reconnect();
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const error = BaseError.from(errorFromBody(res.status, body));
      if (res.status >= 500 || RETRYABLE_GATEWAY_CODES.has(error.code)) throw new Reconnect();
      throw error;
    }
    if (res.body === null) throw new Reconnect();
    let progressed = false;
    const parser = new SseParser();
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const message of parser.push(decoder.decode(value, { stream: true }))) {
          await dispatch(message.event, message.data, message.id);
          progressed = true;
        }
      }
    } catch (err) {
      if (err instanceof BaseError && err.code !== 'BSN_SDK_EVENT_STREAM') throw err;
      if (signal.aborted) return false;
      throw new Reconnect();
    } finally {
      reader.releaseLock();
    }
    if (signal.aborted) return false;
    if (!progressed) throw new Reconnect();
    return true;
  }

  /**
   * The height of the open block: every event and marker after the cursor must be of it, since the
   * gateway sends each block's events and then its marker, block after block, from the resume
   * point on. Undefined when the start height is not known yet (the first message pins it).
   */
  function openHeight(): number | undefined {
    return cursor === undefined ? from : resumeHeight(cursor);
  }

  function assertNoGap(height: number, what: string, id: string | undefined): void {
    const open = openHeight();
    if (open !== undefined && height !== open) {
      throw new BaseError(
        'BSN_SDK_EVENT_STREAM',
        `stream sent ${what} of height ${height} while block ${open} was open: a gap in the stream`,
        { details: { id: id ?? null, height, expected: open } },
      );
    }
  }

  async function dispatch(event: string, data: string, id: string | undefined): Promise<void> {
    if (event === StreamEventName.error) {
      let body: unknown;
      try {
        body = JSON.parse(data);
      } catch {
        body = undefined;
      }
      const error = BaseError.from(errorFromBody(503, body));
      if (RETRYABLE_GATEWAY_CODES.has(error.code)) throw new Reconnect();
      throw error;
    }
    if (event !== StreamEventName.contractEvent && event !== StreamEventName.block) return;
    let parsed: unknown;
    let position: EventCursor;
    try {
      parsed = JSON.parse(data);
      position = parseEventId(id ?? '');
    } catch (cause) {
      throw new BaseError('BSN_SDK_EVENT_STREAM', `stream sent a ${event} with a bad id or data`, {
        details: { id: id ?? null },
        cause,
      });
    }
    if (event === StreamEventName.block) {
      if (
        !Value.Check(BlockMarkerSchema, parsed) ||
        !('end' in position) ||
        position.height !== parsed.height
      ) {
        throw new BaseError(
          'BSN_SDK_EVENT_STREAM',
          'stream sent a block marker that does not match the API',
          { details: { id: id ?? null } },
        );
      }
      if (isAfterCursor(cursor, position.height, Number.MAX_SAFE_INTEGER, 0)) {
        assertNoGap(position.height, 'a block marker', id);
        cursor = position;
        await params.onBlock?.(parsed, { id: formatEventId(position) });
      }
      return;
    }
    if (!Value.Check(EventMessageSchema, parsed) || 'end' in position) {
      throw new BaseError('BSN_SDK_EVENT_STREAM', 'stream sent an event that does not match the API', {
        details: { id: id ?? null },
      });
    }
    const m = parsed;
    if (
      position.height !== m.height ||
      position.txIndex !== m.index ||
      position.eventIndex !== m.eventIndex
    ) {
      throw new BaseError('BSN_SDK_EVENT_STREAM', 'event id does not match the event', {
        details: { id: id ?? null },
      });
    }
    if (!isAfterCursor(cursor, m.height, m.index, m.eventIndex)) return; // already delivered
    assertNoGap(m.height, 'an event', id);
    if (
      (params.contract !== undefined && m.contract !== params.contract) ||
      (params.name !== undefined && m.name !== params.name)
    ) {
      cursor = position;
      return;
    }
    cursor = position;
    await params.onEvent(m, { id: formatEventId(position) });
  }

  async function run(): Promise<void> {
    if (cursor === undefined && from === undefined) {
      // Pin "from the next block" to a height now, so a reconnect before the first block marker
      // cannot skip the blocks committed in between.
      try {
        const health = await getHealth(client, { signal });
        const height = health.chains.find((c) => c.chain === params.chain)?.height;
        if (height !== undefined) from = height + 1;
      } catch {
        // Without the height the gateway's own "next block" is used; the first marker pins it.
      }
    }
    let failures = 0;
    let offset = 0;
    while (!signal.aborted) {
      const gateway = t.gateways[(t.preferred + offset) % t.gateways.length] as string;
      try {
        const progressed = await connectOnce(gateway);
        if (!progressed) return;
        failures = 0;
      } catch (err) {
        if (!(err instanceof Reconnect)) {
          if (signal.aborted) return;
          params.onError?.(BaseError.from(err, 'BSN_SDK_EVENT_STREAM'));
          return;
        }
        failures++;
        offset++;
      }
      try {
        await sleep(Math.max(backoffMs(t.retry, failures), failures === 0 ? t.retry.baseDelayMs : 0), signal);
      } catch {
        return;
      }
    }
  }

  const done = run();
  return {
    unwatch: () => controller.abort(),
    done,
    lastEventId: () => (cursor === undefined ? undefined : formatEventId(cursor)),
  };
}
