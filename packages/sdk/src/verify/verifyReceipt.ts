/**
 * Checks a transaction answer with no trust in the PCN that gave it: the certificate is valid for
 * the chain's hosts and signs exactly this block and these roots, and the receipt is a leaf of the
 * certified receiptsRoot. Its position is not bound: the inclusion proof's tree size is not signed,
 * so a receipt of a block of n transactions also verifies at another index of a smaller tree — the
 * answer's `index` is the PCN's word (fetch the block to know it).
 */

import type { TransactionResponse } from '@bsn/api';
import {
  type CommitCertificate,
  canonicalEncode,
  fromHex,
  type HashAlgorithm,
  type Receipt,
  verifyMerkleProof,
} from '@bsn/core';
import { BaseError } from '../errors.js';
import {
  type Host,
  type TrustOptions,
  type VerifyCertificateReturnType,
  verifyCertificate,
} from './verifyCertificate.js';

/** Options of {@link verifyReceipt}. */
export interface VerifyReceiptOptions extends TrustOptions {
  /** The PCNs hosting the response's chain (proven by `getChain`, or from `getNetwork` for the system chain). */
  readonly hosts: readonly Host[];
  /** Hash algorithm of the chain (default sha256). */
  readonly hash?: HashAlgorithm;
}

/** Error type of {@link verifyReceipt}. */
export type VerifyReceiptErrorType = BaseError;

/** A verified receipt: the receipt and the certificate's signers. */
export interface VerifyReceiptReturnType extends VerifyCertificateReturnType {
  readonly receipt: Receipt;
  readonly certificate: CommitCertificate;
}

/** Throws BSN_SDK_CERT_MISMATCH unless the certificate's statement is the one the answer claims. */
export function assertCertificateCovers(
  cert: CommitCertificate,
  claim: { chain: string; height?: number; blockHash?: string; stateRoot?: string; receiptsRoot?: string },
): void {
  for (const field of ['chain', 'height', 'blockHash', 'stateRoot', 'receiptsRoot'] as const) {
    const claimed = claim[field];
    if (claimed !== undefined && cert[field] !== claimed) {
      throw new BaseError(
        'BSN_SDK_CERT_MISMATCH',
        `certificate ${field} is ${String(cert[field])}, the answer says ${String(claimed)}`,
        {
          details: { field, certificate: cert[field], answer: claimed },
        },
      );
    }
  }
}

/**
 * Verifies a transaction answer (`getTransaction`, or `submitTransaction` with wait): throws
 * BSN_SDK_NOT_FINAL (no certificate), BSN_SDK_CERT_MISMATCH, the certificate's own codes, or
 * BSN_SDK_RECEIPT_NOT_IN_ROOT.
 */
export function verifyReceipt(
  response: TransactionResponse,
  options: VerifyReceiptOptions,
): VerifyReceiptReturnType {
  const cert = response.certificate;
  if (cert === null) {
    throw new BaseError('BSN_SDK_NOT_FINAL', `transaction ${response.txId} has no commit certificate yet`, {
      details: { txId: response.txId, height: response.height },
    });
  }
  assertCertificateCovers(cert, {
    chain: response.chain,
    height: response.height,
    blockHash: response.blockHash,
    stateRoot: response.commit.stateRoot,
    receiptsRoot: response.commit.receiptsRoot,
  });
  const signed = verifyCertificate(cert, options.hosts, options);
  const { receipt, receiptProof } = response;
  let inRoot: boolean;
  try {
    inRoot =
      receipt.txId === response.txId &&
      receiptProof.index === response.index &&
      verifyMerkleProof(
        fromHex(cert.receiptsRoot),
        canonicalEncode(receipt),
        {
          index: receiptProof.index,
          size: receiptProof.size,
          path: receiptProof.path.map((p) => fromHex(p)),
        },
        options.hash,
      );
  } catch {
    inRoot = false; // malformed hex or a receipt that cannot be encoded proves nothing
  }
  if (!inRoot) {
    throw new BaseError(
      'BSN_SDK_RECEIPT_NOT_IN_ROOT',
      `receipt of ${response.txId} is not at index ${response.index} of the certified receiptsRoot`,
      {
        details: {
          txId: response.txId,
          height: response.height,
          index: response.index,
          receiptsRoot: cert.receiptsRoot,
        },
      },
    );
  }
  return { ...signed, receipt: receipt as Receipt, certificate: cert };
}
