/**
 * The signature algorithms certificates may use, as one table: how WebCrypto names each (for
 * issuance through @peculiar/x509) and which X.509 signature OID it signs with (for verification).
 * SM2 joins by adding a row here once Node or a library signs the standard SM2 way.
 */
import { createPrivateKey, createPublicKey, type KeyObject, webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type WebAlgorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
type EcKeyImportParams = webcrypto.EcKeyImportParams;

import { BsnError, SIGNATURE_ALGORITHMS, type SignatureAlgorithm } from '@bsn/core';

interface AlgorithmRow {
  /** WebCrypto import parameters of a key. */
  readonly importParams: EcKeyImportParams | WebAlgorithm;
  /** WebCrypto signing parameters. */
  readonly signParams: EcdsaParams | WebAlgorithm;
  /** The AlgorithmIdentifier OID of a certificate signed with this algorithm. */
  readonly signatureOid: string;
}

const ROWS: Readonly<Record<SignatureAlgorithm, AlgorithmRow>> = {
  'ecdsa-p256-sha256': {
    importParams: { name: 'ECDSA', namedCurve: 'P-256' },
    signParams: { name: 'ECDSA', hash: 'SHA-256' },
    signatureOid: '1.2.840.10045.4.3.2',
  },
  ed25519: {
    importParams: { name: 'Ed25519' },
    signParams: { name: 'Ed25519' },
    signatureOid: '1.3.101.112',
  },
};

/** The algorithm a certificate with signature OID `oid` was signed with, or undefined for any other. */
export function algorithmOfSignatureOid(oid: string): SignatureAlgorithm | undefined {
  for (const alg of SIGNATURE_ALGORITHMS) if (ROWS[alg].signatureOid === oid) return alg;
  return undefined;
}

/** Throws BSN_PKI_UNSUPPORTED_ALGORITHM unless `alg` names a supported signature algorithm. */
export function assertSupportedAlgorithm(
  alg: unknown,
  field = 'algorithm',
): asserts alg is SignatureAlgorithm {
  if (typeof alg !== 'string' || !(SIGNATURE_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new BsnError('BSN_PKI_UNSUPPORTED_ALGORITHM', `${field} "${String(alg)}" is not supported`, {
      details: { field, algorithm: String(alg), supported: SIGNATURE_ALGORITHMS },
    });
  }
}

/** The algorithm of `key` (ECDSA P-256 or Ed25519); throws BSN_PKI_UNSUPPORTED_ALGORITHM for any other. */
export function algorithmOfKey(key: KeyObject, what = 'key'): SignatureAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return 'ecdsa-p256-sha256';
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const name = `${key.asymmetricKeyType ?? 'unknown'}${curve ? ` (${curve})` : ''}`;
  throw new BsnError(
    'BSN_PKI_UNSUPPORTED_ALGORITHM',
    `${what} is ${name}; only ECDSA P-256 and Ed25519 are supported`,
    {
      details: {
        keyType: key.asymmetricKeyType ?? null,
        curve: curve ?? null,
        supported: SIGNATURE_ALGORITHMS,
      },
    },
  );
}

/** Parses a PEM private key; throws BSN_KEY_INVALID (never echoing the key) or BSN_PKI_UNSUPPORTED_ALGORITHM. */
export function parsePrivateKeyPem(
  pem: unknown,
  field = 'keyPem',
): { key: KeyObject; algorithm: SignatureAlgorithm } {
  if (typeof pem !== 'string' || pem.length === 0) {
    throw new BsnError('BSN_KEY_INVALID', `${field} must be a PEM private key`, { details: { field } });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    // The cause is dropped on purpose: OpenSSL's message may quote parts of the key.
    throw new BsnError('BSN_KEY_INVALID', `${field} is not a valid PEM private key`, { details: { field } });
  }
  return { key, algorithm: algorithmOfKey(key, field) };
}

/** Parses a PEM public key (SPKI); throws BSN_KEY_INVALID or BSN_PKI_UNSUPPORTED_ALGORITHM. */
export function parsePublicKeyPem(
  pem: unknown,
  field = 'publicKeyPem',
): { key: KeyObject; algorithm: SignatureAlgorithm } {
  if (typeof pem !== 'string' || !pem.includes('-----BEGIN PUBLIC KEY-----')) {
    throw new BsnError('BSN_KEY_INVALID', `${field} must be a PEM public key (SPKI)`, { details: { field } });
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (cause) {
    throw new BsnError('BSN_KEY_INVALID', `${field} is not a valid PEM public key`, {
      details: { field },
      cause,
    });
  }
  return { key, algorithm: algorithmOfKey(key, field) };
}

/** DER SubjectPublicKeyInfo of a public (or the public half of a private) key. */
export function spkiDer(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'der' });
}

/** A WebCrypto private key for signing with `key`. */
export async function signingCryptoKey(key: KeyObject, alg: SignatureAlgorithm): Promise<CryptoKey> {
  const der = key.export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, ROWS[alg].importParams, false, [
    'sign',
  ]) as Promise<CryptoKey>;
}

/** A WebCrypto public key (extractable, as certificate generation exports it). */
export async function publicCryptoKey(key: KeyObject, alg: SignatureAlgorithm): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('spki', spkiDer(key), ROWS[alg].importParams, true, [
    'verify',
  ]) as Promise<CryptoKey>;
}

/** WebCrypto signing parameters for `alg`. */
export function signingParams(alg: SignatureAlgorithm): EcdsaParams | WebAlgorithm {
  return ROWS[alg].signParams;
}
