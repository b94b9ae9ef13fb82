/**
 * Test fixtures: a certificate hierarchy issued by the code under test, and a raw certificate
 * builder (straight on @peculiar/x509) for the hostile certificates BSN's CA would never issue.
 */
import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import {
  type Credential,
  createRootCa,
  issueCaCertificate,
  issueNodeCertificate,
  issueUserCertificate,
  OID,
  parseCertificate,
} from '../../src/index.js';

/** The fixed issuing time of the fixtures. */
export const NOW = new Date(Date.UTC(2030, 0, 1));
/** A time well inside every fixture's validity. */
export const AT = NOW.getTime() + 86_400_000;

/** A network hierarchy: root → org CA → user + node, and root → PCN CA → node. */
export interface Hierarchy {
  root: Credential;
  orgCa: Credential;
  pcnCa: Credential;
  user: Credential;
  node: Credential;
}

export async function hierarchy(
  alg: 'ecdsa-p256-sha256' | 'ed25519' = 'ecdsa-p256-sha256',
): Promise<Hierarchy> {
  const root = await createRootCa({ commonName: 'BSN Root', organization: 'BSN', algorithm: alg, now: NOW });
  const orgCa = asCred(
    await issueCaCertificate(root, {
      commonName: 'Acme CA',
      organization: 'Acme',
      purpose: 'org',
      algorithm: alg,
      now: NOW,
    }),
  );
  const pcnCa = asCred(
    await issueCaCertificate(root, {
      commonName: 'Beijing PCN CA',
      organization: 'PCN-BJ',
      purpose: 'pcn',
      algorithm: alg,
      now: NOW,
    }),
  );
  const user = asCred(
    await issueUserCertificate(orgCa, {
      id: 'alice',
      organization: 'Acme',
      role: 'client',
      algorithm: alg,
      now: NOW,
    }),
  );
  const node = asCred(
    await issueNodeCertificate(pcnCa, {
      id: 'pcn-bj-1',
      organization: 'PCN-BJ',
      hosts: ['localhost', '127.0.0.1'],
      algorithm: alg,
      now: NOW,
    }),
  );
  return { root, orgCa, pcnCa, user, node };
}

/** A credential from an issuance that generated its key. */
export function asCred(issued: { certPem: string; keyPem?: string }): Credential {
  if (issued.keyPem === undefined) throw new Error('expected a generated key');
  return { certPem: issued.certPem, keyPem: issued.keyPem };
}

type KeyAlg = 'p256' | 'ed25519' | 'p384' | 'rsa';

const PARAMS: Record<
  KeyAlg,
  {
    gen: webcrypto.Algorithm | webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams;
    sign: webcrypto.Algorithm | webcrypto.EcdsaParams;
  }
> = {
  p256: {
    gen: { name: 'ECDSA', namedCurve: 'P-256' } as webcrypto.EcKeyGenParams,
    sign: { name: 'ECDSA', hash: 'SHA-256' } as webcrypto.EcdsaParams,
  },
  p384: {
    gen: { name: 'ECDSA', namedCurve: 'P-384' } as webcrypto.EcKeyGenParams,
    sign: { name: 'ECDSA', hash: 'SHA-384' } as webcrypto.EcdsaParams,
  },
  ed25519: { gen: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
  rsa: {
    gen: {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    } as webcrypto.RsaHashedKeyGenParams,
    sign: { name: 'RSASSA-PKCS1-v1_5' },
  },
};

/** A key pair for raw building, as WebCrypto keys and PEM. */
export interface RawKeys {
  alg: KeyAlg;
  pair: webcrypto.CryptoKeyPair;
  privatePem: string;
  publicPem: string;
}

export async function rawKeys(alg: KeyAlg): Promise<RawKeys> {
  const pair = (await webcrypto.subtle.generateKey(PARAMS[alg].gen, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', pair.privateKey));
  const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  return {
    alg,
    pair,
    privatePem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** WebCrypto keys of a BSN credential's PEM key. */
export async function importKeys(keyPem: string): Promise<RawKeys> {
  const key = createPrivateKey(keyPem);
  const alg: KeyAlg = key.asymmetricKeyType === 'ed25519' ? 'ed25519' : 'p256';
  const der = key.export({ type: 'pkcs8', format: 'der' });
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, PARAMS[alg].gen, true, ['sign']);
  const publicKey = await webcrypto.subtle.importKey(
    'spki',
    createPublicKey(key).export({ type: 'spki', format: 'der' }),
    PARAMS[alg].gen,
    true,
    ['verify'],
  );
  return {
    alg,
    pair: { privateKey, publicKey },
    privatePem: keyPem,
    publicPem: createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** What a raw certificate should contain. */
export interface CraftOptions {
  subject: x509.JsonNameParams;
  /** Issuer certificate PEM and key; omitted = self-signed. */
  issuer?: { certPem: string; keys: RawKeys };
  keys: RawKeys;
  notBefore?: Date;
  notAfter?: Date;
  ca?: { pathLength?: number } | false;
  keyUsage?: number;
  eku?: string[];
  hosts?: string[];
  extraExtensions?: x509.Extension[];
}

/** Builds an arbitrary certificate. */
export async function craft(o: CraftOptions): Promise<string> {
  const signer = o.issuer?.keys ?? o.keys;
  const extensions: x509.Extension[] = [];
  if (o.ca !== undefined) {
    extensions.push(
      o.ca === false
        ? new x509.BasicConstraintsExtension(false, undefined, true)
        : new x509.BasicConstraintsExtension(true, o.ca.pathLength, true),
    );
  }
  if (o.keyUsage !== undefined) extensions.push(new x509.KeyUsagesExtension(o.keyUsage, true));
  if (o.eku) extensions.push(new x509.ExtendedKeyUsageExtension(o.eku, false));
  if (o.hosts)
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        o.hosts.map((h) => ({ type: /^[\d.]+$/.test(h) ? 'ip' : 'dns', value: h })),
      ),
    );
  extensions.push(...(o.extraExtensions ?? []));
  const cert = await x509.X509CertificateGenerator.create({
    subject: new x509.Name(o.subject),
    issuer: o.issuer ? new x509.X509Certificate(o.issuer.certPem).subjectName : new x509.Name(o.subject),
    notBefore: o.notBefore ?? new Date(NOW.getTime() - 60_000),
    notAfter: o.notAfter ?? new Date(NOW.getTime() + 365 * 86_400_000),
    publicKey: o.keys.pair.publicKey,
    signingKey: signer.pair.privateKey,
    signingAlgorithm: PARAMS[signer.alg].sign,
    extensions,
  });
  return cert.toString('pem');
}

/** Key usage flags by name (the library's numbering). */
export const KU = x509.KeyUsageFlags;
export const EKU = { server: OID.serverAuth, client: OID.clientAuth };

/** A user-shaped subject. */
export function userSubject(cn: string, org = 'Acme', ou = 'client'): x509.JsonNameParams {
  return [{ O: [{ utf8String: org }] }, { OU: [{ utf8String: ou }] }, { CN: [{ utf8String: cn }] }];
}

/** The subject JSON of an existing certificate (to forge an issuer name). */
export function nameOf(certPem: string): x509.JsonNameParams {
  return new x509.X509Certificate(certPem).subjectName.toJSON();
}

export { parseCertificate };
