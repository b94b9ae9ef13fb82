/**
 * Child process of the crash test: opens the chain store, commits the pre-generated blocks from
 * its head on, and reports each committed height on stdout. The parent kills it with SIGKILL.
 * Usage: crash-child.ts <fixture.json> <store.db>
 */
import fs from 'node:fs';
import type { Block } from '@bsn/core';
import { type Caller, Chain } from '@bsn/ledger';
import { StubCertificates, testContracts, testRuntime } from '../support/fixtures.js';

interface Fixture {
  readonly signers: Array<{ publicKeyPem: string; caller: Caller }>;
  readonly orderer: { id: string; publicKeyPem: string };
  readonly blocks: Block[];
}

const [fixtureFile, storeFile] = process.argv.slice(2) as [string, string];
const fixture = JSON.parse(fs.readFileSync(fixtureFile, 'utf8')) as Fixture;
const certs = new StubCertificates();
for (const s of fixture.signers) certs.add({ keys: { publicKeyPem: s.publicKeyPem }, caller: s.caller });
const chain = Chain.open({
  path: storeFile,
  chain: 'c1',
  runtimes: new Map([['native', testRuntime()]]),
  contracts: testContracts,
  certificates: certs,
  ordererKeys: new Map([[fixture.orderer.id, fixture.orderer.publicKeyPem]]),
});
process.stdout.write(`ready ${chain.height()}\n`);
for (const block of fixture.blocks.slice(chain.height())) {
  const r = chain.commitBlock(block);
  process.stdout.write(`committed ${r.height}\n`);
}
chain.close();
process.stdout.write('done\n');
