/**
 * A server-sent events parser (the WHATWG "event stream interpretation"), fed text chunks as they
 * arrive from a fetch body. Written here instead of depending on an EventSource, which can neither
 * set headers nor hand resume control to the caller.
 */

/** One dispatched SSE message. */
export interface SseMessage {
  /** The `event:` field, `message` when absent. */
  readonly event: string;
  readonly data: string;
  /** The `id:` field of this message, if it had one. */
  readonly id?: string;
  /** A `retry:` value seen in this message, in ms. */
  readonly retry?: number;
}

/** Incremental SSE parser: `push` text as it arrives, get the complete messages. */
export class SseParser {
  #buffer = '';
  #event = '';
  #data: string[] = [];
  #id: string | undefined;
  #retry: number | undefined;
  #sawField = false;

  /** Feeds a chunk; returns the messages completed by it. */
  push(chunk: string): SseMessage[] {
    this.#buffer += chunk;
    const out: SseMessage[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.#buffer);
      if (m === null) break;
      // A lone '\r' at the end may be the first half of '\r\n': wait for more text.
      if (m[0] === '\r' && m.index === this.#buffer.length - 1) break;
      const line = this.#buffer.slice(0, m.index);
      this.#buffer = this.#buffer.slice(m.index + m[0].length);
      const message = this.#line(line);
      if (message !== undefined) out.push(message);
    }
    return out;
  }

  #line(line: string): SseMessage | undefined {
    if (line === '') {
      const had = this.#sawField;
      const message: SseMessage = {
        event: this.#event === '' ? 'message' : this.#event,
        data: this.#data.join('\n'),
        ...(this.#id === undefined ? {} : { id: this.#id }),
        ...(this.#retry === undefined ? {} : { retry: this.#retry }),
      };
      this.#event = '';
      this.#data = [];
      this.#id = undefined;
      this.#retry = undefined;
      this.#sawField = false;
      return had && (message.data !== '' || message.id !== undefined) ? message : undefined;
    }
    if (line.startsWith(':')) return undefined; // comment (heartbeat)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    this.#sawField = true;
    switch (field) {
      case 'event':
        this.#event = value;
        break;
      case 'data':
        this.#data.push(value);
        break;
      case 'id':
        if (!value.includes('\u0000')) this.#id = value;
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.#retry = Number(value);
        break;
      default:
        break;
    }
    return undefined;
  }
}
