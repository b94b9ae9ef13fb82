/**
 * The asset-transfer example on a real chain: real certificates of two organisations, the
 * contract bundled and run in the QuickJS runtime, blocks committed to SQLite.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BsnError } from '@bsn/core';
import { ExampleNetwork, errorCode } from '../support/example-network.js';

const contractPath = fileURLToPath(new URL('../../asset-transfer/contract.ts', import.meta.url));

let net: ExampleNetwork;
before(async () => {
  net = await ExampleNetwork.open({
    contractPath: path.resolve(contractPath),
    contractName: 'assets',
    // org2 also has an "alice": ownership must compare organisations, not only user ids
    orgs: { org1: ['alice', 'bob'], org2: ['alice', 'carol'] },
  });
});
after(() => net?.close());

describe('asset-transfer example', () => {
  it('create makes the signer (user id and organisation) the owner, and read returns the asset to anyone', () => {
    const alice = net.user('org1/alice');
    const receipt = net.call(alice, 'create', 'a1', 100);
    assert.equal(receipt.status, 'ok', JSON.stringify(receipt.error));
    const time = net.chain.head().time;
    const expected = {
      id: 'a1',
      value: 100,
      owner: { id: 'alice', org: 'org1' },
      created: time,
      updated: time,
      transfers: 0,
    };
    assert.deepEqual(receipt.result, expected);
    assert.deepEqual(receipt.events, [
      {
        contract: 'assets',
        name: 'AssetCreated',
        data: { id: 'a1', owner: { id: 'alice', org: 'org1' }, value: 100 },
      },
    ]);
    const read = net.query(net.user('org2/carol'), 'read', 'a1');
    assert.deepEqual(read.ok ? read.result : read, expected);
  });

  it('only the owner may transfer: another user of the same organisation and a same-named user of another organisation get NOT_OWNER', () => {
    const owner = net.user('org1/alice');
    net.call(owner, 'create', 'a2', 7);
    const before = net.chain.head().stateRoot;
    const r = net.commit([
      net.tx(net.user('org1/bob'), 'transfer', ['a2', 'org1/bob']),
      net.tx(net.user('org2/alice'), 'transfer', ['a2', 'org2/alice']),
    ]);
    assert.deepEqual(r.receipts.map(errorCode), ['NOT_OWNER', 'NOT_OWNER']);
    assert.match(r.receipts[1]?.error?.message ?? '', /belongs to org1\/alice, not to org2\/alice/);
    assert.equal(r.stateRoot, before, 'refused transfers write nothing');
    const read = net.query(owner, 'read', 'a2');
    assert.ok(read.ok);
    assert.deepEqual((read.result as { owner: unknown }).owner, { id: 'alice', org: 'org1' });
  });

  it('the owner transfers; the new owner (named as "org/user" or {org, id}) may transfer on and the old one no longer can', () => {
    const alice = net.user('org1/alice');
    const carol = net.user('org2/carol');
    net.call(alice, 'create', 'a3', 50);
    const moved = net.call(alice, 'transfer', 'a3', 'org2/carol');
    assert.equal(moved.status, 'ok', JSON.stringify(moved.error));
    assert.deepEqual((moved.result as { owner: unknown }).owner, { id: 'carol', org: 'org2' });
    assert.deepEqual(moved.events[0]?.data, {
      id: 'a3',
      from: { id: 'alice', org: 'org1' },
      to: { id: 'carol', org: 'org2' },
    });
    assert.equal(errorCode(net.call(alice, 'transfer', 'a3', 'org1/alice')), 'NOT_OWNER');
    const back = net.call(carol, 'transfer', 'a3', { org: 'org1', id: 'bob' });
    assert.equal(back.status, 'ok', JSON.stringify(back.error));
    const read = net.query(alice, 'read', 'a3');
    assert.ok(read.ok);
    assert.deepEqual(read.result, {
      id: 'a3',
      value: 50,
      owner: { id: 'bob', org: 'org1' },
      created: (moved.result as { created: number }).created,
      updated: net.chain.head().time,
      transfers: 2,
    });
  });

  it('transactions of one block see each other in block order', () => {
    const bob = net.user('org1/bob');
    const carol = net.user('org2/carol');
    const r = net.commit([
      net.tx(bob, 'transfer', ['a4', 'org2/carol']), // before the asset exists
      net.tx(bob, 'create', ['a4', 1]),
      net.tx(bob, 'transfer', ['a4', 'org2/carol']),
      net.tx(carol, 'transfer', ['a4', 'org1/alice']),
    ]);
    assert.deepEqual(
      r.receipts.map((x) => errorCode(x) ?? 'ok'),
      ['ASSET_NOT_FOUND', 'ok', 'ok', 'ok'],
    );
    const read = net.query(bob, 'read', 'a4');
    assert.ok(read.ok);
    assert.deepEqual((read.result as { owner: unknown }).owner, { id: 'alice', org: 'org1' });
  });

  it('refuses a second asset with the same id (ASSET_EXISTS) and keeps the first', () => {
    const carol = net.user('org2/carol');
    net.call(carol, 'create', 'a5', 10);
    const again = net.call(net.user('org1/alice'), 'create', 'a5', 999);
    assert.equal(errorCode(again), 'ASSET_EXISTS');
    const read = net.query(carol, 'read', 'a5');
    assert.ok(read.ok);
    assert.equal((read.result as { value: number }).value, 10);
  });

  it('an unknown asset is ASSET_NOT_FOUND for read and transfer', () => {
    const alice = net.user('org1/alice');
    assert.equal(errorCode(net.query(alice, 'read', 'nope')), 'ASSET_NOT_FOUND');
    assert.equal(errorCode(net.call(alice, 'transfer', 'nope', 'org1/bob')), 'ASSET_NOT_FOUND');
  });

  it('rejects bad arguments with INVALID_ARGUMENT naming the argument', () => {
    const alice = net.user('org1/alice');
    net.call(alice, 'create', 'a6', 1);
    const cases: Array<[string, unknown[], RegExp]> = [
      ['create', ['b1', -1], /value must be at least 0/],
      ['create', ['b1', 1.5], /value must be a safe integer/],
      ['create', ['b1', '100'], /value must be a safe integer, got string/],
      ['create', ['', 1], /id must be 1 to 128 characters/],
      ['create', [42, 1], /id must be a string/],
      ['create', ['x'.repeat(129), 1], /id must be 1 to 128 characters/],
      ['create', ['a/b', 1], /id may only contain/],
      ['transfer', ['a6', 'bob'], /newOwner must be "org\/user"/],
      ['transfer', ['a6', { id: 'bob' }], /newOwner.org must be a string/],
      ['transfer', ['a6', { id: 'bob', org: 'org1', role: 'admin' }], /only have the fields/],
      ['transfer', ['a6', 'org1/'], /newOwner.id must be 1 to 128 characters/],
      ['transfer', ['a6', null], /newOwner must be/],
    ];
    const r = net.commit(cases.map(([method, args]) => net.tx(alice, method, args as never)));
    r.receipts.forEach((receipt, i) => {
      assert.equal(errorCode(receipt), 'INVALID_ARGUMENT', `case ${i}`);
      assert.match(receipt.error?.message ?? '', cases[i]![2], `case ${i}`);
    });
    assert.equal(errorCode(net.call(alice, 'transfer', 'a6', 'org1/alice')), 'ALREADY_OWNER');
  });

  it('refuses a method the contract does not have before ordering (BSN_TX_UNKNOWN_METHOD)', () => {
    assert.throws(
      () => net.tx(net.user('org1/alice'), 'burn', ['a1']),
      (err: unknown) => err instanceof BsnError && err.code === 'BSN_TX_UNKNOWN_METHOD',
    );
  });
});
