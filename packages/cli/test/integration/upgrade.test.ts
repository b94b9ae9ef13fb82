import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isBsnError } from '@bsn/core';
import { serviceUpgrade } from '../../src/commands/network-commands.js';
import { ASSET_TRANSFER_CONTRACT, type DevNetwork, startDevNetwork } from '../support/dev-network.js';

const V1 = ASSET_TRANSFER_CONTRACT;
const V2 = new URL('../fixtures/asset-transfer-v2.ts', import.meta.url).pathname;

describe('upgrading a service contract', { timeout: 240_000 }, () => {
  let network: DevNetwork;

  before(async () => {
    network = await startDevNetwork({ pcns: 3, prefix: 'bsn-upgrade-' });
    await network.deployAssets(['pcn1', 'pcn2', 'pcn3']);
  });
  after(async () => {
    await network?.stop();
  });

  it('runs the new code on every host from the next blocks on, with the state kept', async () => {
    const client = network.client();
    const call = (method: string, args: (string | number)[] = []) =>
      client.submitTransaction({ chain: 'svc-assets', contract: 'assets', method, args, wait: 'final' });
    const created = await call('create', ['u1', 7]);
    assert.ok('receipt' in created && created.receipt.status === 'ok');
    await assert.rejects(call('version'), (e: unknown) => isBsnError(e) && /METHOD/.test(e.code));

    const up = (await serviceUpgrade({ dir: network.dir, name: 'assets', contract: V2 })) as {
      version: number;
    };
    assert.equal(up.version, 2);

    // The hosts switch by block time after the upgrade's system block; the next call runs v2 on all of them.
    const deadline = Date.now() + 30_000;
    let result: unknown;
    for (;;) {
      try {
        const r = await call('version');
        if ('receipt' in r && r.receipt.status === 'ok') {
          result = r.receipt.result;
          assert.ok(r.certificate && r.certificate.votes.length >= 3, 'all three hosts agreed on v2');
          break;
        }
      } catch (err) {
        if (!isBsnError(err) || Date.now() > deadline) throw err;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(result, 2);
    const q = await client.query({
      chain: 'svc-assets',
      contract: 'assets',
      method: 'read',
      args: ['u1'],
      proof: true,
    });
    assert.equal((q.result as { value: number }).value, 7, 'state written under v1 is read by v2');
    assert.equal(q.verified, true);
    for (const pcn of ['pcn1', 'pcn2', 'pcn3']) {
      const h = await network.health(pcn);
      assert.equal(
        h?.chains.find((c) => c.chain === 'svc-assets')?.status !== 'halted',
        true,
        `${pcn} did not halt`,
      );
    }
  });

  it('refuses an upgrade by an organisation that does not own the service', async () => {
    const { orgCreate } = await import('../../src/commands/network-commands.js');
    await orgCreate({ dir: network.dir, name: 'other' });
    await assert.rejects(
      serviceUpgrade({ dir: network.dir, name: 'assets', contract: V1, identity: 'other/admin' }),
      (e: unknown) => isBsnError(e) && e.code.startsWith('BSN_'),
    );
  });
});
