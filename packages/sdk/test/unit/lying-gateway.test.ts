import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { NetworkResponse } from '@bsn/api';
import { BsnError } from '@bsn/core';
import { type Host, type ProvenStateReader, verifyHostingProof, verifyNetwork } from '@bsn/sdk';
import { clientFor } from '../support/fake-gateway.js';
import {
  buildBlock,
  buildNetwork,
  certify,
  chainResponse,
  FixtureState,
  type Network,
  networkResponse,
  type Pcn,
  stateResponse,
  systemState,
  transactionResponse,
  userTx,
} from '../support/network-fixture.js';

// Each test plays a gateway (or the PCN behind it) that lies to the client in a way the security
// review found the SDK accepted, and checks the SDK now refuses it — or says it did not verify it.

function hasCode(code: string) {
  return (err: unknown) => {
    assert.ok(err instanceof BsnError, `expected a BsnError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  };
}

function listing(pcns: readonly Pcn[]): NetworkResponse['pcns'] {
  return pcns.map((p) => ({ id: p.id, gateway: p.gateway, certPem: p.certPem }));
}

describe('a gateway that lies to the SDK', () => {
  let net: Network;
  let pcns: Pcn[]; // pcn-a … pcn-e, the whole network
  const chain = 'svc-bank';

  before(async () => {
    net = await buildNetwork(5);
    pcns = [...net.pcns];
  });

  describe('about the network', () => {
    /** One real PCN (pcn-e) lists only itself, so that it alone certifies a made-up world. */
    function selfListingGateway() {
      const evil = pcns[4] as Pcn;
      const sys = systemState(net, 'bank', [evil], [evil]);
      const { response, systemCert } = chainResponse(net, 'bank', [evil], sys, [evil], 42);
      const network = { ...networkResponse(net, systemCert, 42), pcns: listing([evil]) };
      const state = new FixtureState().set('bank', 'balance/mallory', 1_000_000_000);
      const stateCert = certify(
        {
          chain,
          height: 9,
          blockHash: 'ee'.repeat(32),
          stateRoot: state.root(),
          receiptsRoot: 'ee'.repeat(32),
        },
        [evil],
      );
      return (_m: string, path: string) => {
        if (path === '/v1/network') return network;
        if (path === `/v1/chains/${chain}`) return response;
        if (path.startsWith(`/v1/chains/${chain}/state/`))
          return stateResponse(state, 'bank', 'balance/mallory', 9, stateCert);
        return undefined;
      };
    }

    it('refuses a network description that omits pinned PCNs, naming them (BSN_SDK_NETWORK_MISMATCH)', async () => {
      const client = clientFor(net, selfListingGateway(), { pcns: pcns.map((p) => p.id) });
      await assert.rejects(
        client.getState({ chain, contract: 'bank', key: 'balance/mallory', proof: true }),
        (err: unknown) => {
          hasCode('BSN_SDK_NETWORK_MISMATCH')(err);
          assert.deepEqual((err as BsnError).details.missing, ['pcn-a', 'pcn-b', 'pcn-c', 'pcn-d']);
          assert.equal((err as BsnError).details.pinnedBy, 'options');
          return true;
        },
      );
    });

    it('counts a system certificate’s quorum over the pinned PCNs only, not over others listed', () => {
      // Pinned a, b, c (quorum 3); the answer also lists d and e, with valid node certificates.
      const pinned = ['pcn-a', 'pcn-b', 'pcn-c'];
      const statement = {
        chain: 'system',
        height: 7,
        blockHash: 'ab'.repeat(32),
        stateRoot: 'cd'.repeat(32),
        receiptsRoot: 'ef'.repeat(32),
      };
      const trust = { rootCertPem: net.root.certPem, pcns: pinned };
      // 4 of the 5 listed — a quorum of the listing, but only 2 of the pinned 3
      const byListed = certify(statement, [pcns[0], pcns[1], pcns[3], pcns[4]] as Pcn[]);
      assert.throws(
        () => verifyNetwork(networkResponse(net, byListed, 7), trust),
        hasCode('BSN_SDK_CERT_QUORUM'),
      );
      // every pinned PCN plus an unpinned one: the extra vote neither counts nor fails the certificate
      const byPinned = certify(statement, [pcns[0], pcns[1], pcns[2], pcns[4]] as Pcn[]);
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
        (_m, path) => {
          if (path === '/v1/network') return networkResponse(net, systemCert, 7);
          if (path === `/v1/chains/${chain}`) return response;
          return undefined;
        },
        { pcns: ['pcn-a', 'pcn-b', 'pcn-c', 'pcn-d'] },
      );
      const proven = await client.getTrustedHosts({ chain });
      assert.deepEqual(
        proven.map((h) => h.pcn),
        ['pcn-a', 'pcn-b', 'pcn-c'],
      );
    });

    it('verifies system-chain answers whose certificate carries votes of listed but unpinned PCNs', async () => {
      // pcn-e was admitted after the client pinned a … d; every listed PCN voted
      const state = new FixtureState().set('system', 'pcn/pcn-a', { id: 'pcn-a' });
      const statement = {
        chain: 'system',
        height: 7,
        blockHash: 'ab'.repeat(32),
        stateRoot: state.root(),
        receiptsRoot: 'cd'.repeat(32),
      };
      const cert = certify(statement, pcns);
      const client = clientFor(
        net,
        (_m, path) => {
          if (path === '/v1/network') return networkResponse(net, cert, 7);
          if (path.startsWith('/v1/chains/system/state/'))
            return stateResponse(state, 'system', 'pcn/pcn-a', 7, cert);
          return undefined;
        },
        { pcns: ['pcn-a', 'pcn-b', 'pcn-c', 'pcn-d'] },
      );
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
      let honest = true;
      const liar = selfListingGateway();
      const sys = systemState(net, 'bank', pcns.slice(0, 4));
      const real = chainResponse(net, 'bank', pcns.slice(0, 4), sys, pcns, 7);
      const client = clientFor(net, (m, path) => {
        if (!honest) return liar(m, path);
        if (path === '/v1/network') return networkResponse(net, real.systemCert, 7);
        if (path === `/v1/chains/${chain}`) return real.response;
        return undefined;
      });
      assert.equal(client.pinnedPcns, undefined);
      const first = await client.getTrustedHosts({ chain });
      assert.deepEqual(
        first.map((h) => h.pcn),
        ['pcn-a', 'pcn-b', 'pcn-c', 'pcn-d'],
      );
      assert.deepEqual(client.pinnedPcns, { ids: pcns.map((p) => p.id), source: 'first-use' });
      honest = false;
      await assert.rejects(client.getNetwork(), (err: unknown) => {
        hasCode('BSN_SDK_NETWORK_MISMATCH')(err);
        assert.equal((err as BsnError).details.pinnedBy, 'first-use');
        return true;
      });
    });

    it('refuses a network description without a system-chain certificate (BSN_SDK_NOT_FINAL)', () => {
      assert.throws(
        () => verifyNetwork(networkResponse(net, null), { rootCertPem: net.root.certPem }),
        hasCode('BSN_SDK_NOT_FINAL'),
      );
    });

    it('refuses a certificate of another chain as the system chain’s (BSN_SDK_CERT_MISMATCH)', () => {
      const other = certify(
        {
          chain,
          height: 3,
          blockHash: 'aa'.repeat(32),
          stateRoot: 'bb'.repeat(32),
          receiptsRoot: 'cc'.repeat(32),
        },
        pcns,
      );
      assert.throws(
        () => verifyNetwork(networkResponse(net, other, 123_456), { rootCertPem: net.root.certPem }),
        hasCode('BSN_SDK_CERT_MISMATCH'),
      );
    });

    it('refuses a system certificate above the stated height, and reports the certified height', () => {
      const at = (height: number) =>
        certify(
          {
            chain: 'system',
            height,
            blockHash: 'ab'.repeat(32),
            stateRoot: 'cd'.repeat(32),
            receiptsRoot: 'ef'.repeat(32),
          },
          pcns,
        );
      const trust = { rootCertPem: net.root.certPem };
      assert.throws(
        () => verifyNetwork(networkResponse(net, at(8), 7), trust),
        hasCode('BSN_SDK_CERT_MISMATCH'),
      );
      assert.equal(verifyNetwork(networkResponse(net, at(7), 7), trust).height, 7);
      // the newest block may still wait for votes: the newest certificate trails the stated height
      assert.equal(verifyNetwork(networkResponse(net, at(6), 7), trust).height, 6);
    });

    it('refuses a malformed pinned PCN list when the client is created', () => {
      for (const bad of [[], ['pcn-a', 'pcn-a'], ['']]) {
        assert.throws(
          () => clientFor(net, () => undefined, { pcns: bad }),
          hasCode('BSN_SDK_INVALID_PARAMETER'),
        );
      }
    });
  });

  describe('about who hosts a chain', () => {
    /** A gateway with an honest network answer at system height `now` and the given chain answer. */
    function gatewayWith(network: NetworkResponse, chainAnswer: unknown) {
      const state = new FixtureState().set('bank', 'balance/mallory', 1_000_000_000);
      const forged = certify(
        {
          chain,
          height: 500,
          blockHash: 'ee'.repeat(32),
          stateRoot: state.root(),
          receiptsRoot: 'ee'.repeat(32),
        },
        [pcns[0] as Pcn],
      );
      return (_m: string, path: string) => {
        if (path === '/v1/network') return network;
        if (path === `/v1/chains/${chain}`) return chainAnswer;
        if (path.startsWith(`/v1/chains/${chain}/state/`))
          return stateResponse(state, 'bank', 'balance/mallory', 500, forged);
        return undefined;
      };
    }

    it('refuses a genuine hosting proof of a system height older than the certified one (BSN_SDK_STALE_ANSWER)', async () => {
      // svc-bank moved from pcn-a to b, c, d at some system height between 7 and 90; pcn-a replays 7
      const [a, b, c, d] = pcns as [Pcn, Pcn, Pcn, Pcn];
      const old = chainResponse(net, 'bank', [a], systemState(net, 'bank', [a]), pcns, 7).response;
      const now = chainResponse(net, 'bank', [b, c, d], systemState(net, 'bank', [b, c, d]), pcns, 90);
      const client = clientFor(net, gatewayWith(networkResponse(net, now.systemCert, 90), old), {
        pcns: pcns.map((p) => p.id),
      });
      await assert.rejects(
        client.getState({ chain, contract: 'bank', key: 'balance/mallory', proof: true }),
        (err: unknown) => {
          hasCode('BSN_SDK_STALE_ANSWER')(err);
          assert.deepEqual((err as BsnError).details, { chain, height: 7, verifiedHeight: 90 });
          return true;
        },
      );
    });

    it('refuses a hosting proof older than the highest system height it verified before, whatever the network answer says now', async () => {
      const hosts = pcns.slice(0, 4);
      const sys = systemState(net, 'bank', hosts);
      const at90 = chainResponse(net, 'bank', hosts, sys, pcns, 90);
      const at50 = chainResponse(net, 'bank', hosts, sys, pcns, 50);
      let current = at90;
      const client = clientFor(
        net,
        (_m, path) => {
          if (path === '/v1/network')
            return networkResponse(net, current.systemCert, current === at90 ? 90 : 50);
          if (path === `/v1/chains/${chain}`) return current.response;
          return undefined;
        },
        { pcns: pcns.map((p) => p.id) },
      );
      await client.getTrustedHosts({ chain });
      assert.equal(client.verifiedHeights.get('system'), 90);
      current = at50; // a gateway behind the others, or replaying an old but genuine view
      await assert.rejects(client.getTrustedHosts({ chain, refresh: true }), hasCode('BSN_SDK_STALE_ANSWER'));
    });

    it('records the system height of a hosting proof newer than the network answer', async () => {
      const hosts = pcns.slice(0, 4);
      const sys = systemState(net, 'bank', hosts);
      const at90 = chainResponse(net, 'bank', hosts, sys, pcns, 90);
      const at95 = chainResponse(net, 'bank', hosts, sys, pcns, 95);
      const client = clientFor(
        net,
        (_m, path) => {
          if (path === '/v1/network') return networkResponse(net, at90.systemCert, 90);
          if (path === `/v1/chains/${chain}`) return at95.response;
          return undefined;
        },
        { pcns: pcns.map((p) => p.id) },
      );
      await client.getTrustedHosts({ chain });
      assert.equal(client.verifiedHeights.get('system'), 95);
    });

    it('refuses a proven host that is not a PCN of the verified network, or not active', () => {
      const hosts = pcns.slice(0, 4);
      const asHosts = (list: readonly Pcn[]): Host[] => list.map((p) => ({ pcn: p.id, certPem: p.certPem }));
      const trust = { rootCertPem: net.root.certPem, intermediates: [net.pcnCa.certPem] };
      const options = { ...trust, systemHosts: asHosts(pcns), networkPcns: asHosts(pcns) };
      const sys = systemState(net, 'bank', hosts);
      const { response } = chainResponse(net, 'bank', hosts, sys, pcns, 7);
      assert.equal(verifyHostingProof(response, options).length, 4);
      // pcn-d hosts svc-bank in the proven records, but the network no longer lists it
      const others = pcns.filter((p) => p.id !== 'pcn-d');
      const listed = asHosts(others);
      const withoutD = chainResponse(net, 'bank', hosts, sys, others, 7).response;
      assert.throws(
        () => verifyHostingProof(withoutD, { ...trust, systemHosts: listed, networkPcns: listed }),
        hasCode('BSN_SDK_HOSTING_PROOF_INVALID'),
      );
      // pcn-d's record says removed
      const removed = systemState(net, 'bank', hosts);
      const d = pcns[3] as Pcn;
      removed.set('system', 'pcn/pcn-d', {
        id: d.id,
        certPem: `${d.certPem}${net.pcnCa.certPem}`,
        gateway: d.gateway,
        status: 'removed',
      });
      assert.throws(
        () => verifyHostingProof(chainResponse(net, 'bank', hosts, removed, pcns, 7).response, options),
        hasCode('BSN_SDK_HOSTING_PROOF_INVALID'),
      );
      // pcn-d's record has no status at all
      const unstated = systemState(net, 'bank', hosts);
      unstated.set('system', 'pcn/pcn-d', {
        id: d.id,
        certPem: `${d.certPem}${net.pcnCa.certPem}`,
        gateway: d.gateway,
      });
      assert.throws(
        () => verifyHostingProof(chainResponse(net, 'bank', hosts, unstated, pcns, 7).response, options),
        hasCode('BSN_SDK_HOSTING_PROOF_INVALID'),
      );
      // the service itself is not active (still waiting for approval)
      const pending = systemState(net, 'bank', hosts);
      pending.set('system', 'service/bank', {
        name: 'bank',
        chain,
        pcns: hosts.map((h) => h.id),
        status: 'pending-approval',
      });
      assert.throws(
        () => verifyHostingProof(chainResponse(net, 'bank', hosts, pending, pcns, 7).response, options),
        hasCode('BSN_SDK_HOSTING_PROOF_INVALID'),
      );
    });
  });

  /** An honest network where pcn-a … pcn-d host svc-bank, and a route for the chain's own answers. */
  function honestBank(route: (path: string, url: URL) => unknown) {
    const hosts = pcns.slice(0, 4);
    const sys = systemState(net, 'bank', hosts);
    const { response, systemCert } = chainResponse(net, 'bank', hosts, sys, pcns, 7);
    return clientFor(
      net,
      (_m, path, url) => {
        if (path === '/v1/network') return networkResponse(net, systemCert, 7);
        if (path === `/v1/chains/${chain}`) return response;
        return route(path, url);
      },
      { pcns: pcns.map((p) => p.id) },
    );
  }

  /** A certified state of svc-bank at `height` where alice has `balance`. */
  function bankAt(height: number, balance: number) {
    const state = new FixtureState().set('bank', 'balance/alice', balance);
    const cert = certify(
      {
        chain,
        height,
        blockHash: height.toString(16).padStart(64, '0'),
        stateRoot: state.root(),
        receiptsRoot: 'bb'.repeat(32),
      },
      pcns.slice(0, 4),
    );
    return { state, cert, height };
  }

  describe('about which height an answer is of', () => {
    const key = { chain, contract: 'bank', key: 'balance/alice', proof: true } as const;

    it('refuses a state value of another height than the one asked for (BSN_SDK_RESPONSE_INVALID)', async () => {
      const old = bankAt(5, 100); // by height 900 alice has nothing left
      const client = honestBank((path) =>
        path.startsWith(`/v1/chains/${chain}/state/`)
          ? stateResponse(old.state, 'bank', 'balance/alice', 5, old.cert)
          : undefined,
      );
      await assert.rejects(client.getState({ ...key, height: 900 }), (err: unknown) => {
        hasCode('BSN_SDK_RESPONSE_INVALID')(err);
        assert.equal((err as BsnError).details.answered, 5);
        return true;
      });
    });

    it('refuses a latest state value or query answer older than one it verified of the chain (BSN_SDK_STALE_ANSWER)', async () => {
      const old = bankAt(5, 100);
      const now = bankAt(9, 0);
      let at = now;
      const client = honestBank((path, url) => {
        if (path.startsWith(`/v1/chains/${chain}/state/`)) {
          const h = url.searchParams.get('height');
          const s = h === '5' ? old : at;
          return stateResponse(s.state, 'bank', 'balance/alice', s.height, s.cert);
        }
        if (path === `/v1/chains/${chain}/query`)
          return {
            result: at === now ? 0 : 100,
            height: at.height,
            reads: [at.state.read('bank', 'balance/alice')],
            stateRoot: at.state.root(),
            certificate: at.cert,
          };
        return undefined;
      });
      assert.equal((await client.getState(key)).height, 9);
      assert.equal(client.verifiedHeights.get(chain), 9);
      at = old; // the gateway falls back to an older, genuinely certified height
      await assert.rejects(client.getState(key), hasCode('BSN_SDK_STALE_ANSWER'));
      const query = { chain, contract: 'bank', method: 'balanceOf', args: ['alice'], proof: true };
      await assert.rejects(client.query(query), hasCode('BSN_SDK_STALE_ANSWER'));
      // a past height asked for is no stale answer
      const past = await client.getState({ ...key, height: 5 });
      assert.deepEqual([past.height, past.value], [5, 100]);
    });
    it('counts a verified block, receipt or query answer towards the mark: a latest state value older than it is stale', async () => {
      const old = bankAt(5, 100);
      const built = buildBlock(net, chain, 9, [userTx(net, chain, 'put', ['k', 'v'], 'n9')], '11'.repeat(32));
      const cert = certify(built.statement, pcns.slice(0, 4));
      const receipt = transactionResponse(built, 0, cert);
      const now = bankAt(9, 0);
      const client = () =>
        honestBank((path) => {
          if (path.startsWith(`/v1/chains/${chain}/state/`))
            return stateResponse(old.state, 'bank', 'balance/alice', 5, old.cert);
          if (path === `/v1/chains/${chain}/blocks/9`)
            return {
              block: built.block,
              hash: built.statement.blockHash,
              receipts: built.receipts,
              commit: { stateRoot: built.statement.stateRoot, receiptsRoot: built.statement.receiptsRoot },
              certificate: cert,
            };
          if (path === `/v1/chains/${chain}/transactions/${receipt.txId}`) return receipt;
          if (path === `/v1/chains/${chain}/query`)
            return {
              result: 0,
              height: 9,
              reads: [now.state.read('bank', 'balance/alice')],
              stateRoot: now.state.root(),
              certificate: now.cert,
            };
          return undefined;
        });
      const verifiedAt9: ((c: ReturnType<typeof client>) => Promise<unknown>)[] = [
        (c) => c.getBlock({ chain, height: 9 }),
        (c) => c.getTransaction({ chain, txId: receipt.txId }),
        (c) => c.query({ chain, contract: 'bank', method: 'balanceOf', args: ['alice'], proof: true }),
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
      const built = buildBlock(net, chain, 3, [userTx(net, chain, 'put', ['k', 'v'], 'n1')], '11'.repeat(32));
      const honest = {
        block: built.block,
        hash: built.statement.blockHash,
        receipts: built.receipts,
        commit: { stateRoot: built.statement.stateRoot, receiptsRoot: built.statement.receiptsRoot },
        certificate: certify(built.statement, pcns.slice(0, 4)),
      };
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
      const certified = (height: number) => {
        const built = buildBlock(
          net,
          chain,
          height,
          [userTx(net, chain, 'put', ['k', 'v'], `n${height}`)],
          '11'.repeat(32),
        );
        return {
          block: built.block,
          hash: built.statement.blockHash,
          receipts: built.receipts,
          commit: { stateRoot: built.statement.stateRoot, receiptsRoot: built.statement.receiptsRoot },
          certificate: certify(built.statement, pcns.slice(0, 4)),
        };
      };
      let latest = certified(9);
      const client = honestBank((path) => {
        if (path === `/v1/chains/${chain}/blocks/latest`) return latest;
        if (path === `/v1/chains/${chain}/blocks/3`) return certified(3);
        return undefined;
      });
      assert.equal((await client.getBlock({ chain, height: 'latest' })).block.header.height, 9);
      latest = certified(3); // the gateway falls back to an older, genuinely certified block
      await assert.rejects(client.getBlock({ chain, height: 'latest' }), (err: unknown) => {
        hasCode('BSN_SDK_STALE_ANSWER')(err);
        assert.deepEqual((err as BsnError).details, { chain, height: 3, verifiedHeight: 9 });
        return true;
      });
      assert.equal((await client.getBlock({ chain, height: 3 })).final, true);
      assert.equal(client.verifiedHeights.get(chain), 9);
    });
  });

  describe('about a query result', () => {
    // alice has 100 at height 9; the PCN answers with honest certificates and chosen reads
    const balanceOf = (get: ProvenStateReader) => (get('bank', 'balance/alice') as number | null) ?? 0;
    const query = { chain, contract: 'bank', method: 'balanceOf', args: ['alice'], proof: true };

    function answering(result: unknown, keys: readonly string[]) {
      const at = bankAt(9, 100);
      const answer = {
        result,
        height: 9,
        reads: keys.map((k) => at.state.read('bank', k)),
        stateRoot: at.state.root(),
        certificate: at.cert,
      };
      return honestBank((path) => (path === `/v1/chains/${chain}/query` ? answer : undefined));
    }

    it('says a result it did not recompute is not verified, even when every listed read is', async () => {
      const q = await answering({ balance: 0, frozen: true }, []).query(query);
      assert.deepEqual([q.verified, q.resultVerified], [true, false]);
    });

    it('refuses to recompute over a read the answer left out, instead of taking the key as absent (BSN_SDK_STATE_PROOF_MISSING)', async () => {
      await assert.rejects(answering(0, []).query({ ...query, recompute: balanceOf }), (err: unknown) => {
        hasCode('BSN_SDK_STATE_PROOF_MISSING')(err);
        assert.deepEqual((err as BsnError).details, { contract: 'bank', key: 'balance/alice', height: 9 });
        return true;
      });
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
