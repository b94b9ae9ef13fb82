import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorCatalog } from '@bsn/core';
import * as x509 from '@peculiar/x509';
import fc from 'fast-check';
import {
  type ChainCheck,
  type ChainPurpose,
  createRootCa,
  issueUserCertificate,
  parseCertificate,
  pkiErrorCodes,
  TrustStore,
  verifyCertificateChain,
} from '../../src/index.js';
import { AT, craft, EKU, hierarchy, importKeys, KU, NOW, nameOf, rawKeys, userSubject } from './fixtures.js';

const h = await hierarchy();
const roots = [h.root.certPem];
const intermediates = [h.orgCa.certPem, h.pcnCa.certPem];
const orgKeys = await importKeys(h.orgCa.keyPem);

function check(
  leafPem: string,
  expect: ChainPurpose,
  extra: { at?: number; revoked?: Set<string>; intermediates?: string[] } = {},
): ChainCheck {
  return verifyCertificateChain(leafPem, {
    roots,
    intermediates: extra.intermediates ?? intermediates,
    expect,
    at: extra.at ?? AT,
    ...(extra.revoked ? { revoked: extra.revoked } : {}),
  });
}

function rejected(result: ChainCheck, code: string, message?: RegExp): void {
  assert.equal(result.ok, false, 'expected a rejection');
  if (result.ok) return;
  assert.equal(result.code, code, result.message);
  if (message) assert.match(result.message, message);
}

/** A user certificate crafted under the org CA with the given changes. */
function orgLeaf(
  over: Partial<Parameters<typeof craft>[0]> = {},
  keys?: Awaited<ReturnType<typeof rawKeys>>,
) {
  return (async () =>
    craft({
      subject: userSubject('crafted'),
      issuer: { certPem: h.orgCa.certPem, keys: orgKeys },
      keys: keys ?? (await rawKeys('p256')),
      ca: false,
      keyUsage: KU.digitalSignature,
      eku: [EKU.client],
      ...over,
    }))();
}

describe('verifyCertificateChain accepts', () => {
  it('a user certificate as user and as leaf, returning the chain leaf…root', () => {
    for (const expect of ['user', 'leaf'] as const) {
      const result = check(h.user.certPem, expect);
      assert.ok(result.ok, result.ok ? '' : result.message);
      assert.deepEqual(
        result.chain.map((c) => c.subject.commonName),
        ['alice', 'Acme CA', 'BSN Root'],
      );
      assert.equal(result.leaf.fingerprint, parseCertificate(h.user.certPem).fingerprint);
    }
  });

  it('a node certificate as node and as leaf', () => {
    for (const expect of ['node', 'leaf'] as const) {
      const result = check(h.node.certPem, expect);
      assert.ok(result.ok, result.ok ? '' : result.message);
      assert.equal(result.chain.length, 3);
    }
  });

  it('a second-level CA and the root itself as ca', () => {
    const ca = check(h.orgCa.certPem, 'ca');
    assert.ok(ca.ok && ca.chain.length === 2);
    const root = check(h.root.certPem, 'ca');
    assert.ok(root.ok && root.chain.length === 1);
  });

  it('at the exact first and last instants of validity', () => {
    const info = parseCertificate(h.user.certPem);
    assert.ok(check(h.user.certPem, 'user', { at: info.notBefore }).ok);
    assert.ok(check(h.user.certPem, 'user', { at: info.notAfter }).ok);
  });
});

describe('verifyCertificateChain rejects, each with its own code', () => {
  it('malformed input (BSN_PKI_CERT_MALFORMED)', async () => {
    const body = h.user.certPem.trim();
    const cases = [
      '',
      'not a certificate',
      `${body}\n${h.orgCa.certPem}`,
      `junk\n${body}`,
      body.replace(/\n[^\n]+\n-----END/, '\n-----END'),
      body.replace('MII', 'M*I'),
      '-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----',
      'x'.repeat(70_000),
    ];
    for (const pem of cases) rejected(check(pem, 'user'), 'BSN_PKI_CERT_MALFORMED');
    const twoCns = await craft({
      subject: [
        { O: [{ utf8String: 'Acme' }] },
        { CN: [{ utf8String: 'alice' }] },
        { CN: [{ utf8String: 'admin' }] },
      ],
      issuer: { certPem: h.orgCa.certPem, keys: orgKeys },
      keys: await rawKeys('p256'),
      ca: false,
      keyUsage: KU.digitalSignature,
      eku: [EKU.client],
    });
    rejected(check(twoCns, 'user'), 'BSN_PKI_CERT_MALFORMED', /2 CN attributes/);
    // @ts-expect-error: hostile callers pass anything
    rejected(check(undefined, 'user'), 'BSN_PKI_CERT_MALFORMED');
  });

  it('an expired certificate (BSN_PKI_CERT_EXPIRED), also when only the CA expired', async () => {
    const info = parseCertificate(h.user.certPem);
    rejected(check(h.user.certPem, 'user', { at: info.notAfter + 1 }), 'BSN_PKI_CERT_EXPIRED', /alice/);
    const longLeaf = await orgLeaf({ notAfter: new Date(NOW.getTime() + 20 * 365 * 86_400_000) });
    const caEnd = parseCertificate(h.orgCa.certPem).notAfter;
    rejected(check(longLeaf, 'user', { at: caEnd + 1000 }), 'BSN_PKI_CERT_EXPIRED', /Acme CA/);
  });

  it('a certificate before its notBefore (BSN_PKI_CERT_NOT_YET_VALID)', () => {
    const info = parseCertificate(h.user.certPem);
    rejected(check(h.user.certPem, 'user', { at: info.notBefore - 1 }), 'BSN_PKI_CERT_NOT_YET_VALID');
  });

  it('a certificate of another root, or with its intermediate missing (BSN_PKI_UNKNOWN_ISSUER)', async () => {
    const otherRoot = await createRootCa({ commonName: 'Other Root', organization: 'Evil', now: NOW });
    const stranger = await issueUserCertificate(otherRoot, {
      id: 'eve',
      organization: 'Evil',
      role: 'client',
      now: NOW,
    });
    rejected(check(stranger.certPem, 'user'), 'BSN_PKI_UNKNOWN_ISSUER');
    rejected(check(h.user.certPem, 'user', { intermediates: [] }), 'BSN_PKI_UNKNOWN_ISSUER', /Acme CA/);
    rejected(check(otherRoot.certPem, 'ca'), 'BSN_PKI_UNKNOWN_ISSUER');
  });

  it('a certificate naming a known issuer but signed by another key (BSN_PKI_BAD_SIGNATURE)', async () => {
    const impostorKeys = await rawKeys('p256');
    const forged = await craft({
      subject: userSubject('mallory'),
      issuer: { certPem: h.orgCa.certPem, keys: impostorKeys },
      keys: await rawKeys('p256'),
      ca: false,
      keyUsage: KU.digitalSignature,
      eku: [EKU.client],
    });
    rejected(check(forged, 'user'), 'BSN_PKI_BAD_SIGNATURE', /mallory/);
    // A forged CA with the real CA's name but another key cannot vouch either.
    const fakeCa = await craft({
      subject: nameOf(h.orgCa.certPem),
      issuer: { certPem: h.root.certPem, keys: impostorKeys },
      keys: impostorKeys,
      ca: { pathLength: 0 },
      keyUsage: KU.keyCertSign,
    });
    rejected(check(fakeCa, 'ca'), 'BSN_PKI_BAD_SIGNATURE');
  });

  it('a certificate whose signature bytes were altered (BSN_PKI_BAD_SIGNATURE)', () => {
    const der = Buffer.from(h.user.certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 3]! ^= 0x40;
    const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
    rejected(check(pem, 'user'), 'BSN_PKI_BAD_SIGNATURE');
  });

  it('a revoked certificate, or one under a revoked CA (BSN_PKI_REVOKED)', () => {
    const user = parseCertificate(h.user.certPem);
    const ca = parseCertificate(h.orgCa.certPem);
    rejected(
      check(h.user.certPem, 'user', { revoked: new Set([user.fingerprint]) }),
      'BSN_PKI_REVOKED',
      /alice/,
    );
    rejected(
      check(h.user.certPem, 'user', { revoked: new Set([ca.fingerprint]) }),
      'BSN_PKI_REVOKED',
      /Acme CA/,
    );
    assert.ok(
      check(h.node.certPem, 'node', { revoked: new Set([ca.fingerprint]) }).ok,
      'the PCN CA branch is unaffected',
    );
  });

  it('a certificate used for a purpose its key usages do not allow (BSN_PKI_KEY_USAGE)', async () => {
    rejected(check(h.node.certPem, 'user'), 'BSN_PKI_KEY_USAGE', /node certificate/);
    rejected(check(h.user.certPem, 'node'), 'BSN_PKI_KEY_USAGE', /serverAuth and clientAuth/);
    rejected(
      check(await orgLeaf({ keyUsage: KU.keyEncipherment }), 'user'),
      'BSN_PKI_KEY_USAGE',
      /digitalSignature/,
    );
    rejected(check(await orgLeaf({ eku: ['1.3.6.1.5.5.7.3.3'] }), 'leaf'), 'BSN_PKI_KEY_USAGE', /clientAuth/);
    // A CA without keyCertSign cannot vouch for what it signs.
    const rootKeys = await importKeys(h.root.keyPem);
    const caKeys = await rawKeys('p256');
    const weakCa = await craft({
      subject: userSubject('Weak CA', 'Weak', 'ca'),
      issuer: { certPem: h.root.certPem, keys: rootKeys },
      keys: caKeys,
      ca: { pathLength: 0 },
      keyUsage: KU.cRLSign,
    });
    const leaf = await craft({
      subject: userSubject('w'),
      issuer: { certPem: weakCa, keys: caKeys },
      keys: await rawKeys('p256'),
      ca: false,
      keyUsage: KU.digitalSignature,
      eku: [EKU.client],
    });
    rejected(check(leaf, 'user', { intermediates: [weakCa] }), 'BSN_PKI_KEY_USAGE', /keyCertSign/);
  });

  it('a CA certificate presented as a user or node (BSN_PKI_CA_AS_LEAF)', () => {
    for (const expect of ['user', 'node', 'leaf'] as const) {
      rejected(check(h.orgCa.certPem, expect), 'BSN_PKI_CA_AS_LEAF');
      rejected(check(h.root.certPem, expect), 'BSN_PKI_CA_AS_LEAF');
    }
  });

  it('a leaf certificate presented as a CA or used to issue (BSN_PKI_LEAF_AS_CA)', async () => {
    rejected(check(h.user.certPem, 'ca'), 'BSN_PKI_LEAF_AS_CA');
    const userKeys = await importKeys(h.user.keyPem);
    const issuedByUser = await craft({
      subject: userSubject('minion'),
      issuer: { certPem: h.user.certPem, keys: userKeys },
      keys: await rawKeys('p256'),
      ca: false,
      keyUsage: KU.digitalSignature,
      eku: [EKU.client],
    });
    rejected(
      check(issuedByUser, 'user', { intermediates: [...intermediates, h.user.certPem] }),
      'BSN_PKI_LEAF_AS_CA',
      /alice/,
    );
  });

  it('a CA below a pathLen-0 CA (BSN_PKI_PATH_LENGTH)', async () => {
    const subKeys = await rawKeys('p256');
    const subCa = await craft({
      subject: userSubject('Sub CA', 'Acme', 'ca'),
      issuer: { certPem: h.orgCa.certPem, keys: orgKeys },
      keys: subKeys,
      ca: {},
      keyUsage: KU.keyCertSign,
    });
    const leaf = await craft({
      subject: userSubject('deep'),
      issuer: { certPem: subCa, keys: subKeys },
      keys: await rawKeys('p256'),
      ca: false,
      keyUsage: KU.digitalSignature,
      eku: [EKU.client],
    });
    rejected(
      check(leaf, 'user', { intermediates: [...intermediates, subCa] }),
      'BSN_PKI_PATH_LENGTH',
      /Acme CA/,
    );
  });

  it('keys and signatures of other algorithms (BSN_PKI_UNSUPPORTED_ALGORITHM)', async () => {
    rejected(
      check(await orgLeaf({}, await rawKeys('p384')), 'user'),
      'BSN_PKI_UNSUPPORTED_ALGORITHM',
      /secp384r1/,
    );
    const rsa = await rawKeys('rsa');
    const rsaRoot = await craft({
      subject: userSubject('RSA Root', 'R', 'ca'),
      keys: rsa,
      ca: { pathLength: 1 },
      keyUsage: KU.keyCertSign,
    });
    rejected(check(rsaRoot, 'ca'), 'BSN_PKI_UNSUPPORTED_ALGORITHM');
    const p384 = await rawKeys('p384');
    const sha384Root = await craft({
      subject: userSubject('P384', 'R', 'ca'),
      keys: p384,
      ca: { pathLength: 1 },
      keyUsage: KU.keyCertSign,
    });
    rejected(check(sha384Root, 'ca'), 'BSN_PKI_UNSUPPORTED_ALGORITHM', /1\.2\.840\.10045\.4\.3\.3/);
  });

  it('a certificate with a critical extension BSN does not process (BSN_PKI_UNKNOWN_CRITICAL_EXTENSION)', async () => {
    const leaf = await orgLeaf({
      extraExtensions: [new x509.Extension('1.2.3.4.5', true, new Uint8Array([5, 0]))],
    });
    rejected(check(leaf, 'user'), 'BSN_PKI_UNKNOWN_CRITICAL_EXTENSION', /1\.2\.3\.4\.5/);
    const harmless = await orgLeaf({
      extraExtensions: [new x509.Extension('1.2.3.4.5', false, new Uint8Array([5, 0]))],
    });
    assert.ok(check(harmless, 'user').ok, 'a non-critical unknown extension is ignored');
  });

  it('a bad trust configuration or purpose, without throwing', () => {
    rejected(verifyCertificateChain(h.user.certPem, { roots: [], expect: 'user' }), 'BSN_INVALID_ARGUMENT');
    rejected(
      verifyCertificateChain(h.user.certPem, { roots: ['garbage'], expect: 'user' }),
      'BSN_PKI_CERT_MALFORMED',
      /roots\[0\]/,
    );
    // @ts-expect-error: hostile purpose
    rejected(check(h.user.certPem, 'admin'), 'BSN_INVALID_ARGUMENT');
    rejected(check(h.user.certPem, 'user', { at: Number.NaN }), 'BSN_INVALID_ARGUMENT');
  });

  it('fails closed when the revocation list itself throws', () => {
    const broken = {
      has: (): boolean => {
        throw new Error('db down');
      },
    };
    const result = verifyCertificateChain(h.user.certPem, {
      roots,
      intermediates,
      expect: 'user',
      at: AT,
      revoked: broken,
    });
    rejected(result, 'BSN_PKI_REVOKED', /cannot be consulted/);
  });

  it('every code it can return is registered in the error catalogue', () => {
    for (const code of Object.keys(pkiErrorCodes)) assert.ok(errorCatalog[code], code);
  });
});

describe('TrustStore', () => {
  it('memoises verdicts per leaf but re-checks revocation on every call', () => {
    const store = new TrustStore({ roots, intermediates });
    assert.ok(store.verify(h.user.certPem, 'user', AT).ok);
    assert.equal(store.cachedLeaves, 1);
    store.revoke(parseCertificate(h.user.certPem).fingerprint);
    rejected(store.verify(h.user.certPem, 'user', AT), 'BSN_PKI_REVOKED');
    assert.ok(store.verify(h.node.certPem, 'node', AT).ok);
  });

  it('re-checks validity time on every call', () => {
    const store = new TrustStore({ roots, intermediates });
    const info = parseCertificate(h.user.certPem);
    assert.ok(store.verify(h.user.certPem, 'user', AT).ok);
    rejected(store.verify(h.user.certPem, 'user', info.notAfter + 1), 'BSN_PKI_CERT_EXPIRED');
    assert.ok(store.verify(h.user.certPem, 'user', AT).ok);
  });

  it('takes a new revocation list from setRevoked and keeps its own revocations', () => {
    const revoked = new Set<string>();
    const store = new TrustStore({ roots, intermediates, revoked });
    assert.ok(store.verify(h.user.certPem, 'user', AT).ok);
    revoked.add(parseCertificate(h.user.certPem).fingerprint);
    rejected(store.verify(h.user.certPem, 'user', AT), 'BSN_PKI_REVOKED', /alice/);
    store.revoke(parseCertificate(h.node.certPem).fingerprint);
    store.setRevoked(new Set());
    assert.ok(store.verify(h.user.certPem, 'user', AT).ok);
    rejected(store.verify(h.node.certPem, 'node', AT), 'BSN_PKI_REVOKED');
  });

  it('accepts a leaf once its intermediate is added', () => {
    const store = new TrustStore({ roots });
    rejected(store.verify(h.user.certPem, 'user', AT), 'BSN_PKI_UNKNOWN_ISSUER');
    store.addIntermediate(h.orgCa.certPem);
    assert.ok(store.verify(h.user.certPem, 'user', AT).ok);
  });

  it('memoises per purpose: the same certificate verified for another purpose is judged again', () => {
    const store = new TrustStore({ roots, intermediates });
    assert.ok(store.verify(h.node.certPem, 'node', AT).ok);
    rejected(store.verify(h.node.certPem, 'user', AT), 'BSN_PKI_KEY_USAGE');
    // one leaf, a verdict for each purpose; neither replaces the other
    assert.equal(store.cachedLeaves, 1);
    assert.ok(store.verify(h.node.certPem, 'node', AT).ok);
    rejected(store.verify(h.node.certPem, 'user', AT), 'BSN_PKI_KEY_USAGE');
  });

  it('forgets the oldest verdicts beyond cacheSize', () => {
    const store = new TrustStore({ roots, intermediates, cacheSize: 1 });
    store.verify(h.user.certPem, 'user', AT);
    store.verify(h.node.certPem, 'node', AT);
    assert.equal(store.cachedLeaves, 1);
    assert.ok(store.verify(h.user.certPem, 'user', AT).ok);
  });

  it('throws at construction for a malformed root or intermediate, naming it', () => {
    assert.throws(() => new TrustStore({ roots: [h.root.certPem, 'x'] }), /roots\[1\]/);
    assert.throws(
      () => new TrustStore({ roots, intermediates: ['x'] }),
      (e: Error & { code?: string }) => e.code === 'BSN_PKI_CERT_MALFORMED',
    );
    assert.throws(
      () => new TrustStore({ roots }).revoke('ABC'),
      (e: Error & { code?: string }) => e.code === 'BSN_INVALID_ARGUMENT',
    );
  });
});

describe('hostile input, property-based', () => {
  const der = Buffer.from(h.user.certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const store = new TrustStore({ roots, intermediates });

  it('never accepts a certificate with any byte changed, and never throws', () => {
    fc.assert(
      fc.property(fc.nat(der.length - 1), fc.integer({ min: 1, max: 255 }), (index, flip) => {
        const bytes = Buffer.from(der);
        bytes[index]! ^= flip;
        const pem = `-----BEGIN CERTIFICATE-----\n${bytes.toString('base64')}\n-----END CERTIFICATE-----\n`;
        const result = store.verify(pem, 'user', AT);
        assert.equal(result.ok, false);
        if (!result.ok) assert.ok(result.code in errorCatalog, result.code);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const result = store.verify(
          `-----BEGIN CERTIFICATE-----\n${text}\n-----END CERTIFICATE-----`,
          'leaf',
          AT,
        );
        assert.equal(result.ok, false);
        assert.throws(
          () => parseCertificate(text),
          (e: Error & { code?: string }) => e.code === 'BSN_PKI_CERT_MALFORMED',
        );
      }),
      { numRuns: 300 },
    );
  });
});
