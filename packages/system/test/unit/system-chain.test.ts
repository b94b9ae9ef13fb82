/**
 * End to end through a real ledger Chain: real certificates from @bsn/pki, signed transactions,
 * signed blocks, the system contract registered in the native runtime, and a certificate
 * verifier whose revocations come from the system chain's own state.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type BlockHeader,
  generateKeyPair,
  type JsonValue,
  type PemKeyPair,
  type SignedTransaction,
  signBlockHeader,
  signTransaction,
  transactionsRoot,
  ZERO_HASH,
} from '@bsn/core';
import { Chain, NativeRuntime, trustStoreVerifier } from '@bsn/ledger';
import { type Credential, issueUserCertificate, parseCertificate, TrustStore } from '@bsn/pki';
import {
  checkMethodAccess,
  prefixEnd,
  type RevocationRecord,
  registerSystemContracts,
  revocationSchedule,
  type ServiceRecord,
  SYSTEM_CHAIN,
  SYSTEM_CONTRACT,
  systemContractResolver,
  systemStateKeys,
} from '../../src/index.js';
import { createNetworkFixture, genesisConfig, type NetworkFixture } from './system-harness.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

let fx: NetworkFixture;
let operatorAdmin: Credential;
let acmeAdmin: Credential;
let acmeWriter: Credential;
const orderer: PemKeyPair = generateKeyPair();

before(async () => {
  fx = await createNetworkFixture(['bsn-operator', 'acme']);
  const issue = async (
    ca: Credential,
    id: string,
    organization: string,
    role: string,
  ): Promise<Credential> => {
    const c = await issueUserCertificate(ca, { id, organization, role });
    return { certPem: c.certPem, keyPem: c.keyPem! };
  };
  operatorAdmin = await issue(fx.orgCas['bsn-operator']!, 'ops', 'bsn-operator', 'admin');
  acmeAdmin = await issue(fx.orgCas.acme!, 'acme-admin', 'acme', 'admin');
  acmeWriter = await issue(fx.orgCas.acme!, 'alice', 'acme', 'writer');
});

function openSystemChain(): Chain {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsn-system-'));
  dirs.push(dir);
  const trust = new TrustStore({
    roots: [fx.root.certPem],
    intermediates: Object.values(fx.orgCas).map((c) => c.certPem),
  });
  // Revocations come from the system chain's committed state (what a node rebuilds after each
  // commit), stamped with the revoking block's time.
  const revocations = {
    current: revocationSchedule([]),
    revokedAt(fingerprint: string): number | undefined {
      return this.current.revokedAt(fingerprint);
    },
  };
  const chain = Chain.open({
    path: path.join(dir, 'system.db'),
    chain: SYSTEM_CHAIN,
    runtimes: new Map([['native', registerSystemContracts(new NativeRuntime())]]),
    contracts: systemContractResolver(),
    certificates: trustStoreVerifier(trust, { expect: 'leaf', revocations }),
    ordererKeys: new Map([['orderer', orderer.publicKeyPem]]),
  });
  refreshRevocations = () => {
    const prefix = systemStateKeys.revokedPrefix;
    const entries = chain.state.range(SYSTEM_CONTRACT, prefix, prefixEnd(prefix), 1000);
    revocations.current = revocationSchedule(entries.map((e) => e.value as unknown as RevocationRecord));
  };
  return chain;
}

let refreshRevocations = () => {};

let nonce = 0;
function tx(signer: Credential, method: string, ...args: JsonValue[]): SignedTransaction {
  nonce++;
  return signTransaction(
    {
      chain: SYSTEM_CHAIN,
      contract: SYSTEM_CONTRACT,
      method,
      args,
      nonce: `n${nonce}`,
      expires: Date.now() + 30 * 60_000,
      signer: signer.certPem,
    },
    signer.keyPem,
  );
}

function commit(chain: Chain, txs: SignedTransaction[]) {
  const head = chain.head();
  const header: BlockHeader = {
    chain: SYSTEM_CHAIN,
    height: head.height + 1,
    prevHash: head.height === 0 ? ZERO_HASH : head.blockHash,
    txRoot: transactionsRoot(txs),
    time: Math.max(Date.now(), head.time + 1),
    orderer: 'orderer',
  };
  const result = chain.commitBlock({
    header,
    signature: signBlockHeader(header, orderer.privateKeyPem),
    txs,
  });
  refreshRevocations();
  return result;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const CODE = 'export function put(ctx, k, v) { ctx.state.put(k, v); }\n';

describe('the system contract on a real chain', () => {
  test('genesis, a service, and a revoked certificate refused from the next block on', () => {
    const chain = openSystemChain();
    try {
      const adminFp = parseCertificate(operatorAdmin.certPem).fingerprint;
      const genesis = genesisConfig(fx, [{ certFingerprint: adminFp } as never], {
        organisations: ['bsn-operator', 'acme'].map((id) => ({
          id,
          name: id,
          caCertPem: fx.orgCas[id]!.certPem,
        })),
      });
      const b1 = commit(chain, [tx(operatorAdmin, 'init', genesis as unknown as JsonValue)]);
      assert.equal(b1.receipts[0]!.status, 'ok', JSON.stringify(b1.receipts[0]));

      const spec = {
        name: 'notary',
        runtime: 'js',
        codeHash: sha256(CODE),
        bundle: { encoding: 'utf8', data: CODE },
        pcns: ['pcn-a', 'pcn-b'],
        organisations: ['acme'],
        roles: { writer: ['put'] },
      };
      const b2 = commit(chain, [
        tx(acmeAdmin, 'createService', spec),
        tx(acmeWriter, 'createService', { ...spec, name: 'other' }),
      ]);
      assert.equal(b2.receipts[0]!.status, 'ok', JSON.stringify(b2.receipts[0]));
      assert.equal(b2.receipts[1]!.status, 'failed');
      assert.equal(b2.receipts[1]!.error?.code, 'BSN_SYSTEM_FORBIDDEN');

      const service = chain.query(SYSTEM_CONTRACT, 'getService', ['notary'], {
        id: 'x',
        org: 'x',
        role: 'x',
        certFingerprint: '',
        attributes: {},
      });
      assert.ok(service.ok);
      const record = service.result as unknown as ServiceRecord;
      assert.equal(record.chain, 'svc-notary');
      assert.deepEqual(checkMethodAccess(record, 'acme', 'writer', 'put'), { ok: true });
      assert.equal(checkMethodAccess(record, 'acme', 'reader', 'put').ok, false);

      // Block 3 revokes the writer's certificate; a transaction of the writer later in the same
      // block still executes (block time is not after the revocation), one in block 4 is refused.
      const writerFp = parseCertificate(acmeWriter.certPem).fingerprint;
      const b3 = commit(chain, [
        tx(operatorAdmin, 'propose', {
          type: 'revokeCertificate',
          fingerprint: writerFp,
          reason: 'left the company',
        }),
        tx(acmeWriter, 'putBundle', { hash: sha256('a'), encoding: 'utf8', data: 'a' }),
      ]);
      assert.equal(b3.receipts[0]!.status, 'ok', JSON.stringify(b3.receipts[0]));
      assert.equal(b3.receipts[1]!.error?.code, 'BSN_SYSTEM_FORBIDDEN'); // executed (writer is not an admin), not refused
      const b4 = commit(chain, [
        tx(acmeWriter, 'putBundle', { hash: sha256('b'), encoding: 'utf8', data: 'b' }),
      ]);
      assert.equal(b4.receipts[0]!.status, 'failed');
      assert.equal(b4.receipts[0]!.error?.code, 'BSN_TX_CERTIFICATE_REVOKED');
      const revoked = chain.query(SYSTEM_CONTRACT, 'isRevoked', [writerFp], {
        id: 'x',
        org: 'x',
        role: 'x',
        certFingerprint: '',
        attributes: {},
      });
      assert.deepEqual(revoked.ok && revoked.result, true);
    } finally {
      chain.close();
    }
  });
});
