/**
 * Time-stamped revocation through trustStoreVerifier: a revoked certificate anywhere in the signer's
 * chain (the leaf or a CA above it) refuses the signer from just after the revocation's time, so a
 * compromised organisation CA cannot keep signing for its users, old or newly minted.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  type Credential,
  createRootCa,
  issueCaCertificate,
  issueUserCertificate,
  parseCertificate,
  TrustStore,
} from '@bsn/pki';
import { type CertificateVerifier, trustStoreVerifier } from '../../src/index.js';

const revokedAt = new Map<string, number>();
let verifier: CertificateVerifier;
let orgCa: Credential;
let otherCa: Credential;
let alice: string;
let carol: string;

async function user(ca: Credential, id: string, organization: string): Promise<string> {
  return (await issueUserCertificate(ca, { id, organization, role: 'client' })).certPem;
}

before(async () => {
  const root = await createRootCa({ commonName: 'BSN Test Root', organization: 'bsn' });
  const issued = await issueCaCertificate(root, {
    commonName: 'Acme CA',
    organization: 'acme',
    purpose: 'org',
  });
  orgCa = { certPem: issued.certPem, keyPem: issued.keyPem! };
  const other = await issueCaCertificate(root, {
    commonName: 'Other CA',
    organization: 'other',
    purpose: 'org',
  });
  otherCa = { certPem: other.certPem, keyPem: other.keyPem! };
  alice = await user(orgCa, 'alice', 'acme');
  carol = await user(otherCa, 'carol', 'other');
  const trust = new TrustStore({ roots: [root.certPem], intermediates: [orgCa.certPem, otherCa.certPem] });
  verifier = trustStoreVerifier(trust, {
    expect: 'user',
    revocations: { revokedAt: (fp) => revokedAt.get(fp) },
  });
});

describe('revocation of a CA certificate', () => {
  it('refuses every certificate the CA issued, old or minted after the revocation, from just after its time', async () => {
    const t = Date.now();
    const caFingerprint = parseCertificate(orgCa.certPem).fingerprint;
    assert.equal(verifier.verify(alice, t + 1).ok, true);
    revokedAt.set(caFingerprint, t);
    try {
      // At the revocation's own time the certificate still counts (the revoking block executes the same on replay).
      assert.equal(verifier.verify(alice, t).ok, true);
      const late = verifier.verify(alice, t + 1);
      assert.ok(!late.ok);
      assert.equal(late.code, 'BSN_PKI_REVOKED');
      assert.match(late.message, new RegExp(`issued by CA certificate ${caFingerprint}, revoked at ${t}`));
      // A certificate made with the compromised key after the revocation.
      const minted = await user(orgCa, 'mallory', 'acme');
      const check = verifier.verify(minted, t + 5);
      assert.equal(check.ok ? 'ok' : check.code, 'BSN_PKI_REVOKED');
      // Another organisation's CA is untouched.
      assert.equal(verifier.verify(carol, t + 1).ok, true);
    } finally {
      revokedAt.delete(caFingerprint);
    }
  });

  it('still refuses a revoked leaf, naming the leaf', () => {
    const t = Date.now();
    const fp = parseCertificate(carol).fingerprint;
    revokedAt.set(fp, t);
    try {
      const check = verifier.verify(carol, t + 1);
      assert.ok(!check.ok);
      assert.equal(check.code, 'BSN_PKI_REVOKED');
      assert.equal(check.message, `certificate ${fp} was revoked at ${t}`);
    } finally {
      revokedAt.delete(fp);
    }
  });
});
