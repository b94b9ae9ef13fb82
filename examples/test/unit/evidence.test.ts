/**
 * The evidence example on a real chain: register document digests, then prove with the world
 * state's proofs at a height (checked by core's verifyStateProof) when each was registered, and
 * read the key's history.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hash, toHex, utf8, verifyStateProof } from '@bsn/core';
import { evidenceKey } from '../../evidence/keys.js';
import { checkRegistrationProof } from '../../evidence/proof.js';
import { ExampleNetwork, errorCode } from '../support/example-network.js';

const contractPath = fileURLToPath(new URL('../../evidence/contract.ts', import.meta.url));
const CONTRACT = 'evidence';

let net: ExampleNetwork;
before(async () => {
  net = await ExampleNetwork.open({
    contractPath,
    contractName: CONTRACT,
    orgs: { notary: ['nina'], court: ['clerk'] },
  });
});
after(() => net?.close());

const digestOf = (text: string) => toHex(hash(utf8(text), 'sha256'));

describe('evidence example', () => {
  it('proves that a digest was registered at height h: present in the state at h, absent at h-1, and the proof fails for altered metadata', () => {
    const nina = net.user('notary/nina');
    const digest = digestOf('contract of sale, 2026-11-23, signed copy');
    net.call(nina, 'register', digestOf('an earlier document'), {}); // so that h-1 is a real block
    const receipt = net.call(nina, 'register', digest, { title: 'contract of sale', pages: 3 });
    assert.equal(receipt.status, 'ok', JSON.stringify(receipt.error));
    const h = net.chain.height();
    assert.deepEqual(receipt.result, {
      digest,
      metadata: { title: 'contract of sale', pages: 3 },
      registrant: { id: 'nina', org: 'notary' },
      height: h,
      time: net.chain.head().time,
      txId: receipt.txId,
    });
    // later blocks do not disturb what can be proven about h
    net.call(net.user('court/clerk'), 'register', digestOf('another'), { case: 'B-12' });
    net.call(nina, 'register', digestOf('and another'));
    assert.ok(net.chain.height() > h);

    const key = evidenceKey(digest);
    const rootAt = (height: number) => net.chain.statement(height)?.stateRoot as string;
    const atH = net.chain.state.prove(CONTRACT, key, h);
    assert.equal(atH.height, h);
    assert.equal(atH.root, rootAt(h));
    assert.deepEqual(atH.value, receipt.result);
    assert.ok(verifyStateProof(rootAt(h), CONTRACT, key, atH.value, atH.proof));

    const before = net.chain.state.prove(CONTRACT, key, h - 1);
    assert.equal(before.value, null);
    assert.ok(verifyStateProof(rootAt(h - 1), CONTRACT, key, null, before.proof), 'non-membership at h-1');
    assert.ok(!verifyStateProof(rootAt(h), CONTRACT, key, null, atH.proof), 'cannot claim absence at h');

    const forged = { ...(atH.value as object), metadata: { title: 'contract of gift', pages: 3 } };
    assert.ok(!verifyStateProof(rootAt(h), CONTRACT, key, forged, atH.proof));
    assert.deepEqual(
      checkRegistrationProof(rootAt(h), CONTRACT, digest, { value: forged, proof: atH.proof }),
      {
        ok: false,
        reason: 'the proof does not match the state root',
      },
    );
    const checked = checkRegistrationProof(rootAt(h), CONTRACT, digest, atH);
    assert.ok(checked.ok && checked.registered && checked.registration.height === h);
    assert.deepEqual(checkRegistrationProof(rootAt(h - 1), CONTRACT, digest, before), {
      ok: true,
      registered: false,
    });
    // a proof for one digest does not pass for another
    const other = digestOf('not registered');
    assert.equal(checkRegistrationProof(rootAt(h), CONTRACT, other, atH).ok, false);

    // history: exactly one write, at h, by the registration transaction
    assert.deepEqual(net.chain.state.history(CONTRACT, key), [
      { height: h, txId: receipt.txId, value: receipt.result, deleted: false },
    ]);
    assert.equal(net.chain.receipt(receipt.txId)?.height, h);
  });

  it('keeps the first registration: a second one of the same digest fails with ALREADY_REGISTERED naming height and registrant', () => {
    const digest = digestOf('priority claim');
    const first = net.call(net.user('court/clerk'), 'register', digest, { by: 'court' });
    const h = net.chain.height();
    const second = net.call(net.user('notary/nina'), 'register', digest, { by: 'notary' });
    assert.equal(errorCode(second), 'ALREADY_REGISTERED');
    assert.match(second.error?.message ?? '', new RegExp(`registered at height ${h} by court/clerk`));
    const got = net.query(net.user('notary/nina'), 'get', digest);
    assert.deepEqual(got.ok ? got.result : got, first.result);
    assert.equal(net.chain.state.history(CONTRACT, evidenceKey(digest)).length, 1);
  });

  it('get fails with NOT_REGISTERED for an unknown digest while verify answers registered: false', () => {
    const clerk = net.user('court/clerk');
    const digest = digestOf('never registered');
    assert.equal(errorCode(net.query(clerk, 'get', digest)), 'NOT_REGISTERED');
    const unknown = net.query(clerk, 'verify', digest);
    assert.ok(unknown.ok);
    assert.deepEqual(unknown.result, { registered: false });
    const known = digestOf('contract of sale, 2026-11-23, signed copy');
    const v = net.query(clerk, 'verify', known);
    assert.ok(v.ok);
    assert.equal((v.result as { registered: boolean }).registered, true);
  });

  it('registers with empty metadata when none is given', () => {
    const r = net.call(net.user('notary/nina'), 'register', digestOf('bare'));
    assert.equal(r.status, 'ok', JSON.stringify(r.error));
    assert.deepEqual((r.result as { metadata: unknown }).metadata, {});
  });

  it('rejects malformed digests and metadata with INVALID_ARGUMENT', () => {
    const nina = net.user('notary/nina');
    const good = digestOf('x');
    const cases: Array<[unknown[], RegExp]> = [
      [[good.toUpperCase(), {}], /lower-case hex/],
      [[good.slice(1), {}], /digest must be 64 to 64 characters/],
      [['z'.repeat(64), {}], /lower-case hex/],
      [[42, {}], /digest must be a string/],
      [[good, 'title'], /metadata must be an object, got string/],
      [[good, [1, 2]], /metadata must be an object, got an array/],
      [[good, { blob: 'x'.repeat(5000) }], /metadata must be at most 4096 characters/],
    ];
    const r = net.commit(cases.map(([args]) => net.tx(nina, 'register', args as never)));
    r.receipts.forEach((receipt, i) => {
      assert.equal(errorCode(receipt), 'INVALID_ARGUMENT', `case ${i}`);
      assert.match(receipt.error?.message ?? '', cases[i]![1], `case ${i}`);
    });
    assert.equal(net.chain.state.get(CONTRACT, evidenceKey(good)), null);
  });
});
