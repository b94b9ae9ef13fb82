import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CommitStatement, generateKeyPair, quorumSize, signCommitVote } from '@bsn/core';
import { VoteCollector } from '../../src/vote-collector.js';

const hex = (c: string) => c.repeat(64);
const statement = (height: number, root = 'a'): CommitStatement => ({
  chain: 'svc-x',
  height,
  blockHash: hex('b'),
  stateRoot: hex(root),
  receiptsRoot: hex('c'),
});

function network(n: number) {
  const keys = Array.from({ length: n }, (_, i) => ({ id: `pcn${i + 1}`, ...generateKeyPair() }));
  const hosts = new Map(keys.map((k) => [k.id, k.publicKeyPem]));
  return { keys, collector: new VoteCollector({ chain: 'svc-x', hosts, quorum: quorumSize(n) }) };
}

describe('VoteCollector', () => {
  it('forms a certificate once more than 2/3 of the hosts signed the same statement', () => {
    const { keys, collector } = network(4);
    collector.setOwn(statement(1));
    assert.equal(collector.add(signCommitVote(statement(1), 'pcn1', keys[0]!.privateKeyPem)).kind, 'pending');
    assert.equal(collector.add(signCommitVote(statement(1), 'pcn2', keys[1]!.privateKeyPem)).kind, 'pending');
    const third = collector.add(signCommitVote(statement(1), 'pcn3', keys[2]!.privateKeyPem));
    assert.equal(third.kind, 'certified');
    assert.ok(third.kind === 'certified' && third.agreesWithOwn === true);
    assert.deepEqual(
      collector.certificate(1)?.votes.map((v) => v.pcn),
      ['pcn1', 'pcn2', 'pcn3'],
    );
  });

  it('reports disagreement when the certified statement is not this node’s own', () => {
    const { keys, collector } = network(4);
    collector.setOwn(statement(1, 'e'));
    collector.add(signCommitVote(statement(1), 'pcn2', keys[1]!.privateKeyPem));
    collector.add(signCommitVote(statement(1), 'pcn3', keys[2]!.privateKeyPem));
    const out = collector.add(signCommitVote(statement(1), 'pcn4', keys[3]!.privateKeyPem));
    assert.ok(out.kind === 'certified' && out.agreesWithOwn === false);
  });

  it('ignores votes from non-hosting PCNs, bad signatures and second votes of one PCN', () => {
    const { keys, collector } = network(4);
    const outsider = generateKeyPair();
    assert.equal(collector.add(signCommitVote(statement(1), 'pcn9', outsider.privateKeyPem)).kind, 'ignored');
    assert.equal(collector.add(signCommitVote(statement(1), 'pcn1', outsider.privateKeyPem)).kind, 'ignored');
    collector.add(signCommitVote(statement(1), 'pcn1', keys[0]!.privateKeyPem));
    const twice = collector.add(signCommitVote(statement(1, 'f'), 'pcn1', keys[0]!.privateKeyPem));
    assert.ok(twice.kind === 'ignored' && /twice/.test(twice.reason));
    assert.equal(collector.votes(1).length, 1);
  });

  it('keeps votes that arrive before this node executed the height', () => {
    const { keys, collector } = network(4);
    collector.add(signCommitVote(statement(2), 'pcn2', keys[1]!.privateKeyPem));
    collector.add(signCommitVote(statement(2), 'pcn3', keys[2]!.privateKeyPem));
    const cert = collector.add(signCommitVote(statement(2), 'pcn4', keys[3]!.privateKeyPem));
    assert.ok(cert.kind === 'certified' && cert.agreesWithOwn === null);
    const own = collector.setOwn(statement(2));
    assert.ok(own.kind === 'certified' && own.agreesWithOwn === true);
  });
});
