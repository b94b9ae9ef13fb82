/**
 * A strict, minimal DER reader: exactly the TLV walking certificate parsing needs, with every
 * length checked against its enclosing element and only minimal (DER) length encodings accepted.
 * It exists because chain verification runs for every transaction and the general ASN.1 stack
 * under @peculiar/x509 costs about a millisecond per certificate; this costs a few microseconds.
 */

/** Thrown for any structural defect; the certificate parser turns it into BSN_PKI_CERT_MALFORMED. */
export class DerError extends Error {
  override readonly name = 'DerError';
}

/** One DER element: its tag byte and where its content lies in the buffer. */
export interface Tlv {
  readonly tag: number;
  /** Offset of the first header byte. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset just past the content. */
  readonly end: number;
}

/** Well-known tags. */
export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  teletexString: 0x14,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  universalString: 0x1c,
  bmpString: 0x1e,
  sequence: 0x30,
  set: 0x31,
} as const;

/** Reads the element at `offset`, which must end by `limit`. */
export function readTlv(buf: Uint8Array, offset: number, limit: number = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerError('element header runs past its container');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used in certificates');
  const first = buf[offset + 1]!;
  let length: number;
  let header: number;
  if (first < 0x80) {
    length = first;
    header = 2;
  } else {
    const n = first & 0x7f;
    if (n === 0) throw new DerError('indefinite length is not DER');
    if (n > 3) throw new DerError('element longer than 16 MiB');
    if (offset + 2 + n > limit) throw new DerError('length bytes run past the container');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[offset + 2 + i]!;
    if (buf[offset + 2]! === 0 || length < 0x80) throw new DerError('length is not minimally encoded');
    header = 2 + n;
  }
  const end = offset + header + length;
  if (end > limit) throw new DerError('element runs past its container');
  return { tag, start: offset, contentStart: offset + header, end };
}

/** Reads an element at `offset` and checks its tag. */
export function expectTlv(buf: Uint8Array, offset: number, limit: number, tag: number, what: string): Tlv {
  const tlv = readTlv(buf, offset, limit);
  if (tlv.tag !== tag)
    throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${tlv.tag.toString(16)}`);
  return tlv;
}

/** The children of a constructed element, in order. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let at = parent.contentStart;
  while (at < parent.end) {
    const child = readTlv(buf, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

/** Content bytes of an element (a view, not a copy). */
export function content(buf: Uint8Array, tlv: Tlv): Uint8Array {
  return buf.subarray(tlv.contentStart, tlv.end);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const UTF16BE = new TextDecoder('utf-16be', { fatal: true });
/** Decoded OIDs by their content bytes: certificates repeat the same few dozen. */
const OID_CACHE = new Map<string, string>();

/** Dotted text of an OBJECT IDENTIFIER element. */
export function readOid(buf: Uint8Array, tlv: Tlv): string {
  if (tlv.tag !== TAG.oid) throw new DerError('expected an OBJECT IDENTIFIER');
  const bytes = content(buf, tlv);
  const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const known = OID_CACHE.get(key);
  if (known !== undefined) return known;
  const text = decodeOid(bytes);
  if (OID_CACHE.size < 1024) OID_CACHE.set(key, text);
  return text;
}

function decodeOid(bytes: Uint8Array): string {
  if (bytes.length === 0 || bytes[bytes.length - 1]! & 0x80)
    throw new DerError('OBJECT IDENTIFIER is truncated');
  const arcs: (number | bigint)[] = [];
  let value = 0n;
  let fresh = true;
  for (const b of bytes) {
    if (fresh && b === 0x80) throw new DerError('OBJECT IDENTIFIER arc is not minimally encoded');
    value = (value << 7n) | BigInt(b & 0x7f);
    fresh = false;
    if ((b & 0x80) === 0) {
      arcs.push(value);
      value = 0n;
      fresh = true;
    }
  }
  const firstArc = arcs[0] as bigint;
  const head = firstArc < 40n ? [0n, firstArc] : firstArc < 80n ? [1n, firstArc - 40n] : [2n, firstArc - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

/** A BOOLEAN element's value (DER: 0x00 or 0xff only). */
export function readBoolean(buf: Uint8Array, tlv: Tlv): boolean {
  const bytes = content(buf, tlv);
  if (tlv.tag !== TAG.boolean || bytes.length !== 1 || (bytes[0] !== 0 && bytes[0] !== 0xff)) {
    throw new DerError('BOOLEAN is not DER');
  }
  return bytes[0] === 0xff;
}

/** A small non-negative INTEGER (path lengths). */
export function readSmallInteger(buf: Uint8Array, tlv: Tlv): number {
  const bytes = content(buf, tlv);
  if (tlv.tag !== TAG.integer || bytes.length === 0 || bytes.length > 4)
    throw new DerError('INTEGER out of range');
  if (bytes[0]! & 0x80) throw new DerError('negative INTEGER');
  if (bytes.length > 1 && bytes[0] === 0 && !(bytes[1]! & 0x80))
    throw new DerError('INTEGER is not minimally encoded');
  let n = 0;
  for (const b of bytes) n = n * 256 + b;
  return n;
}

/** Content of a BIT STRING with no unused bits (signatures, keys). */
export function readBitStringBytes(buf: Uint8Array, tlv: Tlv): Uint8Array {
  const bytes = content(buf, tlv);
  if (tlv.tag !== TAG.bitString || bytes.length === 0 || bytes[0] !== 0)
    throw new DerError('BIT STRING has unused bits');
  return bytes.subarray(1);
}

/** The bits of a named-bit BIT STRING (key usage) as a number, bit 0 = the first named bit. */
export function readNamedBits(buf: Uint8Array, tlv: Tlv): number {
  const bytes = content(buf, tlv);
  if (tlv.tag !== TAG.bitString || bytes.length === 0 || bytes[0]! > 7 || bytes.length > 3) {
    throw new DerError('named BIT STRING is malformed');
  }
  let bits = 0;
  for (let i = 1; i < bytes.length; i++) {
    for (let j = 0; j < 8; j++) if (bytes[i]! & (0x80 >> j)) bits |= 1 << ((i - 1) * 8 + j);
  }
  return bits;
}

/** Decodes a directory string (UTF8, Printable, IA5, Teletex as Latin-1, BMP, Universal). */
export function readString(buf: Uint8Array, tlv: Tlv): string {
  const bytes = content(buf, tlv);
  switch (tlv.tag) {
    case TAG.utf8String:
      try {
        return UTF8.decode(bytes);
      } catch {
        throw new DerError('UTF8String is not valid UTF-8');
      }
    case TAG.printableString:
    case TAG.ia5String:
      for (const b of bytes) if (b > 0x7f) throw new DerError('ASCII string has non-ASCII bytes');
      return Buffer.from(bytes).toString('latin1');
    case TAG.teletexString:
      return Buffer.from(bytes).toString('latin1');
    case TAG.bmpString: {
      if (bytes.length % 2) throw new DerError('BMPString has an odd length');
      return UTF16BE.decode(bytes);
    }
    case TAG.universalString: {
      if (bytes.length % 4) throw new DerError('UniversalString length is not a multiple of 4');
      let out = '';
      for (let i = 0; i < bytes.length; i += 4) {
        const cp = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
        if (cp > 0x10ffff) throw new DerError('UniversalString code point out of range');
        out += String.fromCodePoint(cp);
      }
      return out;
    }
    default:
      throw new DerError(`tag 0x${tlv.tag.toString(16)} is not a string type`);
  }
}

/** UTCTime or GeneralizedTime (whole seconds, Z) as ms since epoch. */
export function readTime(buf: Uint8Array, tlv: Tlv): number {
  const text = Buffer.from(content(buf, tlv)).toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  if (tlv.tag === TAG.utcTime) {
    m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
    if (!m) throw new DerError('UTCTime is not YYMMDDHHMMSSZ');
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (tlv.tag === TAG.generalizedTime) {
    m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
    if (!m) throw new DerError('GeneralizedTime is not YYYYMMDDHHMMSSZ');
    year = Number(m[1]);
    // Date.UTC maps years below 100 into the 1900s; no certificate of this network dates from then.
    if (year < 1950) throw new DerError('GeneralizedTime before 1950');
  } else {
    throw new DerError('expected a UTCTime or GeneralizedTime');
  }
  const [mo, d, h, mi, s] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(year, mo - 1, d, h, mi, s);
  const check = new Date(ms);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new DerError(`time ${text} is not a calendar time`);
  }
  return ms;
}
