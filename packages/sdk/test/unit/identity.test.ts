import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { BsnError, generateKeyPair, transactionId, verifyTransactionSignature } from '@bsn/core';
import { createTransaction, identityFromPem, loadIdentity } from '@bsn/sdk';
import { buildNetwork, type Network } from '../support/network-fixture.js';

function code(err: unknown): string {
  assert.ok(err instanceof BsnError);
  return err.code;
}

describe('identities and envelopes', () => {
  let net: Network;
  before(async () => {
    net = await buildNetwork(1);
  });

  it('loads an identity from files and signs envelopes the gateway can verify', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsn-sdk-'));
    try {
      fs.writeFileSync(path.join(dir, 'alice.crt'), net.user.certPem);
      fs.writeFileSync(path.join(dir, 'alice.key'), net.user.keyPem, { mode: 0o600 });
      const id = await loadIdentity({
        certPath: path.join(dir, 'alice.crt'),
        keyPath: path.join(dir, 'alice.key'),
      });
      assert.equal(id.certificate.subject.commonName, 'alice');
      assert.equal(id.certificate.subject.organization, 'org1');
      const { tx, txId } = createTransaction(id, {
        chain: 'svc-notary',
        contract: 'notary',
        method: 'put',
        args: ['k', 1],
        now: 1000,
      });
      assert.equal(txId, transactionId(tx.payload));
      assert.equal(tx.payload.expires, 1000 + 5 * 60_000);
      assert.equal(tx.payload.signer, id.certPem);
      assert.ok(verifyTransactionSignature(tx, tx.payload.signer).ok);
      assert.doesNotMatch(String(id.privateKey), /PRIVATE KEY/, 'the key never prints');
      await assert.rejects(
        loadIdentity({ certPath: path.join(dir, 'nope.crt'), keyPath: path.join(dir, 'alice.key') }),
        (e) => code(e) === 'BSN_SDK_IDENTITY_INVALID',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a key that does not belong to the certificate, and malformed PEM', () => {
    assert.throws(
      () => identityFromPem({ certPem: net.user.certPem, keyPem: generateKeyPair().privateKeyPem }),
      (e) => code(e) === 'BSN_SDK_IDENTITY_INVALID',
    );
    assert.throws(
      () => identityFromPem({ certPem: 'nope', keyPem: net.user.keyPem }),
      (e) => code(e) === 'BSN_SDK_IDENTITY_INVALID',
    );
    assert.throws(
      () => identityFromPem({ certPem: net.user.certPem, keyPem: 'nope' }),
      (e) => code(e) === 'BSN_SDK_IDENTITY_INVALID',
    );
  });

  it('names the bad field of an envelope', () => {
    const id = identityFromPem({ certPem: net.user.certPem, keyPem: net.user.keyPem });
    const base = { chain: 'svc-a', contract: 'c', method: 'm' };
    const cases: [Record<string, unknown>, string][] = [
      [{ chain: 'Bad Chain' }, 'chain'],
      [{ contract: '' }, 'contract'],
      [{ method: 'x'.repeat(129) }, 'method'],
      [{ nonce: 'n'.repeat(65) }, 'nonce'],
      [{ expiresInMs: 0 }, 'expiresInMs'],
      [{ args: [Number.NaN] }, 'args'],
    ];
    for (const [override, field] of cases) {
      assert.throws(
        () => createTransaction(id, { ...base, ...override } as Parameters<typeof createTransaction>[1]),
        (e: unknown) => code(e) === 'BSN_SDK_INVALID_PARAMETER' && (e as BsnError).details.field === field,
        field,
      );
    }
  });
});
