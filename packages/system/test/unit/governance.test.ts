import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { JsonValue } from '@bsn/core';
import {
  createNetworkFixture,
  expectFailure,
  initialisedNetwork,
  makeCaller,
  type NetworkFixture,
} from './system-harness.js';

let fx: NetworkFixture;
before(async () => {
  fx = await createNetworkFixture(['acme']);
});

type Outcome = { proposalId: string; status: string; approvals: number; threshold: number };
const raise = { type: 'setPolicy', policy: { serviceApproval: 'operator' } };

describe('governance', () => {
  test('with threshold 1, propose executes the action at once', () => {
    const { h, admins } = initialisedNetwork(fx);
    const out = h.ok(admins[0]!, 'propose', raise) as Outcome;
    assert.equal(out.status, 'executed');
    assert.equal(
      h.read<{ policy: { serviceApproval: string } }>('getGovernance').policy.serviceApproval,
      'operator',
    );
    assert.equal(h.read<{ status: string }>('getProposal', out.proposalId).status, 'executed');
  });

  test('only network admins may propose or approve', () => {
    const { h, admins, orgAdmins } = initialisedNetwork(fx, { adminCount: 2, threshold: 2 });
    const operatorLookalike = makeCaller('admin-x', 'bsn-operator', 'admin');
    expectFailure(h.submit(orgAdmins.acme!, 'propose', raise), 'BSN_SYSTEM_NOT_ADMIN');
    expectFailure(h.submit(operatorLookalike, 'propose', raise), 'BSN_SYSTEM_NOT_ADMIN');
    const out = h.ok(admins[0]!, 'propose', raise) as Outcome;
    expectFailure(h.submit(operatorLookalike, 'approve', out.proposalId), 'BSN_SYSTEM_NOT_ADMIN');
    assert.equal(h.read<{ status: string }>('getProposal', out.proposalId).status, 'pending');
  });

  test('threshold 2 needs two distinct admins; the same admin does not count twice', () => {
    const { h, admins } = initialisedNetwork(fx, { adminCount: 3, threshold: 2 });
    const out = h.ok(admins[0]!, 'propose', raise) as Outcome;
    assert.deepEqual([out.status, out.approvals, out.threshold], ['pending', 1, 2]);
    assert.equal(
      h.read<{ policy: { serviceApproval: string } }>('getGovernance').policy.serviceApproval,
      'none',
    );
    h.nextBlock();
    expectFailure(h.submit(admins[0]!, 'approve', out.proposalId), 'BSN_SYSTEM_ALREADY_APPROVED');
    assert.equal(h.read<{ status: string }>('getProposal', out.proposalId).status, 'pending');
    const second = h.ok(admins[1]!, 'approve', out.proposalId) as Outcome;
    assert.deepEqual([second.status, second.approvals], ['executed', 2]);
    assert.equal(
      h.read<{ policy: { serviceApproval: string } }>('getGovernance').policy.serviceApproval,
      'operator',
    );
    expectFailure(h.submit(admins[2]!, 'approve', out.proposalId), 'BSN_SYSTEM_PROPOSAL_CLOSED');
    assert.deepEqual(h.eventNames().slice(-3), ['ProposalApproved', 'PolicyChanged', 'ProposalExecuted']);
  });

  test('a proposal cannot be approved after its expiry height', () => {
    const { h, admins } = initialisedNetwork(fx, { adminCount: 2, threshold: 2 });
    h.ok(admins[0]!, 'propose', { type: 'setPolicy', policy: { proposalTtlBlocks: 5 } }) as Outcome;
    // That proposal is pending; lower the TTL through a 2-of-2 round, then test expiry on a new one.
    const ids = h.read<Array<{ id: string }>>('listProposals').map((p) => p.id);
    h.ok(admins[1]!, 'approve', ids[0]!);
    const out = h.ok(admins[0]!, 'propose', raise) as Outcome;
    h.nextBlock(5);
    assert.equal(h.read<{ status: string }>('getProposal', out.proposalId).status, 'pending');
    h.nextBlock();
    assert.equal(h.read<{ status: string }>('getProposal', out.proposalId).status, 'expired');
    expectFailure(h.submit(admins[1]!, 'approve', out.proposalId), 'BSN_SYSTEM_PROPOSAL_EXPIRED');
  });

  test('an unknown proposal is not found and a malformed id is named', () => {
    const { h, admins } = initialisedNetwork(fx);
    expectFailure(h.submit(admins[0]!, 'approve', 'a'.repeat(64)), 'BSN_SYSTEM_NOT_FOUND');
    expectFailure(h.submit(admins[0]!, 'approve', 'xyz'), 'BSN_SYSTEM_INVALID_ARGUMENT', '"proposalId"');
    expectFailure(h.query('getProposal', 'b'.repeat(64)), 'BSN_SYSTEM_NOT_FOUND');
  });

  test('names the invalid field of an action, and refuses unknown action types', () => {
    const { h, admins } = initialisedNetwork(fx);
    expectFailure(
      h.submit(admins[0]!, 'propose', { type: 'mintCoins' }),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"action.type"',
    );
    expectFailure(h.submit(admins[0]!, 'propose', 'setThreshold'), 'BSN_SYSTEM_INVALID_ARGUMENT', '"action"');
    expectFailure(
      h.submit(admins[0]!, 'propose', { type: 'setThreshold', threshold: 'two' }),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"action.threshold"',
    );
    expectFailure(
      h.submit(admins[0]!, 'propose', { type: 'setPolicy', policy: { serviceApproval: 'maybe' } }),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"action.policy.serviceApproval"',
    );
    expectFailure(
      h.submit(admins[0]!, 'propose', { type: 'setPolicy', policy: {} }),
      'BSN_SYSTEM_INVALID_ARGUMENT',
      '"action.policy"',
    );
  });

  test('a proposal that cannot run is refused when proposed, and re-checked when it would execute', () => {
    const { h, admins } = initialisedNetwork(fx, { adminCount: 2, threshold: 2 });
    expectFailure(
      h.submit(admins[0]!, 'propose', { type: 'setThreshold', threshold: 3 }),
      'BSN_SYSTEM_CONFLICT',
    );
    const newAdmin = 'c'.repeat(64);
    const first = h.ok(admins[0]!, 'propose', { type: 'addAdmin', fingerprint: newAdmin }) as Outcome;
    const second = h.ok(admins[1]!, 'propose', { type: 'addAdmin', fingerprint: newAdmin }) as Outcome;
    h.ok(admins[1]!, 'approve', first.proposalId);
    assert.deepEqual(h.read<{ admins: string[] }>('getGovernance').admins.includes(newAdmin), true);
    // The second proposal would now add an existing admin: the final approval fails and records nothing.
    expectFailure(h.submit(admins[0]!, 'approve', second.proposalId), 'BSN_SYSTEM_ALREADY_EXISTS');
    assert.deepEqual(h.read<{ approvals: string[] }>('getProposal', second.proposalId).approvals, [
      admins[1]!.certFingerprint,
    ]);
  });

  test('a removed admin no longer governs and its earlier approvals stop counting', () => {
    const { h, admins } = initialisedNetwork(fx, { adminCount: 3, threshold: 2 });
    const pending = h.ok(admins[2]!, 'propose', raise) as Outcome;
    const removal = h.ok(admins[0]!, 'propose', {
      type: 'removeAdmin',
      fingerprint: admins[2]!.certFingerprint,
    }) as Outcome;
    h.ok(admins[1]!, 'approve', removal.proposalId);
    expectFailure(h.submit(admins[2]!, 'propose', raise), 'BSN_SYSTEM_NOT_ADMIN');
    const out = h.ok(admins[0]!, 'approve', pending.proposalId) as Outcome;
    assert.deepEqual([out.status, out.approvals], ['pending', 1]);
    expectFailure(
      h.submit(admins[0]!, 'propose', { type: 'removeAdmin', fingerprint: admins[1]!.certFingerprint }),
      'BSN_SYSTEM_CONFLICT',
      'threshold of 2',
    );
  });

  test('setThreshold and addAdmin change who must approve', () => {
    const { h, admins } = initialisedNetwork(fx, { adminCount: 2, threshold: 1 });
    h.ok(admins[0]!, 'propose', { type: 'setThreshold', threshold: 2 });
    const g = h.read<{ threshold: number; admins: string[] }>('getGovernance');
    assert.equal(g.threshold, 2);
    const out = h.ok(admins[0]!, 'propose', raise) as Outcome;
    assert.equal(out.status, 'pending');
    assert.ok(h.eventNames().includes('AdminsChanged'));
    expectFailure(
      h.submit(admins[0]!, 'propose', { type: 'addAdmin', fingerprint: admins[1]!.certFingerprint }),
      'BSN_SYSTEM_ALREADY_EXISTS',
    );
    expectFailure(
      h.submit(admins[0]!, 'propose', { type: 'removeAdmin', fingerprint: 'd'.repeat(64) }),
      'BSN_SYSTEM_NOT_FOUND',
    );
  });

  test('the proposal id is the proposing transaction id and proposals are listed', () => {
    const { h, admins } = initialisedNetwork(fx, { adminCount: 2, threshold: 2 });
    const out = h.ok(admins[0]!, 'propose', raise) as Outcome;
    const listed =
      h.read<Array<{ id: string; action: JsonValue; proposer: string; expiresAt: number }>>('listProposals');
    assert.equal(listed.length, 1);
    assert.equal(listed[0]!.id, out.proposalId);
    assert.deepEqual(listed[0]!.action, raise);
    assert.equal(listed[0]!.proposer, admins[0]!.certFingerprint);
    assert.equal(listed[0]!.expiresAt, h.height + 10_000);
  });
});
