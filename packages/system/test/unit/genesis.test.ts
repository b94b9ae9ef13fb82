import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { JsonValue } from '@bsn/core';
import {
  createNetworkFixture,
  expectFailure,
  genesisConfig,
  makeCaller,
  type NetworkFixture,
  SystemHarness,
} from './system-harness.js';

let fx: NetworkFixture;
before(async () => {
  fx = await createNetworkFixture();
});

const admin = makeCaller('admin', 'bsn-operator', 'admin');
const config = (overrides = {}) => genesisConfig(fx, [admin], overrides) as unknown as JsonValue;

describe('init (genesis)', () => {
  test('records the network, its admins, policy and genesis PCNs', () => {
    const h = new SystemHarness();
    h.ok(admin, 'init', config({ policy: { serviceApproval: 'operator' } }));
    const network = h.read<Record<string, JsonValue>>('getNetwork');
    assert.equal(network.networkId, 'testnet');
    assert.deepEqual(network.admins, [admin.certFingerprint]);
    assert.equal(network.threshold, 1);
    assert.deepEqual(network.policy, { serviceApproval: 'operator', proposalTtlBlocks: 10_000 });
    assert.equal(network.rootCertPem, fx.root.certPem);
    const pcns = h.read<Array<{ id: string; certPem: string; status: string }>>('getPcns');
    assert.deepEqual(
      pcns.map((p) => [p.id, p.status]),
      [
        ['pcn-a', 'active'],
        ['pcn-b', 'active'],
        ['pcn-c', 'active'],
      ],
    );
    assert.equal(pcns[0]!.certPem, fx.pcnCerts['pcn-a']);
    assert.deepEqual(h.eventNames(), ['NetworkInitialised', 'PcnAdmitted', 'PcnAdmitted', 'PcnAdmitted']);
  });

  test('can run only once', () => {
    const h = new SystemHarness();
    h.ok(admin, 'init', config());
    expectFailure(h.submit(admin, 'init', config()), 'BSN_SYSTEM_ALREADY_INITIALISED');
    h.nextBlock();
    expectFailure(h.submit(admin, 'init', config()), 'BSN_SYSTEM_ALREADY_INITIALISED');
  });

  test('runs only at height 1', () => {
    const h = new SystemHarness();
    h.nextBlock();
    expectFailure(h.submit(admin, 'init', config()), 'BSN_SYSTEM_INIT_NOT_GENESIS', 'height 1');
    assert.equal(h.state.size, 0);
  });

  test('must be signed by one of the genesis admins', () => {
    const h = new SystemHarness();
    const stranger = makeCaller('mallory', 'bsn-operator', 'admin');
    expectFailure(h.submit(stranger, 'init', config()), 'BSN_SYSTEM_NOT_ADMIN');
    assert.equal(h.state.size, 0);
  });

  test('names the invalid field of a malformed config', () => {
    const h = new SystemHarness();
    expectFailure(
      h.submit(admin, 'init', config({ networkId: 'Bad Id' })),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"config.networkId"',
    );
    expectFailure(
      h.submit(admin, 'init', config({ threshold: 0 })),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"config.threshold"',
    );
    expectFailure(
      h.submit(admin, 'init', config({ threshold: 2 })),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"config.threshold"',
    );
    expectFailure(
      h.submit(admin, 'init', config({ admins: ['ABC'] })),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"config.admins.0"',
    );
    expectFailure(
      h.submit(admin, 'init', config({ extra: 1 })),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"config.extra"',
    );
    const badPcn = { id: 'pcn-x', certPem: fx.pcnCerts['pcn-a'], gateway: 'ftp://x', p2p: 'tls://x:1' };
    expectFailure(
      h.submit(admin, 'init', config({ pcns: [badPcn] })),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"config.pcns.0.gateway"',
    );
    expectFailure(h.submit(admin, 'init'), 'BSN_SYSTEM_INVALID_ARGUMENT', '"args"');
    assert.equal(h.state.size, 0);
  });

  test('refuses a root that is not a self-signed CA and a malformed PCN certificate', () => {
    const h = new SystemHarness();
    expectFailure(
      h.submit(admin, 'init', config({ rootCertPem: fx.leafPem })),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      'config.rootCertPem',
    );
    expectFailure(
      h.submit(admin, 'init', config({ rootCertPem: fx.orgCas.acme!.certPem })),
      'BSN_SYSTEM_CERT_INVALID',
      'not self-signed',
    );
    const garbled = fx.pcnCerts['pcn-b']!.replace(/[A-Za-z]{20}\n/, 'AAAAAAAAAAAAAAAAAAAA\n');
    const pcn = { id: 'pcn-b', certPem: garbled, gateway: 'https://b', p2p: 'tls://b:1' };
    expectFailure(
      h.submit(admin, 'init', config({ pcns: [pcn] })),
      'BSN_SYSTEM_CERT_INVALID',
      'config.pcns.0.certPem',
    );
    assert.equal(h.state.size, 0);
  });

  test('refuses duplicate PCN ids in the genesis list', () => {
    const h = new SystemHarness();
    const pcn = { id: 'pcn-a', certPem: fx.pcnCerts['pcn-a'], gateway: 'https://a', p2p: 'tls://a:1' };
    expectFailure(
      h.submit(admin, 'init', config({ pcns: [pcn, pcn] })),
      'BSN_SYSTEM_ALREADY_EXISTS',
      'pcn-a',
    );
  });

  test('commands other than init fail before genesis', () => {
    const h = new SystemHarness();
    expectFailure(
      h.submit(admin, 'propose', { type: 'setThreshold', threshold: 1 }),
      'BSN_SYSTEM_NOT_INITIALISED',
    );
    expectFailure(h.query('getNetwork'), 'BSN_SYSTEM_NOT_INITIALISED');
  });
});
