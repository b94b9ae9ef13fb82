/**
 * Checks a block answer: the hash is the header's, the header's txRoot is over the transactions,
 * and, when a certificate comes with it, the certificate is valid for the hosts, signs this block
 * hash and the answer's commit roots, and its receiptsRoot is over the receipts. Without a
 * certificate nothing past the header is verified: `commit` is the answering PCN's word.
 */
import type { BlockResponse } from '@bsn/api';
import {
  type Block,
  blockHash,
  type HashAlgorithm,
  type Receipt,
  receiptsRoot,
  transactionsRoot,
} from '@bsn/core';
import { BaseError } from '../errors.js';
import {
  type Host,
  type TrustOptions,
  type VerifyCertificateReturnType,
  verifyCertificate,
} from './verifyCertificate.js';
import { assertCertificateCovers } from './verifyReceipt.js';

/** Options of {@link verifyBlock}. */
export interface VerifyBlockOptions extends TrustOptions {
  readonly hosts: readonly Host[];
  readonly hash?: HashAlgorithm;
}

/** Verifies a `getBlock` answer; returns the certificate's signers, or null when the block is not certified yet. */
export function verifyBlock(
  response: BlockResponse,
  options: VerifyBlockOptions,
): VerifyCertificateReturnType | null {
  const block = response.block as unknown as Block;
  const bad = (what: string) =>
    new BaseError('BSN_SDK_BLOCK_INVALID', `block ${block.header.chain}@${block.header.height}: ${what}`, {
      details: { chain: block.header.chain, height: block.header.height },
    });
  try {
    if (blockHash(block.header, options.hash) !== response.hash) throw bad('hash is not the header’s');
    if (transactionsRoot(block.txs, options.hash) !== block.header.txRoot)
      throw bad('txRoot is not over its transactions');
  } catch (err) {
    throw err instanceof BaseError ? err : bad('cannot be hashed');
  }
  const cert = response.certificate;
  if (cert === null) return null;
  assertCertificateCovers(cert, {
    chain: block.header.chain,
    height: block.header.height,
    blockHash: response.hash,
    ...(response.commit === null
      ? {}
      : { stateRoot: response.commit.stateRoot, receiptsRoot: response.commit.receiptsRoot }),
  });
  const signed = verifyCertificate(cert, options.hosts, options);
  if (receiptsRoot(response.receipts as unknown as Receipt[], options.hash) !== cert.receiptsRoot) {
    throw bad('receipts are not those of the certified receiptsRoot');
  }
  return signed;
}
