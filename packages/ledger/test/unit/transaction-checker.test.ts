import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  errorCatalog,
  isBsnError,
  SigningDomain,
  signingBytes,
  signTransaction,
  transactionId,
} from '@bsn/core';
import { TransactionChecker, transactionSigningBytes, VerifiedSignatures } from '@bsn/ledger';
import { makeSigner, makeTx, StubCertificates, T0 } from '../support/fixtures.js';

const NOW = T0;

function setup(committed: string[] = []) {
  const certs = new StubCertificates();
  const alice = makeSigner('alice');
  certs.add(alice);
  const checker = new TransactionChecker(
    { maxTxBytes: 4096, maxArgsBytes: 1024, maxTtlMs: 600_000, clockSkewMs: 1000 },
    {
      chain: 'c1',
      certificates: certs,
      isCommitted: (id) => committed.includes(id),
      contractMethods: (name) => (name === 'kv' ? ['get', 'put'] : undefined),
    },
  );
  return { certs, alice, checker };
}

function refusedWith(fn: () => unknown, code: string, messagePart?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isBsnError(err), `expected a BsnError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (messagePart) assert.match(err.message, messagePart);
    assert.ok(errorCatalog[code] !== undefined, `${code} is registered`);
    return true;
  });
}

describe('TransactionChecker', () => {
  it('accepts a well-formed, signed, unexpired transaction and names the caller', () => {
    const { alice, checker } = setup();
    const tx = makeTx(alice, { contract: 'kv', method: 'put', args: ['k', 1] });
    const checked = checker.check(tx, NOW);
    assert.equal(checked.txId, transactionId(tx.payload));
    assert.equal(checked.caller.id, 'alice');
    assert.equal(checker.pendingCount(), 1);
  });

  it('builds the same signing bytes as core without re-encoding the payload', () => {
    const { alice } = setup();
    const tx = makeTx(alice, { contract: 'kv', method: 'put', args: [{ b: 1, a: [true, null, 'é'] }] });
    const text = JSON.stringify(
      JSON.parse(new TextDecoder().decode(signingBytes(SigningDomain.transaction, tx.payload))).value,
    );
    assert.deepEqual(transactionSigningBytes(text), signingBytes(SigningDomain.transaction, tx.payload));
  });

  it('rejects a payload with an extra field as malformed, naming the field path', () => {
    const { alice, checker } = setup();
    const tx = makeTx(alice, { contract: 'kv', method: 'put' });
    refusedWith(
      () => checker.check({ ...tx, payload: { ...tx.payload, extra: 1 } }, NOW),
      'BSN_TX_MALFORMED',
      /payload/,
    );
    refusedWith(() => checker.check({ ...tx, extra: 1 }, NOW), 'BSN_TX_MALFORMED');
  });

  it('rejects wrong types, bad names, long nonces and bad signature text as malformed', () => {
    const { alice, checker } = setup();
    const tx = makeTx(alice, { contract: 'kv', method: 'put' });
    const bad = [
      null,
      'tx',
      { payload: tx.payload },
      { ...tx, payload: { ...tx.payload, args: 'x' } },
      { ...tx, payload: { ...tx.payload, expires: 1.5 } },
      { ...tx, payload: { ...tx.payload, contract: '9kv' } },
      { ...tx, payload: { ...tx.payload, contract: 'k'.repeat(65) } },
      { ...tx, payload: { ...tx.payload, method: 'put me' } },
      { ...tx, payload: { ...tx.payload, nonce: 'n'.repeat(65) } },
      { ...tx, payload: { ...tx.payload, nonce: '' } },
      { ...tx, signature: tx.signature.toUpperCase() },
      { ...tx, signature: tx.signature.slice(2) },
    ];
    for (const value of bad) refusedWith(() => checker.check(value, NOW), 'BSN_TX_MALFORMED');
  });

  it('rejects a transaction for another chain', () => {
    const { alice, checker } = setup();
    refusedWith(
      () => checker.check(makeTx(alice, { chain: 'c2', contract: 'kv', method: 'put' }), NOW),
      'BSN_TX_WRONG_CHAIN',
      /c2/,
    );
  });

  it('rejects oversized arguments and oversized payloads with their own codes', () => {
    const { alice, checker } = setup();
    refusedWith(
      () => checker.check(makeTx(alice, { contract: 'kv', method: 'put', args: ['x'.repeat(2000)] }), NOW),
      'BSN_TX_ARGS_TOO_LARGE',
    );
    const many = Array.from({ length: 40 }, () => 'y'.repeat(20));
    const big = makeTx(alice, { contract: 'kv', method: 'put', args: many, nonce: 'n'.repeat(64) });
    const small = new TransactionChecker(
      { maxTxBytes: 900, maxArgsBytes: 4096 },
      {
        chain: 'c1',
        certificates: new StubCertificates(),
        isCommitted: () => false,
        contractMethods: () => ['put'],
      },
    );
    refusedWith(() => small.check(big, NOW), 'BSN_TX_TOO_LARGE');
  });

  it('rejects an expired transaction and one expiring beyond maxTtlMs', () => {
    const { alice, checker } = setup();
    refusedWith(
      () => checker.check(makeTx(alice, { contract: 'kv', method: 'put', expires: NOW - 1 }), NOW),
      'BSN_TX_EXPIRED',
    );
    refusedWith(
      () =>
        checker.check(makeTx(alice, { contract: 'kv', method: 'put', expires: NOW + 600_000 + 1001 }), NOW),
      'BSN_TX_EXPIRY_TOO_FAR',
    );
    // within ttl + skew is fine
    checker.check(makeTx(alice, { contract: 'kv', method: 'put', expires: NOW + 600_000 + 1000 }), NOW);
  });

  it('rejects a txId already committed and one already pending', () => {
    const { alice } = setup();
    const tx = makeTx(alice, { contract: 'kv', method: 'put' });
    const committed = setup([transactionId(tx.payload)]);
    committed.certs.add(alice);
    refusedWith(() => committed.checker.check(tx, NOW), 'BSN_TX_DUPLICATE', /on the chain/);
    const { checker, certs } = setup();
    certs.add(alice);
    checker.check(tx, NOW);
    refusedWith(() => checker.check(tx, NOW), 'BSN_TX_DUPLICATE', /pending/);
    // a re-signed copy has the same txId (the signature is not part of it)
    refusedWith(
      () => checker.check(signTransaction(tx.payload, alice.keys.privateKeyPem), NOW),
      'BSN_TX_DUPLICATE',
    );
    checker.settle([transactionId(tx.payload)]);
    assert.equal(checker.pendingCount(), 0);
  });

  it('forgets a pending txId once it has expired', () => {
    const { alice, checker } = setup();
    const tx = makeTx(alice, { contract: 'kv', method: 'put', expires: NOW + 10 });
    checker.check(tx, NOW);
    refusedWith(() => checker.check(tx, NOW + 5), 'BSN_TX_DUPLICATE');
    refusedWith(() => checker.check(tx, NOW + 11), 'BSN_TX_EXPIRED');
  });

  it('rejects an unknown contract, an unknown method and a private method', () => {
    const { alice, checker } = setup();
    refusedWith(
      () => checker.check(makeTx(alice, { contract: 'nope', method: 'put' }), NOW),
      'BSN_TX_UNKNOWN_CONTRACT',
    );
    refusedWith(
      () => checker.check(makeTx(alice, { contract: 'kv', method: 'drop' }), NOW),
      'BSN_TX_UNKNOWN_METHOD',
    );
    refusedWith(
      () => checker.check(makeTx(alice, { contract: 'kv', method: '_secret' }), NOW),
      'BSN_TX_UNKNOWN_METHOD',
      /private/,
    );
  });

  it('rejects a bad signature, and a signature by another key than the certificate', () => {
    const { alice, checker } = setup();
    const tx = makeTx(alice, { contract: 'kv', method: 'put' });
    const flipped = (tx.signature[0] === 'a' ? 'b' : 'a') + tx.signature.slice(1);
    refusedWith(() => checker.check({ ...tx, signature: flipped }, NOW), 'BSN_TX_SIGNATURE_INVALID');
    const mallory = makeSigner('mallory');
    const forged = signTransaction(tx.payload, mallory.keys.privateKeyPem);
    refusedWith(() => checker.check(forged, NOW), 'BSN_TX_SIGNATURE_INVALID');
  });

  it('accepts Ed25519 signers', () => {
    const { certs, checker } = setup();
    const ed = makeSigner('ed', 'ed25519');
    certs.add(ed);
    assert.equal(checker.check(makeTx(ed, { contract: 'kv', method: 'put' }), NOW).caller.id, 'ed');
  });

  it('rejects unknown, expired and revoked certificates with distinct codes and keeps the pki reason', () => {
    const { certs, checker } = setup();
    const stranger = makeSigner('stranger');
    assert.throws(
      () => checker.check(makeTx(stranger, { contract: 'kv', method: 'put' }), NOW),
      (err: unknown) =>
        isBsnError(err, 'BSN_TX_CERTIFICATE_UNTRUSTED') && err.details.reason === 'BSN_PKI_UNKNOWN_ISSUER',
    );
    const old = makeSigner('old');
    certs.add(old, NOW - 1);
    refusedWith(
      () => checker.check(makeTx(old, { contract: 'kv', method: 'put' }), NOW),
      'BSN_TX_CERTIFICATE_EXPIRED',
    );
    const bob = makeSigner('bob');
    certs.add(bob);
    certs.revoke(bob, NOW - 1);
    refusedWith(
      () => checker.check(makeTx(bob, { contract: 'kv', method: 'put' }), NOW),
      'BSN_TX_CERTIFICATE_REVOKED',
    );
  });

  it('refuses new transactions while it remembers maxPending unexpired ones', () => {
    const certs = new StubCertificates();
    const alice = makeSigner('alice');
    certs.add(alice);
    const checker = new TransactionChecker(
      { maxPending: 1 },
      { chain: 'c1', certificates: certs, isCommitted: () => false, contractMethods: () => ['put'] },
    );
    checker.check(makeTx(alice, { contract: 'kv', method: 'put', expires: NOW + 10 }), NOW);
    refusedWith(
      () => checker.check(makeTx(alice, { contract: 'kv', method: 'put' }), NOW),
      'BSN_TX_PENDING_FULL',
    );
    // once the pending one has expired it is forgotten and there is room again
    checker.check(makeTx(alice, { contract: 'kv', method: 'put' }), NOW + 11);
  });

  it('inspect reports the failure without throwing and without marking the transaction pending', () => {
    const { alice, checker } = setup();
    const tx = makeTx(alice, { contract: 'kv', method: 'put' });
    const ok = checker.inspect(tx, NOW);
    assert.equal(ok.ok, true);
    assert.equal(checker.pendingCount(), 0);
    const bad = checker.inspect({ ...tx, payload: { ...tx.payload, chain: 'zz' } }, NOW);
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.code, 'BSN_TX_WRONG_CHAIN');
  });

  it('a verified signature is remembered for its txId only with that very signature', () => {
    const { alice, checker } = setup();
    const tx = makeTx(alice, { contract: 'kv', method: 'put', args: ['k', 1] });
    assert.ok(checker.inspect(tx, NOW).ok);
    // the same payload signed again (ECDSA: another signature) verifies on its own
    const again = signTransaction(tx.payload, alice.keys.privateKeyPem);
    assert.notEqual(again.signature, tx.signature);
    assert.ok(checker.inspect(again, NOW).ok);
    // a signature that was never verified is not taken on trust because its txId was seen
    const flipped = `${tx.signature.slice(0, -1)}${tx.signature.endsWith('0') ? '1' : '0'}`;
    const bad = checker.inspect({ ...tx, signature: flipped }, NOW);
    assert.equal(!bad.ok && bad.code, 'BSN_TX_SIGNATURE_INVALID');
    assert.ok(checker.inspect(tx, NOW).ok);
  });
});

describe('VerifiedSignatures', () => {
  it('answers for (txId, signature) pairs added, forgetting the oldest txIds beyond its capacity', () => {
    const seen = new VerifiedSignatures(2);
    seen.add('t1', 's1');
    seen.add('t2', 's2');
    assert.ok(seen.has('t1', 's1'));
    assert.equal(seen.has('t1', 's2'), false);
    seen.add('t2', 's2b'); // the same txId again: no eviction
    assert.ok(seen.has('t1', 's1') && seen.has('t2', 's2b'));
    seen.add('t3', 's3');
    assert.equal(seen.has('t1', 's1'), false);
    assert.ok(seen.has('t2', 's2b') && seen.has('t3', 's3'));
  });
});
