import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type DevNetwork, startDevNetwork } from '../support/dev-network.js';

/** Waits for a condition on events delivered by a watch, failing with `what` after 60 s. */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('event streams over the gateway', { timeout: 240_000 }, () => {
  let network: DevNetwork;

  before(async () => {
    network = await startDevNetwork({ pcns: 4, prefix: 'bsn-events-' });
    await network.deployAssets(['pcn1', 'pcn2', 'pcn3', 'pcn4']);
  });
  after(async () => {
    await network?.stop();
  });

  it('delivers every event exactly once, in order, across the death of the PCN it streamed from', async () => {
    const gateways = network.running.network.pcns.map((p) => p.gateway);
    // The watcher prefers pcn1 and fails over to the others; transactions go through pcn2..pcn4.
    const watcher = network.client(undefined, gateways);
    const writer = network.client(undefined, gateways.slice(1));
    const seen: string[] = [];
    const ids: string[] = [];
    const watch = watcher.watchEvents({
      chain: 'svc-assets',
      from: 1,
      contract: 'assets',
      name: 'AssetCreated',
      onEvent: (e, meta) => {
        seen.push((e.data as { id: string }).id);
        ids.push(meta.id);
      },
    });
    const create = (i: number) =>
      writer.submitTransaction({
        chain: 'svc-assets',
        contract: 'assets',
        method: 'create',
        args: [`e${i}`, i],
        wait: 'final',
      });
    for (let i = 0; i < 10; i++) await create(i);
    await network.kill('pcn1');
    for (let i = 10; i < 20; i++) await create(i);
    const deadline = Date.now() + 60_000;
    while (seen.length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    watch.unwatch();
    await watch.done;
    assert.deepEqual(
      seen,
      Array.from({ length: 20 }, (_, i) => `e${i}`),
      'every created asset announced once, in order',
    );
    assert.equal(new Set(ids).size, ids.length, 'no event id repeated');
  });

  it('a new watch resumed from a stored event id sends exactly the later events', async () => {
    const gateways = network.running.network.pcns.slice(1).map((p) => p.gateway);
    const client = network.client(undefined, gateways);
    const first: { id: string; asset: string }[] = [];
    const w1 = client.watchEvents({
      chain: 'svc-assets',
      from: 1,
      name: 'AssetCreated',
      onEvent: (e, meta) => void first.push({ id: meta.id, asset: (e.data as { id: string }).id }),
    });
    await until(() => first.length >= 20, 'the first watch to see 20 events');
    w1.unwatch();
    await w1.done;
    const resumeFrom = first[9]!;
    const rest: string[] = [];
    const w2 = client.watchEvents({
      chain: 'svc-assets',
      lastEventId: resumeFrom.id,
      name: 'AssetCreated',
      onEvent: (e) => void rest.push((e.data as { id: string }).id),
    });
    await until(() => rest.length >= 10, 'the resumed watch to see 10 events');
    w2.unwatch();
    await w2.done;
    assert.deepEqual(
      rest.slice(0, 10),
      first.slice(10, 20).map((f) => f.asset),
    );
  });
});
