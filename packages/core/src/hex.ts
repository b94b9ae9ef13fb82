import { BsnError } from './errors.js';

/** Lower-case hexadecimal of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Bytes of a hexadecimal string (even length, 0-9a-fA-F only); throws BSN_HEX_INVALID otherwise. */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new BsnError('BSN_HEX_INVALID', 'expected an even-length hexadecimal string', {
      details: { length: typeof hex === 'string' ? hex.length : null },
    });
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** True when two byte arrays are equal (not constant-time; use only on public data). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Concatenation of byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}
