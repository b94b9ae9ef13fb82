/**
 * The event stream's ids and resume rule, shared by the gateway (which writes them) and the SDK
 * (which resumes from them), so both sides agree on what "after the last event seen" means.
 *
 * An event's id is `<height>:<txIndex>:<eventIndex>`; a block progress marker's id is
 * `<height>:end` and says every matching event up to and including block `height` was sent. A
 * stream resumed from an id sends exactly the events after it, in (height, txIndex, eventIndex)
 * order: none lost, none repeated.
 */
import { BsnError } from '@bsn/core';

/** SSE `event:` names the gateway sends. */
export const StreamEventName = {
  /** A contract event; data is an `EventMessage`. */
  contractEvent: 'contract-event',
  /** A block progress marker; data is a `BlockMarker`. */
  block: 'block',
  /** The stream ends because of an error; data is an `ErrorBody`. */
  error: 'error',
} as const;

/** How often the gateway sends an SSE comment line to keep idle connections open (ms). */
export const HEARTBEAT_INTERVAL_MS = 15_000;

/** A position in a chain's event sequence: an event, or the end of a block. */
export type EventCursor =
  | { readonly height: number; readonly txIndex: number; readonly eventIndex: number }
  | { readonly height: number; readonly end: true };

/** The SSE id of an event or block marker. */
export function formatEventId(cursor: EventCursor): string {
  return 'end' in cursor ? `${cursor.height}:end` : `${cursor.height}:${cursor.txIndex}:${cursor.eventIndex}`;
}

const ID = /^([1-9][0-9]{0,15}):(?:(end)|(0|[1-9][0-9]{0,8}):(0|[1-9][0-9]{0,8}))$/;

/** Parses an SSE id (`Last-Event-ID`); throws BSN_GATEWAY_BAD_REQUEST naming the bad id. */
export function parseEventId(id: string): EventCursor {
  const m = ID.exec(id);
  if (m === null) {
    throw new BsnError(
      'BSN_GATEWAY_BAD_REQUEST',
      `event id "${id.slice(0, 64)}" is not <height>:<tx>:<event> or <height>:end`,
      {
        details: { field: 'Last-Event-ID' },
      },
    );
  }
  const height = Number(m[1]);
  if (m[2] === 'end') return { height, end: true };
  return { height, txIndex: Number(m[3]), eventIndex: Number(m[4]) };
}

/** True when the event at (height, txIndex, eventIndex) comes after `cursor` (so a resumed stream sends it). */
export function isAfterCursor(
  cursor: EventCursor | undefined,
  height: number,
  txIndex: number,
  eventIndex: number,
): boolean {
  if (cursor === undefined) return true;
  if (height !== cursor.height) return height > cursor.height;
  if ('end' in cursor) return false;
  if (txIndex !== cursor.txIndex) return txIndex > cursor.txIndex;
  return eventIndex > cursor.eventIndex;
}

/** The first height a stream resumed from `cursor` must read (the cursor's own block unless it ended). */
export function resumeHeight(cursor: EventCursor): number {
  return 'end' in cursor ? cursor.height + 1 : cursor.height;
}
