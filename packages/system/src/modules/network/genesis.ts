/** The genesis configuration of the system chain: the argument of `init`. */
import { type Static, Type } from '@sinclair/typebox';
import { CertificatePem, Fingerprint, NodeId } from '../../identifiers.js';
import { PolicyFields } from '../governance/actions.js';
import { OrganisationInput, PcnInput, PortalInput } from '../membership/actions.js';

/** Schema of {@link SystemGenesisConfig}. */
export const SystemGenesisConfigSchema = Type.Object(
  {
    networkId: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }),
    /** The network root CA certificate (self-signed). */
    rootCertPem: CertificatePem,
    /** Certificate fingerprints of the network admins; the `init` signer must be one of them. */
    admins: Type.Array(Fingerprint, { minItems: 1, maxItems: 100, uniqueItems: true }),
    /** Distinct admin approvals a governance action needs (1 in the dev network). */
    threshold: Type.Integer({ minimum: 1, maximum: 100 }),
    policy: Type.Object(
      {
        serviceApproval: PolicyFields.serviceApproval,
        proposalTtlBlocks: Type.Optional(PolicyFields.proposalTtlBlocks),
      },
      { additionalProperties: false },
    ),
    pcns: Type.Array(PcnInput, { minItems: 1, maxItems: 256 }),
    orderer: Type.Object({ id: NodeId, certPem: CertificatePem }, { additionalProperties: false }),
    /** Organisations admitted at genesis (typically the network operator's own). */
    organisations: Type.Optional(Type.Array(OrganisationInput, { maxItems: 256 })),
    portals: Type.Optional(Type.Array(PortalInput, { maxItems: 64 })),
  },
  { additionalProperties: false },
);

/** The system chain's genesis configuration, passed to `init` in the chain's first transaction. */
export type SystemGenesisConfig = Static<typeof SystemGenesisConfigSchema>;
