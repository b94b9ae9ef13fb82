/**
 * Access rules of a service, through one in-process PCN: reads are authorised by role as calls
 * are (a participant's user whose role may call none of a service's methods reads none of its
 * state, receipts, blocks, chain or events), and the rules are checked again as a block executes,
 * so a transaction that reached the orderer without the gateway writes nothing. The probe service
 * allows role `admin` every method.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { transactionId } from '@bsn/core';
import { SYSTEM_CHAIN, SYSTEM_CONTRACT } from '@bsn/system';
import {
  PROBE_CHAIN,
  PROBE_SERVICE,
  type SinglePcnNetwork,
  startSinglePcnNetwork,
  until,
} from '../support/single-pcn-network.js';

describe('reads of a service, by role', { timeout: 60_000 }, () => {
  let net: SinglePcnNetwork;
  let txId: string;

  before(async () => {
    net = await startSinglePcnNetwork();
    const tx = net.sign(PROBE_CHAIN, PROBE_SERVICE, 'fill', [2]);
    await net.submitFinal(tx);
    txId = transactionId(tx.payload);
  });
  after(async () => {
    await net?.stop();
  });

  const get = async (path: string, authorization: string) => {
    const abort = new AbortController();
    const res = await fetch(`${net.gateway}${path}`, { headers: { authorization }, signal: abort.signal });
    if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
      abort.abort(); // an open event stream: its status is the answer
      return { status: res.status, body: {} as { error?: { code: string; message: string } } };
    }
    return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
  };

  it('refuses every read route to a role that may call no method, and serves them to one that may', async () => {
    const paths = [
      `/v1/chains/${PROBE_CHAIN}`,
      `/v1/chains/${PROBE_CHAIN}/state/${encodeURIComponent('k/0')}?contract=${PROBE_SERVICE}`,
      `/v1/chains/${PROBE_CHAIN}/transactions/${txId}`,
      `/v1/chains/${PROBE_CHAIN}/blocks/1`,
      `/v1/chains/${PROBE_CHAIN}/events?from=1`,
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

describe('access rules during execution', { timeout: 60_000 }, () => {
  let net: SinglePcnNetwork;
  before(async () => {
    net = await startSinglePcnNetwork();
  });
  after(async () => {
    await net?.stop();
  });

  it('fails a transaction the rules refuse when its block executes, though it skipped the gateway', async () => {
    // Role admin may now call only `sum`.
    await net.submitFinal(
      net.sign(SYSTEM_CHAIN, SYSTEM_CONTRACT, 'setRoles', [PROBE_SERVICE, { admin: ['sum'] }]),
    );
    const refused = net.sign(PROBE_CHAIN, PROBE_SERVICE, 'fill', [2]);
    const id = transactionId(refused.payload);
    await net.orderer.submit(refused);
    const chain = net.pcn.chain(PROBE_CHAIN)!.chain;
    await until(() => chain.receipt(id) !== undefined, 'the refused transaction to execute');
    const { receipt } = chain.receipt(id)!;
    assert.equal(receipt.status, 'failed');
    assert.equal(receipt.error?.code, 'BSN_SYSTEM_METHOD_NOT_ALLOWED');
    assert.equal(
      receipt.error?.message,
      `role "admin" of organisation "operator" may not call "fill" of service "${PROBE_SERVICE}"`,
    );
    assert.equal(chain.state.get(PROBE_SERVICE, 'k/0'), null, 'a refused call writes nothing');
  });
});
