/**
 * Authorisation on a real network (issue #4): organisations only reach the services they take part
 * in, roles only the methods they are given, a revoked certificate is refused from the block after
 * its revocation on, and unauthenticated or foreign-rooted callers get 401. Statuses and codes are
 * asserted on the raw HTTP answers of the PCN gateways, as any client sees them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signRequest } from '@bsn/api';
import type { JsonValue } from '@bsn/core';
import { createRootCa, issueCaCertificate, issueUserCertificate } from '@bsn/pki';
import { createTransaction, type Identity, identityFromPem } from '@bsn/sdk';
import { SYSTEM_CHAIN, SYSTEM_CONTRACT } from '@bsn/system';
import { identityEnroll, orgCreate, serviceCreate } from '../../src/commands/network-commands.js';
import { ASSET_TRANSFER_CONTRACT, type DevNetwork, startDevNetwork } from '../support/dev-network.js';

const CONTRACT = ASSET_TRANSFER_CONTRACT;
const CHAIN_A = 'svc-alpha';
const CHAIN_B = 'svc-beta';

interface Answer {
  status: number;
  body: { error?: { code: string; message: string; details: Record<string, unknown> } } & Record<
    string,
    unknown
  >;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: Answer['body'];
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    assert.fail(`HTTP ${res.status} answered a body that is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, body };
}

function assertError(a: Answer, status: number, code: string | RegExp, what: string): void {
  assert.equal(a.status, status, `${what}: HTTP ${a.status} ${JSON.stringify(a.body).slice(0, 300)}`);
  assert.ok(a.body.error, `${what}: an error body`);
  if (typeof code === 'string') assert.equal(a.body.error.code, code, what);
  else assert.match(a.body.error.code, code, what);
  assert.equal(typeof a.body.error.message, 'string');
  assert.ok(a.body.error.message.length > 0, `${what}: a message`);
}

describe('authorisation and revocation on a network of 3 PCNs', { timeout: 240_000 }, () => {
  let network: DevNetwork;
  let gateways: string[];
  const ids: Record<string, Identity> = {};

  const load = (identity: string): Identity => {
    const [org, name] = identity.split('/') as [string, string];
    const base = join(network.dir, 'orgs', org, 'users', name);
    return identityFromPem({
      certPem: readFileSync(`${base}.cert.pem`, 'utf8'),
      keyPem: readFileSync(`${base}.key.pem`, 'utf8'),
    });
  };

  /** POSTs a transaction (or query) signed by `who` to a gateway. */
  const post = async (
    who: Identity,
    route: 'transactions' | 'query',
    chain: string,
    method: string,
    args: JsonValue[],
    gateway = gateways[0]!,
    contract?: string,
  ): Promise<Answer> => {
    const { tx } = createTransaction(who, {
      chain,
      contract: contract ?? (chain === SYSTEM_CHAIN ? SYSTEM_CONTRACT : chain.slice(4)),
      method,
      args,
    });
    const wait = route === 'transactions' ? '?wait=final' : '';
    const res = await fetch(`${gateway}/v1/chains/${chain}/${route}${wait}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(tx),
    });
    return await answer(res);
  };

  /** A GET signed with BSN-Sig by `who` (or with no Authorization at all). */
  const get = async (who: Identity | undefined, path: string, gateway = gateways[0]!): Promise<Answer> => {
    const headers: Record<string, string> = {};
    if (who) {
      headers['authorization'] = signRequest(
        { method: 'GET', path },
        { certPem: who.certPem, privateKey: who.privateKey },
      ).authorization;
    }
    const res = await fetch(`${gateway}${path}`, { headers, signal: AbortSignal.timeout(10_000) });
    return await answer(res);
  };

  before(async () => {
    network = await startDevNetwork({ pcns: 3, prefix: 'bsn-authz-' });
    gateways = network.running.network.pcns.map((p) => p.gateway);
    const dir = network.dir;
    // Organisations are admitted by the network admin; each gets its CA and an `admin` user.
    await orgCreate({ dir, name: 'A' });
    await orgCreate({ dir, name: 'B' });
    await identityEnroll({ dir, org: 'A', name: 'alice', role: 'member' });
    await identityEnroll({ dir, org: 'B', name: 'bob', role: 'member' });
    await identityEnroll({ dir, org: 'B', name: 'carol', role: 'member' });
    await identityEnroll({ dir, org: 'B', name: 'audrey', role: 'auditor' });
    await identityEnroll({ dir, org: 'B', name: 'wendy', role: 'writer' });
    // Each organisation's admin creates its own service; B's gives auditors only read, writers only create.
    await serviceCreate({
      dir,
      identity: 'A/admin',
      name: 'alpha',
      contract: CONTRACT,
      pcns: ['pcn1', 'pcn2', 'pcn3'],
    });
    await serviceCreate({
      dir,
      identity: 'B/admin',
      name: 'beta',
      contract: CONTRACT,
      pcns: ['pcn1', 'pcn2', 'pcn3'],
      roles: { admin: ['*'], member: ['*'], auditor: ['read'], writer: ['create'] },
    });
    for (const who of ['A/alice', 'B/bob', 'B/carol', 'B/audrey', 'B/wendy', 'A/admin', 'B/admin'])
      ids[who] = load(who);
  });
  after(async () => {
    await network?.stop();
  });

  it('a user of A writes its own service, and a user of B writes B’s', async () => {
    const a = await post(ids['A/alice']!, 'transactions', CHAIN_A, 'create', ['a-own', 1]);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal((a.body['receipt'] as { status: string }).status, 'ok');
    const b = await post(ids['B/bob']!, 'transactions', CHAIN_B, 'create', ['b1', 10]);
    assert.equal(b.status, 200, JSON.stringify(b.body));
    assert.equal((b.body['receipt'] as { status: string }).status, 'ok');
  });

  it('a user of A can neither write nor query B’s service: 403 BSN_GATEWAY_FORBIDDEN', async () => {
    const alice = ids['A/alice']!;
    const write = await post(alice, 'transactions', CHAIN_B, 'create', ['from-a', 1]);
    assertError(write, 403, 'BSN_GATEWAY_FORBIDDEN', 'A submits to B');
    assert.equal(write.body.error!.details['org'], 'A');
    assert.equal(write.body.error!.details['service'], 'beta');
    const q = await post(alice, 'query', CHAIN_B, 'read', ['b1']);
    assertError(q, 403, 'BSN_GATEWAY_FORBIDDEN', 'A queries B');
    // Nothing of A's attempt reached the chain: the asset does not exist for B either.
    const check = await post(ids['B/bob']!, 'query', CHAIN_B, 'read', ['from-a']);
    assertError(check, 422, 'BSN_GATEWAY_CONTRACT_ERROR', 'the refused write was never ordered');
    assert.equal(check.body.error!.details['contractCode'], 'ASSET_NOT_FOUND');
    // Organisation B's admin is no more welcome on A's service.
    assertError(
      await post(ids['B/admin']!, 'transactions', CHAIN_A, 'create', ['from-b', 1]),
      403,
      'BSN_GATEWAY_FORBIDDEN',
      'B admin submits to A',
    );
  });

  it('a user of A can read no block, transaction, state, chain record or event stream of B', async () => {
    const alice = ids['A/alice']!;
    const bob = ids['B/bob']!;
    const created = await post(bob, 'transactions', CHAIN_B, 'create', ['b2', 20]);
    assert.equal(created.status, 200);
    const txId = created.body['txId'] as string;
    const paths = [
      `/v1/chains/${CHAIN_B}`,
      `/v1/chains/${CHAIN_B}/blocks/1`,
      `/v1/chains/${CHAIN_B}/blocks/latest`,
      `/v1/chains/${CHAIN_B}/transactions/${txId}`,
      `/v1/chains/${CHAIN_B}/state/${encodeURIComponent('asset/b2')}?contract=beta`,
      `/v1/chains/${CHAIN_B}/state/${encodeURIComponent('asset/b2')}?contract=beta&proof=true`,
      `/v1/chains/${CHAIN_B}/events?from=1`,
    ];
    for (const path of paths) {
      // The same reads succeed for B's own user, so the 403 is about who asks, not the path.
      const own = await get(bob, path.replace('/events?from=1', '/blocks/1'));
      assert.equal(own.status, 200, `bob reads ${path}: ${JSON.stringify(own.body).slice(0, 200)}`);
      for (const g of gateways) {
        const a = await get(alice, path, g);
        assertError(a, 403, 'BSN_GATEWAY_FORBIDDEN', `alice GET ${path} on ${g}`);
        assert.equal(a.body.error!.details['org'], 'A');
        assert.ok(!JSON.stringify(a.body).includes('b2'), 'the refusal carries none of B’s data');
      }
    }
  });

  it('a role without a method gets 403 naming the role and the method; the methods it has work', async () => {
    const audrey = ids['B/audrey']!;
    const write = await post(audrey, 'transactions', CHAIN_B, 'create', ['by-auditor', 1]);
    assertError(write, 403, 'BSN_GATEWAY_FORBIDDEN', 'auditor calls create');
    const d = write.body.error!.details;
    assert.equal(d['method'], 'create');
    assert.equal(d['role'], 'auditor');
    assert.equal(d['org'], 'B');
    assert.match(String(d['reason']), /^BSN_/, 'details.reason is a code');
    assert.match(write.body.error!.message, /create/);
    const transfer = await post(audrey, 'transactions', CHAIN_B, 'transfer', ['b1', 'B/audrey']);
    assertError(transfer, 403, 'BSN_GATEWAY_FORBIDDEN', 'auditor calls transfer');
    assert.equal(transfer.body.error!.details['method'], 'transfer');
    const read = await post(audrey, 'query', CHAIN_B, 'read', ['b1']);
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal((read.body['result'] as { value: number }).value, 10);
    // A query of a method the role lacks is refused as well: queries are no back door.
    const wendy = ids['B/wendy']!;
    const blind = await post(wendy, 'query', CHAIN_B, 'read', ['b1']);
    assertError(blind, 403, 'BSN_GATEWAY_FORBIDDEN', 'a writer-only role queries read');
    assert.equal(blind.body.error!.details['method'], 'read');
    assert.equal(blind.body.error!.details['role'], 'writer');
    const written = await post(wendy, 'transactions', CHAIN_B, 'create', ['by-writer', 1]);
    assert.equal(written.status, 200, JSON.stringify(written.body));
  });

  it('a request without authentication gets 401 BSN_GATEWAY_UNAUTHENTICATED', async () => {
    for (const path of [
      `/v1/chains/${CHAIN_B}`,
      `/v1/chains/${CHAIN_B}/blocks/1`,
      `/v1/chains/${CHAIN_B}/state/x?contract=beta`,
      `/v1/chains/${CHAIN_B}/events`,
      `/v1/chains/${SYSTEM_CHAIN}/blocks/1`,
    ]) {
      const a = await get(undefined, path);
      assertError(a, 401, 'BSN_GATEWAY_UNAUTHENTICATED', `unsigned GET ${path}`);
      assert.equal(a.body.error!.details['reason'], 'missing');
    }
    // A transaction whose signature is not its signer's is refused before ordering.
    const bob = ids['B/bob']!;
    const { tx } = createTransaction(bob, {
      chain: CHAIN_B,
      contract: 'beta',
      method: 'create',
      args: ['x', 1],
    });
    const forged = {
      ...tx,
      signature: createTransaction(ids['B/carol']!, {
        chain: CHAIN_B,
        contract: 'beta',
        method: 'create',
        args: ['x', 1],
      }).tx.signature,
    };
    const res = await fetch(`${gateways[0]}/v1/chains/${CHAIN_B}/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(forged),
    });
    assertError(await answer(res), 401, /^BSN_(TX_SIGNATURE_INVALID|SIGNATURE_INVALID)$/, 'forged signature');
  });

  it('a certificate from another root gets 401, even when it names an admitted organisation', async () => {
    const root = await createRootCa({ commonName: 'Impostor Root', organization: 'impostor' });
    const ca = await issueCaCertificate(root, { commonName: 'B CA', organization: 'B', purpose: 'org' });
    const user = await issueUserCertificate(
      { certPem: ca.certPem, keyPem: ca.keyPem! },
      { id: 'bob', organization: 'B', role: 'admin' },
    );
    const impostor = identityFromPem({ certPem: `${user.certPem}${ca.certPem}`, keyPem: user.keyPem! });
    const write = await post(impostor, 'transactions', CHAIN_B, 'create', ['forged', 1]);
    assertError(write, 401, 'BSN_TX_CERTIFICATE_UNTRUSTED', 'foreign-rooted transaction');
    const q = await post(impostor, 'query', CHAIN_B, 'read', ['b1']);
    assertError(q, 401, 'BSN_TX_CERTIFICATE_UNTRUSTED', 'foreign-rooted query');
    const sys = await post(impostor, 'transactions', SYSTEM_CHAIN, 'propose', [
      { type: 'revokeCertificate', fingerprint: ids['B/carol']!.certificate.fingerprint, reason: 'forged' },
    ]);
    assertError(sys, 401, 'BSN_TX_CERTIFICATE_UNTRUSTED', 'foreign-rooted governance');
    const read = await get(impostor, `/v1/chains/${CHAIN_B}/blocks/1`);
    assertError(read, 401, 'BSN_GATEWAY_UNAUTHENTICATED', 'foreign-rooted read');
    assert.match(String(read.body.error!.details['reason']), /^BSN_PKI_/);
    // A self-signed certificate presenting the real root is no better: its issuer is not the root's key.
    const selfRoot = await createRootCa({ commonName: 'B CA', organization: 'B' });
    const selfish = identityFromPem({
      certPem: `${selfRoot.certPem}${network.running.network.rootCertPem}`,
      keyPem: selfRoot.keyPem,
    });
    assertError(
      await post(selfish, 'transactions', CHAIN_B, 'create', ['selfish', 1]),
      401,
      /^BSN_TX_CERTIFICATE_UNTRUSTED$/,
      'self-signed signer',
    );
  });

  it('a revoked certificate is refused from the block after its revocation on, on every PCN', async () => {
    const carol = ids['B/carol']!;
    const before = await post(carol, 'transactions', CHAIN_B, 'create', ['c1', 5]);
    assert.equal(before.status, 200, JSON.stringify(before.body));
    const earlierTx = before.body['txId'] as string;
    // Signed before the revocation, submitted after it: what counts is when it reaches the chain.
    const presigned = createTransaction(carol, {
      chain: CHAIN_B,
      contract: 'beta',
      method: 'create',
      args: ['c2', 6],
    });

    const fingerprint = carol.certificate.fingerprint;
    const admin = network.client();
    const revoked = await admin.submitTransaction({
      chain: SYSTEM_CHAIN,
      contract: SYSTEM_CONTRACT,
      method: 'propose',
      args: [{ type: 'revokeCertificate', fingerprint, reason: 'key compromised' }],
      wait: 'final',
    });
    assert.ok('receipt' in revoked);
    assert.equal(revoked.receipt.status, 'ok', JSON.stringify(revoked.receipt));
    const record = await admin.query({
      chain: SYSTEM_CHAIN,
      contract: SYSTEM_CONTRACT,
      method: 'getRevocation',
      args: [fingerprint],
    });
    assert.equal((record.result as { height: number }).height, revoked.height, 'revoked in that block');

    // Every PCN has committed the revoking block once the certificate covers it (each voted on it).
    for (const g of gateways) {
      const write = await post(carol, 'transactions', CHAIN_B, 'create', [`c-${g.slice(-5)}`, 1], g);
      assertError(write, 401, 'BSN_TX_CERTIFICATE_REVOKED', `revoked signer submits on ${g}`);
      assert.equal(write.body.error!.details['reason'], 'BSN_PKI_REVOKED');
      const q = await post(carol, 'query', CHAIN_B, 'read', ['c1'], g);
      assertError(q, 401, 'BSN_TX_CERTIFICATE_REVOKED', `revoked signer queries on ${g}`);
      const read = await get(carol, `/v1/chains/${CHAIN_B}/blocks/1`, g);
      assertError(read, 401, 'BSN_GATEWAY_UNAUTHENTICATED', `revoked signer reads on ${g}`);
      assert.equal(read.body.error!.details['reason'], 'BSN_PKI_REVOKED');
    }
    const late = await fetch(`${gateways[1]}/v1/chains/${CHAIN_B}/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(presigned.tx),
    });
    assertError(await answer(late), 401, 'BSN_TX_CERTIFICATE_REVOKED', 'pre-signed tx after revocation');
    // The SDK surfaces the same code.
    const sdk = network.client('B/carol', gateways);
    await assert.rejects(
      sdk.submitTransaction({ chain: CHAIN_B, contract: 'beta', method: 'create', args: ['c3', 1] }),
      (err: { code?: string }) => err.code === 'BSN_TX_CERTIFICATE_REVOKED',
    );

    // What was final before the revocation stays readable and valid, and others of B carry on.
    const bob = ids['B/bob']!;
    const old = await get(bob, `/v1/chains/${CHAIN_B}/transactions/${earlierTx}`);
    assert.equal(old.status, 200);
    assert.equal((old.body['receipt'] as { status: string }).status, 'ok');
    const after = await post(bob, 'transactions', CHAIN_B, 'create', ['b-after', 1]);
    assert.equal(after.status, 200, JSON.stringify(after.body));
    const absent = await post(bob, 'query', CHAIN_B, 'read', ['c2']);
    assertError(absent, 422, 'BSN_GATEWAY_CONTRACT_ERROR', 'the pre-signed asset was never created');
    assert.equal(absent.body.error!.details['contractCode'], 'ASSET_NOT_FOUND');
  });
});
