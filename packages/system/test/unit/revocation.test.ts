import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { JsonValue } from '@bsn/core';
import { type RevocationRecord, revocationSetAt, systemStateKeys } from '../../src/index.js';
import {
  createNetworkFixture,
  expectFailure,
  fingerprintOf,
  genesisConfig,
  initialisedNetwork,
  makeCaller,
  type NetworkFixture,
  SystemHarness,
} from './system-harness.js';

let fx: NetworkFixture;
before(async () => {
  fx = await createNetworkFixture(['acme']);
});

const fp = (c: string) => c.repeat(64);

describe('revocation', () => {
  test('a revoked certificate is visible from its block on, with height and reason', () => {
    const { h, admins } = initialisedNetwork(fx);
    assert.equal(h.read('isRevoked', fp('1')), false);
    const before = h.height;
    h.nextBlock();
    const out = h.ok(admins[0]!, 'propose', {
      type: 'revokeCertificate',
      fingerprint: fp('1'),
      reason: 'key leaked',
    });
    assert.equal((out as { status: string }).status, 'executed');
    assert.equal(h.read('isRevoked', fp('1')), true);
    const record = h.read<RevocationRecord>('getRevocation', fp('1'));
    assert.equal(record.height, before + 1);
    assert.equal(record.reason, 'key leaked');
    assert.equal(h.read('getRevocation', fp('2')), null);
    assert.ok(h.eventNames().includes('CertificateRevoked'));
    expectFailure(
      h.submit(admins[0]!, 'propose', { type: 'revokeCertificate', fingerprint: fp('1'), reason: 'again' }),
      'BSN_SYSTEM_ALREADY_EXISTS',
    );
  });

  test('the revocation set as of a height excludes later revocations (refused from the next block on)', () => {
    const { h, admins } = initialisedNetwork(fx);
    const revokedAt: Record<string, number> = {};
    for (const c of ['a', 'b', 'c']) {
      h.nextBlock();
      h.ok(admins[0]!, 'propose', { type: 'revokeCertificate', fingerprint: fp(c), reason: 'test' });
      revokedAt[c] = h.height;
    }
    const all = h.read<RevocationRecord[]>('revokedCertificates');
    assert.deepEqual(
      all.map((r) => r.fingerprint),
      [fp('a'), fp('b'), fp('c')],
    );
    // Block revokedAt.b executes against the set as of the block before it: b is still accepted there.
    assert.deepEqual([...revocationSetAt(all, revokedAt.b! - 1)].sort(), [fp('a')]);
    assert.deepEqual([...revocationSetAt(all, revokedAt.b!)].sort(), [fp('a'), fp('b')]);
    // Incremental follow-up: only what was revoked at or after a height, oldest first.
    assert.deepEqual(
      h.read<RevocationRecord[]>('revokedSince', revokedAt.b!).map((r) => r.fingerprint),
      [fp('b'), fp('c')],
    );
    assert.deepEqual(
      h.read<RevocationRecord[]>('revokedCertificates', fp('a'), 1).map((r) => r.fingerprint),
      [fp('b')],
    );
    // The node can read the same facts straight from state keys.
    assert.ok(h.state.has(systemStateKeys.revoked(fp('c'))));
    assert.ok([...h.state.keys()].some((k) => k.startsWith(systemStateKeys.revokedFromHeight(revokedAt.c!))));
  });

  test("revoking an admin's certificate removes the admin, but never below the threshold", () => {
    const { h, admins } = initialisedNetwork(fx, { adminCount: 2, threshold: 1 });
    h.ok(admins[0]!, 'propose', {
      type: 'revokeCertificate',
      fingerprint: admins[1]!.certFingerprint,
      reason: 'left',
    });
    assert.deepEqual(h.read<{ admins: string[] }>('getGovernance').admins, [admins[0]!.certFingerprint]);
    expectFailure(
      h.submit(admins[0]!, 'propose', {
        type: 'revokeCertificate',
        fingerprint: admins[0]!.certFingerprint,
        reason: 'oops',
      }),
      'BSN_SYSTEM_CONFLICT',
      'threshold',
    );
    expectFailure(
      h.submit(admins[0]!, 'propose', { type: 'addAdmin', fingerprint: admins[1]!.certFingerprint }),
      'BSN_SYSTEM_CONFLICT',
      'revoked',
    );
  });

  test('names malformed fingerprints', () => {
    const { h, admins } = initialisedNetwork(fx);
    expectFailure(h.query('isRevoked', 'ABCD'), 'BSN_SYSTEM_INVALID_ARGUMENT', '"fingerprint"');
    expectFailure(
      h.submit(admins[0]!, 'propose', { type: 'revokeCertificate', fingerprint: fp('1'), reason: '' }),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"action.reason"',
    );
    expectFailure(h.query('revokedSince', 0), 'BSN_SYSTEM_INVALID_ARGUMENT', '"fromHeight"');
  });
});

describe('revocation of an organisation CA', () => {
  test("refuses to revoke the CA that issued the acting admin's own certificate (it would lock governance out)", () => {
    const acmeCa = fingerprintOf(fx.orgCas.acme!.certPem);
    // Governance run by an admin of acme, whose CA is admitted at genesis.
    const h = new SystemHarness();
    const acmeAdmin = makeCaller('acme-admin', 'acme', 'admin');
    const acme = { id: 'acme', name: 'Acme Inc.', caCertPem: fx.orgCas.acme!.certPem };
    h.ok(
      acmeAdmin,
      'init',
      genesisConfig(fx, [acmeAdmin], { organisations: [acme] }) as unknown as JsonValue,
    );
    h.nextBlock();
    expectFailure(
      h.submit(acmeAdmin, 'propose', {
        type: 'revokeCertificate',
        fingerprint: acmeCa,
        reason: 'compromised',
      }),
      'BSN_SYSTEM_CONFLICT',
      'is the CA of organisation "acme", which issued your own certificate',
    );
    assert.equal(h.read('isRevoked', acmeCa), false);
    // An admin of another organisation may revoke it.
    const other = initialisedNetwork(fx);
    const out = other.h.ok(other.admins[0]!, 'propose', {
      type: 'revokeCertificate',
      fingerprint: acmeCa,
      reason: 'compromised',
    });
    assert.equal((out as { status: string }).status, 'executed');
  });
});
