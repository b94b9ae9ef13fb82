/**
 * Canonical encoding: the JSON Canonicalization Scheme (RFC 8785, "JCS"), UTF-8.
 *
 * One encoding for everything BSN hashes or signs. JCS was chosen over deterministic CBOR because
 * every payload BSN signs is already JSON on the wire (gateway, SDK, contract arguments), so the
 * signed bytes can be reproduced by any JSON stack in any language with a ~50-line canonicaliser,
 * and a person can read what they sign. Rules (RFC 8785 §3.2): object members sorted by the
 * UTF-16 code units of their names, no insignificant white space, strings escaped as ECMAScript
 * `JSON.stringify` does, numbers serialised with the ECMAScript Number-to-String algorithm.
 *
 * What JSON cannot carry is rejected with BSN_ENCODING_INVALID instead of being silently changed:
 * non-finite numbers, bigint, functions, symbols, cycles, strings with unpaired surrogates, and
 * objects that are not plain (Date, Map, class instances, byte arrays). `undefined` object members
 * are omitted, as in JSON.
 */
import { BoundedMap } from './bounded-map.js';
import { BsnError } from './errors.js';
import { utf8 } from './hex.js';

/** A value the canonical encoding accepts: JSON data. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

// With the `u` flag a surrogate range matches only unpaired halves: paired ones form one code point.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const LONE_SURROGATES = /[\uD800-\uDFFF]/gu;

/** True when `text` holds an unpaired UTF-16 surrogate: it is not Unicode text and cannot be encoded. */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/**
 * `text` with each unpaired UTF-16 surrogate replaced by U+FFFD, as a UTF-8 encoder would: for text
 * a node records but did not choose (a contract's error message, cut to a length that may split a
 * pair), which must encode rather than fail the block.
 */
export function wellFormed(text: string): string {
  return LONE_SURROGATE.test(text) ? text.replace(LONE_SURROGATES, '\uFFFD') : text;
}

function fail(message: string, path: string): never {
  throw new BsnError('BSN_ENCODING_INVALID', `${message} at ${path}`, { details: { path } });
}

/**
 * The deepest nesting of arrays and objects encoded (serde_json's default recursion limit). Every
 * JSON stack BSN meets handles this much; past a few thousand levels they run out of stack at
 * depths that differ by engine, version and JIT state — a transaction one process accepted could
 * then not be stored or sent by the next. A fixed limit refuses such input the same way everywhere.
 */
export const MAX_ENCODING_DEPTH = 128;

function write(value: unknown, path: string, seen: Set<object>, out: string[], depth = 0): void {
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) fail('non-finite number cannot be encoded', path);
      out.push(JSON.stringify(value));
      return;
    case 'string':
      // RFC 8785 takes I-JSON input (RFC 7493 §2.1), which forbids unpaired surrogates: they are not
      // Unicode text, and other JSON stacks would replace or drop them, changing the signed bytes.
      if (LONE_SURROGATE.test(value))
        fail('string with an unpaired UTF-16 surrogate cannot be encoded', path);
      out.push(JSON.stringify(value));
      return;
    case 'object':
      break;
    default:
      fail(`a value of type ${typeof value} cannot be encoded`, path);
  }
  const obj = value as object;
  if (seen.has(obj)) fail('cyclic structure cannot be encoded', path);
  if (depth >= MAX_ENCODING_DEPTH)
    fail(`nesting deeper than ${MAX_ENCODING_DEPTH} arrays and objects cannot be encoded`, path);
  seen.add(obj);
  if (Array.isArray(obj)) {
    out.push('[');
    for (let i = 0; i < obj.length; i++) {
      if (i > 0) out.push(',');
      const item: unknown = obj[i];
      // JSON turns holes and undefined array items into null; we refuse them to stay unambiguous.
      if (item === undefined) fail('undefined array item cannot be encoded', `${path}[${i}]`);
      write(item, `${path}[${i}]`, seen, out, depth + 1);
    }
    out.push(']');
  } else {
    if (!isPlainObject(obj)) fail('only plain objects can be encoded', path);
    const record = obj as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort();
    out.push('{');
    keys.forEach((key, i) => {
      if (i > 0) out.push(',');
      if (LONE_SURROGATE.test(key))
        fail('member name with an unpaired UTF-16 surrogate cannot be encoded', path);
      out.push(JSON.stringify(key), ':');
      write(record[key], `${path}.${key}`, seen, out, depth + 1);
    });
    out.push('}');
  }
  seen.delete(obj);
}

// Characters JSON.stringify escapes (controls, quote, backslash) and surrogate halves; the control
// range is what this test is for.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the characters JSON escapes is the point
const NEEDS_CARE = /[\u0000-\u001f"\\\uD800-\uDFFF]/;

// Long strings that need escaping are remembered once quoted: a signer's PEM certificate (line
// breaks) is in every transaction it signs, and escaping it was most of a payload's encoding time.
// Bounded in length and in entries, oldest out first, so memory stays small whatever the input.
const QUOTED_MIN_LENGTH = 256;
const QUOTED_MAX_LENGTH = 8 * 1024;
const QUOTED_ENTRIES = 128;
const quoted = new BoundedMap<string, string>(QUOTED_ENTRIES);

/** A string's JSON text, or undefined when it holds an unpaired surrogate. */
function quote(text: string): string | undefined {
  if (!NEEDS_CARE.test(text)) return `"${text}"`;
  const cacheable = text.length >= QUOTED_MIN_LENGTH && text.length <= QUOTED_MAX_LENGTH;
  if (cacheable) {
    const hit = quoted.get(text);
    if (hit !== undefined) return hit;
  }
  if (LONE_SURROGATE.test(text)) return undefined;
  const json = JSON.stringify(text);
  if (cacheable) quoted.set(text, json);
  return json;
}

/** Objects with more members than this have their names sorted by Array.prototype.sort. */
const INSERTION_SORT_MAX = 16;

/**
 * An object's own enumerable member names sorted by UTF-16 code units (RFC 8785 §3.2.3). Objects
 * here have a handful of members (payloads, receipts, headers, contract values): an insertion sort
 * on `<` (code-unit order, as the default sort of strings) is faster than Array.prototype.sort and
 * allocates nothing, where the built-in sort allocated kilobytes of work arrays per call — a
 * quarter of the ledger pipeline's garbage.
 */
function sortedKeys(record: object): string[] {
  const keys = Object.keys(record);
  const n = keys.length;
  if (n > INSERTION_SORT_MAX) return keys.sort();
  for (let i = 1; i < n; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

/** Nesting beyond which the fast path hands over to {@link write}, which detects cycles. */
const FAST_DEPTH = 64;

/**
 * The same encoding as {@link write} for data it accepts, without the path strings and cycle set
 * that only serve to name a problem: returns undefined for anything it does not encode (the caller
 * then runs `write`, which throws the precise error), including nesting deeper than FAST_DEPTH.
 */
function fast(value: unknown, depth: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      // For finite numbers JSON.stringify is Number::toString, which String() is too.
      return Number.isFinite(value) ? String(value) : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return 'null';
  if (depth > FAST_DEPTH) return undefined;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined) return undefined;
      const text = fast(item, depth + 1);
      if (text === undefined) return undefined;
      out += i === 0 ? text : `,${text}`;
    }
    return `${out}]`;
  }
  if (!isPlainObject(value)) return undefined;
  const record = value;
  const keys = sortedKeys(record);
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    const name = quote(key);
    if (name === undefined) return undefined;
    const text = fast(item, depth + 1);
    if (text === undefined) return undefined;
    out += `${first ? '' : ','}${name}:${text}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * True for an object as JSON.parse, a literal or Object.create(null) makes it: not an array, not a
 * class instance (whose prototype canonical encoding refuses).
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The canonical (RFC 8785) JSON text of `value`. */
export function canonicalString(value: unknown): string {
  const text = fast(value, 0);
  if (text !== undefined) return text;
  const out: string[] = [];
  write(value, '$', new Set(), out);
  return out.join('');
}

/** The canonical (RFC 8785) UTF-8 bytes of `value`: what BSN hashes and signs. */
export function canonicalEncode(value: unknown): Uint8Array {
  return utf8(canonicalString(value));
}

/**
 * Parses canonical bytes back into a value, and rejects input that is not valid JSON or is not in
 * canonical form (so two different byte strings can never stand for one signed value).
 */
export function canonicalDecode(bytes: Uint8Array): JsonValue {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new BsnError('BSN_ENCODING_INVALID', 'input is not valid UTF-8', { cause });
  }
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (cause) {
    throw new BsnError('BSN_ENCODING_INVALID', 'input is not valid JSON', { cause });
  }
  if (canonicalString(value) !== text) {
    throw new BsnError('BSN_ENCODING_INVALID', 'input is JSON but not in canonical (RFC 8785) form');
  }
  return value;
}
