/**
 * The protocol's data structures and the bytes that are hashed and signed for each.
 *
 * They live in `core` so that the SDK (which depends on `core` only) can build transactions and
 * check blocks, receipts, votes and certificates with no node code. Every signed structure is
 * signed over the canonical encoding of `{domain, value}` with a distinct domain string, so a
 * signature made for one purpose can never be replayed as another.
 *
 * Hex is lower-case everywhere; heights start at 1; the block before the first has hash
 * {@link ZERO_HASH}.
 */
import { canonicalEncode, canonicalString, type JsonValue } from './encoding.js';
import { BsnError } from './errors.js';
import { DEFAULT_HASH, type HashAlgorithm, hashCanonical, hashHex } from './hash.js';
import { fromHex, toHex } from './hex.js';
import { merkleRoot } from './merkle.js';
import { type KeyInput, type SignatureCheck, signBytes, verifySignatureDetailed } from './signature.js';

/** 32 zero bytes in hex: the `prevHash` of a chain's first block. */
export const ZERO_HASH = '0'.repeat(64);

/** Signing domains: one per kind of signed structure. */
export const SigningDomain = {
  transaction: 'bsn/tx/v1',
  blockHeader: 'bsn/block/v1',
  commitVote: 'bsn/vote/v1',
  /** A signed HTTP request (the gateway's authentication of reads and queries). */
  request: 'bsn/request/v1',
} as const;
export type SigningDomain = (typeof SigningDomain)[keyof typeof SigningDomain];

/** The bytes a signer signs for `value` in `domain`: canonical `{"domain":…,"value":…}`. */
export function signingBytes(domain: SigningDomain, value: unknown): Uint8Array {
  return canonicalEncode({ domain, value });
}

/** What a client asks a chain to do, before signing. */
export interface TransactionPayload {
  /** Chain id (the system chain is `system`; a service chain's id comes from the service registry). */
  readonly chain: string;
  /** Contract name on that chain. */
  readonly contract: string;
  /** Method to call; names starting with `_` are private and cannot be called. */
  readonly method: string;
  /** JSON arguments, passed to the method in order. */
  readonly args: readonly JsonValue[];
  /** Client-chosen uniqueness (≤ 64 chars); two otherwise equal transactions differ by nonce. */
  readonly nonce: string;
  /** Milliseconds since the Unix epoch after which the transaction may no longer be ordered or executed. */
  readonly expires: number;
  /** The signer's X.509 certificate, PEM. */
  readonly signer: string;
}

/** A transaction as submitted: the payload and the signer's signature over it (hex). */
export interface SignedTransaction {
  readonly payload: TransactionPayload;
  readonly signature: string;
}

/** The transaction id: hex hash of the canonical encoding of the payload (the signature is not part of it). */
export function transactionId(payload: TransactionPayload, alg: HashAlgorithm = DEFAULT_HASH): string {
  return canonicalTransactionId(canonicalString(payload), alg);
}

/**
 * The txId of a payload already in canonical form, as text or as its UTF-8 bytes: what
 * {@link transactionId} gives for that payload, for callers that hold the encoding anyway.
 */
export function canonicalTransactionId(
  canonical: string | Uint8Array,
  alg: HashAlgorithm = DEFAULT_HASH,
): string {
  return hashHex(canonical, alg);
}

/** Signs a payload with the signer's private key. */
export function signTransaction(payload: TransactionPayload, privateKey: KeyInput): SignedTransaction {
  return {
    payload,
    signature: toHex(signBytes(privateKey, signingBytes(SigningDomain.transaction, payload))),
  };
}

function hexOrEmpty(text: string): Uint8Array {
  try {
    return fromHex(text);
  } catch {
    return new Uint8Array(0);
  }
}

/** Checks a transaction's signature under `publicKey` (the key of `payload.signer`); never throws. */
export function verifyTransactionSignature(tx: SignedTransaction, publicKey: KeyInput): SignatureCheck {
  return verifySignatureDetailed(
    publicKey,
    signingBytes(SigningDomain.transaction, tx.payload),
    hexOrEmpty(tx.signature),
  );
}

/** A block header: what the orderer signs and what a block's hash is computed over. */
export interface BlockHeader {
  readonly chain: string;
  readonly height: number;
  /** Hash of the previous block's header ({@link ZERO_HASH} for height 1). */
  readonly prevHash: string;
  /** Merkle root over the txIds of the block's transactions, in order. */
  readonly txRoot: string;
  /** Orderer time, milliseconds since the Unix epoch: the only clock block execution sees. */
  readonly time: number;
  /** Id of the orderer that cut the block. */
  readonly orderer: string;
}

/** An ordered block: header, orderer signature (hex) and the transactions. */
export interface Block {
  readonly header: BlockHeader;
  readonly signature: string;
  readonly txs: readonly SignedTransaction[];
}

/** The block hash: hex hash of the canonical header. */
export function blockHash(header: BlockHeader, alg: HashAlgorithm = DEFAULT_HASH): string {
  return hashCanonical(header, alg);
}

/** The Merkle root over the txIds (as 32-byte leaves) of `txs`. */
export function transactionsRoot(
  txs: readonly SignedTransaction[],
  alg: HashAlgorithm = DEFAULT_HASH,
): string {
  return toHex(
    merkleRoot(
      txs.map((t) => fromHex(transactionId(t.payload, alg))),
      alg,
    ),
  );
}

/** Signs a header as its orderer. */
export function signBlockHeader(header: BlockHeader, privateKey: KeyInput): string {
  return toHex(signBytes(privateKey, signingBytes(SigningDomain.blockHeader, header)));
}

/** Checks an orderer's signature on a header; never throws. */
export function verifyBlockSignature(block: Block, ordererPublicKey: KeyInput): SignatureCheck {
  return verifySignatureDetailed(
    ordererPublicKey,
    signingBytes(SigningDomain.blockHeader, block.header),
    hexOrEmpty(block.signature),
  );
}

/** An event a contract emitted while executing a transaction. */
export interface ContractEvent {
  readonly contract: string;
  readonly name: string;
  readonly data: JsonValue;
}

/** The error part of a failed receipt. */
export interface ReceiptError {
  readonly code: string;
  readonly message: string;
}

/** The outcome of one transaction. `status` "ok" has `result`; "failed" has `error` and no state changes. */
export interface Receipt {
  readonly txId: string;
  readonly status: 'ok' | 'failed';
  readonly result?: JsonValue;
  readonly error?: ReceiptError;
  readonly events: readonly ContractEvent[];
  readonly gasUsed: number;
}

/** The Merkle root over the canonical encodings of a block's receipts, in transaction order. */
export function receiptsRoot(receipts: readonly Receipt[], alg: HashAlgorithm = DEFAULT_HASH): string {
  return toHex(
    merkleRoot(
      receipts.map((r) => canonicalEncode(r)),
      alg,
    ),
  );
}

/** What a hosting PCN vouches for after executing a block. */
export interface CommitStatement {
  readonly chain: string;
  readonly height: number;
  readonly blockHash: string;
  readonly stateRoot: string;
  readonly receiptsRoot: string;
}

/** One PCN's signed vote on a {@link CommitStatement}. */
export interface CommitVote extends CommitStatement {
  /** Id of the voting PCN. */
  readonly pcn: string;
  readonly signature: string;
}

/** Votes of more than the quorum of a chain's hosting PCNs on one statement: makes its block final. */
export interface CommitCertificate extends CommitStatement {
  readonly votes: readonly { readonly pcn: string; readonly signature: string }[];
}

/** The statement part of a vote or certificate (what is signed). */
export function commitStatement(s: CommitStatement): CommitStatement {
  return {
    chain: s.chain,
    height: s.height,
    blockHash: s.blockHash,
    stateRoot: s.stateRoot,
    receiptsRoot: s.receiptsRoot,
  };
}

/** Signs a commit statement as PCN `pcn`. */
export function signCommitVote(statement: CommitStatement, pcn: string, privateKey: KeyInput): CommitVote {
  const s = commitStatement(statement);
  return { ...s, pcn, signature: toHex(signBytes(privateKey, signingBytes(SigningDomain.commitVote, s))) };
}

/** Checks one vote's signature under the PCN's public key; never throws. */
export function verifyCommitVote(
  statement: CommitStatement,
  vote: { readonly signature: string },
  publicKey: KeyInput,
): SignatureCheck {
  return verifySignatureDetailed(
    publicKey,
    signingBytes(SigningDomain.commitVote, commitStatement(statement)),
    hexOrEmpty(vote.signature),
  );
}

/** The smallest number of votes that is more than `fraction` of `hosts` PCNs (default: more than 2/3). */
export function quorumSize(hosts: number, fraction: readonly [number, number] = [2, 3]): number {
  const [num, den] = fraction;
  if (!Number.isInteger(hosts) || hosts < 1 || !(num > 0 && den > 0 && num < den)) {
    throw new BsnError('BSN_INVALID_ARGUMENT', 'quorum needs at least one host and a fraction below 1', {
      details: { hosts, fraction },
    });
  }
  return Math.floor((hosts * num) / den) + 1;
}

/** The outcome of {@link verifyCommitCertificate}. */
export type CertificateCheck =
  | { readonly ok: true; readonly signers: readonly string[] }
  | {
      readonly ok: false;
      readonly code: 'BSN_CERTIFICATE_QUORUM' | 'BSN_CERTIFICATE_SIGNER';
      readonly message: string;
    };

/**
 * Verifies a commit certificate against the set of PCNs hosting its chain (id → public key):
 * counts distinct hosting signers with valid signatures and requires a quorum. A vote from a PCN
 * that does not host the chain, or a bad signature, fails the whole certificate (a forged vote is
 * evidence of an attack, not noise). Never throws.
 */
export function verifyCommitCertificate(
  cert: CommitCertificate,
  hosts: ReadonlyMap<string, KeyInput>,
  quorum?: number,
): CertificateCheck {
  // Certificates arrive from peers and clients: check the shape here so that verification keeps
  // its promise never to throw, whatever the bytes decoded to.
  if (hosts.size === 0) {
    return {
      ok: false,
      code: 'BSN_CERTIFICATE_QUORUM',
      message: 'the chain has no hosting PCNs to form a quorum',
    };
  }
  const needed = quorum ?? quorumSize(hosts.size);
  if (!Number.isSafeInteger(needed) || needed < 1) {
    return {
      ok: false,
      code: 'BSN_CERTIFICATE_QUORUM',
      message: `quorum ${needed} is not a positive integer`,
    };
  }
  const votes: unknown = cert?.votes;
  if (!Array.isArray(votes)) {
    return { ok: false, code: 'BSN_CERTIFICATE_SIGNER', message: 'certificate votes are not a list' };
  }
  const seen = new Set<string>();
  for (const [i, vote] of (votes as unknown[]).entries()) {
    if (
      typeof vote !== 'object' ||
      vote === null ||
      typeof (vote as { pcn?: unknown }).pcn !== 'string' ||
      typeof (vote as { signature?: unknown }).signature !== 'string'
    ) {
      return {
        ok: false,
        code: 'BSN_CERTIFICATE_SIGNER',
        message: `vote ${i} is not {pcn, signature} strings`,
      };
    }
    const { pcn, signature } = vote as { pcn: string; signature: string };
    const key = hosts.get(pcn);
    if (key === undefined) {
      return {
        ok: false,
        code: 'BSN_CERTIFICATE_SIGNER',
        message: `vote from ${pcn}, which does not host the chain`,
      };
    }
    if (!verifyCommitVote(cert, { signature }, key).ok) {
      return {
        ok: false,
        code: 'BSN_CERTIFICATE_SIGNER',
        message: `vote of ${pcn} has an invalid signature`,
      };
    }
    seen.add(pcn);
  }
  if (seen.size < needed) {
    return {
      ok: false,
      code: 'BSN_CERTIFICATE_QUORUM',
      message: `certificate has ${seen.size} distinct hosting signers, ${needed} needed`,
    };
  }
  return { ok: true, signers: [...seen].sort() };
}
