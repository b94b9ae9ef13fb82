/**
 * Schemas of the identifiers the system chain stores. Ids become parts of state keys
 * (`pcn/<id>`), so none may contain `/`; their patterns are part of the protocol.
 */
import { Type } from '@sinclair/typebox';

/** Lower-case hex SHA-256 fingerprint of a certificate's DER encoding. */
export const Fingerprint = Type.String({ pattern: '^[0-9a-f]{64}$' });
/** Lower-case hex SHA-256 digest (code hashes, bundle hashes). */
export const Sha256Hex = Type.String({ pattern: '^[0-9a-f]{64}$' });
/** A PCN or portal id: lower-case letters, digits and `-`. */
export const NodeId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' });
/** An organisation id: exactly the `O` attribute of the organisation's certificates. */
export const OrgId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' });
/** A service name; the service's chain is `svc-<name>`. */
export const ServiceName = Type.String({ pattern: '^[a-z][a-z0-9-]{1,39}$' });
/** A role name (the `OU` / role attribute of user certificates). */
export const RoleName = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,31}$' });
/** A contract method name, or `*` for every method. */
export const MethodPattern = Type.String({ pattern: '^(\\*|[A-Za-z][A-Za-z0-9_.-]{0,63})$' });
/** A PEM certificate (parsed and checked by the contract, not just by the schema). */
export const CertificatePem = Type.String({
  minLength: 64,
  maxLength: 16_384,
  pattern: '-----BEGIN CERTIFICATE-----',
});
/** An HTTP(S) URL (a PCN gateway or a portal). */
export const HttpUrl = Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 512 });
/** Any URL with a scheme (a PCN's peer-to-peer endpoint, e.g. `tls://host:7051`). */
export const EndpointUrl = Type.String({ pattern: '^[a-z][a-z0-9+.-]*://[^\\s]+$', maxLength: 512 });
/** Free text shown to people (reasons, names). */
export const Label = Type.String({ minLength: 1, maxLength: 256 });
/** A positive block height. */
export const Height = Type.Integer({ minimum: 1 });
/** A page size for list queries. */
export const PageLimit = Type.Integer({ minimum: 1, maximum: 1000 });
