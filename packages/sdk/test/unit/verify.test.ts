import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TransactionResponse } from '@bsn/api';
import { type CommitCertificate, signCommitVote } from '@bsn/core';
import {
  type ProvenStateReader,
  verifyBlock,
  verifyCertificate,
  verifyHostingProof,
  verifyNetwork,
  verifyQueryProof,
  verifyReceipt,
  verifyStateResponse,
} from '@bsn/sdk';
import { rejects } from '../support/error-code.js';
import {
  asHosts,
  blockResponse,
  buildBlock,
  buildNetwork,
  certify,
  chainResponse,
  FixtureState,
  type Network,
  networkResponse,
  type Pcn,
  queryResponse,
  stateResponse,
  systemState,
  systemStatement,
  transactionResponse,
  trustOf,
  userTx,
} from '../support/network-fixture.js';

describe('verification with no trust in the answering PCN', () => {
  let net: Network;
  let hosts: Pcn[]; // pcn-a..pcn-d host the service; pcn-e is a network PCN that does not
  let trust: { rootCertPem: string; intermediates: string[] };
  let built: ReturnType<typeof buildBlock>;
  let state: FixtureState;

  before(async () => {
    net = await buildNetwork(5);
    hosts = net.pcns.slice(0, 4);
    trust = trustOf(net);
    state = new FixtureState().set('notary', 'doc/1', { hash: 'aa' }).set('notary', 'doc/2', { hash: 'bb' });
    const txs = [0, 1, 2].map((i) => userTx(net, 'svc-notary', 'put', [`doc/${i}`], `n${i}`));
    built = buildBlock(net, 'svc-notary', 3, txs, state.root());
  });

  describe('receipts', () => {
    it('accepts a receipt whose certificate carries votes of a quorum (3 of 4) of hosting PCNs', () => {
      const res = transactionResponse(built, 1, certify(built.statement, hosts.slice(0, 3)));
      const out = verifyReceipt(res, { ...trust, hosts: asHosts(hosts) });
      assert.deepEqual(out.signers, ['pcn-a', 'pcn-b', 'pcn-c']);
      assert.equal(out.quorum, 3);
      assert.deepEqual(out.receipt, built.receipts[1]);
    });

    it('rejects a receipt whose certificate is signed by a non-hosting PCN (BSN_SDK_VOTE_NOT_HOST)', () => {
      const outsider = net.pcns[4] as Pcn; // a real PCN of the network, with a valid node certificate
      const res = transactionResponse(built, 0, certify(built.statement, [...hosts.slice(0, 3), outsider]));
      rejects(() => verifyReceipt(res, { ...trust, hosts: asHosts(hosts) }), 'BSN_SDK_VOTE_NOT_HOST');
    });

    it('rejects a receipt whose certificate carries a forged vote (BSN_SDK_VOTE_SIGNATURE)', () => {
      const cert = certify(built.statement, hosts.slice(0, 3));
      // pcn-d's vote, made with a key that is not pcn-d's
      const forged = signCommitVote(built.statement, 'pcn-d', (hosts[0] as Pcn).keyPem);
      const withForged: CommitCertificate = {
        ...cert,
        votes: [...cert.votes, { pcn: 'pcn-d', signature: forged.signature }],
      };
      rejects(
        () => verifyReceipt(transactionResponse(built, 0, withForged), { ...trust, hosts: asHosts(hosts) }),
        'BSN_SDK_VOTE_SIGNATURE',
      );
    });

    it('rejects a certificate whose statement was altered after signing (BSN_SDK_VOTE_SIGNATURE)', () => {
      const cert = certify(built.statement, hosts.slice(0, 3));
      const altered = { ...cert, stateRoot: 'ee'.repeat(32) };
      const res = {
        ...transactionResponse(built, 0, altered),
        commit: { ...built.statement, stateRoot: 'ee'.repeat(32) },
      };
      rejects(
        () =>
          verifyReceipt(
            { ...res, commit: { stateRoot: 'ee'.repeat(32), receiptsRoot: built.statement.receiptsRoot } },
            { ...trust, hosts: asHosts(hosts) },
          ),
        'BSN_SDK_VOTE_SIGNATURE',
      );
    });

    it('rejects a certificate below the quorum, and counts a repeated vote once (BSN_SDK_CERT_QUORUM)', () => {
      const two = certify(built.statement, hosts.slice(0, 2));
      rejects(
        () => verifyReceipt(transactionResponse(built, 0, two), { ...trust, hosts: asHosts(hosts) }),
        'BSN_SDK_CERT_QUORUM',
      );
      const repeated = { ...two, votes: [...two.votes, ...two.votes] };
      rejects(
        () => verifyReceipt(transactionResponse(built, 0, repeated), { ...trust, hosts: asHosts(hosts) }),
        'BSN_SDK_CERT_QUORUM',
      );
    });

    it('rejects a vote of a PCN whose certificate does not chain to the network root (BSN_SDK_PCN_UNTRUSTED)', async () => {
      const rogue = await net.rogue('pcn-d');
      const hostList = [...asHosts(hosts.slice(0, 3)), { pcn: rogue.id, certPem: rogue.certPem }];
      const cert = certify(built.statement, [...hosts.slice(0, 2), rogue]);
      rejects(
        () => verifyReceipt(transactionResponse(built, 0, cert), { ...trust, hosts: hostList }),
        'BSN_SDK_PCN_UNTRUSTED',
      );
    });

    it('rejects a host whose node certificate names another PCN (BSN_SDK_PCN_UNTRUSTED)', () => {
      const swapped = asHosts(hosts).map((h) =>
        h.pcn === 'pcn-a' ? { pcn: 'pcn-a', certPem: (hosts[1] as Pcn).certPem } : h,
      );
      rejects(
        () =>
          verifyReceipt(transactionResponse(built, 0, certify(built.statement, hosts.slice(0, 3))), {
            ...trust,
            hosts: swapped,
          }),
        'BSN_SDK_PCN_UNTRUSTED',
      );
    });

    it('rejects a receipt that is not the one in the certified receiptsRoot (BSN_SDK_RECEIPT_NOT_IN_ROOT)', () => {
      const good = transactionResponse(built, 1, certify(built.statement, hosts.slice(0, 3)));
      const tampered: TransactionResponse = {
        ...good,
        receipt: { ...good.receipt, result: { stored: 999 } },
      };
      rejects(
        () => verifyReceipt(tampered, { ...trust, hosts: asHosts(hosts) }),
        'BSN_SDK_RECEIPT_NOT_IN_ROOT',
      );
      const otherIndex: TransactionResponse = { ...good, index: 2 };
      rejects(
        () => verifyReceipt(otherIndex, { ...trust, hosts: asHosts(hosts) }),
        'BSN_SDK_RECEIPT_NOT_IN_ROOT',
      );
      const badPath: TransactionResponse = {
        ...good,
        receiptProof: { ...good.receiptProof, path: good.receiptProof.path.map(() => '00'.repeat(32)) },
      };
      rejects(
        () => verifyReceipt(badPath, { ...trust, hosts: asHosts(hosts) }),
        'BSN_SDK_RECEIPT_NOT_IN_ROOT',
      );
    });

    it('rejects a certificate of another block than the answer claims (BSN_SDK_CERT_MISMATCH)', () => {
      const res = transactionResponse(
        built,
        0,
        certify({ ...built.statement, height: 4 }, hosts.slice(0, 3)),
      );
      rejects(() => verifyReceipt(res, { ...trust, hosts: asHosts(hosts) }), 'BSN_SDK_CERT_MISMATCH');
    });

    it('rejects a receipt without a certificate as not final (BSN_SDK_NOT_FINAL)', () => {
      rejects(
        () => verifyReceipt(transactionResponse(built, 0, null), { ...trust, hosts: asHosts(hosts) }),
        'BSN_SDK_NOT_FINAL',
      );
    });

    it('refuses a quorum below a majority of the hosts (BSN_SDK_INVALID_PARAMETER)', () => {
      const cert = certify(built.statement, hosts.slice(0, 2));
      rejects(
        () => verifyCertificate(cert, asHosts(hosts), { ...trust, quorum: 2 }),
        'BSN_SDK_INVALID_PARAMETER',
      );
      assert.equal(
        verifyCertificate(certify(built.statement, hosts.slice(0, 3)), asHosts(hosts), {
          ...trust,
          quorum: 3,
        }).quorum,
        3,
      );
    });

    it('leaves out votes of uncounted voters: they neither count nor fail it, while another outsider’s vote fails it', () => {
      const e = net.pcns[4] as Pcn; // a network PCN outside the hosting set
      const withE = certify(built.statement, [...hosts.slice(0, 2), e]);
      const uncounted = { ...trust, uncountedVoters: [e.id] };
      rejects(() => verifyCertificate(withE, asHosts(hosts), uncounted), 'BSN_SDK_CERT_QUORUM');
      const all = verifyCertificate(certify(built.statement, [...hosts, e]), asHosts(hosts), uncounted);
      assert.deepEqual(all.signers, ['pcn-a', 'pcn-b', 'pcn-c', 'pcn-d']);
      rejects(
        () => verifyCertificate(withE, asHosts(hosts), { ...trust, uncountedVoters: ['pcn-z'] }),
        'BSN_SDK_VOTE_NOT_HOST',
      );
      // a host listed as uncounted still counts
      const listed = { ...trust, uncountedVoters: ['pcn-a', e.id] };
      const three = verifyCertificate(certify(built.statement, hosts.slice(0, 3)), asHosts(hosts), listed);
      assert.deepEqual(three.signers, ['pcn-a', 'pcn-b', 'pcn-c']);
    });
  });

  describe('state and query proofs', () => {
    let cert: CommitCertificate;
    before(() => {
      cert = certify(built.statement, hosts.slice(0, 3));
    });

    it('accepts proven reads, including a proof of absence', () => {
      const reads = [state.read('notary', 'doc/1'), state.read('notary', 'doc/missing')];
      assert.equal(reads[1]?.value, null);
      const out = verifyQueryProof('svc-notary', queryResponse(state, reads, { found: 1 }, 3, cert), {
        ...trust,
        hosts: asHosts(hosts),
      });
      assert.deepEqual(out.result, { found: 1 });
      const st = verifyStateResponse('svc-notary', stateResponse(state, 'notary', 'doc/2', 3, cert), {
        ...trust,
        hosts: asHosts(hosts),
      });
      assert.deepEqual(st.value, { hash: 'bb' });
    });

    it('rejects a state value that does not match the certified stateRoot (BSN_SDK_STATE_PROOF_INVALID)', () => {
      const answer = stateResponse(state, 'notary', 'doc/2', 3, cert);
      rejects(
        () =>
          verifyStateResponse(
            'svc-notary',
            { ...answer, value: { hash: 'forged' } },
            { ...trust, hosts: asHosts(hosts) },
          ),
        'BSN_SDK_STATE_PROOF_INVALID',
      );
      rejects(
        () =>
          verifyStateResponse('svc-notary', { ...answer, value: null }, { ...trust, hosts: asHosts(hosts) }),
        'BSN_SDK_STATE_PROOF_INVALID',
      );
      const read = state.read('notary', 'doc/1');
      const lied = queryResponse(state, [{ ...read, value: { hash: 'zz' } }], {}, 3, cert);
      rejects(
        () => verifyQueryProof('svc-notary', lied, { ...trust, hosts: asHosts(hosts) }),
        'BSN_SDK_STATE_PROOF_INVALID',
      );
    });

    it('rejects a result that does not follow from the proven reads when asked to recompute it', () => {
      const reads = [state.read('notary', 'doc/1')];
      const recompute = (get: ProvenStateReader) => ({ found: get('notary', 'doc/1') === null ? 0 : 1 });
      const honest = queryResponse(state, reads, { found: 1 }, 3, cert);
      assert.deepEqual(
        verifyQueryProof('svc-notary', honest, { ...trust, hosts: asHosts(hosts), recompute }).result,
        { found: 1 },
      );
      const lying = queryResponse(state, reads, { found: 7 }, 3, cert);
      rejects(
        () => verifyQueryProof('svc-notary', lying, { ...trust, hosts: asHosts(hosts), recompute }),
        'BSN_SDK_STATE_PROOF_INVALID',
      );
    });

    it('rejects a stateRoot other than the certified one (BSN_SDK_CERT_MISMATCH)', () => {
      const other = new FixtureState().set('notary', 'doc/1', { hash: 'zz' });
      const answer = stateResponse(other, 'notary', 'doc/1', 3, cert);
      rejects(
        () => verifyStateResponse('svc-notary', answer, { ...trust, hosts: asHosts(hosts) }),
        'BSN_SDK_CERT_MISMATCH',
      );
    });
  });

  describe('hosting sets and the network', () => {
    it('derives a service chain’s hosts from system records proven against a system-chain certificate', () => {
      const sys = systemState(net, 'notary', hosts);
      const { response } = chainResponse(net, 'notary', hosts, sys, net.pcns.slice(0, 4));
      const proven = verifyHostingProof(response, { ...trust, systemHosts: asHosts(net.pcns) });
      assert.deepEqual(
        proven.map((h) => h.pcn),
        ['pcn-a', 'pcn-b', 'pcn-c', 'pcn-d'],
      );
    });

    it('rejects hosts that the proven service record does not name (BSN_SDK_HOSTING_PROOF_INVALID)', () => {
      const sys = systemState(net, 'notary', hosts.slice(0, 3)); // the record says a, b, c
      const { response } = chainResponse(net, 'notary', hosts.slice(0, 3), sys, net.pcns.slice(0, 4));
      const padded = {
        ...response,
        hosts: [...response.hosts, { pcn: 'pcn-e', certPem: (net.pcns[4] as Pcn).certPem, gateway: 'x' }],
      };
      rejects(
        () => verifyHostingProof(padded, { ...trust, systemHosts: asHosts(net.pcns) }),
        'BSN_SDK_HOSTING_PROOF_INVALID',
      );
    });

    it('rejects a host certificate other than the one in its proven PCN record', () => {
      const sys = systemState(net, 'notary', hosts);
      const { response } = chainResponse(net, 'notary', hosts, sys, net.pcns.slice(0, 4));
      const swapped = {
        ...response,
        hosts: response.hosts.map((h, i) => (i === 0 ? { ...h, certPem: (net.pcns[4] as Pcn).certPem } : h)),
      };
      rejects(
        () => verifyHostingProof(swapped, { ...trust, systemHosts: asHosts(net.pcns) }),
        'BSN_SDK_HOSTING_PROOF_INVALID',
      );
    });

    it('rejects a hosting proof whose system-chain certificate lacks a quorum of the network’s PCNs', () => {
      const sys = systemState(net, 'notary', hosts);
      const { response } = chainResponse(net, 'notary', hosts, sys, net.pcns.slice(0, 3)); // 3 of 5, quorum 4
      rejects(
        () => verifyHostingProof(response, { ...trust, systemHosts: asHosts(net.pcns) }),
        'BSN_SDK_CERT_QUORUM',
      );
    });

    it('rejects a hosting proof whose records do not verify against the certified stateRoot', () => {
      const sys = systemState(net, 'notary', hosts);
      const { response } = chainResponse(net, 'notary', hosts, sys, net.pcns.slice(0, 4));
      const proof = response.hostingProof;
      assert.ok(proof);
      const reads = proof.reads.map((r, i) =>
        i === 0 ? { ...r, value: { chain: 'svc-notary', pcns: ['pcn-e'] } } : r,
      );
      rejects(
        () =>
          verifyHostingProof(
            { ...response, hostingProof: { ...proof, reads } },
            { ...trust, systemHosts: asHosts(net.pcns) },
          ),
        'BSN_SDK_STATE_PROOF_INVALID',
      );
    });

    it('accepts the network under the configured root and rejects one under another root', async () => {
      const sysCert = certify(systemStatement(7), net.pcns.slice(0, 4));
      const ok = verifyNetwork(networkResponse(net, sysCert), { rootCertPem: net.root.certPem });
      assert.equal(ok.hosts.length, 5);
      const other = await buildNetwork(1);
      rejects(
        () => verifyNetwork(networkResponse(net, sysCert), { rootCertPem: other.root.certPem }),
        'BSN_SDK_ROOT_MISMATCH',
      );
    });

    it('rejects a network listing a PCN whose certificate chains to another root', async () => {
      const rogue = await net.rogue('pcn-z');
      const answer = networkResponse(net, null);
      const withRogue = {
        ...answer,
        pcns: [...answer.pcns, { id: rogue.id, gateway: rogue.gateway, certPem: rogue.certPem }],
      };
      rejects(() => verifyNetwork(withRogue, { rootCertPem: net.root.certPem }), 'BSN_SDK_PCN_UNTRUSTED');
    });
  });

  describe('blocks', () => {
    it('accepts a certified block and rejects one whose transactions or receipts were altered (BSN_SDK_BLOCK_INVALID)', () => {
      const answer = blockResponse(built, certify(built.statement, hosts.slice(0, 3)));
      assert.deepEqual(verifyBlock(answer, { ...trust, hosts: asHosts(hosts) })?.signers, [
        'pcn-a',
        'pcn-b',
        'pcn-c',
      ]);
      const dropped = { ...answer, block: { ...built.block, txs: built.block.txs.slice(1) } };
      rejects(() => verifyBlock(dropped, { ...trust, hosts: asHosts(hosts) }), 'BSN_SDK_BLOCK_INVALID');
      const receipts = built.receipts.map((r, i) => (i === 0 ? { ...r, gasUsed: 0 } : r));
      rejects(
        () => verifyBlock({ ...answer, receipts }, { ...trust, hosts: asHosts(hosts) }),
        'BSN_SDK_BLOCK_INVALID',
      );
    });
  });
});
