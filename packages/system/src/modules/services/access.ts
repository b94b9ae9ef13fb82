/**
 * Pure functions over a service record that the node and the gateway use to answer "may this
 * caller call this method?" and "which code runs?". No state access: give them the record
 * returned by `getService` (or read from the system chain's state with a proof).
 */
import type { ServiceRecord } from './state.js';

/** The chain id of a service: `svc-<name>`. */
export function serviceChainId(name: string): string {
  return `svc-${name}`;
}

/** The methods users of `org` acting as `role` may call (`*` stands for every method). Ignores status. */
export function allowedMethodsFor(
  service: Pick<ServiceRecord, 'participants' | 'roles'>,
  org: string,
  role: string,
): string[] {
  const participant = Object.hasOwn(service.participants, org) ? service.participants[org] : undefined;
  if (!participant) return [];
  if (participant.roles !== null && !participant.roles.includes(role)) return [];
  return Object.hasOwn(service.roles, role) ? [...(service.roles[role] ?? [])] : [];
}

/** Why a call is refused, or that it is allowed. */
export type MethodAccess =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly code: 'BSN_SYSTEM_SERVICE_NOT_ACTIVE' | 'BSN_SYSTEM_METHOD_NOT_ALLOWED';
      readonly message: string;
    };

/** Decides whether users of `org` acting as `role` may call `method` of an active service. */
export function checkMethodAccess(
  service: Pick<ServiceRecord, 'name' | 'status' | 'participants' | 'roles'>,
  org: string,
  role: string,
  method: string,
): MethodAccess {
  if (service.status !== 'active') {
    return {
      ok: false,
      code: 'BSN_SYSTEM_SERVICE_NOT_ACTIVE',
      message: `service "${service.name}" is ${service.status}, not active`,
    };
  }
  const allowed = allowedMethodsFor(service, org, role);
  if (allowed.includes('*') || allowed.includes(method)) return { ok: true };
  return {
    ok: false,
    code: 'BSN_SYSTEM_METHOD_NOT_ALLOWED',
    message: `role "${role}" of organisation "${org}" may not call "${method}" of service "${service.name}"`,
  };
}

/** True when users of `org` acting as `role` may call `method` of the (active) service. */
export function isMethodAllowed(
  service: Pick<ServiceRecord, 'name' | 'status' | 'participants' | 'roles'>,
  org: string,
  role: string,
  method: string,
): boolean {
  return checkMethodAccess(service, org, role, method).ok;
}

/**
 * The contract version in force at system-chain height `systemHeight`: the last version whose
 * `fromSystemHeight` is at or below it, or undefined before the service existed.
 */
export function contractVersionAt(
  service: Pick<ServiceRecord, 'versions'>,
  systemHeight: number,
): ServiceRecord['versions'][number] | undefined {
  let found: ServiceRecord['versions'][number] | undefined;
  for (const v of service.versions) if (v.fromSystemHeight <= systemHeight) found = v;
  return found;
}
