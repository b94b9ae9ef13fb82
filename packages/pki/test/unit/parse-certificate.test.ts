import assert from 'node:assert/strict';
import { X509Certificate as NodeX509 } from 'node:crypto';
import { describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import fc from 'fast-check';
import { issueNodeCertificate, issueUserCertificate, parseCertificate } from '../../src/index.js';
import { craft, EKU, hierarchy, KU, NOW, rawKeys } from './fixtures.js';

const h = await hierarchy();
const edH = await hierarchy('ed25519');

function malformed(pem: string, message?: RegExp): void {
  assert.throws(
    () => parseCertificate(pem),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'BSN_PKI_CERT_MALFORMED', err.message);
      if (message) assert.match(err.message, message);
      return true;
    },
  );
}

function pemOf(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64')}\n-----END CERTIFICATE-----\n`;
}

function derOf(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
}

/** What @peculiar/x509 and Node (OpenSSL) read from the same certificate. */
function reference(pem: string) {
  const p = new x509.X509Certificate(pem);
  const n = new NodeX509(pem);
  const bc = p.getExtension(x509.BasicConstraintsExtension);
  const ku = p.getExtension(x509.KeyUsagesExtension);
  const eku = p.getExtension(x509.ExtendedKeyUsageExtension);
  const san = p.getExtension(x509.SubjectAlternativeNameExtension);
  return {
    commonName: p.subjectName.getField('CN')[0] ?? '',
    organization: p.subjectName.getField('O')[0] ?? '',
    role: p.subjectName.getField('OU')[0] ?? '',
    serialNumber: n.serialNumber.toLowerCase().replace(/^0+(?=.)/, ''),
    notBefore: new Date(n.validFrom).getTime(),
    notAfter: new Date(n.validTo).getTime(),
    fingerprint: n.fingerprint256.replace(/:/g, '').toLowerCase(),
    publicKeyPem: n.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    isCa: n.ca,
    pathLength: bc?.pathLength,
    keyUsageBits: ku?.usages ?? 0,
    eku: eku ? Array.from(eku.usages, String) : [],
    hosts: san ? san.names.items.filter((g) => g.type === 'dns' || g.type === 'ip').map((g) => g.value) : [],
  };
}

function ours(pem: string) {
  const info = parseCertificate(pem);
  const bits: Record<string, number> = {
    digitalSignature: 1,
    nonRepudiation: 2,
    keyEncipherment: 4,
    dataEncipherment: 8,
    keyAgreement: 16,
    keyCertSign: 32,
    cRLSign: 64,
    encipherOnly: 128,
    decipherOnly: 256,
  };
  return {
    commonName: info.subject.commonName,
    organization: info.subject.organization,
    role: info.subject.role,
    serialNumber: info.serialNumber.replace(/^0+(?=.)/, ''),
    notBefore: info.notBefore,
    notAfter: info.notAfter,
    fingerprint: info.fingerprint,
    publicKeyPem: info.publicKeyPem,
    isCa: info.kind === 'root' || info.kind === 'ca',
    pathLength: info.pathLength,
    keyUsageBits: info.keyUsage.reduce((a, k) => a | (bits[k] ?? 0), 0),
    eku: [...info.extendedKeyUsage],
    hosts: [...info.hosts],
  };
}

describe('parseCertificate agrees with @peculiar/x509 and OpenSSL', () => {
  it('on every certificate of a P-256 and an Ed25519 hierarchy', () => {
    for (const set of [h, edH]) {
      for (const cred of [set.root, set.orgCa, set.pcnCa, set.user, set.node]) {
        assert.deepEqual(ours(cred.certPem), reference(cred.certPem));
      }
    }
  });

  it('on node certificates with IPv4, IPv6 and DNS names', async () => {
    const node = await issueNodeCertificate(h.pcnCa, {
      id: 'n6',
      organization: 'PCN-BJ',
      hosts: ['a.example', '10.0.0.1', '::1', '2001:db8::8:800:200c:417a', 'B.Example'],
      now: NOW,
    });
    const info = parseCertificate(node.certPem);
    assert.deepEqual(info.hosts, ['a.example', '10.0.0.1', '::1', '2001:db8::8:800:200c:417a', 'b.example']);
    const n = new NodeX509(node.certPem);
    assert.equal(n.checkIP('2001:db8::8:800:200c:417a'), '2001:db8::8:800:200c:417a');
  });

  it('on user certificates with arbitrary names and attributes (property)', async () => {
    const text = fc
      .string({ minLength: 1, maxLength: 64, unit: 'grapheme' })
      .filter(
        (s) =>
          ![...s].some(
            (c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f),
          ) &&
          s.length <= 64 &&
          s.trim() === s,
      );
    await fc.assert(
      fc.asyncProperty(
        text,
        text,
        text,
        // Names the issuer takes as attributes: CN, O and OU are the subject's own (refused as attributes).
        fc.dictionary(
          fc.stringMatching(/^[a-z][a-z0-9_.-]{0,15}$/).filter((k) => !['cn', 'o', 'ou'].includes(k)),
          fc.string({ maxLength: 40 }),
          { maxKeys: 4 },
        ),
        async (id, organization, role, attributes) => {
          const issued = await issueUserCertificate(h.orgCa, {
            id,
            organization,
            role,
            attributes,
            now: NOW,
          });
          const info = parseCertificate(issued.certPem);
          assert.deepEqual(info.subject, {
            commonName: id,
            organization,
            role,
            attributes: { ...attributes },
          });
          assert.deepEqual(ours(issued.certPem), reference(issued.certPem));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('reads DN attributes beyond CN/O/OU as attributes, and prints the issuer DN with escaping', async () => {
    const keys = await rawKeys('p256');
    const pem = await craft({
      subject: [
        { C: [{ printableString: 'CN' }] },
        { L: [{ utf8String: 'Beijing' }] },
        { O: [{ utf8String: 'A, B' }] },
        { CN: [{ utf8String: 'x' }] },
      ],
      keys,
      ca: { pathLength: 0 },
      keyUsage: KU.keyCertSign,
    });
    const info = parseCertificate(pem);
    assert.deepEqual(info.subject.attributes, { C: 'CN', L: 'Beijing' });
    assert.equal(info.issuer, 'C=CN, L=Beijing, O=A\\, B, CN=x');
    assert.equal(info.kind, 'root');
  });
});

describe('parseCertificate refuses malformed DER (BSN_PKI_CERT_MALFORMED)', () => {
  const der = derOf(h.user.certPem);

  it('trailing bytes after the certificate', () => {
    malformed(pemOf(Buffer.concat([der, Buffer.from([0])])), /trailing/);
  });

  it('a non-minimal length encoding', () => {
    // Re-encode the outer length with one more length byte than needed.
    const len = der.readUInt16BE(2);
    const bloated = Buffer.concat([Buffer.from([0x30, 0x83, 0x00, len >> 8, len & 0xff]), der.subarray(4)]);
    malformed(pemOf(bloated));
  });

  it('an indefinite length', () => {
    malformed(pemOf(Buffer.concat([Buffer.from([0x30, 0x80]), der.subarray(4), Buffer.from([0, 0])])));
  });

  it('a truncated certificate', () => {
    malformed(pemOf(der.subarray(0, der.length - 10)));
  });

  it('a CERTIFICATE block holding something else', () => {
    malformed(pemOf(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])));
    malformed(h.user.certPem.replace(/CERTIFICATE/g, 'PUBLIC KEY'));
  });

  it('an extension that appears twice', async () => {
    const leaf = await craft({
      subject: [{ CN: ['dup'] }],
      keys: await rawKeys('p256'),
      ca: false,
      keyUsage: KU.digitalSignature,
      eku: [EKU.client],
      extraExtensions: [new x509.KeyUsagesExtension(KU.keyCertSign, true)],
    });
    malformed(leaf, /twice/);
  });

  it('a BSN attribute extension that is not a JSON object of strings', async () => {
    const { BSN_ATTRIBUTES_OID } = await import('../../src/index.js');
    const bad = (text: string) => {
      const body = Buffer.from(text, 'utf8');
      return new x509.Extension(BSN_ATTRIBUTES_OID, false, new Uint8Array([0x0c, body.length, ...body]));
    };
    for (const text of ['[1]', '{"a":1}', 'not json']) {
      const leaf = await craft({
        subject: [{ CN: ['a'] }],
        keys: await rawKeys('p256'),
        ca: false,
        extraExtensions: [bad(text)],
      });
      malformed(leaf, /BSN attribute/);
    }
  });
});
