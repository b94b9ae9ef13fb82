import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { hasCode } from '../support/error-code.js';
import { clientFor } from '../support/fake-gateway.js';
import { buildNetwork, type Network } from '../support/network-fixture.js';

// Parameters are checked before any request: a bad one names its field and reaches no gateway.

describe('parameters checked at the edge', () => {
  let net: Network;
  let requests: string[];
  const badHeights = [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '3'];

  before(async () => {
    net = await buildNetwork(1);
  });

  function client() {
    requests = [];
    return clientFor(net, (_m, path) => {
      requests.push(path);
      return undefined;
    });
  }

  const invalid = (field: string) =>
    hasCode('BSN_SDK_INVALID_PARAMETER', (err) => assert.equal(err.details.field, field));

  it('refuses a getState height that is not a whole number ≥ 0', async () => {
    const c = client();
    for (const height of badHeights) {
      const params = { chain: 'svc-bank', contract: 'bank', key: 'k', height: height as number };
      await assert.rejects(c.getState(params), invalid('height'), String(height));
    }
    assert.deepEqual(requests, []);
  });

  it('refuses a getBlock height that is neither a whole number ≥ 0 nor latest', async () => {
    const c = client();
    for (const height of [...badHeights, 'newest']) {
      await assert.rejects(c.getBlock({ chain: 'svc-bank', height: height as number }), invalid('height'));
    }
    assert.deepEqual(requests, []);
  });

  it('refuses a watchEvents start height that is not a whole number ≥ 0, before watching', () => {
    const c = client();
    for (const from of badHeights) {
      assert.throws(
        () => c.watchEvents({ chain: 'svc-bank', from: from as number, onEvent: () => {} }),
        invalid('from'),
      );
    }
    assert.deepEqual(requests, []);
  });

  it('refuses a malformed pinned PCN list when the client is created, naming the bad entry', () => {
    for (const [pcns, bad] of [
      [['pcn-a', 'pcn-a'], 'pcn-a'],
      [[''], ''],
      [['pcn-a', 7], 7],
      [['pcn-a', null], null],
    ] as const) {
      assert.throws(
        () => clientFor(net, () => undefined, { pcns: pcns as unknown as string[] }),
        hasCode('BSN_SDK_INVALID_PARAMETER', (err) => assert.deepEqual(err.details, { field: 'pcns', bad })),
      );
    }
    for (const pcns of [[], 'pcn-a']) {
      assert.throws(
        () => clientFor(net, () => undefined, { pcns: pcns as string[] }),
        hasCode('BSN_SDK_INVALID_PARAMETER', (err) => assert.deepEqual(err.details, { field: 'pcns' })),
      );
    }
  });
});
