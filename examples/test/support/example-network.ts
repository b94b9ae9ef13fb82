/**
 * A small real network for the example contracts: a root CA, one CA per organisation and users
 * with real certificates from @bsn/pki, and one ledger Chain (real SQLite, real sparse Merkle
 * state) running a bundled example contract in the real QuickJS runtime. Transactions go through
 * the chain's TransactionChecker first (the gateway's checks), then into signed blocks.
 * Keys and certificates are generated at test time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type Block,
  generateKeyPair,
  type JsonValue,
  type PemKeyPair,
  type Receipt,
  type SignedTransaction,
  signBlockHeader,
  signTransaction,
  transactionsRoot,
  ZERO_HASH,
} from '@bsn/core';
import {
  type Caller,
  Chain,
  type CommitResult,
  type ContractCode,
  type ContractRuntime,
  type InvocationResult,
  trustStoreVerifier,
} from '@bsn/ledger';
import {
  type Credential,
  createRootCa,
  issueCaCertificate,
  issueUserCertificate,
  TrustStore,
} from '@bsn/pki';
import { bundleContract, createJsRuntime } from '@bsn/runtime-js';

/** A user with a real certificate issued by their organisation's CA. */
export interface ExampleUser {
  readonly id: string;
  readonly org: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/** Options of {@link ExampleNetwork.open}. */
export interface ExampleNetworkOptions {
  /** The example contract's source file. */
  readonly contractPath: string;
  /** The name it is deployed under (its state key space). */
  readonly contractName: string;
  /** Organisation → user ids to enrol. */
  readonly orgs: Readonly<Record<string, readonly string[]>>;
}

const CHAIN = 'examples';
const ORDERER = 'orderer1';

/** One chain with one deployed example contract and enrolled users of several organisations. */
export class ExampleNetwork {
  readonly chain: Chain;
  readonly contract: string;
  readonly users: ReadonlyMap<string, ExampleUser>;
  readonly #dir: string;
  readonly #orderer: PemKeyPair;
  readonly #verifier: ReturnType<typeof trustStoreVerifier>;
  #time: number;
  #nonce = 0;

  private constructor(
    parts: { chain: Chain; contract: string; users: Map<string, ExampleUser>; dir: string },
    orderer: PemKeyPair,
    verifier: ReturnType<typeof trustStoreVerifier>,
  ) {
    this.chain = parts.chain;
    this.contract = parts.contract;
    this.users = parts.users;
    this.#dir = parts.dir;
    this.#orderer = orderer;
    this.#verifier = verifier;
    this.#time = Date.now();
  }

  /** Creates the CAs and users, bundles the contract and opens a fresh chain in a temp dir. */
  static async open(options: ExampleNetworkOptions): Promise<ExampleNetwork> {
    const root = await createRootCa({ commonName: 'Example Root CA', organization: 'bsn' });
    const intermediates: string[] = [];
    const users = new Map<string, ExampleUser>();
    for (const [org, ids] of Object.entries(options.orgs)) {
      const issued = await issueCaCertificate(root, {
        commonName: `${org} CA`,
        organization: org,
        purpose: 'org',
      });
      const ca: Credential = { certPem: issued.certPem, keyPem: issued.keyPem as string };
      intermediates.push(ca.certPem);
      for (const id of ids) {
        const cert = await issueUserCertificate(ca, { id, organization: org, role: 'member' });
        users.set(`${org}/${id}`, { id, org, certPem: cert.certPem, keyPem: cert.keyPem as string });
      }
    }
    const trust = new TrustStore({ roots: [root.certPem], intermediates });
    const verifier = trustStoreVerifier(trust, { expect: 'user' });
    const bundle = await bundleContract(options.contractPath);
    const code: ContractCode = {
      name: options.contractName,
      runtime: 'js',
      code: bundle.code,
      codeHash: bundle.codeHash,
    };
    const runtimes = new Map<string, ContractRuntime>([['js', await createJsRuntime()]]);
    const orderer = generateKeyPair();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsn-examples-'));
    const chain = Chain.open({
      path: path.join(dir, 'chain.db'),
      chain: CHAIN,
      runtimes,
      contracts: (name) => (name === options.contractName ? code : undefined),
      certificates: verifier,
      ordererKeys: new Map([[ORDERER, orderer.publicKeyPem]]),
      synchronous: 'normal',
    });
    return new ExampleNetwork({ chain, contract: options.contractName, users, dir }, orderer, verifier);
  }

  /** The enrolled user `org/id`. */
  user(name: string): ExampleUser {
    const user = this.users.get(name);
    if (!user) throw new Error(`no user ${name} in this test network`);
    return user;
  }

  /** The time the next block will carry. */
  get nextBlockTime(): number {
    return this.#time + 1000;
  }

  /** A transaction of `user` calling `method(...args)`, signed and passed through the chain's pre-ordering checks. */
  tx(user: ExampleUser, method: string, args: readonly JsonValue[]): SignedTransaction {
    const tx = signTransaction(
      {
        chain: CHAIN,
        contract: this.contract,
        method,
        args: [...args],
        nonce: `n${++this.#nonce}`,
        expires: this.#time + 3_600_000,
        signer: user.certPem,
      },
      user.keyPem,
    );
    this.chain.checker.check(tx, this.nextBlockTime);
    return tx;
  }

  /** Orders `txs` into the next block (signed by the test orderer, one second after the last) and commits it. */
  commit(txs: readonly SignedTransaction[]): CommitResult {
    const head = this.chain.head();
    this.#time += 1000;
    const header = {
      chain: CHAIN,
      height: head.height + 1,
      prevHash: head.height === 0 ? ZERO_HASH : head.blockHash,
      txRoot: transactionsRoot(txs),
      time: this.#time,
      orderer: ORDERER,
    };
    const block: Block = {
      header,
      signature: signBlockHeader(header, this.#orderer.privateKeyPem),
      txs: [...txs],
    };
    return this.chain.commitBlock(block);
  }

  /** Runs one transaction in a block of its own and returns its receipt. */
  call(user: ExampleUser, method: string, ...args: JsonValue[]): Receipt {
    const result = this.commit([this.tx(user, method, args)]);
    return result.receipts[0] as Receipt;
  }

  /** A read-only call as `user` (their certificate names the caller, as the gateway does for signed queries). */
  query(user: ExampleUser, method: string, ...args: JsonValue[]): InvocationResult {
    return this.chain.query(this.contract, method, args, this.callerOf(user));
  }

  /** The caller the ledger derives from `user`'s certificate. */
  callerOf(user: ExampleUser): Caller {
    const check = this.#verifier.verify(user.certPem, this.#time);
    if (!check.ok) throw new Error(`certificate of ${user.org}/${user.id} refused: ${check.code}`);
    return check.caller;
  }

  /** Closes the chain and deletes its directory. */
  close(): void {
    this.chain.close();
    fs.rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** The error code of a failed receipt or query (undefined when it succeeded). */
export function errorCode(r: Receipt | InvocationResult): string | undefined {
  if ('status' in r) return r.error?.code;
  return r.ok ? undefined : r.code;
}
