/**
 * Certificate signing requests (PKCS #10) for the public-key upload mode: the user keeps the
 * private key, sends a CSR, and the CA checks the CSR's signature (proof of possession) before it
 * certifies the key.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { BsnError, type SignatureAlgorithm } from '@bsn/core';
import { Pkcs10CertificateRequest, Pkcs10CertificateRequestGenerator } from '@peculiar/x509';
import {
  algorithmOfKey,
  algorithmOfSignatureOid,
  parsePrivateKeyPem,
  publicCryptoKey,
  signingCryptoKey,
  signingParams,
} from './algorithms.js';
import { subjectName, validateName } from './names.js';
import { decodePem, encodePem } from './pem.js';

/** Options of {@link createCsr}. */
export interface CreateCsrOptions {
  /** The private key the CSR is signed with (PEM PKCS#8); its public half is what gets certified. */
  readonly keyPem: string;
  readonly commonName: string;
  readonly organization: string;
  readonly role?: string;
}

/** Creates a PEM CSR for `keyPem` with subject CN/O/OU; the user's side of public-key upload mode. */
export async function createCsr(opts: CreateCsrOptions): Promise<string> {
  const { key, algorithm } = parsePrivateKeyPem(opts.keyPem);
  validateName(opts.commonName, 'commonName');
  validateName(opts.organization, 'organization');
  if (opts.role !== undefined) validateName(opts.role, 'role');
  const publicKey = createPublicKey(key);
  const csr = await Pkcs10CertificateRequestGenerator.create({
    name: subjectName(opts.commonName, opts.organization, opts.role),
    keys: {
      privateKey: await signingCryptoKey(key, algorithm),
      publicKey: await publicCryptoKey(publicKey, algorithm),
    },
    signingAlgorithm: signingParams(algorithm),
  });
  return encodePem(new Uint8Array(csr.rawData), 'CERTIFICATE REQUEST');
}

/** A CSR whose signature verified. */
export interface VerifiedCsr {
  readonly publicKey: KeyObject;
  readonly algorithm: SignatureAlgorithm;
  /** Subject CN of the request ('' when absent). */
  readonly commonName: string;
}

/**
 * The ASN.1 structure behind a @peculiar/x509 object: a protected member in the typings, but the
 * only way to read the raw signature algorithm OID, which the public getters translate to WebCrypto names.
 */
function asnOf<T>(data: object): T {
  return (data as unknown as { asn: T }).asn;
}

function invalid(message: string, cause?: unknown): BsnError {
  return new BsnError('BSN_PKI_CSR_INVALID', message, cause === undefined ? {} : { cause });
}

/**
 * Parses a PEM CSR and verifies its self-signature; throws BSN_PKI_CSR_INVALID (malformed,
 * bad signature) or BSN_PKI_UNSUPPORTED_ALGORITHM (a key or signature of another algorithm).
 */
export async function verifyCsr(csrPem: unknown): Promise<VerifiedCsr> {
  const der = decodePem(csrPem, 'CERTIFICATE REQUEST', 'BSN_PKI_CSR_INVALID');
  let csr: Pkcs10CertificateRequest;
  let publicKey: KeyObject;
  try {
    csr = new Pkcs10CertificateRequest(der);
    publicKey = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
  } catch (cause) {
    throw invalid('CSR is not a valid PKCS #10 request', cause);
  }
  const algorithm = algorithmOfKey(publicKey, 'CSR key');
  const sigOid = asnOf<{ signatureAlgorithm: { algorithm: string } }>(csr).signatureAlgorithm.algorithm;
  if (algorithmOfSignatureOid(sigOid) !== algorithm) {
    throw new BsnError(
      'BSN_PKI_UNSUPPORTED_ALGORITHM',
      `CSR is signed with algorithm ${sigOid}, which is not the signature algorithm of its ${algorithm} key`,
      { details: { signatureOid: sigOid, keyAlgorithm: algorithm } },
    );
  }
  let good = false;
  try {
    good = await csr.verify();
  } catch (cause) {
    throw invalid('CSR signature cannot be checked', cause);
  }
  if (!good)
    throw invalid('CSR signature does not verify: the requester has not proven possession of the key');
  let commonName: string;
  try {
    const cns = csr.subjectName.getField('CN');
    if (cns.length > 1) throw invalid('CSR subject has several CN attributes');
    commonName = cns[0] ?? '';
  } catch (cause) {
    if (cause instanceof BsnError) throw cause;
    throw invalid('CSR subject cannot be read', cause);
  }
  return { publicKey, algorithm, commonName };
}
