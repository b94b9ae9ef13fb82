/**
 * Subject names and host names as the BSN profile writes them: UTF8String CN/O/OU in the
 * conventional DER order (O, OU, CN), each checked before it reaches the ASN.1 encoder.
 */
import { isIP } from 'node:net';
import { BsnError } from '@bsn/core';
import { type JsonNameParams, Name } from '@peculiar/x509';
import { MAX_NAME_LENGTH } from './profile.js';

// Control characters would let a name print as something else in logs and DN text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Throws BSN_INVALID_ARGUMENT unless `value` is a 1–64 character string without control characters
 * or surrounding white space (so `alice` and `alice ` cannot be two identities that print alike).
 */
export function validateName(value: unknown, field: string): asserts value is string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > MAX_NAME_LENGTH ||
    CONTROL.test(value) ||
    value.trim() !== value
  ) {
    throw new BsnError(
      'BSN_INVALID_ARGUMENT',
      `${field} must be a string of 1 to ${MAX_NAME_LENGTH} characters without control characters or surrounding spaces`,
      { details: { field } },
    );
  }
}

/**
 * The subject DN O, OU (when given), CN, each a UTF8String. The object form matters: the library's
 * string form unescapes and unquotes values, which would turn `a, "b"` into `b`.
 */
export function subjectName(commonName: string, organization: string, role?: string): Name {
  const name: JsonNameParams = [{ O: [{ utf8String: organization }] }];
  if (role !== undefined) name.push({ OU: [{ utf8String: role }] });
  name.push({ CN: [{ utf8String: commonName }] });
  return new Name(name);
}

const DNS_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Most subjectAltName entries a node certificate carries. */
export const MAX_HOSTS = 64;

/** Splits `hosts` into DNS names and IP addresses; throws BSN_INVALID_ARGUMENT naming the bad entry. */
export function parseHosts(hosts: unknown): { type: 'dns' | 'ip'; value: string }[] {
  if (!Array.isArray(hosts) || hosts.length === 0 || hosts.length > MAX_HOSTS) {
    throw new BsnError(
      'BSN_INVALID_ARGUMENT',
      `hosts must list 1 to ${MAX_HOSTS} DNS names or IP addresses`,
      {
        details: { field: 'hosts' },
      },
    );
  }
  const out: { type: 'dns' | 'ip'; value: string }[] = [];
  const seen = new Set<string>();
  for (const [i, host] of hosts.entries()) {
    if (typeof host !== 'string') {
      throw new BsnError('BSN_INVALID_ARGUMENT', `hosts[${i}] must be a string`, {
        details: { field: `hosts[${i}]` },
      });
    }
    const type = isIP(host) !== 0 ? 'ip' : DNS_NAME.test(host) ? 'dns' : undefined;
    if (!type) {
      throw new BsnError(
        'BSN_INVALID_ARGUMENT',
        `hosts[${i}] "${host.slice(0, 100)}" is neither a DNS name nor an IP address`,
        {
          details: { field: `hosts[${i}]` },
        },
      );
    }
    const value = type === 'dns' ? host.toLowerCase() : host;
    if (seen.has(value)) continue;
    seen.add(value);
    out.push({ type, value });
  }
  return out;
}
