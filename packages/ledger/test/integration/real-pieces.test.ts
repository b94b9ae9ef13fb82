/**
 * The ledger with the real pieces: certificates from @bsn/pki behind trustStoreVerifier (with a
 * time-stamped revocation), a js contract bundled and run by @bsn/runtime-js, the sparse Merkle
 * WorldState with a proof checked by core's verifier, and a replay from genesis.
 * (runtime-js depends on ledger; this test uses it from the workspace, not as a dependency.)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type Block,
  blockHash,
  generateKeyPair,
  type SignedTransaction,
  signTransaction,
  transactionId,
  verifyStateProof,
} from '@bsn/core';
import {
  Chain,
  type ChainOptions,
  type ContractCode,
  NativeRuntime,
  replayChain,
  trustStoreVerifier,
} from '@bsn/ledger';
import {
  type Credential,
  createRootCa,
  issueCaCertificate,
  issueUserCertificate,
  parseCertificate,
  TrustStore,
} from '@bsn/pki';
import { bundleContract, createJsRuntime } from '@bsn/runtime-js';
import { makeBlock, makeOrderer } from '../support/fixtures.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsn-real-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const orderer = makeOrderer();
const revokedAt = new Map<string, number>();
let options: ChainOptions;
let alice: Credential;
let bob: Credential;
let outsider: Credential;
let n = 0;

function tx(user: Credential, method: string, args: unknown[], now: number): SignedTransaction {
  return signTransaction(
    {
      chain: 'notes',
      contract: 'notary',
      method,
      args: args as never,
      nonce: `n${n++}`,
      expires: now + 600_000,
      signer: user.certPem,
    },
    user.keyPem,
  );
}

before(async () => {
  const root = await createRootCa({ commonName: 'BSN Test Root', organization: 'bsn' });
  const orgCaIssued = await issueCaCertificate(root, {
    commonName: 'Acme CA',
    organization: 'acme',
    purpose: 'org',
  });
  const orgCa = { certPem: orgCaIssued.certPem, keyPem: orgCaIssued.keyPem! };
  const user = async (ca: Credential, id: string, role: string) => {
    const c = await issueUserCertificate(ca, {
      id,
      organization: 'acme',
      role,
      attributes: { dept: 'legal' },
    });
    return { certPem: c.certPem, keyPem: c.keyPem! };
  };
  alice = await user(orgCa, 'alice', 'client');
  bob = await user(orgCa, 'bob', 'client');
  const otherRoot = await createRootCa({ commonName: 'Elsewhere Root', organization: 'other' });
  outsider = await user(otherRoot, 'eve', 'client');
  const trust = new TrustStore({ roots: [root.certPem], intermediates: [orgCa.certPem] });
  const bundle = await bundleContract(path.join(here, '../fixtures/notary-contract.ts'));
  const notary: ContractCode = {
    name: 'notary',
    runtime: 'js',
    code: bundle.code,
    codeHash: bundle.codeHash,
  };
  options = {
    path: path.join(dir, 'notes.db'),
    chain: 'notes',
    runtimes: new Map<string, import('@bsn/ledger').ContractRuntime>([
      ['js', await createJsRuntime()],
      ['native', new NativeRuntime()],
    ]),
    contracts: (name) => (name === 'notary' ? notary : undefined),
    certificates: trustStoreVerifier(trust, {
      expect: 'user',
      revocations: { revokedAt: (fp) => revokedAt.get(fp) },
    }),
    ordererKeys: new Map([[orderer.id, orderer.keys.publicKeyPem]]),
  };
});

describe('ledger with pki, runtime-js and the sparse Merkle world state', () => {
  it('executes a js contract for certificate holders, refuses a revoked certificate from the next block on, and replays identically', () => {
    const chain = Chain.open(options);
    const t1 = Date.now();
    const first = tx(alice, 'notarize', ['doc1', 'aa11'], t1);
    const b1 = makeBlock(orderer, [first, tx(outsider, 'notarize', ['doc9', 'ff'], t1)], undefined, {
      chain: 'notes',
      time: t1,
    });
    const r1 = chain.commitBlock(b1);
    assert.equal(r1.receipts[0]?.status, 'ok', JSON.stringify(r1.receipts[0]));
    assert.deepEqual(r1.receipts[0]?.result, { digest: 'aa11', by: 'alice', org: 'acme', at: t1 });
    assert.deepEqual(r1.receipts[0]?.events, [
      { contract: 'notary', name: 'Notarized', data: { id: 'doc1', by: 'alice' } },
    ]);
    assert.equal(r1.receipts[1]?.error?.code, 'BSN_TX_CERTIFICATE_UNTRUSTED');
    assert.ok(r1.receipts[0]!.gasUsed > 0);

    // block 2: bob notarises, and his certificate is revoked as of this block's time
    const t2 = t1 + 1000;
    const b2 = makeBlock(
      orderer,
      [tx(bob, 'notarize', ['doc2', 'bb22'], t2), tx(alice, 'notarize', ['doc1', 'x'], t2)],
      { ...r1, time: t1 },
      {
        chain: 'notes',
        time: t2,
      },
    );
    const r2 = chain.commitBlock(b2);
    assert.equal(r2.receipts[0]?.status, 'ok');
    assert.deepEqual(r2.receipts[1]?.error?.code, 'DOC_EXISTS');
    revokedAt.set(parseCertificate(bob.certPem).fingerprint, t2);

    // the gateway refuses bob now; block 3 (later time) fails his transaction, alice's commits,
    // and a contract that never returns runs out of gas without stopping the block
    const t3 = t2 + 1000;
    const late = tx(bob, 'notarize', ['doc3', 'cc33'], t3);
    assert.throws(() => chain.checker.check(late, t3), /revoked/);
    const b3 = makeBlock(
      orderer,
      [late, tx(alice, 'spin', [], t3), tx(alice, 'notarize', ['doc4', 'dd44'], t3)],
      { ...r2, time: t2 },
      { chain: 'notes', time: t3 },
    );
    const r3 = chain.commitBlock(b3);
    assert.deepEqual(
      r3.receipts.map((r) => r.error?.code ?? r.status),
      ['BSN_TX_CERTIFICATE_REVOKED', 'BSN_CONTRACT_OUT_OF_GAS', 'ok'],
    );

    // a state proof of what the contract wrote verifies against the committed state root
    const proof = chain.state.prove('notary', 'doc/doc4');
    assert.equal(proof.root, chain.head().stateRoot);
    assert.ok(verifyStateProof(chain.head().stateRoot, 'notary', 'doc/doc4', proof.value, proof.proof));
    const absent = chain.state.prove('notary', 'doc/doc3');
    assert.equal(absent.value, null);
    assert.ok(verifyStateProof(chain.head().stateRoot, 'notary', 'doc/doc3', null, absent.proof));
    const reader = { id: 'auditor', org: 'acme', role: 'auditor', certFingerprint: '', attributes: {} };
    const answer = chain.query('notary', 'get', ['doc2'], reader);
    assert.equal(answer.ok, true);
    assert.deepEqual(answer.ok && answer.result, { digest: 'bb22', by: 'bob', org: 'acme', at: t2 });
    const write = chain.query('notary', 'notarize', ['doc5', 'ee'], reader);
    assert.equal(write.ok, false, 'a query cannot write');
    assert.equal(chain.receipt(transactionId(first.payload))?.height, 1);
    chain.close();

    const report = replayChain(options.path, { ...options });
    assert.deepEqual(report, { ok: true, height: 3, mismatches: [] });
  });

  it('refuses a block signed by a key that is not the orderer’s', () => {
    const chain = Chain.open({ ...options, path: path.join(dir, 'other.db') });
    const block: Block = makeBlock({ id: orderer.id, keys: generateKeyPair() }, [], undefined, {
      chain: 'notes',
      time: Date.now(),
    });
    assert.throws(() => chain.commitBlock(block), /orderer signature/);
    assert.equal(blockHash(block.header).length, 64);
    chain.close();
  });
});
