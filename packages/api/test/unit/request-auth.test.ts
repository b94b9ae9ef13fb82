import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  bodyHash,
  formatAuthorization,
  parseAuthorization,
  parseAuthQuery,
  signedPath,
  signRequest,
  verifyRequestSignature,
} from '@bsn/api';
import { BsnError, generateKeyPair } from '@bsn/core';
import { createRootCa, issueCaCertificate, issueUserCertificate } from '@bsn/pki';

/** A real user certificate under a fresh root, made at test time. */
async function userCredential(): Promise<{ certPem: string; keyPem: string }> {
  const root = await createRootCa({ commonName: 'Test Root', organization: 'net' });
  const ca = await issueCaCertificate(root, { commonName: 'Org1 CA', organization: 'org1', purpose: 'org' });
  const user = await issueUserCertificate(
    { certPem: ca.certPem, keyPem: ca.keyPem as string },
    { id: 'test-user', organization: 'org1', role: 'client' },
  );
  return { certPem: user.certPem, keyPem: user.keyPem as string };
}

function code(fn: () => unknown): { code: string; reason: unknown } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof BsnError);
    return { code: err.code, reason: err.details.reason };
  }
  assert.fail('expected an error');
}

describe('request signatures (BSN-Sig)', async () => {
  const id = await userCredential();
  const signer = { certPem: id.certPem, privateKey: id.keyPem };
  const now = 1_800_000_000_000;

  it('verifies a signed GET and returns the signer certificate', () => {
    const path = '/v1/chains/svc-a/state/k%2F1?contract=notary&proof=true';
    const signed = signRequest({ method: 'GET', path }, signer, now);
    const v = verifyRequestSignature(
      { method: 'GET', path, authorization: signed.authorization },
      { now: now + 1000 },
    );
    assert.equal(v.certPem, id.certPem);
    assert.equal(v.time, now);
  });

  it('round-trips the header and query forms', () => {
    const signed = signRequest({ method: 'GET', path: '/v1/x' }, signer, now);
    assert.deepEqual(parseAuthorization(signed.authorization), signed.auth);
    assert.deepEqual(parseAuthQuery(signed.authQuery), signed.auth);
    assert.equal(formatAuthorization(signed.auth), signed.authorization);
  });

  it('accepts the auth query parameter only where allowed, and ignores it in the signed path', () => {
    const base = '/v1/chains/svc-a/events?from=3&contract=c';
    const signed = signRequest({ method: 'GET', path: base }, signer, now);
    const withAuth = `${base}&auth=${signed.authQuery}`;
    assert.equal(signedPath(withAuth), base);
    assert.equal(
      verifyRequestSignature({ method: 'GET', path: withAuth }, { now, allowQueryAuth: true }).certPem,
      id.certPem,
    );
    assert.deepEqual(
      code(() => verifyRequestSignature({ method: 'GET', path: withAuth }, { now })),
      {
        code: 'BSN_GATEWAY_UNAUTHENTICATED',
        reason: 'missing',
      },
    );
  });

  it('rejects a request whose path, method or body differs from what was signed', () => {
    const signed = signRequest({ method: 'POST', path: '/v1/a?x=1', body: '{"a":1}' }, signer, now);
    const ok = { method: 'POST', path: '/v1/a?x=1', body: '{"a":1}', authorization: signed.authorization };
    assert.equal(verifyRequestSignature(ok, { now }).certPem, id.certPem);
    for (const bad of [
      { ...ok, path: '/v1/a?x=2' },
      { ...ok, method: 'PUT' },
      { ...ok, body: '{"a":2}' },
      { ...ok, body: undefined },
    ]) {
      assert.deepEqual(
        code(() => verifyRequestSignature(bad, { now })),
        {
          code: 'BSN_GATEWAY_UNAUTHENTICATED',
          reason: 'bad-signature',
        },
      );
    }
  });

  it('rejects a signature made by another key than the certificate’s', () => {
    const other = generateKeyPair();
    const forged = signRequest(
      { method: 'GET', path: '/v1/a' },
      { certPem: id.certPem, privateKey: other.privateKeyPem },
      now,
    );
    assert.deepEqual(
      code(() =>
        verifyRequestSignature(
          { method: 'GET', path: '/v1/a', authorization: forged.authorization },
          { now },
        ),
      ),
      {
        code: 'BSN_GATEWAY_UNAUTHENTICATED',
        reason: 'bad-signature',
      },
    );
  });

  it('rejects a request time more than five minutes from the gateway clock, either way', () => {
    const signed = signRequest({ method: 'GET', path: '/v1/a' }, signer, now);
    const req = { method: 'GET', path: '/v1/a', authorization: signed.authorization };
    assert.equal(verifyRequestSignature(req, { now: now + 300_000 }).time, now);
    assert.equal(code(() => verifyRequestSignature(req, { now: now + 300_001 })).reason, 'clock-skew');
    assert.equal(code(() => verifyRequestSignature(req, { now: now - 300_001 })).reason, 'clock-skew');
  });

  it('rejects a missing header and malformed headers with reason "missing" or "malformed"', () => {
    assert.equal(code(() => verifyRequestSignature({ method: 'GET', path: '/v1/a' })).reason, 'missing');
    const good = signRequest({ method: 'GET', path: '/v1/a' }, signer, now).authorization;
    for (const header of [
      'Bearer abc',
      'BSN-Sig',
      'BSN-Sig cert="!!!", time="1", sig="00"',
      good.replace(/sig="[0-9a-f]+"/, 'sig="XYZ"'),
      good.replace(/time="\d+"/, 'time="soon"'),
      `${good}, sig="${'0'.repeat(128)}"`,
      good.replace(', time=', ' time='),
      `BSN-Sig cert="${Buffer.from('not a pem').toString('base64')}", time="1", sig="${'0'.repeat(128)}"`,
    ]) {
      assert.deepEqual(
        code(() => verifyRequestSignature({ method: 'GET', path: '/v1/a', authorization: header }, { now })),
        {
          code: 'BSN_GATEWAY_UNAUTHENTICATED',
          reason: 'malformed',
        },
        header,
      );
    }
    for (const q of [
      '***',
      Buffer.from('[1]').toString('base64url'),
      Buffer.from('nope').toString('base64url'),
    ]) {
      assert.equal(code(() => parseAuthQuery(q)).reason, 'malformed');
    }
  });

  it('hashes an absent body as zero bytes', () => {
    assert.equal(bodyHash(), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(bodyHash(''), bodyHash(new Uint8Array(0)));
  });

  it('signs with a KeyObject as well as with PEM', () => {
    const key = createPrivateKey(id.keyPem);
    const signed = signRequest(
      { method: 'GET', path: '/v1/a' },
      { certPem: id.certPem, privateKey: key },
      now,
    );
    assert.equal(
      verifyRequestSignature({ method: 'GET', path: '/v1/a', authorization: signed.authorization }, { now })
        .time,
      now,
    );
  });
});
