import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, test } from 'node:test';
import type { JsonValue } from '@bsn/core';
import fc from 'fast-check';
import {
  BUNDLE_CHUNK_CHARS,
  checkMethodAccess,
  contractVersionAt,
  isMethodAllowed,
  MAX_BUNDLE_BYTES,
  type ServiceRecord,
  serviceChainId,
} from '../../src/index.js';
import {
  createNetworkFixture,
  expectFailure,
  initialisedNetwork,
  makeCaller,
  type NetworkFixture,
} from './system-harness.js';

let fx: NetworkFixture;
before(async () => {
  fx = await createNetworkFixture(['acme', 'globex', 'initech']);
});

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const CODE_V1 = 'export function put(ctx, k, v) { ctx.state.put(k, v); }\n';
const CODE_V2 = 'export function put(ctx, k, v) { ctx.state.put(k, v); ctx.emit("put", k); }\n';

function spec(overrides: Record<string, JsonValue> = {}): JsonValue {
  return {
    name: 'notary',
    runtime: 'js',
    codeHash: sha256(CODE_V1),
    bundle: { encoding: 'utf8', data: CODE_V1 },
    pcns: ['pcn-b', 'pcn-a'],
    organisations: ['acme'],
    roles: { writer: ['put'], auditor: ['get', 'history'], admin: ['*'] },
    ...overrides,
  };
}

describe('service registry', () => {
  test("an organisation's admin creates a service that is active under policy 'none'", () => {
    const { h, orgAdmins } = initialisedNetwork(fx);
    const created = h.ok(orgAdmins.acme!, 'createService', spec()) as ServiceRecord;
    assert.equal(created.chain, 'svc-notary');
    assert.equal(created.chain, serviceChainId('notary'));
    assert.equal(created.status, 'active');
    assert.equal(created.owner, 'acme');
    assert.deepEqual(created.pcns, ['pcn-a', 'pcn-b']);
    assert.deepEqual(created.versions, [
      { version: 1, codeHash: sha256(CODE_V1), fromSystemHeight: h.height },
    ]);
    assert.deepEqual(h.read('getService', 'notary'), created);
    assert.deepEqual(
      h.read<ServiceRecord[]>('servicesOfPcn', 'pcn-a').map((s) => s.name),
      ['notary'],
    );
    assert.deepEqual(h.read('servicesOfPcn', 'pcn-c'), []);
    assert.deepEqual(
      h.read<ServiceRecord[]>('listServices').map((s) => s.name),
      ['notary'],
    );
    assert.ok(h.eventNames().includes('ServiceCreated'));
    assert.equal(h.read<{ data: string }>('getBundle', sha256(CODE_V1)).data, CODE_V1);
  });

  test('only an admin of an admitted organisation listed in the service may create it', () => {
    const { h, orgAdmins } = initialisedNetwork(fx);
    expectFailure(
      h.submit(makeCaller('bob', 'acme', 'client'), 'createService', spec()),
      'BSN_SYSTEM_FORBIDDEN',
    );
    expectFailure(
      h.submit(makeCaller('eve', 'unknown-org', 'admin'), 'createService', spec()),
      'BSN_SYSTEM_FORBIDDEN',
    );
    expectFailure(
      h.submit(orgAdmins.globex!, 'createService', spec()),
      'BSN_SYSTEM_FORBIDDEN',
      'spec.organisations',
    );
    assert.equal(h.query('getService', 'notary').ok, false);
  });

  test('validates names, PCNs, organisations and uniqueness', () => {
    const { h, orgAdmins } = initialisedNetwork(fx);
    const acme = orgAdmins.acme!;
    expectFailure(
      h.submit(acme, 'createService', spec({ name: 'Notary' })),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"spec.name"',
    );
    expectFailure(
      h.submit(acme, 'createService', spec({ name: 'n' })),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"spec.name"',
    );
    expectFailure(
      h.submit(acme, 'createService', spec({ runtime: 'wasm' })),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"spec.runtime"',
    );
    expectFailure(
      h.submit(acme, 'createService', spec({ pcns: [] })),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"spec.pcns"',
    );
    expectFailure(
      h.submit(acme, 'createService', spec({ pcns: ['pcn-a', 'pcn-a'] })),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"spec.pcns"',
    );
    expectFailure(
      h.submit(acme, 'createService', spec({ roles: { writer: ['put()'] } })),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"spec.roles.writer.0"',
    );
    expectFailure(
      h.submit(acme, 'createService', spec({ pcns: ['pcn-z'] })),
      'BSN_SYSTEM_NOT_FOUND',
      'pcn-z',
    );
    expectFailure(
      h.submit(acme, 'createService', spec({ organisations: ['acme', 'nope'] })),
      'BSN_SYSTEM_NOT_FOUND',
      'nope',
    );
    h.ok(acme, 'createService', spec());
    expectFailure(h.submit(acme, 'createService', spec()), 'BSN_SYSTEM_ALREADY_EXISTS');
  });

  test('a bundle must hash to the declared code hash and fit the size limit', () => {
    const { h, orgAdmins } = initialisedNetwork(fx);
    const acme = orgAdmins.acme!;
    expectFailure(
      h.submit(acme, 'createService', spec({ codeHash: sha256(CODE_V2) })),
      'BSN_SYSTEM_BUNDLE_HASH_MISMATCH',
      sha256(CODE_V1),
    );
    expectFailure(
      h.submit(acme, 'putBundle', { hash: 'e'.repeat(64), encoding: 'utf8', data: CODE_V1 }),
      'BSN_SYSTEM_BUNDLE_HASH_MISMATCH',
    );
    const big = 'x'.repeat(MAX_BUNDLE_BYTES + 1);
    expectFailure(
      h.submit(acme, 'putBundle', { hash: sha256(big), encoding: 'utf8', data: big }),
      'BSN_SYSTEM_BUNDLE_TOO_LARGE',
    );
    // Multi-byte characters: the limit is on bytes, not characters.
    const wide = 'é'.repeat(MAX_BUNDLE_BYTES / 2 + 1);
    expectFailure(
      h.submit(acme, 'putBundle', { hash: sha256(wide), encoding: 'utf8', data: wide }),
      'BSN_SYSTEM_BUNDLE_TOO_LARGE',
    );
    expectFailure(
      h.submit(acme, 'createService', spec({ bundle: null as unknown as JsonValue })),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"spec.bundle"',
    );
    const { bundle: _omitted, ...withoutBundle } = spec() as Record<string, JsonValue>;
    expectFailure(h.submit(acme, 'createService', withoutBundle), 'BSN_SYSTEM_BUNDLE_NOT_FOUND');
    expectFailure(
      h.submit(makeCaller('x', 'acme', 'client'), 'putBundle', {
        hash: sha256(CODE_V1),
        encoding: 'utf8',
        data: CODE_V1,
      }),
      'BSN_SYSTEM_FORBIDDEN',
    );
    h.ok(acme, 'putBundle', { hash: sha256(CODE_V1), encoding: 'utf8', data: CODE_V1 });
    h.ok(acme, 'createService', withoutBundle);
  });

  test('bundles round-trip through chunked storage, for text and base64 alike', () => {
    const { h, orgAdmins } = initialisedNetwork(fx);
    // The runs share one chain: the same bytes again (fast-check repeats strings such as
    // "valueOf") name a bundle already stored, which keeps the encoding it was first stored in.
    const first = new Map<string, { data: string; base64: boolean }>();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }),
          fc.string({ minLength: BUNDLE_CHUNK_CHARS - 2, maxLength: BUNDLE_CHUNK_CHARS * 2 + 2 }),
        ),
        fc.boolean(),
        (text, asBase64) => {
          const bytes = Buffer.from(text, 'utf8');
          const hash = sha256(bytes);
          const data = asBase64 ? bytes.toString('base64') : text;
          const kept = first.get(hash) ?? { data, base64: asBase64 };
          first.set(hash, kept);
          h.ok(orgAdmins.acme!, 'putBundle', { hash, encoding: asBase64 ? 'base64' : 'utf8', data });
          const stored = h.read<{ data: string; size: number; hash: string }>('getBundle', hash);
          assert.equal(stored.hash, hash);
          assert.equal(stored.size, bytes.length);
          assert.equal(stored.data, kept.data);
          assert.ok(Buffer.from(stored.data, kept.base64 ? 'base64' : 'utf8').equals(bytes));
        },
      ),
      { numRuns: 60 },
    );
    expectFailure(
      h.submit(orgAdmins.acme!, 'putBundle', {
        hash: 'a'.repeat(64),
        encoding: 'base64',
        data: 'not base64!',
      }),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"bundle.data"',
    );
    expectFailure(h.query('getBundle', 'f'.repeat(64)), 'BSN_SYSTEM_BUNDLE_NOT_FOUND');
    assert.equal(h.read('getBundleInfo', 'f'.repeat(64)), null);
  });

  test("another organisation's admin cannot modify a service it does not own", () => {
    const { h, orgAdmins } = initialisedNetwork(fx);
    h.ok(orgAdmins.acme!, 'createService', spec({ organisations: ['acme', 'globex'] }));
    const globex = orgAdmins.globex!;
    h.ok(globex, 'putBundle', { hash: sha256(CODE_V2), encoding: 'utf8', data: CODE_V2 });
    expectFailure(
      h.submit(globex, 'upgradeContract', 'notary', sha256(CODE_V2)),
      'BSN_SYSTEM_FORBIDDEN',
      '"acme"',
    );
    expectFailure(h.submit(globex, 'addParticipant', 'notary', 'initech'), 'BSN_SYSTEM_FORBIDDEN');
    expectFailure(h.submit(globex, 'removeParticipant', 'notary', 'acme'), 'BSN_SYSTEM_FORBIDDEN');
    expectFailure(h.submit(globex, 'setRoles', 'notary', { writer: ['*'] }), 'BSN_SYSTEM_FORBIDDEN');
    expectFailure(
      h.submit(makeCaller('carol', 'acme', 'writer'), 'setRoles', 'notary', {}),
      'BSN_SYSTEM_FORBIDDEN',
    );
    const service = h.read<ServiceRecord>('getService', 'notary');
    assert.equal(service.version, 1);
    assert.deepEqual(Object.keys(service.participants).sort(), ['acme', 'globex']);
  });

  test('addParticipant lets another organisation in, optionally limited to some roles', () => {
    const { h, orgAdmins } = initialisedNetwork(fx);
    const acme = orgAdmins.acme!;
    h.ok(acme, 'createService', spec());
    let service = h.read<ServiceRecord>('getService', 'notary');
    assert.equal(isMethodAllowed(service, 'globex', 'writer', 'put'), false);
    h.ok(acme, 'addParticipant', 'notary', 'globex', ['auditor']);
    h.ok(acme, 'addParticipant', 'notary', 'initech');
    service = h.read<ServiceRecord>('getService', 'notary');
    assert.deepEqual(service.participants.globex, { roles: ['auditor'], joinedAt: h.height });
    assert.equal(isMethodAllowed(service, 'globex', 'auditor', 'get'), true);
    assert.equal(isMethodAllowed(service, 'globex', 'writer', 'put'), false);
    assert.equal(isMethodAllowed(service, 'initech', 'writer', 'put'), true);
    assert.deepEqual(h.read('allowedMethods', 'notary', 'globex', 'auditor'), ['get', 'history']);
    assert.deepEqual(h.read('allowedMethods', 'notary', 'globex', 'writer'), []);
    assert.ok(h.eventNames().includes('ParticipantAdded'));
    expectFailure(h.submit(acme, 'addParticipant', 'notary', 'globex'), 'BSN_SYSTEM_ALREADY_EXISTS');
    expectFailure(h.submit(acme, 'addParticipant', 'notary', 'nobody'), 'BSN_SYSTEM_NOT_FOUND');
    expectFailure(h.submit(acme, 'addParticipant', 'nope', 'globex'), 'BSN_SYSTEM_NOT_FOUND');
    h.ok(acme, 'removeParticipant', 'notary', 'initech');
    expectFailure(
      h.submit(acme, 'addParticipant', 'notary', 'initech', ['minter']),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"roles.0"',
    );
    expectFailure(h.submit(acme, 'removeParticipant', 'notary', 'acme'), 'BSN_SYSTEM_CONFLICT', 'owner');
    expectFailure(h.submit(acme, 'removeParticipant', 'notary', 'initech'), 'BSN_SYSTEM_NOT_FOUND');
    assert.equal(
      isMethodAllowed(h.read<ServiceRecord>('getService', 'notary'), 'initech', 'writer', 'put'),
      false,
    );
  });

  test('a role without the method is refused with a 403 code; setRoles changes the answer', () => {
    const { h, orgAdmins } = initialisedNetwork(fx);
    h.ok(orgAdmins.acme!, 'createService', spec());
    let service = h.read<ServiceRecord>('getService', 'notary');
    assert.deepEqual(checkMethodAccess(service, 'acme', 'writer', 'put'), { ok: true });
    assert.equal(isMethodAllowed(service, 'acme', 'admin', 'anything'), true);
    const refused = checkMethodAccess(service, 'acme', 'auditor', 'put');
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.code, 'BSN_SYSTEM_METHOD_NOT_ALLOWED');
    assert.equal(isMethodAllowed(service, 'acme', 'guest', 'get'), false);
    h.ok(orgAdmins.acme!, 'setRoles', 'notary', { auditor: ['get', 'put'] });
    service = h.read<ServiceRecord>('getService', 'notary');
    assert.equal(isMethodAllowed(service, 'acme', 'auditor', 'put'), true);
    assert.equal(isMethodAllowed(service, 'acme', 'writer', 'put'), false);
    expectFailure(
      h.submit(orgAdmins.acme!, 'setRoles', 'notary', { '9x': [] }),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"roles.9x"',
    );
  });

  test('upgradeContract bumps the version, effective from the next system block, and keeps the history', () => {
    const { h, orgAdmins } = initialisedNetwork(fx);
    const acme = orgAdmins.acme!;
    h.ok(acme, 'createService', spec());
    const createdAt = h.height;
    h.nextBlock(3);
    expectFailure(
      h.submit(acme, 'upgradeContract', 'notary', sha256(CODE_V2)),
      'BSN_SYSTEM_BUNDLE_NOT_FOUND',
    );
    expectFailure(h.submit(acme, 'upgradeContract', 'notary', sha256(CODE_V1)), 'BSN_SYSTEM_CONFLICT');
    const upgradedAt = h.height;
    const out = h.ok(acme, 'upgradeContract', 'notary', sha256(CODE_V2), { encoding: 'utf8', data: CODE_V2 });
    assert.deepEqual(out, { version: 2, codeHash: sha256(CODE_V2), fromSystemHeight: upgradedAt + 1 });
    const service = h.read<ServiceRecord>('getService', 'notary');
    assert.equal(service.version, 2);
    assert.equal(service.codeHash, sha256(CODE_V2));
    assert.equal(contractVersionAt(service, createdAt - 1), undefined);
    assert.equal(contractVersionAt(service, upgradedAt)?.codeHash, sha256(CODE_V1));
    assert.equal(contractVersionAt(service, upgradedAt + 1)?.codeHash, sha256(CODE_V2));
    assert.ok(h.eventNames().includes('ContractUpgraded'));
  });

  test("under policy 'operator' a service waits for the operator's approval", () => {
    const { h, admins, orgAdmins } = initialisedNetwork(fx, { serviceApproval: 'operator' });
    const created = h.ok(orgAdmins.acme!, 'createService', spec()) as ServiceRecord;
    assert.equal(created.status, 'pending-approval');
    assert.equal(created.approvedAt, null);
    const pending = checkMethodAccess(created, 'acme', 'writer', 'put');
    assert.equal(!pending.ok && pending.code, 'BSN_SYSTEM_SERVICE_NOT_ACTIVE');
    expectFailure(
      h.submit(orgAdmins.acme!, 'propose', { type: 'approveService', name: 'notary' }),
      'BSN_SYSTEM_NOT_ADMIN',
    );
    h.nextBlock();
    h.ok(admins[0]!, 'propose', { type: 'approveService', name: 'notary' });
    const approved = h.read<ServiceRecord>('getService', 'notary');
    assert.equal(approved.status, 'active');
    assert.equal(approved.approvedAt, h.height);
    assert.equal(isMethodAllowed(approved, 'acme', 'writer', 'put'), true);
    assert.ok(h.eventNames().includes('ServiceApproved'));
    expectFailure(
      h.submit(admins[0]!, 'propose', { type: 'approveService', name: 'notary' }),
      'BSN_SYSTEM_CONFLICT',
    );
    expectFailure(
      h.submit(admins[0]!, 'propose', { type: 'approveService', name: 'ghost' }),
      'BSN_SYSTEM_NOT_FOUND',
    );
  });

  test('a PCN that hosts a service cannot be removed', () => {
    const { h, admins, orgAdmins } = initialisedNetwork(fx);
    h.ok(orgAdmins.acme!, 'createService', spec());
    expectFailure(
      h.submit(admins[0]!, 'propose', { type: 'removePcn', id: 'pcn-a' }),
      'BSN_SYSTEM_CONFLICT',
      'notary',
    );
    h.ok(admins[0]!, 'propose', { type: 'removePcn', id: 'pcn-c' });
    expectFailure(
      h.submit(orgAdmins.acme!, 'createService', spec({ name: 'other', pcns: ['pcn-c'] })),
      'BSN_SYSTEM_CONFLICT',
      'removed',
    );
  });

  test('methods are called with the declared number of arguments', () => {
    const { h, orgAdmins } = initialisedNetwork(fx);
    expectFailure(h.submit(orgAdmins.acme!, 'createService'), 'BSN_SYSTEM_INVALID_ARGUMENT', '"args"');
    expectFailure(
      h.submit(orgAdmins.acme!, 'addParticipant', 'notary', 'globex', [], 'extra'),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"args"',
    );
    expectFailure(h.query('getService'), 'BSN_SYSTEM_INVALID_ARGUMENT', '"args"');
  });
});
