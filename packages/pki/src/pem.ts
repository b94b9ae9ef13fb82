/**
 * Strict PEM framing for certificates and CSRs: exactly one block of the expected label, canonical
 * base64 and a DER body with no trailing bytes. Hostile input (two certificates glued together,
 * text around the block, a truncated body) is refused here, before any ASN.1 parser sees it.
 */
import { BsnError } from '@bsn/core';
import { MAX_PEM_LENGTH } from './profile.js';

/** Decodes one PEM block labelled `label`; throws `code` (BSN_PKI_CERT_MALFORMED by default) with the reason. */
export function decodePem(text: unknown, label: string, code = 'BSN_PKI_CERT_MALFORMED'): Buffer {
  const what = label.toLowerCase();
  if (typeof text !== 'string') throw new BsnError(code, `${what} must be a PEM string`);
  if (text.length > MAX_PEM_LENGTH) {
    throw new BsnError(code, `${what} PEM is longer than ${MAX_PEM_LENGTH} characters`, {
      details: { length: text.length, max: MAX_PEM_LENGTH },
    });
  }
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  const trimmed = text.trim();
  if (!trimmed.startsWith(begin) || !trimmed.endsWith(end)) {
    throw new BsnError(code, `${what} must be one PEM block "${begin}" … "${end}" with nothing around it`);
  }
  const body = trimmed.slice(begin.length, trimmed.length - end.length);
  if (body.includes('-----'))
    throw new BsnError(code, `expected exactly one ${what}, found several PEM blocks`);
  const b64 = body.replace(/[\r\n\t ]/g, '');
  if (b64.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) {
    throw new BsnError(code, `${what} PEM body is not valid base64`);
  }
  const der = Buffer.from(b64, 'base64');
  const tlv = derTlvLength(der);
  if (tlv === undefined || der[0] !== 0x30) throw new BsnError(code, `${what} is not a DER SEQUENCE`);
  if (tlv !== der.length) {
    throw new BsnError(code, `${what} DER has ${der.length - tlv} trailing or missing bytes`, {
      details: { declared: tlv, actual: der.length },
    });
  }
  return der;
}

/** PEM text of `der` with 64-character lines and a final newline. */
export function encodePem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Total length (header + content) of the DER TLV at the start of `der`, or undefined when the header is malformed. */
function derTlvLength(der: Uint8Array): number | undefined {
  if (der.length < 2) return undefined;
  const first = der[1]!;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || der.length < 2 + n) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + der[2 + i]!;
  return 2 + n + len;
}

/** DER encoding of a UTF8String (the value of BSN's private extensions). */
export function encodeUtf8String(text: string): Uint8Array {
  const body = Buffer.from(text, 'utf8');
  const len = body.length;
  const header =
    len < 0x80
      ? [0x0c, len]
      : len < 0x100
        ? [0x0c, 0x81, len]
        : len < 0x10000
          ? [0x0c, 0x82, len >> 8, len & 0xff]
          : undefined;
  if (!header) throw new BsnError('BSN_INVALID_ARGUMENT', 'extension value is longer than 65535 bytes');
  return new Uint8Array([...header, ...body]);
}

/** Decodes a DER UTF8String; undefined when `der` is anything else. */
export function decodeUtf8String(der: Uint8Array): string | undefined {
  if (der[0] !== 0x0c) return undefined;
  const tlv = derTlvLength(der);
  if (tlv !== der.length) return undefined;
  const headerLength = der[1]! < 0x80 ? 2 : 2 + (der[1]! & 0x7f);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(der.subarray(headerLength));
  } catch {
    return undefined;
  }
}
