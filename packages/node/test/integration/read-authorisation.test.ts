/**
 * Reads are authorised by role as calls are: a participant's user whose role may call none of a
 * service's methods reads none of its state, receipts, blocks, chain or events. Through the real
 * HTTP routes of one in-process PCN; the probe service allows role `admin` every method.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  PROBE_CHAIN,
  PROBE_SERVICE,
  type SinglePcnNetwork,
  startSinglePcnNetwork,
} from '../support/single-pcn-network.js';

describe('reads of a service, by role', { timeout: 60_000 }, () => {
  let net: SinglePcnNetwork;
  let txId: string;

  before(async () => {
    net = await startSinglePcnNetwork();
    const tx = net.sign(PROBE_CHAIN, PROBE_SERVICE, 'fill', [2]);
    await net.submitFinal(tx);
    txId = (await import('@bsn/core')).transactionId(tx.payload);
  });
  after(async () => {
    await net?.stop();
  });

  const get = async (path: string, authorization: string) => {
    const res = await fetch(`${net.gateway}${path}`, { headers: { authorization } });
    return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
  };

  it('refuses every read route to a role that may call no method, and serves them to one that may', async () => {
    const paths = [
      `/v1/chains/${PROBE_CHAIN}`,
      `/v1/chains/${PROBE_CHAIN}/state/${encodeURIComponent('k/0')}?contract=${PROBE_SERVICE}`,
      `/v1/chains/${PROBE_CHAIN}/transactions/${txId}`,
      `/v1/chains/${PROBE_CHAIN}/blocks/1`,
    ];
    for (const path of paths) {
      const allowed = await get(path, net.authorization(path));
      assert.equal(allowed.status, 200, `${path}: ${JSON.stringify(allowed.body).slice(0, 200)}`);
      const refused = await get(path, await net.authorizationAs('intern', path));
      assert.equal(refused.status, 403, `${path}: ${JSON.stringify(refused.body).slice(0, 200)}`);
      assert.equal(refused.body.error?.code, 'BSN_GATEWAY_FORBIDDEN');
      assert.equal(
        refused.body.error?.message,
        `role "intern" of organisation "operator" may not read service "${PROBE_SERVICE}"`,
      );
    }
  });
});
