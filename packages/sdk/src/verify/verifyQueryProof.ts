/**
 * Checks query and state answers given with `proof=true`: the certificate is valid for the chain's
 * hosts and signs the answer's height and stateRoot, and every value read (or its absence) is
 * proven against that stateRoot.
 */

import type { QueryResponse, StateRead, StateResponse } from '@bsn/api';
import { type CommitCertificate, canonicalString, type HashAlgorithm, type JsonValue } from '@bsn/core';
import { BaseError } from '../errors.js';
import { assertRead, provenReads } from './provenReads.js';
import {
  type Host,
  type TrustOptions,
  type VerifyCertificateReturnType,
  verifyCertificate,
} from './verifyCertificate.js';
import { assertCertificateCovers } from './verifyReceipt.js';

/** Options of {@link verifyQueryProof} and {@link verifyStateResponse}. */
export interface VerifyQueryProofOptions extends TrustOptions {
  readonly hosts: readonly Host[];
  readonly hash?: HashAlgorithm;
  /**
   * Recomputes the result from proven state (e.g. by re-running the contract's read-only method
   * with `get` as its state); a result that differs fails with BSN_SDK_STATE_PROOF_INVALID. `get`
   * answers only keys the answer proved (null = proven absent) and throws
   * BSN_SDK_STATE_PROOF_MISSING for any other, so a read the answer left out cannot pass as an
   * absent key.
   */
  readonly recompute?: (get: ProvenStateReader) => JsonValue;
}

/** The value of `contract`/`key` as proven by a query answer (null: proven absent); throws BSN_SDK_STATE_PROOF_MISSING for a key the answer did not prove. */
export type ProvenStateReader = (contract: string, key: string) => JsonValue | null;

/** Error type of {@link verifyQueryProof}. */
export type VerifyQueryProofErrorType = BaseError;

/**
 * A verified query answer: every read it lists is proven at a certified height. The result is the
 * answering PCN's computation unless `resultVerified` (recomputed from proven state, and equal).
 */
export interface VerifyQueryProofReturnType extends VerifyCertificateReturnType {
  readonly result: unknown;
  readonly resultVerified: boolean;
  readonly height: number;
  readonly reads: readonly StateRead[];
  readonly certificate: CommitCertificate;
}

function certified(
  answer: {
    height: number;
    stateRoot?: string | undefined;
    certificate?: CommitCertificate | null | undefined;
  },
  chain: string,
): { cert: CommitCertificate; stateRoot: string } {
  const cert = answer.certificate;
  if (cert === undefined || cert === null || answer.stateRoot === undefined) {
    throw new BaseError(
      'BSN_SDK_NOT_FINAL',
      `answer at height ${answer.height} carries no certified state root`,
      {
        details: { height: answer.height },
      },
    );
  }
  assertCertificateCovers(cert, { chain, height: answer.height, stateRoot: answer.stateRoot });
  return { cert, stateRoot: answer.stateRoot };
}

/** Verifies a `query` answer given with proof=true for `chain`. */
export function verifyQueryProof(
  chain: string,
  response: QueryResponse,
  options: VerifyQueryProofOptions,
): VerifyQueryProofReturnType {
  const { cert, stateRoot } = certified(response, chain);
  const signed = verifyCertificate(cert, options.hosts, options);
  const reads = response.reads ?? [];
  const proven = provenReads(stateRoot, reads, options.hash);
  if (options.recompute !== undefined) {
    const get: ProvenStateReader = (contract, key) => {
      const value = proven(contract, key);
      if (value === undefined) {
        throw new BaseError(
          'BSN_SDK_STATE_PROOF_MISSING',
          `the answer carries no proof of ${contract}/${key}, which the result depends on`,
          { details: { contract, key, height: response.height } },
        );
      }
      return value;
    };
    const expected = options.recompute(get);
    if (canonicalString(expected) !== canonicalString(response.result)) {
      throw new BaseError('BSN_SDK_STATE_PROOF_INVALID', 'the result does not follow from the proven reads', {
        details: { height: response.height },
      });
    }
  }
  return {
    ...signed,
    result: response.result,
    resultVerified: options.recompute !== undefined,
    height: response.height,
    reads,
    certificate: cert,
  };
}

/** A verified state answer. */
export interface VerifyStateResponseReturnType extends VerifyCertificateReturnType {
  readonly value: unknown;
  readonly height: number;
  readonly certificate: CommitCertificate;
}

/** Verifies a `getState` answer given with proof=true for `chain` (value null = proven absent). */
export function verifyStateResponse(
  chain: string,
  response: StateResponse,
  options: VerifyQueryProofOptions,
): VerifyStateResponseReturnType {
  const { cert, stateRoot } = certified(response, chain);
  const signed = verifyCertificate(cert, options.hosts, options);
  if (response.proof === undefined) {
    throw new BaseError(
      'BSN_SDK_STATE_PROOF_INVALID',
      `answer for ${response.contract}/${response.key} carries no proof`,
      {
        details: { contract: response.contract, key: response.key },
      },
    );
  }
  assertRead(
    stateRoot,
    { contract: response.contract, key: response.key, value: response.value, proof: response.proof },
    options.hash,
  );
  return { ...signed, value: response.value, height: response.height, certificate: cert };
}
