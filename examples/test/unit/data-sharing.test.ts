/**
 * The data-sharing example on a real chain: three organisations with real certificates; a
 * hospital's record is read by other organisations only while a grant is in force.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ExampleNetwork, errorCode } from '../support/example-network.js';

const contractPath = fileURLToPath(new URL('../../data-sharing/contract.ts', import.meta.url));

let net: ExampleNetwork;
before(async () => {
  net = await ExampleNetwork.open({
    contractPath,
    contractName: 'sharing',
    orgs: { hospital: ['doctor', 'admin'], insurer: ['agent'], lab: ['tech'] },
  });
});
after(() => net?.close());

const u = (name: string) => net.user(name);
const readCode = (user: string, id: string) => errorCode(net.query(u(user), 'read', id)) ?? 'ok';

describe('data-sharing example', () => {
  it('a record belongs to its creator’s organisation: its members read it, other organisations get ACCESS_DENIED', () => {
    const put = net.call(u('hospital/doctor'), 'put', 'r1', { patient: 'p-17', result: 'negative' });
    assert.equal(put.status, 'ok', JSON.stringify(put.error));
    assert.deepEqual(put.result, {
      id: 'r1',
      owner: 'hospital',
      data: { patient: 'p-17', result: 'negative' },
      version: 1,
      createdBy: 'doctor',
      updatedBy: 'doctor',
      updated: net.chain.head().time,
    });
    assert.equal(readCode('hospital/admin', 'r1'), 'ok');
    assert.equal(readCode('insurer/agent', 'r1'), 'ACCESS_DENIED');
    assert.match(
      (net.query(u('lab/tech'), 'read', 'r1') as { message: string }).message,
      /org lab has no read access to record r1/,
    );
    // the check also holds inside a transaction, not only in queries
    assert.equal(errorCode(net.call(u('insurer/agent'), 'read', 'r1')), 'ACCESS_DENIED');
  });

  it('a grant lets exactly the granted organisation read; a revocation takes it away; revoking again is NOT_GRANTED', () => {
    net.call(u('hospital/doctor'), 'put', 'r2', 'ciphertext-1');
    const granted = net.call(u('hospital/doctor'), 'grant', 'r2', 'insurer');
    assert.equal(granted.status, 'ok', JSON.stringify(granted.error));
    assert.deepEqual(granted.events, [
      { contract: 'sharing', name: 'AccessGranted', data: { id: 'r2', org: 'insurer', until: null } },
    ]);
    const read = net.query(u('insurer/agent'), 'read', 'r2');
    assert.ok(read.ok);
    assert.equal((read.result as { data: unknown }).data, 'ciphertext-1');
    assert.equal(readCode('lab/tech', 'r2'), 'ACCESS_DENIED');

    // any member of the owner organisation manages access
    const revoked = net.call(u('hospital/admin'), 'revoke', 'r2', 'insurer');
    assert.equal(revoked.status, 'ok', JSON.stringify(revoked.error));
    assert.equal(readCode('insurer/agent', 'r2'), 'ACCESS_DENIED');
    assert.equal(errorCode(net.call(u('hospital/admin'), 'revoke', 'r2', 'insurer')), 'NOT_GRANTED');
  });

  it('only the owner organisation may update, grant, revoke or list grants — a granted organisation cannot re-share (NOT_OWNER)', () => {
    const doctor = u('hospital/doctor');
    const agent = u('insurer/agent');
    net.call(doctor, 'put', 'r3', { v: 1 });
    net.call(doctor, 'grant', 'r3', 'insurer');
    const r = net.commit([
      net.tx(agent, 'grant', ['r3', 'lab']),
      net.tx(agent, 'revoke', ['r3', 'insurer']),
      net.tx(agent, 'put', ['r3', { v: 'overwritten' }]),
      net.tx(agent, 'grants', ['r3']),
    ]);
    assert.deepEqual(r.receipts.map(errorCode), ['NOT_OWNER', 'NOT_OWNER', 'NOT_OWNER', 'NOT_OWNER']);
    assert.match(
      r.receipts[0]?.error?.message ?? '',
      /only members of hospital may grant access to record r3/,
    );
    assert.equal(readCode('lab/tech', 'r3'), 'ACCESS_DENIED');
    const read = net.query(agent, 'read', 'r3');
    assert.ok(read.ok);
    assert.deepEqual((read.result as { data: unknown; version: number }).data, { v: 1 });

    const update = net.call(u('hospital/admin'), 'put', 'r3', { v: 2 });
    assert.deepEqual(
      {
        version: (update.result as { version: number }).version,
        createdBy: (update.result as { createdBy: string }).createdBy,
      },
      { version: 2, createdBy: 'doctor' },
    );
  });

  it('a grant with `until` counts up to that block time and not after', () => {
    const doctor = u('hospital/doctor');
    net.call(doctor, 'put', 'r4', 'x');
    // blocks of this test network are one second apart: the grant covers the next two blocks
    const until = net.nextBlockTime + 1000;
    const g = net.call(doctor, 'grant', 'r4', 'lab', until);
    assert.equal(g.status, 'ok', JSON.stringify(g.error));
    assert.equal((g.result as { until: number }).until, until);
    assert.equal(net.call(u('lab/tech'), 'read', 'r4').status, 'ok'); // at `until` exactly
    assert.equal(errorCode(net.call(u('lab/tech'), 'read', 'r4')), 'ACCESS_DENIED'); // one second later
    const list = net.query(doctor, 'grants', 'r4');
    assert.ok(list.ok);
    assert.deepEqual(list.result, [{ org: 'lab', grantedBy: 'doctor', granted: until - 1000, until }]);
  });

  it('grants and revocations take effect for later transactions of the same block', () => {
    const doctor = u('hospital/doctor');
    const tech = u('lab/tech');
    net.call(doctor, 'put', 'r5', 'y');
    const r = net.commit([
      net.tx(tech, 'read', ['r5']),
      net.tx(doctor, 'grant', ['r5', 'lab']),
      net.tx(tech, 'read', ['r5']),
      net.tx(doctor, 'revoke', ['r5', 'lab']),
      net.tx(tech, 'read', ['r5']),
    ]);
    assert.deepEqual(
      r.receipts.map((x) => errorCode(x) ?? 'ok'),
      ['ACCESS_DENIED', 'ok', 'ok', 'ok', 'ACCESS_DENIED'],
    );
  });

  it('lists the grants of a record (and only its own) to the owner organisation', () => {
    const admin = u('hospital/admin');
    net.call(admin, 'put', 'r6', 1);
    net.call(admin, 'put', 'r6x', 1); // a record whose id extends r6: its grants must not show up
    net.commit([
      net.tx(admin, 'grant', ['r6', 'lab']),
      net.tx(admin, 'grant', ['r6', 'insurer']),
      net.tx(admin, 'grant', ['r6x', 'lab']),
    ]);
    const list = net.query(admin, 'grants', 'r6');
    assert.ok(list.ok);
    assert.deepEqual(
      (list.result as Array<{ org: string }>).map((g) => g.org),
      ['insurer', 'lab'],
    );
  });

  it('rejects unknown records (RECORD_NOT_FOUND) and bad arguments (INVALID_ARGUMENT)', () => {
    const doctor = u('hospital/doctor');
    net.call(doctor, 'put', 'r7', 0);
    assert.equal(readCode('hospital/doctor', 'nope'), 'RECORD_NOT_FOUND');
    const cases: Array<[string, unknown[], RegExp]> = [
      ['put', ['a/b', 1], /id may only contain/],
      ['put', ['r8'], /data must be given/],
      ['put', ['r8', 'x'.repeat(17 * 1024)], /data must be at most 16384 characters/],
      ['grant', ['r7', 'hospital'], /owns record r7 and needs no grant/],
      ['grant', ['r7', 'lab/x'], /org may only contain/],
      ['grant', ['r7', 'lab', 5], /until must be at least/],
      ['grant', ['r7', 'lab', 'tomorrow'], /until must be a safe integer/],
      ['revoke', ['r7', ''], /org must be 1 to 128 characters/],
    ];
    const r = net.commit(cases.map(([method, args]) => net.tx(doctor, method, args as never)));
    r.receipts.forEach((receipt, i) => {
      assert.equal(errorCode(receipt), 'INVALID_ARGUMENT', `case ${i}: ${JSON.stringify(receipt.error)}`);
      assert.match(receipt.error?.message ?? '', cases[i]![2], `case ${i}`);
    });
    assert.equal(errorCode(net.call(doctor, 'grant', 'nope', 'lab')), 'RECORD_NOT_FOUND');
  });
});
