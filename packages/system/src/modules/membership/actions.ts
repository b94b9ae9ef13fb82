/**
 * Governance actions of the membership module: admitting and removing PCNs, organisations and
 * portals. They run only through `propose`/`approve` (or in genesis `init`).
 */
import { type ContractContext, ContractError } from '@bsn/ledger';
import { type Static, Type } from '@sinclair/typebox';
import { assertIssuedBy, assertValidAt } from '../../certificate-pem.js';
import { SystemErrorCode } from '../../errors.js';
import { CertificatePem, EndpointUrl, HttpUrl, Label, NodeId, OrgId } from '../../identifiers.js';
import { defineAction } from '../governance/action.js';
import { requireNetwork } from '../network/state.js';
import { readServiceNamesOfPcn } from '../services/state.js';
import {
  ORGANISATION_ADMITTED,
  ORGANISATION_REMOVED,
  PCN_ADMITTED,
  PCN_REMOVED,
  PCN_UPDATED,
  PORTAL_ADMITTED,
  PORTAL_REMOVED,
} from './events.js';
import {
  readOrganisation,
  readPcn,
  readPortal,
  requireActiveOrganisation,
  writeOrganisation,
  writePcn,
  writePortal,
} from './state.js';

/** A PCN as proposed for admission. */
export const PcnInput = Type.Object(
  { id: NodeId, certPem: CertificatePem, gateway: HttpUrl, p2p: EndpointUrl },
  { additionalProperties: false },
);
/** An organisation as proposed for admission. */
export const OrganisationInput = Type.Object(
  { id: OrgId, name: Label, caCertPem: CertificatePem },
  { additionalProperties: false },
);
/** A portal as proposed for admission. */
export const PortalInput = Type.Object(
  { id: NodeId, org: OrgId, url: HttpUrl, certPem: CertificatePem },
  { additionalProperties: false },
);

function alreadyExists(kind: string, id: string): ContractError {
  return new ContractError(SystemErrorCode.ALREADY_EXISTS, `${kind} "${id}" already exists`, {
    details: { kind, id },
  });
}

function notFound(kind: string, id: string): ContractError {
  return new ContractError(SystemErrorCode.NOT_FOUND, `${kind} "${id}" does not exist`, {
    details: { kind, id },
  });
}

function alreadyRemoved(kind: string, id: string): ContractError {
  return new ContractError(SystemErrorCode.CONFLICT, `${kind} "${id}" was already removed`, {
    details: { kind, id },
  });
}

/** Checks a PCN for admission (unique id, certificate valid at block time). */
export function checkAdmitPcn(
  ctx: ContractContext,
  pcn: Static<typeof PcnInput>,
  field = 'action.pcn',
): void {
  if (readPcn(ctx.state, pcn.id)) throw alreadyExists('PCN', pcn.id);
  assertValidAt(pcn.certPem, `${field}.certPem`, ctx.tx.time);
}

/** Stores an admitted PCN. */
export function applyAdmitPcn(
  ctx: ContractContext,
  pcn: Static<typeof PcnInput>,
  field = 'action.pcn',
): void {
  const { fingerprint } = assertValidAt(pcn.certPem, `${field}.certPem`, ctx.tx.time);
  writePcn(ctx.state, {
    ...pcn,
    fingerprint,
    status: 'active',
    admittedAt: ctx.tx.height,
    updatedAt: ctx.tx.height,
  });
  ctx.emit(PCN_ADMITTED, { id: pcn.id, fingerprint, gateway: pcn.gateway, p2p: pcn.p2p });
}

/** Checks an organisation for admission: its CA certificate is a CA, issued by the root, named after the id. */
export function checkAdmitOrganisation(
  ctx: ContractContext,
  org: Static<typeof OrganisationInput>,
  field = 'action.organisation',
): void {
  if (readOrganisation(ctx.state, org.id)) throw alreadyExists('organisation', org.id);
  const network = requireNetwork(ctx.state);
  const facts = assertValidAt(org.caCertPem, `${field}.caCertPem`, ctx.tx.time);
  if (!facts.isCa) {
    throw new ContractError(
      SystemErrorCode.CERT_INVALID,
      `certificate "${field}.caCertPem": not a CA certificate`,
      {
        details: { field: `${field}.caCertPem`, problem: 'not a CA certificate' },
      },
    );
  }
  // Callers are matched to organisations by the O attribute of their certificates, so the CA
  // that issues them must carry the same O, or it could issue certificates for another org.
  if (facts.organization !== org.id) {
    throw new ContractError(
      SystemErrorCode.CERT_INVALID,
      `certificate "${field}.caCertPem": subject O "${facts.organization}" differs from the organisation id "${org.id}"`,
      { details: { field: `${field}.caCertPem`, problem: 'organisation mismatch' } },
    );
  }
  assertIssuedBy(org.caCertPem, `${field}.caCertPem`, network.rootCertPem);
}

/** Stores an admitted organisation. */
export function applyAdmitOrganisation(
  ctx: ContractContext,
  org: Static<typeof OrganisationInput>,
  field = 'action.organisation',
): void {
  const { fingerprint } = assertValidAt(org.caCertPem, `${field}.caCertPem`, ctx.tx.time);
  writeOrganisation(ctx.state, {
    ...org,
    caFingerprint: fingerprint,
    status: 'active',
    admittedAt: ctx.tx.height,
    updatedAt: ctx.tx.height,
  });
  ctx.emit(ORGANISATION_ADMITTED, { id: org.id, caFingerprint: fingerprint });
}

/** Checks a portal for admission (unique id, active operating organisation, valid certificate). */
export function checkAdmitPortal(
  ctx: ContractContext,
  portal: Static<typeof PortalInput>,
  field = 'action.portal',
): void {
  if (readPortal(ctx.state, portal.id)) throw alreadyExists('portal', portal.id);
  requireActiveOrganisation(ctx.state, portal.org);
  assertValidAt(portal.certPem, `${field}.certPem`, ctx.tx.time);
}

/** Stores an admitted portal. */
export function applyAdmitPortal(
  ctx: ContractContext,
  portal: Static<typeof PortalInput>,
  field = 'action.portal',
): void {
  const { fingerprint } = assertValidAt(portal.certPem, `${field}.certPem`, ctx.tx.time);
  writePortal(ctx.state, {
    ...portal,
    fingerprint,
    status: 'active',
    admittedAt: ctx.tx.height,
    updatedAt: ctx.tx.height,
  });
  ctx.emit(PORTAL_ADMITTED, { id: portal.id, org: portal.org, url: portal.url, fingerprint });
}

const AdmitPcn = Type.Object(
  { type: Type.Literal('admitPcn'), pcn: PcnInput },
  { additionalProperties: false },
);
const UpdatePcn = Type.Object(
  {
    type: Type.Literal('updatePcn'),
    id: NodeId,
    certPem: Type.Optional(CertificatePem),
    gateway: Type.Optional(HttpUrl),
    p2p: Type.Optional(EndpointUrl),
  },
  { additionalProperties: false },
);
const RemovePcn = Type.Object(
  { type: Type.Literal('removePcn'), id: NodeId },
  { additionalProperties: false },
);
const AdmitOrganisation = Type.Object(
  { type: Type.Literal('admitOrganisation'), organisation: OrganisationInput },
  { additionalProperties: false },
);
const RemoveOrganisation = Type.Object(
  { type: Type.Literal('removeOrganisation'), id: OrgId },
  { additionalProperties: false },
);
const AdmitPortal = Type.Object(
  { type: Type.Literal('admitPortal'), portal: PortalInput },
  { additionalProperties: false },
);
const RemovePortal = Type.Object(
  { type: Type.Literal('removePortal'), id: NodeId },
  { additionalProperties: false },
);

/** Membership actions, by type. */
export const membershipActions = [
  defineAction({
    type: 'admitPcn',
    schema: AdmitPcn,
    check: (ctx, a) => checkAdmitPcn(ctx, a.pcn),
    apply: (ctx, a) => {
      applyAdmitPcn(ctx, a.pcn);
      return { id: a.pcn.id };
    },
  }),
  defineAction({
    type: 'updatePcn',
    schema: UpdatePcn,
    check: (ctx, a) => {
      const pcn = readPcn(ctx.state, a.id);
      if (!pcn) throw notFound('PCN', a.id);
      if (pcn.status !== 'active') throw alreadyRemoved('PCN', a.id);
      if (a.certPem !== undefined) assertValidAt(a.certPem, 'action.certPem', ctx.tx.time);
    },
    apply: (ctx, a) => {
      const pcn = readPcn(ctx.state, a.id)!;
      const certPem = a.certPem ?? pcn.certPem;
      const fingerprint =
        a.certPem === undefined
          ? pcn.fingerprint
          : assertValidAt(certPem, 'action.certPem', ctx.tx.time).fingerprint;
      const updated = {
        ...pcn,
        certPem,
        fingerprint,
        gateway: a.gateway ?? pcn.gateway,
        p2p: a.p2p ?? pcn.p2p,
        updatedAt: ctx.tx.height,
      };
      writePcn(ctx.state, updated);
      ctx.emit(PCN_UPDATED, { id: a.id, fingerprint, gateway: updated.gateway, p2p: updated.p2p });
      return { id: a.id };
    },
  }),
  defineAction({
    type: 'removePcn',
    schema: RemovePcn,
    check: (ctx, a) => {
      const pcn = readPcn(ctx.state, a.id);
      if (!pcn) throw notFound('PCN', a.id);
      if (pcn.status !== 'active') throw alreadyRemoved('PCN', a.id);
      // A service's data lives only on its PCNs: removing one that still hosts a service would
      // silently drop a replica, so the services must move first.
      const services = readServiceNamesOfPcn(ctx.state, a.id);
      if (services.length > 0) {
        throw new ContractError(
          SystemErrorCode.CONFLICT,
          `PCN "${a.id}" still hosts ${services.length} service(s): ${services.slice(0, 10).join(', ')}`,
          { details: { id: a.id, services } },
        );
      }
    },
    apply: (ctx, a) => {
      writePcn(ctx.state, { ...readPcn(ctx.state, a.id)!, status: 'removed', updatedAt: ctx.tx.height });
      ctx.emit(PCN_REMOVED, { id: a.id });
      return { id: a.id };
    },
  }),
  defineAction({
    type: 'admitOrganisation',
    schema: AdmitOrganisation,
    check: (ctx, a) => checkAdmitOrganisation(ctx, a.organisation),
    apply: (ctx, a) => {
      applyAdmitOrganisation(ctx, a.organisation);
      return { id: a.organisation.id };
    },
  }),
  defineAction({
    type: 'removeOrganisation',
    schema: RemoveOrganisation,
    check: (ctx, a) => {
      const org = readOrganisation(ctx.state, a.id);
      if (!org) throw notFound('organisation', a.id);
      if (org.status !== 'active') throw alreadyRemoved('organisation', a.id);
    },
    apply: (ctx, a) => {
      writeOrganisation(ctx.state, {
        ...readOrganisation(ctx.state, a.id)!,
        status: 'removed',
        updatedAt: ctx.tx.height,
      });
      ctx.emit(ORGANISATION_REMOVED, { id: a.id });
      return { id: a.id };
    },
  }),
  defineAction({
    type: 'admitPortal',
    schema: AdmitPortal,
    check: (ctx, a) => checkAdmitPortal(ctx, a.portal),
    apply: (ctx, a) => {
      applyAdmitPortal(ctx, a.portal);
      return { id: a.portal.id };
    },
  }),
  defineAction({
    type: 'removePortal',
    schema: RemovePortal,
    check: (ctx, a) => {
      const portal = readPortal(ctx.state, a.id);
      if (!portal) throw notFound('portal', a.id);
      if (portal.status !== 'active') throw alreadyRemoved('portal', a.id);
    },
    apply: (ctx, a) => {
      writePortal(ctx.state, {
        ...readPortal(ctx.state, a.id)!,
        status: 'removed',
        updatedAt: ctx.tx.height,
      });
      ctx.emit(PORTAL_REMOVED, { id: a.id });
      return { id: a.id };
    },
  }),
];
