/**
 * A small network built at test time with real keys and certificates (@bsn/pki) and real votes
 * (core signCommitVote): a root CA, a PCN operator CA, node certificates of five PCNs, a tenant
 * organisation with one user, and helpers that produce gateway answers shaped by @bsn/api's schemas.
 */
import type {
  BlockResponse,
  ChainResponse,
  NetworkResponse,
  QueryResponse,
  StateRead,
  StateResponse,
  TransactionResponse,
} from '@bsn/api';
import {
  type Block,
  type BlockHeader,
  blockHash,
  type CommitCertificate,
  type CommitStatement,
  canonicalEncode,
  generateKeyPair,
  type JsonValue,
  merkleProof,
  type Receipt,
  receiptsRoot,
  type SignedTransaction,
  signBlockHeader,
  signCommitVote,
  signTransaction,
  sparseMerkleProof,
  sparseMerkleRoot,
  stateKeyHash,
  stateValueHash,
  toHex,
  transactionId,
  transactionsRoot,
  ZERO_HASH,
} from '@bsn/core';
import {
  type Credential,
  createRootCa,
  issueCaCertificate,
  issueNodeCertificate,
  issueUserCertificate,
} from '@bsn/pki';
import type { Host } from '@bsn/sdk';

export interface Pcn {
  readonly id: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly gateway: string;
}

export interface Network {
  readonly root: Credential;
  readonly pcnCa: Credential;
  readonly pcns: readonly Pcn[];
  readonly user: Credential;
  readonly ordererKeyPem: string;
  /** A PCN with a node certificate under ANOTHER root (same id as a real one when asked). */
  rogue(id: string): Promise<Pcn>;
}

export async function buildNetwork(pcnCount = 5): Promise<Network> {
  const root = await createRootCa({ commonName: 'BSN Test Root', organization: 'bsn-test' });
  const pcnCaIssued = await issueCaCertificate(root, {
    commonName: 'Operators CA',
    organization: 'operators',
    purpose: 'pcn',
  });
  const pcnCa = { certPem: pcnCaIssued.certPem, keyPem: pcnCaIssued.keyPem as string };
  const pcns: Pcn[] = [];
  for (let i = 0; i < pcnCount; i++) {
    const id = `pcn-${String.fromCharCode(97 + i)}`;
    const node = await issueNodeCertificate(pcnCa, { id, organization: 'operators', hosts: ['127.0.0.1'] });
    pcns.push({
      id,
      certPem: node.certPem,
      keyPem: node.keyPem as string,
      gateway: `http://127.0.0.1/${id}`,
    });
  }
  const orgCaIssued = await issueCaCertificate(root, {
    commonName: 'Org1 CA',
    organization: 'org1',
    purpose: 'org',
  });
  const userIssued = await issueUserCertificate(
    { certPem: orgCaIssued.certPem, keyPem: orgCaIssued.keyPem as string },
    { id: 'alice', organization: 'org1', role: 'client' },
  );
  return {
    root,
    pcnCa,
    pcns,
    user: { certPem: userIssued.certPem, keyPem: userIssued.keyPem as string },
    ordererKeyPem: generateKeyPair().privateKeyPem,
    async rogue(id: string) {
      const otherRoot = await createRootCa({ commonName: 'Rogue Root', organization: 'rogue' });
      const ca = await issueCaCertificate(otherRoot, {
        commonName: 'Rogue CA',
        organization: 'rogue',
        purpose: 'pcn',
      });
      const node = await issueNodeCertificate(
        { certPem: ca.certPem, keyPem: ca.keyPem as string },
        { id, organization: 'rogue', hosts: ['127.0.0.1'] },
      );
      return { id, certPem: node.certPem, keyPem: node.keyPem as string, gateway: 'http://127.0.0.1/rogue' };
    },
  };
}

/** A verifier's trust in `net`: its root, and its PCN operator CA as a known intermediate. */
export function trustOf(net: Network): { rootCertPem: string; intermediates: string[] } {
  return { rootCertPem: net.root.certPem, intermediates: [net.pcnCa.certPem] };
}

/** The hosting-set entries (`Host`) of `pcns`. */
export function asHosts(pcns: readonly Pcn[]): Host[] {
  return pcns.map((p) => ({ pcn: p.id, certPem: p.certPem }));
}

/** A commit certificate on `statement` with votes of `signers`. */
export function certify(statement: CommitStatement, signers: readonly Pcn[]): CommitCertificate {
  return {
    ...statement,
    votes: signers.map((p) => {
      const v = signCommitVote(statement, p.id, p.keyPem);
      return { pcn: v.pcn, signature: v.signature };
    }),
  };
}

/** A state of (contract, key) → value with its root and proofs. */
export class FixtureState {
  readonly entries = new Map<string, { contract: string; key: string; value: JsonValue }>();
  set(contract: string, key: string, value: JsonValue): this {
    this.entries.set(`${contract}\u0000${key}`, { contract, key, value });
    return this;
  }
  #leaves() {
    return [...this.entries.values()].map((e) => ({
      keyHash: stateKeyHash(e.contract, e.key),
      valueHash: stateValueHash(e.value),
    }));
  }
  root(): string {
    return sparseMerkleRoot(this.#leaves());
  }
  read(contract: string, key: string): StateRead {
    const value = this.entries.get(`${contract}\u0000${key}`)?.value ?? null;
    return {
      contract,
      key,
      value,
      proof: sparseMerkleProof(this.#leaves(), stateKeyHash(contract, key)) as StateRead['proof'],
    };
  }
}

/** A system-chain statement at `height` (its state root made up unless given). */
export function systemStatement(height: number, stateRoot = 'cd'.repeat(32)): CommitStatement {
  return { chain: 'system', height, blockHash: 'ab'.repeat(32), stateRoot, receiptsRoot: 'ef'.repeat(32) };
}

/** A state of `chain` certified at `height` by `signers`. */
export interface CertifiedState {
  readonly state: FixtureState;
  readonly cert: CommitCertificate;
  readonly height: number;
}

/** Certifies `state` as `chain`@`height` with votes of `signers` (block hash and receipts root made up). */
export function certifiedState(
  state: FixtureState,
  chain: string,
  height: number,
  signers: readonly Pcn[],
): CertifiedState {
  const cert = certify(
    {
      chain,
      height,
      blockHash: height.toString(16).padStart(64, '0'),
      stateRoot: state.root(),
      receiptsRoot: 'bb'.repeat(32),
    },
    signers,
  );
  return { state, cert, height };
}

/** A signed user transaction. */
export function userTx(
  net: Network,
  chain: string,
  method: string,
  args: JsonValue[],
  nonce: string,
): SignedTransaction {
  return signTransaction(
    {
      chain,
      contract: 'notary',
      method,
      args,
      nonce,
      expires: Date.now() + 600_000,
      signer: net.user.certPem,
    },
    net.user.keyPem,
  );
}

/** A block of `txs` at `height`, its receipts, and the statement PCNs sign. */
export function buildBlock(
  net: Network,
  chain: string,
  height: number,
  txs: SignedTransaction[],
  stateRoot: string,
) {
  const header: BlockHeader = {
    chain,
    height,
    prevHash: ZERO_HASH,
    txRoot: transactionsRoot(txs),
    time: 1_800_000_000_000,
    orderer: 'orderer-1',
  };
  const block: Block = { header, signature: signBlockHeader(header, net.ordererKeyPem), txs };
  const receipts: Receipt[] = txs.map((t, i) => ({
    txId: transactionId(t.payload),
    status: 'ok',
    result: { stored: i },
    events: [{ contract: 'notary', name: 'Stored', data: { i } }],
    gasUsed: 10 + i,
  }));
  const statement: CommitStatement = {
    chain,
    height,
    blockHash: blockHash(header),
    stateRoot,
    receiptsRoot: receiptsRoot(receipts),
  };
  return { block, receipts, statement };
}

/** The gateway's answer about a block. */
export function blockResponse(
  built: ReturnType<typeof buildBlock>,
  certificate: CommitCertificate | null,
): BlockResponse {
  return {
    block: built.block,
    hash: built.statement.blockHash,
    receipts: built.receipts,
    commit: { stateRoot: built.statement.stateRoot, receiptsRoot: built.statement.receiptsRoot },
    certificate,
  };
}

/** The gateway's answer about transaction `index` of a block. */
export function transactionResponse(
  built: ReturnType<typeof buildBlock>,
  index: number,
  certificate: CommitCertificate | null,
): TransactionResponse {
  const receipt = built.receipts[index] as Receipt;
  const proof = merkleProof(
    built.receipts.map((r) => canonicalEncode(r)),
    index,
  );
  return {
    txId: receipt.txId,
    chain: built.block.header.chain,
    status: certificate ? 'final' : 'committed',
    height: built.block.header.height,
    index,
    blockHash: built.statement.blockHash,
    receipt,
    receiptProof: { index: proof.index, size: proof.size, path: proof.path.map((p) => toHex(p)) },
    commit: { stateRoot: built.statement.stateRoot, receiptsRoot: built.statement.receiptsRoot },
    certificate,
  };
}

/** The system chain's state naming the hosts of service `name` and every PCN's record. */
export function systemState(
  net: Network,
  service: string,
  hosts: readonly Pcn[],
  pcnRecords: readonly Pcn[] = net.pcns,
): FixtureState {
  const s = new FixtureState();
  s.set('system', `service/${service}`, {
    name: service,
    chain: `svc-${service}`,
    pcns: hosts.map((h) => h.id).sort(),
    status: 'active',
  });
  for (const p of pcnRecords)
    s.set('system', `pcn/${p.id}`, {
      id: p.id,
      // as the system contract stores it: the node certificate, then its CA (the SDK must split the bundle)
      certPem: `${p.certPem}${net.pcnCa.certPem}`,
      gateway: p.gateway,
      status: 'active',
    });
  return s;
}

/** GET /v1/network, listing `pcns` (default every PCN of the network). */
export function networkResponse(
  net: Network,
  systemCert: CommitCertificate | null,
  systemHeight = 7,
  pcns: readonly Pcn[] = net.pcns,
): NetworkResponse {
  return {
    networkId: 'bsn-test',
    rootCertPem: net.root.certPem,
    intermediates: [net.pcnCa.certPem],
    pcns: pcns.map((p) => ({ id: p.id, gateway: p.gateway, certPem: p.certPem })),
    systemChain: { height: systemHeight, certificate: systemCert },
  };
}

/** GET /v1/chains/svc-<service> with a hosting proof certified by `systemSigners`. */
export function chainResponse(
  _net: Network,
  service: string,
  hosts: readonly Pcn[],
  sys: FixtureState,
  systemSigners: readonly Pcn[],
  systemHeight = 7,
): { response: ChainResponse; systemCert: CommitCertificate } {
  const stateRoot = sys.root();
  const systemCert = certify(systemStatement(systemHeight, stateRoot), systemSigners);
  return {
    systemCert,
    response: {
      chain: `svc-${service}`,
      service,
      hosts: hosts.map((h) => ({ pcn: h.id, certPem: h.certPem, gateway: h.gateway })),
      intermediates: [],
      quorum: hosts.length,
      height: 3,
      certifiedHeight: 3,
      hostingProof: {
        height: systemHeight,
        stateRoot,
        reads: [
          sys.read('system', `service/${service}`),
          ...hosts.map((h) => sys.read('system', `pcn/${h.id}`)),
        ],
        certificate: systemCert,
      },
    },
  };
}

/** A query answer with proven reads. */
export function queryResponse(
  state: FixtureState,
  reads: StateRead[],
  result: JsonValue,
  height: number,
  cert: CommitCertificate,
): QueryResponse {
  return { result, height, reads, stateRoot: state.root(), certificate: cert };
}

/** A state answer with proof. */
export function stateResponse(
  state: FixtureState,
  contract: string,
  key: string,
  height: number,
  cert: CommitCertificate,
): StateResponse {
  const r = state.read(contract, key);
  return {
    contract,
    key,
    value: r.value,
    height,
    stateRoot: state.root(),
    proof: r.proof,
    certificate: cert,
  };
}
