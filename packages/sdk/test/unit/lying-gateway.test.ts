import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { NetworkResponse } from '@bsn/api';
import type { JsonValue } from '@bsn/core';
import { type ProvenStateReader, verifyHostingProof, verifyNetwork } from '@bsn/sdk';
import { hasCode } from '../support/error-code.js';
import { clientFor, gatewayRoute } from '../support/fake-gateway.js';
import {
  asHosts,
  blockResponse,
  buildBlock,
  buildNetwork,
  type CertifiedState,
  certifiedState,
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

// Each test plays a gateway (or the PCN behind it) that lies to the client in a way the security
// review found the SDK accepted, and checks the SDK now refuses it — or says it did not verify it.

describe('a gateway that lies to the SDK', () => {
  let net: Network;
  let pcns: Pcn[]; // pcn-a … pcn-e, the whole network
  let bankHosts: Pcn[]; // pcn-a … pcn-d, the hosts of svc-bank where a test does not choose others
  let pinAll: { pcns: string[] }; // client options pinning every PCN
  const chain = 'svc-bank';

  before(async () => {
    net = await buildNetwork(5);
    pcns = [...net.pcns];
    bankHosts = pcns.slice(0, 4);
    pinAll = { pcns: pcns.map((p) => p.id) };
  });

  /** A state of svc-bank where `key` of the bank contract holds `value`, certified at `height` by `signers`. */
  function bankState(height: number, key: string, value: number, signers: readonly Pcn[] = bankHosts) {
    return certifiedState(new FixtureState().set('bank', key, value), chain, height, signers);
  }

  /** The state answer about `key` of the bank contract in `at`. */
  function bankStateAnswer(at: CertifiedState, key: string) {
    return stateResponse(at.state, 'bank', key, at.height, at.cert);
  }

  /** svc-bank's answer (hosts pcn-a … pcn-d) with a hosting proof at system height `height`, every PCN voting. */
  function bankProofAt(height: number) {
    return chainResponse(net, 'bank', bankHosts, systemState(net, 'bank', bankHosts), pcns, height);
  }

  /** A gateway answering the network and svc-bank from `bank`, at its system height; `rest` answers the rest. */
  function bankGateway(bank: ReturnType<typeof bankProofAt>, rest?: (path: string, url: URL) => unknown) {
    const network = networkResponse(net, bank.systemCert, bank.systemCert.height);
    return gatewayRoute(network, { [chain]: bank.response }, rest);
  }

  describe('about the network', () => {
    /** One real PCN (pcn-e) lists only itself, so that it alone certifies a made-up world. */
    function selfListingGateway() {
      const evil = pcns[4] as Pcn;
      const sys = systemState(net, 'bank', [evil], [evil]);
      const { response, systemCert } = chainResponse(net, 'bank', [evil], sys, [evil], 42);
      const mallory = bankState(9, 'balance/mallory', 1_000_000_000, [evil]);
      return gatewayRoute(networkResponse(net, systemCert, 42, [evil]), { [chain]: response }, (path) =>
        path.startsWith(`/v1/chains/${chain}/state/`)
          ? bankStateAnswer(mallory, 'balance/mallory')
          : undefined,
      );
    }

    it('refuses a network description that omits pinned PCNs, naming them (BSN_SDK_NETWORK_MISMATCH)', async () => {
      const client = clientFor(net, selfListingGateway(), pinAll);
      await assert.rejects(
        client.getState({ chain, contract: 'bank', key: 'balance/mallory', proof: true }),
        hasCode('BSN_SDK_NETWORK_MISMATCH', (err) => {
          assert.deepEqual(err.details.missing, ['pcn-a', 'pcn-b', 'pcn-c', 'pcn-d']);
          assert.equal(err.details.pinnedBy, 'options');
        }),
      );
    });

    it('counts a system certificate’s quorum over the pinned PCNs only, not over others listed', () => {
      // Pinned a, b, c (quorum 3); the answer also lists d and e, with valid node certificates.
      const pinned = ['pcn-a', 'pcn-b', 'pcn-c'];
      const trust = { rootCertPem: net.root.certPem, pcns: pinned };
      // 4 of the 5 listed — a quorum of the listing, but only 2 of the pinned 3
      const byListed = certify(systemStatement(7), [pcns[0], pcns[1], pcns[3], pcns[4]] as Pcn[]);
      assert.throws(
        () => verifyNetwork(networkResponse(net, byListed, 7), trust),
        hasCode('BSN_SDK_CERT_QUORUM'),
      );
      // every pinned PCN plus an unpinned one: the extra vote neither counts nor fails the certificate
      const byPinned = certify(systemStatement(7), [pcns[0], pcns[1], pcns[2], pcns[4]] as Pcn[]);
      const ok = verifyNetwork(networkResponse(net, byPinned, 7), trust);
      assert.deepEqual(
        ok.hosts.map((h) => h.pcn),
        pinned,
      );
      assert.equal(ok.pcns.length, 5);
    });

    it('proves a service’s hosts with a system certificate that also carries votes of unpinned PCNs', async () => {
      const hosts = pcns.slice(0, 3);
      const sys = systemState(net, 'bank', hosts);
      const { response, systemCert } = chainResponse(net, 'bank', hosts, sys, pcns, 7); // all 5 voted
      const client = clientFor(
        net,
        gatewayRoute(networkResponse(net, systemCert, 7), { [chain]: response }),
        {
          pcns: ['pcn-a', 'pcn-b', 'pcn-c', 'pcn-d'],
        },
      );
      const proven = await client.getTrustedHosts({ chain });
      assert.deepEqual(
        proven.map((h) => h.pcn),
        ['pcn-a', 'pcn-b', 'pcn-c'],
      );
    });

    it('verifies system-chain answers whose certificate carries votes of listed but unpinned PCNs', async () => {
      // pcn-e was admitted after the client pinned a … d; every listed PCN voted
      const sys = certifiedState(
        new FixtureState().set('system', 'pcn/pcn-a', { id: 'pcn-a' }),
        'system',
        7,
        pcns,
      );
      const route = gatewayRoute(networkResponse(net, sys.cert, 7), {}, (path) =>
        path.startsWith('/v1/chains/system/state/')
          ? stateResponse(sys.state, 'system', 'pcn/pcn-a', 7, sys.cert)
          : undefined,
      );
      const client = clientFor(net, route, { pcns: ['pcn-a', 'pcn-b', 'pcn-c', 'pcn-d'] });
      const read = await client.getState({
        chain: 'system',
        contract: 'system',
        key: 'pcn/pcn-a',
        proof: true,
      });
      assert.deepEqual([read.verified, read.signers], [true, ['pcn-a', 'pcn-b', 'pcn-c', 'pcn-d']]);
      assert.deepEqual(client.unpinnedPcns, ['pcn-e']);
    });

    it('pins the first verified PCN set when none is configured, and refuses a later answer dropping one', async () => {
      let route = bankGateway(bankProofAt(7));
      const client = clientFor(net, (m, path, url) => route(m, path, url));
      assert.equal(client.pinnedPcns, undefined);
      const first = await client.getTrustedHosts({ chain });
      assert.deepEqual(
        first.map((h) => h.pcn),
        ['pcn-a', 'pcn-b', 'pcn-c', 'pcn-d'],
      );
      assert.deepEqual(client.pinnedPcns, { ids: pcns.map((p) => p.id), source: 'first-use' });
      // only getNetwork sets the pinned set, once: to users it is read-only (never called, type-checked)
      const _repin = () => {
        // @ts-expect-error pinnedPcns is read-only
        client.pinnedPcns = undefined;
      };
      route = selfListingGateway();
      await assert.rejects(
        client.getNetwork(),
        hasCode('BSN_SDK_NETWORK_MISMATCH', (err) => {
          assert.equal(err.details.pinnedBy, 'first-use');
          assert.match(err.message, /pinned the PCNs of the first network description it verified/);
        }),
      );
    });

    it('refuses a network description without a system-chain certificate (BSN_SDK_NOT_FINAL)', () => {
      assert.throws(
        () => verifyNetwork(networkResponse(net, null), { rootCertPem: net.root.certPem }),
        hasCode('BSN_SDK_NOT_FINAL'),
      );
    });

    it('refuses a certificate of another chain as the system chain’s (BSN_SDK_CERT_MISMATCH)', () => {
      const other = certify({ ...systemStatement(3), chain }, pcns);
      assert.throws(
        () => verifyNetwork(networkResponse(net, other, 123_456), { rootCertPem: net.root.certPem }),
        hasCode('BSN_SDK_CERT_MISMATCH'),
      );
    });

    it('refuses a system certificate above the stated height, and reports the certified height', () => {
      const at = (height: number) => certify(systemStatement(height), pcns);
      const trust = { rootCertPem: net.root.certPem };
      assert.throws(
        () => verifyNetwork(networkResponse(net, at(8), 7), trust),
        hasCode('BSN_SDK_CERT_MISMATCH'),
      );
      assert.equal(verifyNetwork(networkResponse(net, at(7), 7), trust).height, 7);
      // the newest block may still wait for votes: the newest certificate trails the stated height
      assert.equal(verifyNetwork(networkResponse(net, at(6), 7), trust).height, 6);
    });
  });

  describe('about who hosts a chain', () => {
    /** A gateway with the given network and chain answers, and mallory's made-up fortune as state. */
    function gatewayWith(network: NetworkResponse, chainAnswer: unknown) {
      const forged = bankState(500, 'balance/mallory', 1_000_000_000, [pcns[0] as Pcn]);
      return gatewayRoute(network, { [chain]: chainAnswer }, (path) =>
        path.startsWith(`/v1/chains/${chain}/state/`)
          ? bankStateAnswer(forged, 'balance/mallory')
          : undefined,
      );
    }

    it('refuses a genuine hosting proof of a system height older than the certified one (BSN_SDK_STALE_ANSWER)', async () => {
      // svc-bank moved from pcn-a to b, c, d at some system height between 7 and 90; pcn-a replays 7
      const [a, b, c, d] = pcns as [Pcn, Pcn, Pcn, Pcn];
      const old = chainResponse(net, 'bank', [a], systemState(net, 'bank', [a]), pcns, 7).response;
      const now = chainResponse(net, 'bank', [b, c, d], systemState(net, 'bank', [b, c, d]), pcns, 90);
      const client = clientFor(net, gatewayWith(networkResponse(net, now.systemCert, 90), old), pinAll);
      await assert.rejects(
        client.getState({ chain, contract: 'bank', key: 'balance/mallory', proof: true }),
        hasCode('BSN_SDK_STALE_ANSWER', (err) =>
          assert.deepEqual(err.details, { chain, height: 7, verifiedHeight: 90 }),
        ),
      );
    });

    it('refuses a hosting proof older than the highest system height it verified before, whatever the network answer says now', async () => {
      let route = bankGateway(bankProofAt(90));
      const client = clientFor(net, (m, path, url) => route(m, path, url), pinAll);
      await client.getTrustedHosts({ chain });
      assert.equal(client.verifiedHeights.get('system'), 90);
      route = bankGateway(bankProofAt(50)); // a gateway behind the others, or replaying an old but genuine view
      await assert.rejects(client.getTrustedHosts({ chain, refresh: true }), hasCode('BSN_SDK_STALE_ANSWER'));
    });

    it('records the system height of a hosting proof newer than the network answer', async () => {
      const network = networkResponse(net, bankProofAt(90).systemCert, 90);
      const client = clientFor(net, gatewayRoute(network, { [chain]: bankProofAt(95).response }), pinAll);
      await client.getTrustedHosts({ chain });
      assert.equal(client.verifiedHeights.get('system'), 95);
    });

    it('refuses a proven host that is not a PCN of the verified network, or not active', () => {
      const trust = trustOf(net);
      const options = { ...trust, systemHosts: asHosts(pcns), networkPcns: asHosts(pcns) };
      const sys = systemState(net, 'bank', bankHosts);
      const proofOf = (state: FixtureState, signers: readonly Pcn[] = pcns) =>
        chainResponse(net, 'bank', bankHosts, state, signers, 7).response;
      assert.equal(verifyHostingProof(proofOf(sys), options).length, 4);
      // pcn-d hosts svc-bank in the proven records, but the network no longer lists it
      const others = pcns.filter((p) => p.id !== 'pcn-d');
      const listed = asHosts(others);
      assert.throws(
        () =>
          verifyHostingProof(proofOf(sys, others), { ...trust, systemHosts: listed, networkPcns: listed }),
        hasCode('BSN_SDK_HOSTING_PROOF_INVALID'),
      );
      /** The system state where pcn-d's record has `status` (none when undefined). */
      const withPcnD = (status?: string) => {
        const d = pcns[3] as Pcn;
        return systemState(net, 'bank', bankHosts).set('system', 'pcn/pcn-d', {
          id: d.id,
          certPem: `${d.certPem}${net.pcnCa.certPem}`,
          gateway: d.gateway,
          ...(status === undefined ? {} : { status }),
        });
      };
      // pcn-d's record says removed
      assert.throws(
        () => verifyHostingProof(proofOf(withPcnD('removed')), options),
        hasCode('BSN_SDK_HOSTING_PROOF_INVALID'),
      );
      // pcn-d's record has no status at all
      assert.throws(
        () => verifyHostingProof(proofOf(withPcnD()), options),
        hasCode('BSN_SDK_HOSTING_PROOF_INVALID'),
      );
      // the service itself is not active (still waiting for approval)
      const pending = systemState(net, 'bank', bankHosts);
      pending.set('system', 'service/bank', {
        name: 'bank',
        chain,
        pcns: bankHosts.map((h) => h.id),
        status: 'pending-approval',
      });
      assert.throws(
        () => verifyHostingProof(proofOf(pending), options),
        hasCode('BSN_SDK_HOSTING_PROOF_INVALID'),
      );
    });
  });

  /** An honest network where pcn-a … pcn-d host svc-bank, and a route for the chain's own answers. */
  function honestBank(route: (path: string, url: URL) => unknown) {
    return clientFor(net, bankGateway(bankProofAt(7), route), pinAll);
  }

  /** A certified state of svc-bank at `height` where alice has `balance`. */
  function bankAt(height: number, balance: number): CertifiedState {
    return bankState(height, 'balance/alice', balance);
  }

  /** svc-bank's block at `height` and the gateway's answer about it, certified by its hosts. */
  function bankBlock(height: number) {
    const built = buildBlock(
      net,
      chain,
      height,
      [userTx(net, chain, 'put', ['k', 'v'], `n${height}`)],
      '11'.repeat(32),
    );
    return { built, answer: blockResponse(built, certify(built.statement, bankHosts)) };
  }

  describe('about which height an answer is of', () => {
    const key = { chain, contract: 'bank', key: 'balance/alice', proof: true } as const;
    const query = { chain, contract: 'bank', method: 'balanceOf', args: ['alice'], proof: true };
    const statePath = `/v1/chains/${chain}/state/`;

    it('refuses a state value of another height than the one asked for (BSN_SDK_RESPONSE_INVALID)', async () => {
      const old = bankAt(5, 100); // by height 900 alice has nothing left
      const client = honestBank((path) =>
        path.startsWith(statePath) ? bankStateAnswer(old, 'balance/alice') : undefined,
      );
      await assert.rejects(
        client.getState({ ...key, height: 900 }),
        hasCode('BSN_SDK_RESPONSE_INVALID', (err) => assert.equal(err.details.answered, 5)),
      );
    });

    it('refuses a latest state value or query answer older than one it verified of the chain (BSN_SDK_STALE_ANSWER)', async () => {
      const old = bankAt(5, 100);
      const now = bankAt(9, 0);
      let at = now;
      const client = honestBank((path, url) => {
        if (path.startsWith(statePath))
          return bankStateAnswer(url.searchParams.get('height') === '5' ? old : at, 'balance/alice');
        if (path === `/v1/chains/${chain}/query`)
          return queryResponse(
            at.state,
            [at.state.read('bank', 'balance/alice')],
            at === now ? 0 : 100,
            at.height,
            at.cert,
          );
        return undefined;
      });
      assert.equal((await client.getState(key)).height, 9);
      assert.equal(client.verifiedHeights.get(chain), 9);
      at = old; // the gateway falls back to an older, genuinely certified height
      await assert.rejects(client.getState(key), hasCode('BSN_SDK_STALE_ANSWER'));
      await assert.rejects(client.query(query), hasCode('BSN_SDK_STALE_ANSWER'));
      // a past height asked for is no stale answer
      const past = await client.getState({ ...key, height: 5 });
      assert.deepEqual([past.height, past.value], [5, 100]);
    });

    it('counts a verified block, receipt or query answer towards the mark: a latest state value older than it is stale', async () => {
      const old = bankAt(5, 100);
      const now = bankAt(9, 0);
      const block = bankBlock(9);
      const receipt = transactionResponse(block.built, 0, block.answer.certificate);
      const client = () =>
        honestBank((path) => {
          if (path.startsWith(statePath)) return bankStateAnswer(old, 'balance/alice');
          if (path === `/v1/chains/${chain}/blocks/9`) return block.answer;
          if (path === `/v1/chains/${chain}/transactions/${receipt.txId}`) return receipt;
          if (path === `/v1/chains/${chain}/query`)
            return queryResponse(now.state, [now.state.read('bank', 'balance/alice')], 0, 9, now.cert);
          return undefined;
        });
      const verifiedAt9: ((c: ReturnType<typeof client>) => Promise<unknown>)[] = [
        (c) => c.getBlock({ chain, height: 9 }),
        (c) => c.getTransaction({ chain, txId: receipt.txId }),
        (c) => c.query(query),
      ];
      for (const verify of verifiedAt9) {
        const c = client();
        await verify(c);
        assert.equal(c.verifiedHeights.get(chain), 9);
        await assert.rejects(c.getState(key), hasCode('BSN_SDK_STALE_ANSWER'));
      }
    });
  });

  describe('about a block', () => {
    it('refuses commit roots other than the certified ones next to a certified block (BSN_SDK_CERT_MISMATCH)', async () => {
      const honest = bankBlock(3).answer;
      let answer: unknown = honest;
      const client = honestBank((path) => (path === `/v1/chains/${chain}/blocks/3` ? answer : undefined));
      assert.equal((await client.getBlock({ chain, height: 3 })).final, true);
      answer = { ...honest, commit: { ...honest.commit, stateRoot: 'ff'.repeat(32) } };
      await assert.rejects(client.getBlock({ chain, height: 3 }), hasCode('BSN_SDK_CERT_MISMATCH'));
      answer = { ...honest, commit: { ...honest.commit, receiptsRoot: '00'.repeat(32) } };
      await assert.rejects(client.getBlock({ chain, height: 3 }), hasCode('BSN_SDK_CERT_MISMATCH'));
      // without a certificate nothing past the header is verified, and the answer says so
      answer = { ...honest, commit: { ...honest.commit, stateRoot: 'ff'.repeat(32) }, certificate: null };
      assert.equal((await client.getBlock({ chain, height: 3 })).final, false);
    });

    it('refuses a latest block older than one it verified of the chain, not a block asked for by height (BSN_SDK_STALE_ANSWER)', async () => {
      let latest = bankBlock(9).answer;
      const client = honestBank((path) => {
        if (path === `/v1/chains/${chain}/blocks/latest`) return latest;
        if (path === `/v1/chains/${chain}/blocks/3`) return bankBlock(3).answer;
        return undefined;
      });
      assert.equal((await client.getBlock({ chain, height: 'latest' })).block.header.height, 9);
      latest = bankBlock(3).answer; // the gateway falls back to an older, genuinely certified block
      await assert.rejects(
        client.getBlock({ chain, height: 'latest' }),
        hasCode('BSN_SDK_STALE_ANSWER', (err) =>
          assert.deepEqual(err.details, { chain, height: 3, verifiedHeight: 9 }),
        ),
      );
      assert.equal((await client.getBlock({ chain, height: 3 })).final, true);
      assert.equal(client.verifiedHeights.get(chain), 9);
    });
  });

  describe('about a query result', () => {
    // alice has 100 at height 9; the PCN answers with honest certificates and chosen reads
    const balanceOf = (get: ProvenStateReader) => (get('bank', 'balance/alice') as number | null) ?? 0;
    const query = { chain, contract: 'bank', method: 'balanceOf', args: ['alice'], proof: true };

    function answering(result: JsonValue, keys: readonly string[]) {
      const at = bankAt(9, 100);
      const answer = queryResponse(
        at.state,
        keys.map((k) => at.state.read('bank', k)),
        result,
        9,
        at.cert,
      );
      return honestBank((path) => (path === `/v1/chains/${chain}/query` ? answer : undefined));
    }

    it('says a result it did not recompute is not verified, even when every listed read is', async () => {
      const q = await answering({ balance: 0, frozen: true }, []).query(query);
      assert.deepEqual([q.verified, q.resultVerified], [true, false]);
    });

    it('refuses to recompute over a read the answer left out, instead of taking the key as absent (BSN_SDK_STATE_PROOF_MISSING)', async () => {
      await assert.rejects(
        answering(0, []).query({ ...query, recompute: balanceOf }),
        hasCode('BSN_SDK_STATE_PROOF_MISSING', (err) =>
          assert.deepEqual(err.details, { contract: 'bank', key: 'balance/alice', height: 9 }),
        ),
      );
    });

    it('verifies a result recomputed from proven state, a proven absence included', async () => {
      const q = await answering(100, ['balance/alice']).query({ ...query, recompute: balanceOf });
      assert.deepEqual([q.result, q.verified, q.resultVerified], [100, true, true]);
      const absent = (get: ProvenStateReader) => get('bank', 'balance/bob') ?? 0;
      const b = await answering(0, ['balance/bob']).query({ ...query, recompute: absent });
      assert.deepEqual([b.result, b.resultVerified], [0, true]);
      await assert.rejects(
        answering(7, ['balance/alice']).query({ ...query, recompute: balanceOf }),
        hasCode('BSN_SDK_STATE_PROOF_INVALID'),
      );
    });
  });
});
