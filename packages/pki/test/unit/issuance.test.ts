import assert from 'node:assert/strict';
import { type webcrypto, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { BsnError, generateKeyPair, signBytes, verifySignature } from '@bsn/core';
import * as x509 from '@peculiar/x509';
import {
  BSN_ATTRIBUTES_OID,
  BSN_CA_PURPOSE_OID,
  callerFromCertificate,
  createCsr,
  createRootCa,
  issueCaCertificate,
  issueNodeCertificate,
  issueUserCertificate,
  OID,
  parseCertificate,
  verifyCertificateChain,
} from '../../src/index.js';
import { AT, asCred, craft, hierarchy, importKeys, KU, NOW, rawKeys, userSubject } from './fixtures.js';

/** A value outside a parameter's type, as an untyped caller would pass it. */
function unknownValue<T>(value: string): T {
  return value as unknown as T;
}

function rejectsWith(code: string, message?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof BsnError, `expected a BsnError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  };
}

describe('certificate profile', async () => {
  const h = await hierarchy();

  it('creates a self-signed root CA with pathLen 1 and only keyCertSign + cRLSign', () => {
    const root = parseCertificate(h.root.certPem);
    assert.equal(root.kind, 'root');
    assert.equal(root.pathLength, 1);
    assert.deepEqual([...root.keyUsage].sort(), ['cRLSign', 'keyCertSign']);
    assert.equal(root.subject.commonName, 'BSN Root');
    assert.equal(root.subject.organization, 'BSN');
    assert.equal(root.algorithm, 'ecdsa-p256-sha256');
    const node = new X509Certificate(h.root.certPem);
    assert.ok(node.ca);
    assert.ok(node.verify(node.publicKey), 'root is self-signed');
  });

  it('issues second-level CAs with pathLen 0 and their purpose in the BSN extension', () => {
    const org = parseCertificate(h.orgCa.certPem);
    assert.equal(org.kind, 'ca');
    assert.equal(org.caPurpose, 'org');
    assert.equal(org.pathLength, 0);
    assert.deepEqual([...org.keyUsage].sort(), ['cRLSign', 'keyCertSign']);
    assert.equal(parseCertificate(h.pcnCa.certPem).caPurpose, 'pcn');
    assert.ok(new X509Certificate(h.orgCa.certPem).checkIssued(new X509Certificate(h.root.certPem)));
    const ext = new x509.X509Certificate(h.orgCa.certPem).getExtension(BSN_CA_PURPOSE_OID);
    assert.ok(ext, 'purpose extension present');
    assert.equal(ext.critical, false, 'non-critical, so TLS stacks that do not know it still accept the CA');
  });

  it('issues node certificates for mutual TLS: serverAuth + clientAuth, SAN from hosts, OU node', () => {
    const node = parseCertificate(h.node.certPem);
    assert.equal(node.kind, 'node');
    assert.deepEqual(node.keyUsage, ['digitalSignature']);
    assert.deepEqual([...node.extendedKeyUsage].sort(), [OID.serverAuth, OID.clientAuth].sort());
    assert.deepEqual(node.hosts, ['localhost', '127.0.0.1']);
    assert.equal(node.subject.commonName, 'pcn-bj-1');
    assert.equal(node.subject.role, 'node');
    const x = new X509Certificate(h.node.certPem);
    assert.equal(x.checkHost('localhost'), 'localhost');
    assert.equal(x.checkIP('127.0.0.1'), '127.0.0.1');
  });

  it('issues user certificates with the organisation and role as subject attributes, clientAuth only', () => {
    const user = parseCertificate(h.user.certPem);
    assert.equal(user.kind, 'user');
    assert.deepEqual(user.subject, {
      commonName: 'alice',
      organization: 'Acme',
      role: 'client',
      attributes: {},
    });
    assert.deepEqual(user.extendedKeyUsage, [OID.clientAuth]);
    assert.deepEqual(user.keyUsage, ['digitalSignature']);
    assert.equal(user.hosts.length, 0);
  });

  it('uses random positive 16-byte serial numbers and backdates notBefore by five minutes', async () => {
    const serials = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const c = await issueUserCertificate(h.orgCa, {
        id: `u${i}`,
        organization: 'Acme',
        role: 'client',
        now: NOW,
      });
      const info = parseCertificate(c.certPem);
      assert.match(info.serialNumber, /^[0-7][0-9a-f]{31}$/);
      assert.ok(!info.serialNumber.startsWith('00'));
      serials.add(info.serialNumber);
      assert.equal(info.notBefore, NOW.getTime() - 5 * 60_000);
      assert.equal(info.notAfter, NOW.getTime() + 365 * 86_400_000);
    }
    assert.equal(serials.size, 8);
  });

  it('cuts a certificate’s validity to its issuer’s notAfter', async () => {
    const shortCa = asCred(
      await issueCaCertificate(h.root, {
        commonName: 'Short',
        organization: 'S',
        purpose: 'org',
        validDays: 10,
        now: NOW,
      }),
    );
    const user = await issueUserCertificate(shortCa, {
      id: 'u',
      organization: 'S',
      role: 'client',
      validDays: 365,
      now: NOW,
    });
    assert.equal(parseCertificate(user.certPem).notAfter, parseCertificate(shortCa.certPem).notAfter);
  });

  it('writes a user’s extra attributes to the BSN attribute extension, read back as attributes', async () => {
    const issued = await issueUserCertificate(h.orgCa, {
      id: 'bob',
      organization: 'Acme',
      role: 'admin',
      attributes: { region: 'Beijing', 'kyc.tier': '2', note: 'a, "quoted" = value' },
      now: NOW,
    });
    const info = parseCertificate(issued.certPem);
    assert.deepEqual(info.subject.attributes, {
      'kyc.tier': '2',
      note: 'a, "quoted" = value',
      region: 'Beijing',
    });
    assert.equal(info.subject.role, 'admin');
    const caller = callerFromCertificate(info);
    assert.deepEqual(caller, {
      id: 'bob',
      org: 'Acme',
      role: 'admin',
      certFingerprint: info.fingerprint,
      attributes: info.subject.attributes,
    });
    const ext = new x509.X509Certificate(issued.certPem).getExtension(BSN_ATTRIBUTES_OID);
    assert.equal(ext?.critical, false);
  });

  it('keeps subject values with commas, quotes and non-ASCII characters exactly', async () => {
    const issued = await issueUserCertificate(h.orgCa, {
      id: 'Zhang, "San" 张三',
      organization: '北京 Co., Ltd',
      role: 'r=1',
      now: NOW,
    });
    const info = parseCertificate(issued.certPem);
    assert.equal(info.subject.commonName, 'Zhang, "San" 张三');
    assert.equal(info.subject.organization, '北京 Co., Ltd');
    assert.equal(info.subject.role, 'r=1');
  });
});

describe('key modes', async () => {
  const h = await hierarchy();

  it('custody mode returns a fresh private key that signs for the certificate', async () => {
    const issued = await issueUserCertificate(h.orgCa, {
      id: 'carol',
      organization: 'Acme',
      role: 'client',
      now: NOW,
    });
    assert.ok(issued.keyPem);
    const info = parseCertificate(issued.certPem);
    const sig = signBytes(issued.keyPem, new Uint8Array([1, 2, 3]));
    assert.ok(verifySignature(info.publicKeyPem, new Uint8Array([1, 2, 3]), sig));
  });

  it('upload mode certifies the key of a verified CSR and returns no key', async () => {
    const pair = generateKeyPair('ed25519');
    const csrPem = await createCsr({
      keyPem: pair.privateKeyPem,
      commonName: 'dave',
      organization: 'Acme',
      role: 'client',
    });
    assert.match(csrPem, /^-----BEGIN CERTIFICATE REQUEST-----\n/);
    const issued = await issueUserCertificate(h.orgCa, {
      id: 'dave',
      organization: 'Acme',
      role: 'client',
      csrPem,
      now: NOW,
    });
    assert.equal(issued.keyPem, undefined);
    const info = parseCertificate(issued.certPem);
    assert.equal(info.publicKeyPem, pair.publicKeyPem);
    assert.equal(info.algorithm, 'ed25519');
  });

  it('certifies an uploaded public key without a CSR', async () => {
    const pair = generateKeyPair();
    const issued = await issueNodeCertificate(h.pcnCa, {
      id: 'hsm-node',
      organization: 'PCN-BJ',
      hosts: ['node.example'],
      publicKeyPem: pair.publicKeyPem,
      now: NOW,
    });
    assert.equal(issued.keyPem, undefined);
    assert.equal(parseCertificate(issued.certPem).publicKeyPem, pair.publicKeyPem);
  });

  it('rejects a CSR whose signature was tampered with (BSN_PKI_CSR_INVALID)', async () => {
    const pair = generateKeyPair();
    const csrPem = await createCsr({ keyPem: pair.privateKeyPem, commonName: 'erin', organization: 'Acme' });
    const der = Buffer.from(csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 5]! ^= 0x01;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await assert.rejects(
      issueUserCertificate(h.orgCa, {
        id: 'erin',
        organization: 'Acme',
        role: 'client',
        csrPem: tampered,
        now: NOW,
      }),
      rejectsWith('BSN_PKI_CSR_INVALID'),
    );
  });

  it('rejects a CSR that is not a CSR, and one requested for another identity (BSN_PKI_CSR_INVALID)', async () => {
    await assert.rejects(
      issueUserCertificate(h.orgCa, {
        id: 'x',
        organization: 'Acme',
        role: 'client',
        csrPem: 'hello',
        now: NOW,
      }),
      rejectsWith('BSN_PKI_CSR_INVALID'),
    );
    await assert.rejects(
      issueUserCertificate(h.orgCa, {
        id: 'x',
        organization: 'Acme',
        role: 'client',
        csrPem: h.user.certPem,
        now: NOW,
      }),
      rejectsWith('BSN_PKI_CSR_INVALID'),
    );
    const pair = generateKeyPair();
    const csrPem = await createCsr({
      keyPem: pair.privateKeyPem,
      commonName: 'mallory',
      organization: 'Acme',
    });
    await assert.rejects(
      issueUserCertificate(h.orgCa, { id: 'alice', organization: 'Acme', role: 'admin', csrPem, now: NOW }),
      rejectsWith('BSN_PKI_CSR_INVALID', /for "mallory", not for "alice"/),
    );
  });

  it('rejects unsupported algorithms: an unknown name, an RSA CSR, a P-384 public key (BSN_PKI_UNSUPPORTED_ALGORITHM)', async () => {
    await assert.rejects(
      issueUserCertificate(h.orgCa, {
        id: 'x',
        organization: 'Acme',
        role: 'client',
        algorithm: unknownValue('sm2'),
        now: NOW,
      }),
      rejectsWith('BSN_PKI_UNSUPPORTED_ALGORITHM'),
    );
    await assert.rejects(
      createRootCa({ commonName: 'r', organization: 'o', algorithm: unknownValue('rsa-2048') }),
      rejectsWith('BSN_PKI_UNSUPPORTED_ALGORITHM'),
    );
    const rsa = await rawKeys('rsa');
    const rsaCsr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: new x509.Name(userSubject('x')),
      keys: rsa.pair,
      signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as webcrypto.RsaHashedImportParams,
    });
    await assert.rejects(
      issueUserCertificate(h.orgCa, {
        id: 'x',
        organization: 'Acme',
        role: 'client',
        csrPem: rsaCsr.toString('pem'),
        now: NOW,
      }),
      rejectsWith('BSN_PKI_UNSUPPORTED_ALGORITHM', /rsa/),
    );
    const p384 = await rawKeys('p384');
    await assert.rejects(
      issueUserCertificate(h.orgCa, {
        id: 'x',
        organization: 'Acme',
        role: 'client',
        publicKeyPem: p384.publicPem,
        now: NOW,
      }),
      rejectsWith('BSN_PKI_UNSUPPORTED_ALGORITHM', /secp384r1/),
    );
  });
});

describe('issuer checks', async () => {
  const h = await hierarchy();

  it('refuses to issue with a leaf certificate (BSN_PKI_LEAF_AS_CA)', async () => {
    await assert.rejects(
      issueUserCertificate(h.user, { id: 'x', organization: 'Acme', role: 'client', now: NOW }),
      rejectsWith('BSN_PKI_LEAF_AS_CA'),
    );
  });

  it('refuses to issue a CA below a second-level CA (BSN_PKI_PATH_LENGTH)', async () => {
    await assert.rejects(
      issueCaCertificate(h.orgCa, { commonName: 'Sub', organization: 'Acme', purpose: 'org', now: NOW }),
      rejectsWith('BSN_PKI_PATH_LENGTH'),
    );
  });

  it('refuses an issuer key that is not the issuer certificate’s key (BSN_PKI_KEY_MISMATCH)', async () => {
    await assert.rejects(
      issueUserCertificate(
        { certPem: h.orgCa.certPem, keyPem: h.pcnCa.keyPem },
        { id: 'x', organization: 'Acme', role: 'client', now: NOW },
      ),
      rejectsWith('BSN_PKI_KEY_MISMATCH'),
    );
  });

  it('refuses to issue with an expired or not yet valid issuer', async () => {
    const later = new Date(NOW.getTime() + 6 * 365 * 86_400_000);
    await assert.rejects(
      issueUserCertificate(h.orgCa, { id: 'x', organization: 'Acme', role: 'client', now: later }),
      rejectsWith('BSN_PKI_CERT_EXPIRED'),
    );
    await assert.rejects(
      issueUserCertificate(h.orgCa, {
        id: 'x',
        organization: 'Acme',
        role: 'client',
        now: new Date(NOW.getTime() - 3_600_000),
      }),
      rejectsWith('BSN_PKI_CERT_NOT_YET_VALID'),
    );
  });

  it('refuses a CA whose key usage lacks keyCertSign (BSN_PKI_KEY_USAGE)', async () => {
    const keys = await rawKeys('p256');
    const certPem = await craft({
      subject: userSubject('odd CA'),
      keys,
      ca: { pathLength: 0 },
      keyUsage: KU.digitalSignature,
    });
    await assert.rejects(
      issueUserCertificate(
        { certPem, keyPem: keys.privatePem },
        { id: 'x', organization: 'Acme', role: 'client', now: NOW },
      ),
      rejectsWith('BSN_PKI_KEY_USAGE'),
    );
  });

  it('validates every option and names the bad field (BSN_INVALID_ARGUMENT)', async () => {
    const cases: [Promise<unknown>, string][] = [
      [issueUserCertificate(h.orgCa, { id: '', organization: 'Acme', role: 'client', now: NOW }), 'id'],
      [
        issueUserCertificate(h.orgCa, { id: 'x'.repeat(65), organization: 'Acme', role: 'client', now: NOW }),
        'id',
      ],
      [issueUserCertificate(h.orgCa, { id: 'a\nb', organization: 'Acme', role: 'client', now: NOW }), 'id'],
      [issueUserCertificate(h.orgCa, { id: 'alice ', organization: 'Acme', role: 'client', now: NOW }), 'id'],
      [
        issueUserCertificate(h.orgCa, {
          id: 'a',
          organization: 'Acme',
          role: 'client',
          validDays: 0,
          now: NOW,
        }),
        'validDays',
      ],
      [
        issueUserCertificate(h.orgCa, {
          id: 'a',
          organization: 'Acme',
          role: 'client',
          validDays: 1.5,
          now: NOW,
        }),
        'validDays',
      ],
      [
        issueUserCertificate(h.orgCa, {
          id: 'a',
          organization: 'Acme',
          role: 'client',
          now: new Date(Number.NaN),
        }),
        'now',
      ],
      [
        issueUserCertificate(h.orgCa, {
          id: 'a',
          organization: 'Acme',
          role: 'client',
          attributes: { CN: 'root' },
          now: NOW,
        }),
        'attributes.CN',
      ],
      [
        issueUserCertificate(h.orgCa, {
          id: 'a',
          organization: 'Acme',
          role: 'client',
          attributes: { '1x': 'v' },
          now: NOW,
        }),
        'attributes.1x',
      ],
      [
        issueUserCertificate(h.orgCa, {
          id: 'a',
          organization: 'Acme',
          role: 'client',
          attributes: { x: 'v'.repeat(1025) },
          now: NOW,
        }),
        'attributes.x',
      ],
      [
        issueUserCertificate(h.orgCa, {
          id: 'a',
          organization: 'Acme',
          role: 'client',
          csrPem: 'x',
          publicKeyPem: 'y',
          now: NOW,
        }),
        'csrPem',
      ],
      [issueNodeCertificate(h.pcnCa, { id: 'n', organization: 'P', hosts: [], now: NOW }), 'hosts'],
      [
        issueNodeCertificate(h.pcnCa, { id: 'n', organization: 'P', hosts: ['bad host!'], now: NOW }),
        'hosts[0]',
      ],
      [
        issueCaCertificate(h.root, {
          commonName: 'c',
          organization: 'o',
          purpose: unknownValue('bank'),
          now: NOW,
        }),
        'purpose',
      ],
    ];
    for (const [promise, field] of cases) {
      await assert.rejects(promise, (err: unknown) => {
        assert.ok(err instanceof BsnError);
        assert.equal(err.code, 'BSN_INVALID_ARGUMENT', err.message);
        assert.equal(err.details['field'], field);
        return true;
      });
    }
  });

  it('never puts a private key into an error', async () => {
    const { privateKeyPem } = generateKeyPair();
    const broken = privateKeyPem.replace(/[A-Za-z]/, '!');
    const err = await issueUserCertificate(
      { certPem: h.orgCa.certPem, keyPem: broken },
      { id: 'x', organization: 'A', role: 'r', now: NOW },
    ).catch((e: unknown) => e);
    assert.ok(err instanceof BsnError);
    assert.equal(err.code, 'BSN_KEY_INVALID');
    const body = privateKeyPem.split('\n')[1]!;
    const text = JSON.stringify({ message: err.message, details: err.details, cause: String(err.cause) });
    assert.ok(!text.includes(body.slice(0, 20)));
  });
});

describe('algorithms', () => {
  it('builds and verifies a complete Ed25519 hierarchy', async () => {
    const h = await hierarchy('ed25519');
    for (const c of [h.root, h.orgCa, h.user]) assert.equal(parseCertificate(c.certPem).algorithm, 'ed25519');
    const check = verifyCertificateChain(h.user.certPem, {
      roots: [h.root.certPem],
      intermediates: [h.orgCa.certPem],
      expect: 'user',
      at: AT,
    });
    assert.ok(check.ok, check.ok ? '' : check.message);
  });

  it('verifies a mixed chain: P-256 root, Ed25519 CA, P-256 and Ed25519 leaves', async () => {
    const root = await createRootCa({ commonName: 'Mixed Root', organization: 'BSN', now: NOW });
    const ca = asCred(
      await issueCaCertificate(root, {
        commonName: 'Ed CA',
        organization: 'Acme',
        purpose: 'org',
        algorithm: 'ed25519',
        now: NOW,
      }),
    );
    const edUser = await issueUserCertificate(ca, {
      id: 'ed',
      organization: 'Acme',
      role: 'client',
      algorithm: 'ed25519',
      now: NOW,
    });
    const pUser = await issueUserCertificate(ca, { id: 'p', organization: 'Acme', role: 'client', now: NOW });
    for (const leaf of [edUser, pUser]) {
      const check = verifyCertificateChain(leaf.certPem, {
        roots: [root.certPem],
        intermediates: [ca.certPem],
        expect: 'user',
        at: AT,
      });
      assert.ok(check.ok, check.ok ? '' : check.message);
      assert.deepEqual(
        check.chain.map((c) => c.algorithm),
        [parseCertificate(leaf.certPem).algorithm, 'ed25519', 'ecdsa-p256-sha256'],
      );
    }
    assert.equal((await importKeys(ca.keyPem)).alg, 'ed25519');
  });
});
