/**
 * TypeBox schemas of everything that crosses the gateway's HTTP boundary: the protocol structures of
 * `@bsn/core` in their JSON form, and each route's params, query, body and response.
 *
 * These are the single source of truth: the gateway validates and serialises with them (Fastify
 * takes TypeBox schemas as they are), the SDK types its answers with their `Static` types, and
 * {@link openApiDocument} publishes them. Each named schema carries a `title`, which becomes its
 * name under `components.schemas` in the OpenAPI document (titles, unlike `$id`s, can be embedded
 * in many route schemas without the validator complaining about duplicate ids).
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

/** A 32-byte hash as 64 lower-case hex characters. */
export const HashSchema = Type.String({
  title: 'Hash',
  pattern: '^[0-9a-f]{64}$',
  description: '32 bytes, lower-case hex',
});

/** A 64-byte signature (ECDSA P-256 r‖s low-S, or Ed25519) as 128 lower-case hex characters. */
export const SignatureHexSchema = Type.String({
  title: 'SignatureHex',
  pattern: '^[0-9a-f]{128}$',
  description: '64-byte signature, lower-case hex (ECDSA P-256 IEEE P1363 low-S, or Ed25519)',
});

/** An X.509 certificate in PEM. */
export const CertificatePemSchema = Type.String({
  title: 'CertificatePem',
  minLength: 1,
  maxLength: 16384,
  pattern: '-----BEGIN CERTIFICATE-----',
  description: 'X.509 certificate, PEM',
});

/** A chain id: the system chain is `system`, a service chain's id comes from the service registry. */
export const ChainIdSchema = Type.String({
  title: 'ChainId',
  pattern: '^[a-z][a-z0-9-]{0,63}$',
  description: 'chain id (`system`, or a service chain such as `svc-notary`)',
});

/** A block height (heights start at 1). */
export const HeightSchema = Type.Integer({
  title: 'Height',
  minimum: 1,
  description: 'block height, from 1',
});

/** Any JSON value (contract arguments, results, state values, event data). */
export const JsonValueSchema = Type.Unknown({ title: 'JsonValue', description: 'any JSON value' });

// ---------------------------------------------------------------------------------------------
// Protocol structures (see packages/core/src/protocol.ts)
// ---------------------------------------------------------------------------------------------

/** What a client asks a chain to do; signed over its canonical encoding. */
export const TransactionPayloadSchema = Type.Object(
  {
    chain: ChainIdSchema,
    contract: Type.String({ minLength: 1, maxLength: 128 }),
    method: Type.String({ minLength: 1, maxLength: 128 }),
    args: Type.Array(JsonValueSchema, { maxItems: 256 }),
    nonce: Type.String({ minLength: 1, maxLength: 64 }),
    expires: Type.Integer({ minimum: 0, description: 'ms since the Unix epoch' }),
    signer: CertificatePemSchema,
  },
  { title: 'TransactionPayload', additionalProperties: false },
);

/** A signed transaction envelope: the body of submit and of query. */
export const SignedTransactionSchema = Type.Object(
  { payload: TransactionPayloadSchema, signature: SignatureHexSchema },
  { title: 'SignedTransaction', additionalProperties: false },
);

/** A block header as the orderer signed it. */
export const BlockHeaderSchema = Type.Object(
  {
    chain: ChainIdSchema,
    height: HeightSchema,
    prevHash: HashSchema,
    txRoot: HashSchema,
    time: Type.Integer({ minimum: 0 }),
    orderer: Type.String({ minLength: 1 }),
  },
  { title: 'BlockHeader', additionalProperties: false },
);

/** An ordered block. */
export const BlockSchema = Type.Object(
  { header: BlockHeaderSchema, signature: SignatureHexSchema, txs: Type.Array(SignedTransactionSchema) },
  { title: 'Block', additionalProperties: false },
);

/** An event a contract emitted. */
export const ContractEventSchema = Type.Object(
  { contract: Type.String(), name: Type.String(), data: JsonValueSchema },
  { title: 'ContractEvent', additionalProperties: false },
);

/** The outcome of one transaction. */
export const ReceiptSchema = Type.Object(
  {
    txId: HashSchema,
    status: Type.Union([Type.Literal('ok'), Type.Literal('failed')]),
    result: Type.Optional(JsonValueSchema),
    error: Type.Optional(
      Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: false }),
    ),
    events: Type.Array(ContractEventSchema),
    gasUsed: Type.Integer({ minimum: 0 }),
  },
  { title: 'Receipt', additionalProperties: false },
);

/** Votes of more than the quorum of a chain's hosting PCNs on one commit statement. */
export const CommitCertificateSchema = Type.Object(
  {
    chain: ChainIdSchema,
    height: HeightSchema,
    blockHash: HashSchema,
    stateRoot: HashSchema,
    receiptsRoot: HashSchema,
    votes: Type.Array(
      Type.Object(
        { pcn: Type.String({ minLength: 1 }), signature: SignatureHexSchema },
        { additionalProperties: false },
      ),
    ),
  },
  { title: 'CommitCertificate', additionalProperties: false },
);

/** An RFC 6962 inclusion proof in JSON form (the path as hex strings). */
export const MerkleProofJsonSchema = Type.Object(
  {
    index: Type.Integer({ minimum: 0 }),
    size: Type.Integer({ minimum: 1 }),
    path: Type.Array(HashSchema),
  },
  { title: 'MerkleProof', additionalProperties: false },
);

/**
 * A sparse Merkle proof of presence or absence of one state key (see core `sparse-merkle.ts`):
 * the leaf met on the key's path (or null for an empty subtree) and the siblings from the leaf up.
 */
export const SparseMerkleProofSchema = Type.Object(
  {
    leaf: Type.Union([
      Type.Object({ keyHash: HashSchema, valueHash: HashSchema }, { additionalProperties: false }),
      Type.Null(),
    ]),
    siblings: Type.Array(HashSchema, { maxItems: 256 }),
  },
  { title: 'SparseMerkleProof', additionalProperties: false },
);

/** What a block's execution committed to: the roots a certificate signs besides the block hash. */
export const CommitRootsSchema = Type.Object(
  { stateRoot: HashSchema, receiptsRoot: HashSchema },
  { title: 'CommitRoots', additionalProperties: false },
);

/** One state key read (or proven) with its sparse Merkle proof; `value` null proves absence. */
export const StateReadSchema = Type.Object(
  {
    contract: Type.String({ minLength: 1 }),
    key: Type.String(),
    value: JsonValueSchema,
    proof: SparseMerkleProofSchema,
  },
  { title: 'StateRead', additionalProperties: false },
);

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** Every error answer: a stable code, a message for people and the facts to act on. */
export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String({ pattern: '^BSN_[A-Z0-9_]+$' }),
        message: Type.String(),
        details: Type.Record(Type.String(), Type.Unknown()),
      },
      { additionalProperties: false },
    ),
  },
  { title: 'ErrorBody', additionalProperties: false },
);

// ---------------------------------------------------------------------------------------------
// Route parameters and queries
// ---------------------------------------------------------------------------------------------

/** `{chain}` path parameter. */
export const ChainParamsSchema = Type.Object({ chain: ChainIdSchema }, { additionalProperties: false });

/** `{chain}/{txId}` path parameters. */
export const TransactionParamsSchema = Type.Object(
  { chain: ChainIdSchema, txId: HashSchema },
  { additionalProperties: false },
);

/** `{chain}/{height}` path parameters; `height` is a number or `latest`. */
export const BlockParamsSchema = Type.Object(
  { chain: ChainIdSchema, height: Type.String({ pattern: '^([1-9][0-9]{0,15}|latest)$' }) },
  { additionalProperties: false },
);

/** `{chain}/{key}` path parameters (the key is URL-encoded; it may contain `/`). */
export const StateParamsSchema = Type.Object(
  { chain: ChainIdSchema, key: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);

/** How long a write or a receipt lookup waits: not at all, until executed, or until certified. */
export const WaitModeSchema = Type.Union(
  [Type.Literal('none'), Type.Literal('committed'), Type.Literal('final')],
  {
    title: 'WaitMode',
  },
);

/** `?wait=&timeoutMs=` of submit and of the receipt lookup. */
export const WaitQuerySchema = Type.Object(
  {
    wait: Type.Optional(WaitModeSchema),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 120_000, description: 'default 30000' })),
  },
  { additionalProperties: false },
);

/** Boolean query flags arrive as text. */
const BooleanFlag = Type.Union([Type.Literal('true'), Type.Literal('false')]);

/** `?proof=` of the query route. */
export const QueryQuerySchema = Type.Object(
  { proof: Type.Optional(BooleanFlag) },
  { additionalProperties: false },
);

/** `?contract=&proof=&height=` of the state route. */
export const StateQuerySchema = Type.Object(
  {
    contract: Type.String({ minLength: 1, maxLength: 128 }),
    proof: Type.Optional(BooleanFlag),
    height: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,15}$' })),
  },
  { additionalProperties: false },
);

/** `?from=&contract=&name=&auth=` of the event stream. */
export const EventsQuerySchema = Type.Object(
  {
    from: Type.Optional(
      Type.String({
        pattern: '^[1-9][0-9]{0,15}$',
        description: 'first height to stream (default: the next block)',
      }),
    ),
    contract: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    auth: Type.Optional(
      Type.String({
        maxLength: 32768,
        description: 'base64url JSON {cert,time,sig}, for clients that cannot set headers',
      }),
    ),
  },
  { additionalProperties: false },
);

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

/** `GET /v1/health`. */
export const HealthResponseSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
    pcn: Type.String(),
    version: Type.String(),
    time: Type.Integer(),
    chains: Type.Array(
      Type.Object(
        {
          chain: ChainIdSchema,
          height: Type.Integer({ minimum: 0 }),
          certifiedHeight: Type.Integer({ minimum: 0 }),
          status: Type.Union([Type.Literal('running'), Type.Literal('syncing'), Type.Literal('halted')]),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { title: 'HealthResponse', additionalProperties: false },
);

/** A PCN as the network knows it. */
export const PcnInfoSchema = Type.Object(
  { id: Type.String({ minLength: 1 }), gateway: Type.String(), certPem: CertificatePemSchema },
  { title: 'PcnInfo', additionalProperties: false },
);

/** `GET /v1/network`: the trust anchor's certificate, the PCN set and the system chain's latest certificate. */
export const NetworkResponseSchema = Type.Object(
  {
    networkId: Type.String(),
    rootCertPem: CertificatePemSchema,
    intermediates: Type.Array(CertificatePemSchema, {
      description:
        'second-level CA certificates (PCN operators, organisations): untrusted until chained to the root',
    }),
    pcns: Type.Array(PcnInfoSchema),
    systemChain: Type.Object(
      {
        height: Type.Integer({ minimum: 0 }),
        certificate: Type.Union([CommitCertificateSchema, Type.Null()]),
      },
      { additionalProperties: false },
    ),
  },
  { title: 'NetworkResponse', additionalProperties: false },
);

/** One PCN hosting a chain. */
export const ChainHostSchema = Type.Object(
  { pcn: Type.String({ minLength: 1 }), certPem: CertificatePemSchema, gateway: Type.String() },
  { title: 'ChainHost', additionalProperties: false },
);

/**
 * Proof of a chain's hosting set from the system chain: the system-chain records that name the
 * hosts (the service record and each host's PCN record), each with a state proof against the
 * stateRoot of a system-chain commit certificate.
 */
export const HostingProofSchema = Type.Object(
  {
    height: HeightSchema,
    stateRoot: HashSchema,
    reads: Type.Array(StateReadSchema),
    certificate: CommitCertificateSchema,
  },
  { title: 'HostingProof', additionalProperties: false },
);

/** `GET /v1/chains/{chain}`: who hosts the chain, the quorum, and the proof of both. */
export const ChainResponseSchema = Type.Object(
  {
    chain: ChainIdSchema,
    service: Type.Union([Type.String(), Type.Null()]),
    hosts: Type.Array(ChainHostSchema),
    intermediates: Type.Array(CertificatePemSchema, {
      description:
        'CA certificates between the hosts’ node certificates and the root (untrusted until chained)',
    }),
    quorum: Type.Integer({ minimum: 1 }),
    height: Type.Integer({ minimum: 0 }),
    certifiedHeight: Type.Integer({ minimum: 0 }),
    hostingProof: Type.Union([HostingProofSchema, Type.Null()], {
      description: 'null for the system chain, whose hosts are all PCNs of GET /v1/network',
    }),
  },
  { title: 'ChainResponse', additionalProperties: false },
);

/** `POST …/transactions?wait=none`: accepted for ordering. */
export const TransactionAcceptedSchema = Type.Object(
  { txId: HashSchema, chain: ChainIdSchema, status: Type.Literal('accepted') },
  { title: 'TransactionAccepted', additionalProperties: false },
);

/**
 * A transaction's receipt with everything needed to check it with no trust in the answering PCN:
 * the receipt's inclusion proof in `commit.receiptsRoot`, and the certificate signing that root.
 * Final when `certificate` is non-null.
 */
export const TransactionResponseSchema = Type.Object(
  {
    txId: HashSchema,
    chain: ChainIdSchema,
    status: Type.Union([Type.Literal('committed'), Type.Literal('final')]),
    height: HeightSchema,
    index: Type.Integer({ minimum: 0, description: 'position of the transaction in its block' }),
    blockHash: HashSchema,
    receipt: ReceiptSchema,
    receiptProof: MerkleProofJsonSchema,
    commit: CommitRootsSchema,
    certificate: Type.Union([CommitCertificateSchema, Type.Null()]),
  },
  { title: 'TransactionResponse', additionalProperties: false },
);

/**
 * `POST …/query`: the method's result at `height`. With `?proof=true`: every state read the method
 * made, each proven against `stateRoot`, which `certificate` signs.
 */
export const QueryResponseSchema = Type.Object(
  {
    result: JsonValueSchema,
    height: Type.Integer({ minimum: 0 }),
    reads: Type.Optional(Type.Array(StateReadSchema)),
    stateRoot: Type.Optional(HashSchema),
    certificate: Type.Optional(Type.Union([CommitCertificateSchema, Type.Null()])),
  },
  { title: 'QueryResponse', additionalProperties: false },
);

/** `GET …/blocks/{height}`: the block, its receipts, and the commit roots and certificate if known. */
export const BlockResponseSchema = Type.Object(
  {
    block: BlockSchema,
    hash: HashSchema,
    receipts: Type.Array(ReceiptSchema),
    commit: Type.Union([CommitRootsSchema, Type.Null()]),
    certificate: Type.Union([CommitCertificateSchema, Type.Null()]),
  },
  { title: 'BlockResponse', additionalProperties: false },
);

/** `GET …/state/{key}`: a value (null when absent) at `height`; with `?proof=true`, its proof and certificate. */
export const StateResponseSchema = Type.Object(
  {
    contract: Type.String(),
    key: Type.String(),
    value: JsonValueSchema,
    height: Type.Integer({ minimum: 0 }),
    stateRoot: Type.Optional(HashSchema),
    proof: Type.Optional(SparseMerkleProofSchema),
    certificate: Type.Optional(Type.Union([CommitCertificateSchema, Type.Null()])),
  },
  { title: 'StateResponse', additionalProperties: false },
);

/** The `data` of an SSE `contract-event`. */
export const EventMessageSchema = Type.Object(
  {
    height: HeightSchema,
    txId: HashSchema,
    index: Type.Integer({ minimum: 0, description: 'transaction index in the block' }),
    eventIndex: Type.Integer({ minimum: 0, description: 'event index in the receipt' }),
    contract: Type.String(),
    name: Type.String(),
    data: JsonValueSchema,
  },
  { title: 'EventMessage', additionalProperties: false },
);

/** The `data` of an SSE `block` progress marker: every matching event up to `height` has been sent. */
export const BlockMarkerSchema = Type.Object(
  { height: HeightSchema, hash: HashSchema, time: Type.Integer({ minimum: 0 }) },
  { title: 'BlockMarker', additionalProperties: false },
);

// ---------------------------------------------------------------------------------------------
// Static types
// ---------------------------------------------------------------------------------------------

/**
 * A wire type made read-only all the way down, so values built from core's (read-only) protocol
 * types are assignable to it and nobody mutates an answer in place.
 */
export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** Wire type of {@link ErrorBodySchema}. */
export type ErrorBody = DeepReadonly<Static<typeof ErrorBodySchema>>;
/** Wire type of {@link HealthResponseSchema}. */
export type HealthResponse = DeepReadonly<Static<typeof HealthResponseSchema>>;
/** Wire type of {@link PcnInfoSchema}. */
export type PcnInfo = DeepReadonly<Static<typeof PcnInfoSchema>>;
/** Wire type of {@link NetworkResponseSchema}. */
export type NetworkResponse = DeepReadonly<Static<typeof NetworkResponseSchema>>;
/** Wire type of {@link ChainResponseSchema}. */
export type ChainResponse = DeepReadonly<Static<typeof ChainResponseSchema>>;
/** Wire type of {@link ChainHostSchema}. */
export type ChainHost = DeepReadonly<Static<typeof ChainHostSchema>>;
/** Wire type of {@link HostingProofSchema}. */
export type HostingProof = DeepReadonly<Static<typeof HostingProofSchema>>;
/** Wire type of {@link TransactionAcceptedSchema}. */
export type TransactionAccepted = DeepReadonly<Static<typeof TransactionAcceptedSchema>>;
/** Wire type of {@link TransactionResponseSchema}. */
export type TransactionResponse = DeepReadonly<Static<typeof TransactionResponseSchema>>;
/** Wire type of {@link QueryResponseSchema}. */
export type QueryResponse = DeepReadonly<Static<typeof QueryResponseSchema>>;
/** Wire type of {@link BlockResponseSchema}. */
export type BlockResponse = DeepReadonly<Static<typeof BlockResponseSchema>>;
/** Wire type of {@link StateResponseSchema}. */
export type StateResponse = DeepReadonly<Static<typeof StateResponseSchema>>;
/** Wire type of {@link StateReadSchema}. */
export type StateRead = DeepReadonly<Static<typeof StateReadSchema>>;
/** Wire type of {@link MerkleProofJsonSchema}. */
export type MerkleProofJson = DeepReadonly<Static<typeof MerkleProofJsonSchema>>;
/** Wire type of {@link EventMessageSchema}. */
export type EventMessage = DeepReadonly<Static<typeof EventMessageSchema>>;
/** Wire type of {@link BlockMarkerSchema}. */
export type BlockMarker = DeepReadonly<Static<typeof BlockMarkerSchema>>;
/** Wire type of {@link WaitModeSchema}. */
export type WaitMode = DeepReadonly<Static<typeof WaitModeSchema>>;
/** Wire type of {@link CommitRootsSchema}. */
export type CommitRoots = DeepReadonly<Static<typeof CommitRootsSchema>>;

/** Every named schema, by its title (the OpenAPI `components.schemas`). */
export const namedSchemas: Readonly<Record<string, TSchema>> = Object.fromEntries(
  [
    HashSchema,
    SignatureHexSchema,
    CertificatePemSchema,
    ChainIdSchema,
    HeightSchema,
    JsonValueSchema,
    TransactionPayloadSchema,
    SignedTransactionSchema,
    BlockHeaderSchema,
    BlockSchema,
    ContractEventSchema,
    ReceiptSchema,
    CommitCertificateSchema,
    MerkleProofJsonSchema,
    SparseMerkleProofSchema,
    CommitRootsSchema,
    StateReadSchema,
    ErrorBodySchema,
    WaitModeSchema,
    HealthResponseSchema,
    PcnInfoSchema,
    NetworkResponseSchema,
    ChainHostSchema,
    HostingProofSchema,
    ChainResponseSchema,
    TransactionAcceptedSchema,
    TransactionResponseSchema,
    QueryResponseSchema,
    BlockResponseSchema,
    StateResponseSchema,
    EventMessageSchema,
    BlockMarkerSchema,
  ].map((s) => [s.title as string, s]),
);
