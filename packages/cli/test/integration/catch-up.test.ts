/**
 * Issue #4: "A PCN killed with SIGKILL under load and restarted catches up; every acknowledged
 * transaction is present on all hosting PCNs with identical roots." Also the orderer is killed with
 * SIGKILL under load and restarted: nothing acknowledged is lost.
 *
 * Four PCNs host the service (quorum 3), so the three that stay up keep certifying while pcn4 is down.
 * Several SDK clients load the chain through the gateways of pcn1..pcn3 for the whole test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BaseError } from '@bsn/sdk';
import { waitUntil } from '../../src/processes.js';
import { type DevNetwork, startDevNetwork } from '../support/dev-network.js';

const CHAIN = 'svc-assets';
const HOSTS = ['pcn1', 'pcn2', 'pcn3', 'pcn4'];
const VICTIM = 'pcn4';
const WORKERS = 6;
/** Acknowledged transactions at which each step happens (counted from the previous step). */
const KILL_PCN_AT = 60;
const RESTART_PCN_AFTER = 90;
const KILL_ORDERER_AFTER = 60;
const STOP_AFTER = 100;

type Client = ReturnType<DevNetwork['client']>;

/** Concurrent SDK clients creating assets until stopped; remembers every acknowledged txId. */
class Load {
  readonly acked = new Map<string, { worker: number; asset: string; wait: string }>();
  readonly errors = new Map<string, number>();
  #stopped = false;
  #waiters: { n: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  #failure: unknown;
  #workers: Promise<void>[] = [];

  start(clients: readonly Client[]): void {
    this.#workers = clients.map((c, w) => this.#run(c, w));
  }

  async #run(client: Client, worker: number): Promise<void> {
    const wait = worker % 2 === 0 ? 'final' : 'committed';
    for (let i = 0; !this.#stopped; i++) {
      const asset = `w${worker}-${i}`;
      try {
        const r = await client.submitTransaction({
          chain: CHAIN,
          contract: 'assets',
          method: 'create',
          args: [asset, i],
          wait,
          timeoutMs: 30_000,
        });
        assert.ok('receipt' in r, `${asset}: a receipt`);
        assert.equal(r.receipt.status, 'ok', `${asset}: ${JSON.stringify(r.receipt.error)}`);
        if (wait === 'final') assert.equal(r.final, true, `${asset}: a verified certificate`);
        this.acked.set(r.txId, { worker, asset, wait });
        for (const x of this.#waiters.filter((x) => x.n <= this.acked.size)) x.resolve();
        this.#waiters = this.#waiters.filter((x) => x.n > this.acked.size);
      } catch (err) {
        // Not acknowledged (e.g. the orderer is down): counted, and the load goes on.
        if (!(err instanceof BaseError)) {
          this.#failure = err;
          this.#stopped = true;
          for (const x of this.#waiters) x.reject(err);
          throw err;
        }
        this.errors.set(err.code, (this.errors.get(err.code) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Resolves once `n` transactions are acknowledged. */
  async reach(n: number): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.acked.size >= n) return;
    await new Promise<void>((resolve, reject) => this.#waiters.push({ n, resolve, reject }));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#workers);
  }
}

describe('catch-up after SIGKILL under load', { timeout: 300_000 }, () => {
  let network: DevNetwork;
  const load = new Load();
  let gateways: Record<string, string>;
  const timeline: Record<string, number> = {};

  const heightOf = async (pcn: string) =>
    (await network.health(pcn))?.chains.find((c) => c.chain === CHAIN)?.height ?? -1;

  before(async () => {
    network = await startDevNetwork({ pcns: 4, prefix: 'bsn-catchup-' });
    gateways = Object.fromEntries(network.running.network.pcns.map((p) => [p.id, p.gateway]));
    await network.deployAssets(HOSTS);

    const staying = HOSTS.filter((p) => p !== VICTIM).map((p) => gateways[p]!);
    // Each client prefers a different gateway (they rotate on failure).
    const clients = Array.from({ length: WORKERS }, (_, w) =>
      network.client(undefined, [...staying.slice(w % 3), ...staying.slice(0, w % 3)]),
    );
    const started = Date.now();
    load.start(clients);

    await load.reach(KILL_PCN_AT);
    timeline['victimHeightAtKill'] = await heightOf(VICTIM);
    await network.kill(VICTIM);
    timeline['killedAtMs'] = Date.now() - started;

    await load.reach(load.acked.size + RESTART_PCN_AFTER);
    timeline['leaderHeightAtRestart'] = await heightOf('pcn1');
    await network.restart(VICTIM);
    timeline['restartedAtMs'] = Date.now() - started;
    // Catch-up under load: the victim reaches the height pcn1 had when it was restarted.
    const target = timeline['leaderHeightAtRestart'];
    await waitUntil(async () => (await heightOf(VICTIM)) >= target, 60_000, `${VICTIM} to catch up`, 100);
    timeline['caughtUpAfterMs'] = Date.now() - started - timeline['restartedAtMs'];

    await load.reach(load.acked.size + KILL_ORDERER_AFTER);
    timeline['ackedBeforeOrdererKill'] = load.acked.size;
    await network.kill('orderer');
    await network.restart('orderer');
    timeline['ordererRestartedAtMs'] = Date.now() - started;

    await load.reach(load.acked.size + STOP_AFTER);
    await load.stop();
    timeline['loadMs'] = Date.now() - started;
    timeline['acked'] = load.acked.size;
  });
  after(async () => {
    await load.stop().catch(() => {});
    await network?.stop();
  });

  it('every hosting PCN reaches the same height with every height certified', async () => {
    assert.ok(
      timeline['leaderHeightAtRestart']! > timeline['victimHeightAtKill']!,
      `${VICTIM} had blocks to catch up (${timeline['victimHeightAtKill']} → ${timeline['leaderHeightAtRestart']})`,
    );
    await waitUntil(
      async () => {
        const all = await Promise.all(HOSTS.map((p) => network.health(p)));
        const chains = all.map((h) => h?.chains.find((c) => c.chain === CHAIN));
        const h0 = chains[0]?.height ?? 0;
        return h0 > 0 && chains.every((c) => c?.height === h0 && c.certifiedHeight === h0);
      },
      60_000,
      'all hosting PCNs to reach the same certified height',
      200,
    );
    assert.ok(
      load.acked.size >= timeline['ackedBeforeOrdererKill']! + STOP_AFTER,
      `${load.acked.size} acknowledged, ${STOP_AFTER}+ after the orderer restarted`,
    );
  });

  it('blocks, state roots and receipt roots are identical on every PCN, every height (missed ones too) certified on the restarted PCN, every acknowledged tx held once', async () => {
    const height = (await heightOf('pcn1'))!;
    assert.ok(
      height > timeline['leaderHeightAtRestart']!,
      'blocks were cut after the victim restarted (its later blocks are checked below)',
    );
    const perPcn = HOSTS.map((p) => ({ pcn: p, client: network.client(undefined, [gateways[p]!]) }));
    const seen = new Map<string, Map<string, number>>(HOSTS.map((p) => [p, new Map()]));
    const heights = Array.from({ length: height }, (_, i) => i + 1);
    // A few heights at a time: four PCNs answer each.
    for (let i = 0; i < heights.length; i += 8) {
      await Promise.all(
        heights.slice(i, i + 8).map(async (h) => {
          const answers = await Promise.all(
            perPcn.map(({ client }) => client.getBlock({ chain: CHAIN, height: h })),
          );
          const [first] = answers;
          for (const [j, b] of answers.entries()) {
            const pcn = HOSTS[j]!;
            assert.equal(b.final, true, `${pcn} height ${h}: certificate verified by the SDK`);
            assert.ok(b.certificate && b.certificate.votes.length >= 3, `${pcn} height ${h}: >= 3 votes`);
            assert.equal(b.hash, first!.hash, `${pcn} height ${h}: block hash`);
            assert.deepEqual(b.commit, first!.commit, `${pcn} height ${h}: state and receipts roots`);
            for (const r of b.receipts) {
              const m = seen.get(pcn)!;
              m.set(r.txId, (m.get(r.txId) ?? 0) + 1);
            }
          }
        }),
      );
    }
    for (const pcn of HOSTS) {
      const m = seen.get(pcn)!;
      const missing = [...load.acked.keys()].filter((tx) => !m.has(tx));
      assert.deepEqual(missing, [], `${pcn} has every acknowledged transaction`);
      const twice = [...m].filter(([, n]) => n > 1);
      assert.deepEqual(twice, [], `${pcn} holds no transaction twice`);
    }
  });

  it('the restarted PCN serves a final, verified receipt for every acknowledged transaction', async () => {
    const client = network.client(undefined, [gateways[VICTIM]!]);
    const txs = [...load.acked.keys()];
    for (let i = 0; i < txs.length; i += 16) {
      await Promise.all(
        txs.slice(i, i + 16).map(async (txId) => {
          const r = await client.getTransaction({ chain: CHAIN, txId });
          assert.equal(r.final, true, `${txId} final on ${VICTIM}`);
          assert.equal(r.receipt.status, 'ok');
          assert.ok(r.signers.length >= 3);
        }),
      );
    }
    // Reported for the record (visible with --test-reporter=spec).
    console.log(
      `catch-up: ${JSON.stringify(timeline)} errors while loading: ${JSON.stringify(Object.fromEntries(load.errors))}`,
    );
  });
});
