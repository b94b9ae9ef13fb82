/**
 * Signatures: ECDSA over P-256 with SHA-256 (the default) and Ed25519, on Node's OpenSSL — no
 * hand-written curve code. The algorithm is a parameter so SM2 can be added beside them.
 *
 * Wire formats: keys are PEM (private PKCS#8, public SPKI); signatures are fixed-length raw bytes —
 * ECDSA as r‖s (IEEE P1363, 64 bytes) with s in the lower half of the group order ("low-S"), so a
 * signature has exactly one valid form; Ed25519 as its 64-byte RFC 8032 signature.
 *
 * Verification never throws on hostile input: it returns `false` (or a typed reason from
 * {@link verifySignatureDetailed}).
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { BsnError } from './errors.js';

/** Signature algorithms BSN knows. */
export type SignatureAlgorithm = 'ecdsa-p256-sha256' | 'ed25519';

/** The network's default signature algorithm. */
export const DEFAULT_SIGNATURE: SignatureAlgorithm = 'ecdsa-p256-sha256';

/** All supported signature algorithms. */
export const SIGNATURE_ALGORITHMS: readonly SignatureAlgorithm[] = ['ecdsa-p256-sha256', 'ed25519'];

/** A key pair as PEM text. */
export interface PemKeyPair {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

/** A public or private key as PEM text or a Node KeyObject. */
export type KeyInput = string | KeyObject;

const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P256_HALF_ORDER = P256_ORDER >> 1n;

function assertAlgorithm(alg: string): asserts alg is SignatureAlgorithm {
  if (!(SIGNATURE_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new BsnError('BSN_SIGNATURE_UNSUPPORTED', `signature algorithm "${alg}" is not supported`, {
      details: { algorithm: alg, supported: SIGNATURE_ALGORITHMS },
    });
  }
}

/** A fresh key pair for `alg`. */
export function generateKeyPair(alg: SignatureAlgorithm = DEFAULT_SIGNATURE): PemKeyPair {
  assertAlgorithm(alg);
  const pair =
    alg === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** The signature algorithm a key belongs to; throws BSN_KEY_INVALID for any other key type or curve. */
export function keyAlgorithm(key: KeyObject): SignatureAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return 'ecdsa-p256-sha256';
  }
  throw new BsnError('BSN_KEY_INVALID', 'key is neither an ECDSA P-256 nor an Ed25519 key', {
    details: { type: key.asymmetricKeyType, curve: key.asymmetricKeyDetails?.namedCurve ?? null },
  });
}

/** Parses a private key (PEM PKCS#8 / SEC1, or a KeyObject); throws BSN_KEY_INVALID. */
export function parsePrivateKey(key: KeyInput): KeyObject {
  if (typeof key !== 'string') {
    if (key.type !== 'private') throw new BsnError('BSN_KEY_INVALID', 'expected a private key');
    keyAlgorithm(key);
    return key;
  }
  let parsed: KeyObject;
  try {
    parsed = createPrivateKey(key);
  } catch (cause) {
    throw new BsnError('BSN_KEY_INVALID', 'private key is not a valid PEM key', { cause });
  }
  keyAlgorithm(parsed);
  return parsed;
}

/** Parses a public key (PEM SPKI, a certificate's key, or derives it from a private key); throws BSN_KEY_INVALID. */
export function parsePublicKey(key: KeyInput): KeyObject {
  if (typeof key !== 'string') {
    const pub = key.type === 'private' ? createPublicKey(key) : key;
    keyAlgorithm(pub);
    return pub;
  }
  let parsed: KeyObject;
  try {
    parsed = createPublicKey(key);
  } catch (cause) {
    throw new BsnError('BSN_KEY_INVALID', 'public key is not a valid PEM key', { cause });
  }
  keyAlgorithm(parsed);
  return parsed;
}

/** SPKI PEM of the public half of `key`. */
export function publicKeyPem(key: KeyInput): string {
  return parsePublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
}

function bigIntTo32(n: bigint): Buffer {
  return Buffer.from(n.toString(16).padStart(64, '0'), 'hex');
}

/** Signs `data` with `privateKey`; the algorithm follows from the key. ECDSA signatures come out low-S. */
export function signBytes(privateKey: KeyInput, data: Uint8Array): Uint8Array {
  const key = parsePrivateKey(privateKey);
  if (keyAlgorithm(key) === 'ed25519') return new Uint8Array(sign(null, data, key));
  const sig = sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
  const s = bytesToBigInt(sig.subarray(32));
  if (s > P256_HALF_ORDER) bigIntTo32(P256_ORDER - s).copy(sig, 32);
  return new Uint8Array(sig);
}

/** Why a signature did not verify. */
export type SignatureFailure =
  | 'BSN_KEY_INVALID'
  | 'BSN_SIGNATURE_MALFORMED'
  | 'BSN_SIGNATURE_INVALID'
  | 'BSN_SIGNATURE_UNSUPPORTED';

/** The outcome of {@link verifySignatureDetailed}. */
export type SignatureCheck = { readonly ok: true } | { readonly ok: false; readonly code: SignatureFailure };

/**
 * Verifies `signature` over `data` under `publicKey`, never throwing: a malformed key or signature,
 * a key of another algorithm than `expected`, or a high-S ECDSA signature gives `{ok:false, code}`.
 */
export function verifySignatureDetailed(
  publicKey: KeyInput,
  data: Uint8Array,
  signature: Uint8Array,
  expected?: SignatureAlgorithm,
): SignatureCheck {
  let key: KeyObject;
  let alg: SignatureAlgorithm;
  try {
    key = parsePublicKey(publicKey);
    alg = keyAlgorithm(key);
  } catch {
    return { ok: false, code: 'BSN_KEY_INVALID' };
  }
  if (expected !== undefined && expected !== alg) return { ok: false, code: 'BSN_SIGNATURE_UNSUPPORTED' };
  if (!(signature instanceof Uint8Array) || signature.length !== 64) {
    return { ok: false, code: 'BSN_SIGNATURE_MALFORMED' };
  }
  try {
    if (alg === 'ed25519') {
      return verify(null, data, key, signature) ? { ok: true } : { ok: false, code: 'BSN_SIGNATURE_INVALID' };
    }
    const r = bytesToBigInt(signature.subarray(0, 32));
    const s = bytesToBigInt(signature.subarray(32));
    if (r === 0n || s === 0n || r >= P256_ORDER || s > P256_HALF_ORDER) {
      return { ok: false, code: 'BSN_SIGNATURE_MALFORMED' };
    }
    const good = verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    return good ? { ok: true } : { ok: false, code: 'BSN_SIGNATURE_INVALID' };
  } catch {
    return { ok: false, code: 'BSN_SIGNATURE_INVALID' };
  }
}

/** True when `signature` is a valid signature of `data` under `publicKey`; never throws. */
export function verifySignature(publicKey: KeyInput, data: Uint8Array, signature: Uint8Array): boolean {
  return verifySignatureDetailed(publicKey, data, signature).ok;
}
