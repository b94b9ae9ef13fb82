import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  createNetworkFixture,
  expectFailure,
  fingerprintOf,
  initialisedNetwork,
  type NetworkFixture,
} from './system-harness.js';

let fx: NetworkFixture;
before(async () => {
  fx = await createNetworkFixture(['acme', 'globex']);
});

const pcnD = () => ({
  id: 'pcn-d',
  certPem: fx.pcnCerts['pcn-d']!,
  gateway: 'https://pcn-d.test',
  p2p: 'tls://pcn-d.test:7051',
});

describe('membership', () => {
  test('admits a PCN through governance, with its certificate fingerprint', () => {
    const { h, admins } = initialisedNetwork(fx);
    h.ok(admins[0]!, 'propose', { type: 'admitPcn', pcn: pcnD() });
    const pcn = h.read<{ fingerprint: string; status: string; admittedAt: number }>('getPcn', 'pcn-d');
    assert.equal(pcn.fingerprint, fingerprintOf(fx.pcnCerts['pcn-d']!));
    assert.equal(pcn.status, 'active');
    assert.equal(pcn.admittedAt, h.height);
    expectFailure(
      h.submit(admins[0]!, 'propose', { type: 'admitPcn', pcn: pcnD() }),
      'BSN_SYSTEM_ALREADY_EXISTS',
    );
  });

  test('updates a PCN endpoint and certificate, and removes a PCN that hosts nothing', () => {
    const { h, admins } = initialisedNetwork(fx);
    h.ok(admins[0]!, 'propose', {
      type: 'updatePcn',
      id: 'pcn-c',
      gateway: 'https://new.test',
      certPem: fx.pcnCerts['pcn-d']!,
    });
    const pcn = h.read<{ gateway: string; fingerprint: string; p2p: string }>('getPcn', 'pcn-c');
    assert.equal(pcn.gateway, 'https://new.test');
    assert.equal(pcn.p2p, 'tls://pcn-c.test:7051');
    assert.equal(pcn.fingerprint, fingerprintOf(fx.pcnCerts['pcn-d']!));
    h.ok(admins[0]!, 'propose', { type: 'removePcn', id: 'pcn-c' });
    assert.equal(h.read<{ status: string }>('getPcn', 'pcn-c').status, 'removed');
    expectFailure(h.submit(admins[0]!, 'propose', { type: 'removePcn', id: 'pcn-c' }), 'BSN_SYSTEM_CONFLICT');
    expectFailure(
      h.submit(admins[0]!, 'propose', { type: 'removePcn', id: 'pcn-z' }),
      'BSN_SYSTEM_NOT_FOUND',
    );
    expectFailure(h.query('getPcn', 'pcn-z'), 'BSN_SYSTEM_NOT_FOUND');
  });

  test('admits an organisation whose CA the network root issued, named after the organisation', () => {
    const { h, admins } = initialisedNetwork(fx);
    const acme = h.read<{ caFingerprint: string; status: string; name: string }>('getOrganisation', 'acme');
    assert.equal(acme.caFingerprint, fingerprintOf(fx.orgCas.acme!.certPem));
    assert.equal(acme.status, 'active');
    assert.deepEqual(
      h.read<Array<{ id: string }>>('listOrganisations').map((o) => o.id),
      ['acme', 'globex'],
    );
    expectFailure(
      h.submit(admins[0]!, 'propose', {
        type: 'admitOrganisation',
        organisation: { id: 'acme', name: 'Acme', caCertPem: fx.orgCas.acme!.certPem },
      }),
      'BSN_SYSTEM_ALREADY_EXISTS',
    );
  });

  test('refuses an organisation CA from another root, a leaf as CA, and a CA of another organisation', () => {
    const { h, admins } = initialisedNetwork(fx);
    const admit = (id: string, caCertPem: string) =>
      h.submit(admins[0]!, 'propose', {
        type: 'admitOrganisation',
        organisation: { id, name: id, caCertPem },
      });
    expectFailure(
      admit('rogue', fx.foreignOrgCaPem),
      'BSN_SYSTEM_CERT_INVALID',
      'not issued by the network root',
    );
    expectFailure(admit('acme2', fx.leafPem), 'BSN_SYSTEM_CERT_INVALID', 'not a CA');
    expectFailure(
      admit('initech', fx.orgCas.globex!.certPem),
      'BSN_SYSTEM_CERT_INVALID',
      'differs from the organisation id',
    );
    expectFailure(
      admit('bad id!', fx.orgCas.globex!.certPem),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"action.organisation.id"',
    );
    expectFailure(h.query('getOrganisation', 'rogue'), 'BSN_SYSTEM_NOT_FOUND');
  });

  test('admits and removes a portal operated by an admitted organisation', () => {
    const { h, admins } = initialisedNetwork(fx);
    const portal = {
      id: 'portal-1',
      org: 'acme',
      url: 'https://portal.test',
      certPem: fx.pcnCerts['pcn-d']!,
    };
    expectFailure(
      h.submit(admins[0]!, 'propose', { type: 'admitPortal', portal: { ...portal, org: 'nobody' } }),
      'BSN_SYSTEM_NOT_FOUND',
    );
    h.ok(admins[0]!, 'propose', { type: 'admitPortal', portal });
    assert.deepEqual(
      h.read<Array<{ id: string; status: string }>>('getPortals').map((p) => [p.id, p.status]),
      [['portal-1', 'active']],
    );
    h.ok(admins[0]!, 'propose', { type: 'removePortal', id: 'portal-1' });
    assert.equal(h.read<Array<{ status: string }>>('getPortals')[0]!.status, 'removed');
  });

  test('a removed organisation can no longer create services', () => {
    const { h, admins, orgAdmins } = initialisedNetwork(fx);
    h.ok(admins[0]!, 'propose', { type: 'removeOrganisation', id: 'globex' });
    assert.equal(h.read<{ status: string }>('getOrganisation', 'globex').status, 'removed');
    const spec = {
      name: 'shop',
      runtime: 'js',
      codeHash: 'a'.repeat(64),
      pcns: ['pcn-a'],
      organisations: ['globex'],
      roles: {},
    };
    expectFailure(h.submit(orgAdmins.globex!, 'createService', spec), 'BSN_SYSTEM_FORBIDDEN');
  });
});
