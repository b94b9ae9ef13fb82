/**
 * A signing identity: a private key and the certificate that vouches for it. Transactions and
 * signed reads are made with it; the certificate travels with every request.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { splitCertificateBundle } from '@bsn/api';
import { signBytes, utf8, verifySignature } from '@bsn/core';
import { type CertificateInfo, parseCertificate } from '@bsn/pki';
import { BaseError } from './errors.js';

/** A loaded identity. The private key is a KeyObject, which prints as `KeyObject {}`, never its bytes. */
export interface Identity {
  /** The certificate, PEM. */
  readonly certPem: string;
  readonly privateKey: KeyObject;
  /** What the certificate says: id (CN), organisation, role, fingerprint, validity. */
  readonly certificate: CertificateInfo;
}

/** Parameters of {@link identityFromPem}. */
export interface IdentityFromPemParameters {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Builds an identity from PEM text; throws BSN_SDK_IDENTITY_INVALID when they are malformed or do not belong together. */
export function identityFromPem({ certPem, keyPem }: IdentityFromPemParameters): Identity {
  // The file may hold the certificate followed by its issuing CA(s), as in TLS: the whole bundle
  // travels as the signer so any PCN can build the chain to the root; the first is the identity's.
  const bundle = splitCertificateBundle(certPem);
  const leafPem = bundle[0] ?? certPem;
  let certificate: CertificateInfo;
  try {
    certificate = parseCertificate(leafPem);
  } catch (cause) {
    throw new BaseError('BSN_SDK_IDENTITY_INVALID', 'certificate is not a valid PEM X.509 certificate', {
      details: { field: 'certPem' },
      cause,
    });
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch {
    // No cause: OpenSSL's message may quote parts of the key.
    throw new BaseError('BSN_SDK_IDENTITY_INVALID', 'private key is not a valid PEM key', {
      details: { field: 'keyPem' },
    });
  }
  const probe = utf8('bsn/identity-check');
  let matches = false;
  try {
    matches = verifySignature(createPublicKey(leafPem), probe, signBytes(privateKey, probe));
  } catch {
    matches = false;
  }
  if (!matches) {
    throw new BaseError('BSN_SDK_IDENTITY_INVALID', 'private key does not belong to the certificate', {
      details: { field: 'keyPem', subject: certificate.subject.commonName },
    });
  }
  const chain = bundle.slice(1);
  return {
    certPem: chain.length > 0 ? [certificate.pem, ...chain].join('') : certificate.pem,
    privateKey,
    certificate,
  };
}

/** Parameters of {@link loadIdentity}. */
export interface LoadIdentityParameters {
  readonly certPath: string;
  readonly keyPath: string;
}

/** Reads an identity from a certificate file and a key file (PEM). */
export async function loadIdentity({ certPath, keyPath }: LoadIdentityParameters): Promise<Identity> {
  const read = async (path: string, field: string) => {
    try {
      return await readFile(path, 'utf8');
    } catch (cause) {
      throw new BaseError('BSN_SDK_IDENTITY_INVALID', `cannot read ${field} ${path}`, {
        details: { field, path },
        cause,
      });
    }
  };
  const [certPem, keyPem] = await Promise.all([read(certPath, 'certPath'), read(keyPath, 'keyPath')]);
  return identityFromPem({ certPem, keyPem });
}
