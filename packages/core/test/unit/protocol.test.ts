import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Block,
  type BlockHeader,
  blockHash,
  type CommitCertificate,
  type CommitStatement,
  canonicalEncode,
  canonicalString,
  canonicalTransactionId,
  fromHex,
  generateKeyPair,
  hash,
  isBsnError,
  merkleRoot,
  quorumSize,
  type Receipt,
  receiptsRoot,
  SigningDomain,
  signBlockHeader,
  signBytes,
  signCommitVote,
  signingBytes,
  signTransaction,
  type TransactionPayload,
  toHex,
  transactionId,
  transactionsRoot,
  verifyBlockSignature,
  verifyCommitCertificate,
  verifyCommitVote,
  verifySignature,
  verifyTransactionSignature,
  ZERO_HASH,
} from '@bsn/core';

const alice = generateKeyPair('ecdsa-p256-sha256');
const orderer = generateKeyPair('ed25519');

const payload: TransactionPayload = {
  chain: 'svc-1',
  contract: 'assets',
  method: 'transfer',
  args: ['bob', 10],
  nonce: 'n-1',
  expires: 1_900_000_000_000,
  signer: alice.publicKeyPem,
};

const header: BlockHeader = {
  chain: 'svc-1',
  height: 1,
  prevHash: ZERO_HASH,
  txRoot: '11'.repeat(32),
  time: 1_800_000_000_000,
  orderer: 'orderer-1',
};

const statement: CommitStatement = {
  chain: 'svc-1',
  height: 1,
  blockHash: 'aa'.repeat(32),
  stateRoot: 'bb'.repeat(32),
  receiptsRoot: 'cc'.repeat(32),
};

describe('transactions', () => {
  it('txId is the hex hash of the canonical payload, stable across member order', () => {
    const reordered = Object.fromEntries(Object.entries(payload).reverse()) as unknown as TransactionPayload;
    assert.equal(transactionId(payload), toHex(hash(canonicalEncode(payload))));
    assert.equal(transactionId(reordered), transactionId(payload));
    assert.match(transactionId(payload), /^[0-9a-f]{64}$/);
    assert.notEqual(transactionId(payload, 'sm3'), transactionId(payload));
    // from the canonical text or its bytes, as the ledger and the orderer compute it
    for (const alg of ['sha256', 'sm3'] as const) {
      assert.equal(canonicalTransactionId(canonicalString(payload), alg), transactionId(payload, alg));
      assert.equal(canonicalTransactionId(canonicalEncode(payload), alg), transactionId(payload, alg));
    }
  });

  it('txId does not depend on the signature (ECDSA signatures are randomised)', () => {
    const a = signTransaction(payload, alice.privateKeyPem);
    const b = signTransaction(payload, alice.privateKeyPem);
    assert.notEqual(a.signature, b.signature);
    assert.equal(transactionId(a.payload), transactionId(b.payload));
  });

  it('txId changes with every payload field', () => {
    const base = transactionId(payload);
    const changes: Partial<TransactionPayload>[] = [
      { chain: 'svc-2' },
      { contract: 'other' },
      { method: 'burn' },
      { args: ['bob', 11] },
      { nonce: 'n-2' },
      { expires: payload.expires + 1 },
      { signer: orderer.publicKeyPem },
    ];
    for (const change of changes)
      assert.notEqual(transactionId({ ...payload, ...change }), base, JSON.stringify(change));
  });

  it('a signed transaction verifies under the signer key only, and not after any change', () => {
    const tx = signTransaction(payload, alice.privateKeyPem);
    assert.match(tx.signature, /^[0-9a-f]{128}$/);
    assert.deepEqual(verifyTransactionSignature(tx, alice.publicKeyPem), { ok: true });
    assert.equal(verifyTransactionSignature(tx, generateKeyPair().publicKeyPem).ok, false);
    assert.equal(
      verifyTransactionSignature(
        { ...tx, payload: { ...payload, args: ['mallory', 10] } },
        alice.publicKeyPem,
      ).ok,
      false,
    );
  });

  it('a malformed signature string is reported, never thrown', () => {
    const tx = signTransaction(payload, alice.privateKeyPem);
    for (const signature of [
      '',
      'zz',
      tx.signature.slice(1),
      `${tx.signature}00`,
      tx.signature.toUpperCase().slice(2),
    ]) {
      assert.deepEqual(verifyTransactionSignature({ ...tx, signature }, alice.publicKeyPem), {
        ok: false,
        code: 'BSN_SIGNATURE_MALFORMED',
      });
    }
  });

  it('the signature covers the domain-tagged payload, not the bare payload bytes', () => {
    const tx = signTransaction(payload, alice.privateKeyPem);
    assert.equal(verifySignature(alice.publicKeyPem, canonicalEncode(payload), fromHex(tx.signature)), false);
    assert.ok(
      verifySignature(
        alice.publicKeyPem,
        signingBytes(SigningDomain.transaction, payload),
        fromHex(tx.signature),
      ),
    );
  });
});

describe('signing domains do not cross', () => {
  it('the four domains are distinct', () => {
    const domains = Object.values(SigningDomain);
    assert.equal(new Set(domains).size, domains.length);
  });

  it('a block signature does not verify as a commit vote, nor a vote as a block signature', () => {
    // A header-shaped statement: the same value signed in two domains must give two unrelated signatures.
    const key = generateKeyPair('ed25519');
    const blockSig = signBlockHeader(header, key.privateKeyPem);
    assert.equal(
      verifyCommitVote(header as unknown as CommitStatement, { signature: blockSig }, key.publicKeyPem).ok,
      false,
    );
    const vote = signCommitVote(statement, 'pcn-a', key.privateKeyPem);
    const block: Block = { header: statement as unknown as BlockHeader, signature: vote.signature, txs: [] };
    assert.equal(verifyBlockSignature(block, key.publicKeyPem).ok, false);
  });

  it('a transaction signature does not verify in any other domain over the same value', () => {
    const sig = fromHex(signTransaction(payload, alice.privateKeyPem).signature);
    for (const domain of [SigningDomain.blockHeader, SigningDomain.commitVote, SigningDomain.request]) {
      assert.equal(verifySignature(alice.publicKeyPem, signingBytes(domain, payload), sig), false, domain);
    }
  });

  it('signingBytes is the canonical {domain, value}', () => {
    assert.equal(
      Buffer.from(signingBytes(SigningDomain.commitVote, { b: 1, a: 2 })).toString(),
      '{"domain":"bsn/vote/v1","value":{"a":2,"b":1}}',
    );
  });
});

describe('blocks', () => {
  it('blockHash is the hash of the canonical header and changes with every field', () => {
    assert.equal(blockHash(header), toHex(hash(canonicalEncode(header))));
    for (const change of [
      { height: 2 },
      { prevHash: '01'.repeat(32) },
      { txRoot: '22'.repeat(32) },
      { time: 1 },
      { orderer: 'o2' },
      { chain: 'x' },
    ]) {
      assert.notEqual(blockHash({ ...header, ...change }), blockHash(header));
    }
  });

  it('the orderer signature verifies for its header only and under its key only', () => {
    const block: Block = { header, signature: signBlockHeader(header, orderer.privateKeyPem), txs: [] };
    assert.deepEqual(verifyBlockSignature(block, orderer.publicKeyPem), { ok: true });
    assert.equal(
      verifyBlockSignature({ ...block, header: { ...header, time: header.time + 1 } }, orderer.publicKeyPem)
        .ok,
      false,
    );
    assert.equal(verifyBlockSignature(block, alice.publicKeyPem).ok, false);
    assert.deepEqual(verifyBlockSignature({ ...block, signature: 'nothex' }, orderer.publicKeyPem), {
      ok: false,
      code: 'BSN_SIGNATURE_MALFORMED',
    });
  });

  it('transactionsRoot is the RFC 6962 root over the 32-byte txIds, in order', () => {
    const txs = [0, 1, 2].map((i) => signTransaction({ ...payload, nonce: `n-${i}` }, alice.privateKeyPem));
    assert.equal(transactionsRoot(txs), toHex(merkleRoot(txs.map((t) => fromHex(transactionId(t.payload))))));
    assert.notEqual(transactionsRoot([txs[1]!, txs[0]!, txs[2]!]), transactionsRoot(txs));
    assert.equal(transactionsRoot([]), toHex(hash(new Uint8Array(0))));
  });

  it('receiptsRoot commits to every receipt field', () => {
    const r: Receipt = { txId: 'ab'.repeat(32), status: 'ok', result: 1, events: [], gasUsed: 5 };
    assert.equal(receiptsRoot([r]), toHex(merkleRoot([canonicalEncode(r)])));
    assert.notEqual(receiptsRoot([{ ...r, gasUsed: 6 }]), receiptsRoot([r]));
    assert.notEqual(
      receiptsRoot([{ ...r, events: [{ contract: 'c', name: 'e', data: null }] }]),
      receiptsRoot([r]),
    );
    assert.notEqual(receiptsRoot([r, r]), receiptsRoot([r]));
  });
});

describe('quorum', () => {
  it('is the smallest count above two thirds of the hosts, for 1..10 hosts', () => {
    const expected = [1, 2, 3, 3, 4, 5, 5, 6, 7, 7];
    for (let n = 1; n <= 10; n++) {
      const q = quorumSize(n);
      assert.equal(q, expected[n - 1], `hosts=${n}`);
      assert.ok(3 * q > 2 * n && 3 * (q - 1) <= 2 * n, `hosts=${n}`);
    }
  });

  it('takes another fraction, e.g. a simple majority', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => quorumSize(n, [1, 2])),
      [1, 2, 2, 3, 3],
    );
  });

  it('rejects no hosts and fractions that are not strictly between 0 and 1', () => {
    for (const [hosts, fraction] of [
      [0, [2, 3]],
      [-1, [2, 3]],
      [2.5, [2, 3]],
      [3, [3, 3]],
      [3, [0, 3]],
      [3, [4, 3]],
      [3, [1, 0]],
    ] as [number, [number, number]][]) {
      assert.throws(
        () => quorumSize(hosts, fraction),
        (e) => isBsnError(e, 'BSN_INVALID_ARGUMENT'),
        `${hosts} ${fraction}`,
      );
    }
  });
});

describe('commit certificates', () => {
  const pcns = ['pcn-a', 'pcn-b', 'pcn-c', 'pcn-d'].map((id, i) => ({
    id,
    keys: generateKeyPair(i % 2 === 0 ? 'ecdsa-p256-sha256' : 'ed25519'),
  }));
  const hosts = new Map(pcns.map((p) => [p.id, p.keys.publicKeyPem]));
  const votes = pcns.map((p) => signCommitVote(statement, p.id, p.keys.privateKeyPem));
  const cert = (vs: typeof votes): CommitCertificate => ({
    ...statement,
    votes: vs.map((v) => ({ pcn: v.pcn, signature: v.signature })),
  });

  it('a vote carries the statement and verifies under its PCN key', () => {
    const vote = votes[0]!;
    assert.deepEqual(
      { ...vote, pcn: undefined, signature: undefined },
      { ...statement, pcn: undefined, signature: undefined },
    );
    assert.deepEqual(verifyCommitVote(statement, vote, pcns[0]!.keys.publicKeyPem), { ok: true });
    assert.equal(
      verifyCommitVote({ ...statement, stateRoot: 'dd'.repeat(32) }, vote, pcns[0]!.keys.publicKeyPem).ok,
      false,
    );
    assert.equal(verifyCommitVote(statement, vote, pcns[1]!.keys.publicKeyPem).ok, false);
  });

  it('signs only the statement fields, whatever else the object carries', () => {
    const vote = signCommitVote(
      { ...statement, extra: 'ignored' } as CommitStatement,
      'pcn-a',
      pcns[0]!.keys.privateKeyPem,
    );
    assert.equal('extra' in vote, false);
    assert.ok(verifyCommitVote(statement, vote, pcns[0]!.keys.publicKeyPem).ok);
  });

  it('accepts a quorum (3 of 4) and all votes, naming the signers', () => {
    assert.deepEqual(verifyCommitCertificate(cert(votes.slice(0, 3)), hosts), {
      ok: true,
      signers: ['pcn-a', 'pcn-b', 'pcn-c'],
    });
    assert.deepEqual(verifyCommitCertificate(cert([...votes].reverse()), hosts), {
      ok: true,
      signers: ['pcn-a', 'pcn-b', 'pcn-c', 'pcn-d'],
    });
  });

  it('rejects votes below quorum', () => {
    const check = verifyCommitCertificate(cert(votes.slice(0, 2)), hosts);
    assert.equal(check.ok, false);
    assert.equal(!check.ok && check.code, 'BSN_CERTIFICATE_QUORUM');
    assert.equal(verifyCommitCertificate(cert([]), hosts).ok, false);
  });

  it('does not count the same signer twice', () => {
    const check = verifyCommitCertificate(cert([votes[0]!, votes[0]!, votes[1]!]), hosts);
    assert.equal(!check.ok && check.code, 'BSN_CERTIFICATE_QUORUM');
    // Two different valid signatures of one PCN (ECDSA is randomised) still count once.
    const again = signCommitVote(statement, 'pcn-a', pcns[0]!.keys.privateKeyPem);
    assert.notEqual(again.signature, votes[0]!.signature);
    const check2 = verifyCommitCertificate(cert([votes[0]!, again, votes[1]!]), hosts);
    assert.equal(!check2.ok && check2.code, 'BSN_CERTIFICATE_QUORUM');
  });

  it('rejects a vote from a PCN that does not host the chain, even beside a quorum', () => {
    const outsider = generateKeyPair();
    const foreign = signCommitVote(statement, 'pcn-x', outsider.privateKeyPem);
    const check = verifyCommitCertificate(cert([...votes, foreign]), hosts);
    assert.equal(check.ok, false);
    assert.equal(!check.ok && check.code, 'BSN_CERTIFICATE_SIGNER');
    assert.match(!check.ok ? check.message : '', /pcn-x/);
  });

  it('rejects a bad signature, even beside a quorum', () => {
    const forged = { ...votes[3]!, signature: votes[2]!.signature };
    const check = verifyCommitCertificate(cert([...votes.slice(0, 3), forged]), hosts);
    assert.equal(!check.ok && check.code, 'BSN_CERTIFICATE_SIGNER');
    assert.match(!check.ok ? check.message : '', /pcn-d/);
  });

  it('rejects votes for another statement', () => {
    const check = verifyCommitCertificate({ ...cert(votes), stateRoot: 'ee'.repeat(32) }, hosts);
    assert.equal(!check.ok && check.code, 'BSN_CERTIFICATE_SIGNER');
  });

  it('a signature made as a block or transaction signer does not count as a vote', () => {
    const key = pcns[0]!.keys;
    const sameBytesOtherDomain = toHex(
      signBytes(key.privateKeyPem, signingBytes(SigningDomain.blockHeader, statement)),
    );
    const check = verifyCommitCertificate(
      cert([{ ...votes[0]!, signature: sameBytesOtherDomain }, ...votes.slice(1)]),
      hosts,
    );
    assert.equal(!check.ok && check.code, 'BSN_CERTIFICATE_SIGNER');
  });

  it('honours an explicit quorum', () => {
    assert.equal(verifyCommitCertificate(cert(votes.slice(0, 3)), hosts, 4).ok, false);
    assert.equal(verifyCommitCertificate(cert(votes.slice(0, 2)), hosts, 2).ok, true);
    for (const q of [0, -1, 1.5, Number.NaN]) {
      const check = verifyCommitCertificate(cert([]), hosts, q);
      assert.equal(!check.ok && check.code, 'BSN_CERTIFICATE_QUORUM', String(q));
    }
  });

  it('never throws on malformed certificates or an empty host set', () => {
    const hostile: unknown[] = [
      { ...statement, votes: null },
      { ...statement, votes: 'abc' },
      { ...statement, votes: [null] },
      { ...statement, votes: [{ pcn: 'pcn-a' }] },
      { ...statement, votes: [{ pcn: 'pcn-a', signature: 42 }] },
      { ...statement, votes: { length: 1 } },
    ];
    for (const c of hostile) {
      const check = verifyCommitCertificate(c as CommitCertificate, hosts);
      assert.equal(check.ok, false, JSON.stringify(c));
    }
    const empty = verifyCommitCertificate(cert(votes), new Map());
    assert.equal(empty.ok, false);
  });
});
