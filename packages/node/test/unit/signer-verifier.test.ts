/**
 * The node's signer verifier: a leaf is chained to the root through the CA certificates of its own
 * bundle only, so every node reaches the same verdict whatever requests it saw before, and no
 * stream of bundles can change the verdict on anyone else's.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  type Credential,
  createRootCa,
  issueCaCertificate,
  issueUserCertificate,
  parseCertificate,
} from '@bsn/pki';
import { bundleVerifier } from '../../src/index.js';

let rootPem: string;
let acmeCa: Credential;
let otherCa: Credential;
let alice: string;
let carol: string;
const revokedAt = new Map<string, number>();
const schedule = { revokedAt: (fp: string) => revokedAt.get(fp) };

before(async () => {
  const root = await createRootCa({ commonName: 'test root', organization: 'test' });
  rootPem = root.certPem;
  const ca = async (organization: string) => {
    const c = await issueCaCertificate(root, {
      commonName: `${organization} CA`,
      organization,
      purpose: 'org',
    });
    return { certPem: c.certPem, keyPem: c.keyPem! };
  };
  acmeCa = await ca('acme');
  otherCa = await ca('other');
  alice = (await issueUserCertificate(acmeCa, { id: 'alice', organization: 'acme', role: 'client' })).certPem;
  carol = (await issueUserCertificate(otherCa, { id: 'carol', organization: 'other', role: 'client' }))
    .certPem;
});

/** The same CA certificate with `k` spaces inside its base64 body: another text, the same certificate. */
function variant(pem: string, k: number): string {
  const body = pem.indexOf('\n') + 1;
  return `${pem.slice(0, body + 10)}${' '.repeat(k)}${pem.slice(body + 10)}`;
}

describe('bundleVerifier', () => {
  it('chains a leaf through its own bundle only: without its CA it is refused, even on a node that saw that CA before', () => {
    const verifier = bundleVerifier(rootPem, schedule);
    const now = Date.now();
    const full = verifier.verify(`${alice}${acmeCa.certPem}`, now);
    assert.equal(full.ok, true, JSON.stringify(full));
    const bare = verifier.verify(alice, now);
    assert.ok(!bare.ok);
    assert.equal(bare.code, 'BSN_PKI_UNKNOWN_ISSUER');
    // A fresh node gives the same answers in the other order.
    const fresh = bundleVerifier(rootPem, schedule);
    assert.equal(fresh.verify(alice, now).ok, false);
    assert.equal(fresh.verify(`${alice}${acmeCa.certPem}`, now).ok, true);
  });

  it('keeps its verdicts whatever bundles arrived before: 10,100 texts of one CA do not lock out a new issuer', () => {
    const verifier = bundleVerifier(rootPem, schedule);
    const now = Date.now();
    // What an unauthenticated client can send: bundles whose CA slot holds ever-new texts of a public CA.
    for (let k = 1; k <= 10_100; k++) verifier.verify(`${alice}${variant(acmeCa.certPem, k)}`, now);
    const check = verifier.verify(`${carol}${otherCa.certPem}`, now);
    assert.equal(check.ok, true, JSON.stringify(check));
    assert.equal(bundleVerifier(rootPem, schedule).verify(`${carol}${otherCa.certPem}`, now).ok, true);
  });

  it('refuses the users of a revoked CA from just after the revocation, as every node and every replay does', () => {
    const verifier = bundleVerifier(rootPem, schedule);
    const t = Date.now();
    const fp = parseCertificate(acmeCa.certPem).fingerprint;
    revokedAt.set(fp, t);
    try {
      assert.equal(verifier.verify(`${alice}${acmeCa.certPem}`, t).ok, true);
      const late = verifier.verify(`${alice}${acmeCa.certPem}`, t + 1);
      assert.ok(!late.ok);
      assert.equal(late.code, 'BSN_PKI_REVOKED');
      assert.equal(verifier.verify(`${carol}${otherCa.certPem}`, t + 1).ok, true);
    } finally {
      revokedAt.delete(fp);
    }
  });

  it('refuses a bundle whose CA certificate is malformed, and a leaf whose CA is of another organisation', async () => {
    const verifier = bundleVerifier(rootPem, schedule);
    const broken = `${alice}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`;
    const bad = verifier.verify(broken, Date.now());
    assert.ok(!bad.ok);
    assert.equal(bad.code, 'BSN_PKI_CERT_MALFORMED');
    const spoof = (await issueUserCertificate(otherCa, { id: 'eve', organization: 'acme', role: 'client' }))
      .certPem;
    const check = verifier.verify(`${spoof}${otherCa.certPem}`, Date.now());
    assert.ok(!check.ok);
    assert.equal(check.code, 'BSN_NODE_SIGNER_ORG_MISMATCH');
    assert.equal(check.message, 'certificate names organisation "acme" but its CA belongs to "other"');
  });
});

describe('bundleVerifier limits', () => {
  it(`refuses a bundle with more CA certificates than a chain can hold, before parsing any`, () => {
    const verifier = bundleVerifier(rootPem, schedule);
    const check = verifier.verify(`${alice}${acmeCa.certPem.repeat(6)}`, Date.now());
    assert.ok(!check.ok);
    assert.equal(check.code, 'BSN_PKI_PATH_LENGTH');
    assert.equal(check.message, 'a signer bundle holds at most 5 CA certificates, this one 6');
    // Five (a chain's most) still verify: the same CA repeated is one certificate to the store.
    assert.equal(verifier.verify(`${alice}${acmeCa.certPem.repeat(5)}`, Date.now()).ok, true);
  });
});
