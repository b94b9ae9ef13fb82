/**
 * Test fixtures for the ledger: signers with throw-away keys, a certificate verifier over them,
 * transactions, signed blocks, and a small native contract set. Keys are generated at test time.
 */
import {
  type Block,
  generateKeyPair,
  type JsonValue,
  type PemKeyPair,
  type SignedTransaction,
  signBlockHeader,
  signTransaction,
  type TransactionPayload,
  transactionsRoot,
  ZERO_HASH,
} from '@bsn/core';
import {
  type Caller,
  type CertificateVerifier,
  type ContractCode,
  ContractError,
  type ContractResolver,
  NativeRuntime,
} from '@bsn/ledger';

/** A signer whose "certificate" is its public key PEM (the stub verifier below knows it). */
export interface TestSigner {
  readonly keys: PemKeyPair;
  readonly caller: Caller;
}

/** A certificate verifier over known public keys, with time-stamped revocation and expiry. */
export class StubCertificates implements CertificateVerifier {
  readonly #known = new Map<string, { caller: Caller; notAfter: number; revokedAt?: number }>();
  calls = 0;

  add(
    signer: Pick<TestSigner, 'caller'> & { keys: { publicKeyPem: string } },
    notAfter = Number.MAX_SAFE_INTEGER,
  ): void {
    this.#known.set(signer.keys.publicKeyPem, { caller: signer.caller, notAfter });
  }

  revoke(signer: TestSigner, atMs: number): void {
    const entry = this.#known.get(signer.keys.publicKeyPem);
    if (entry) entry.revokedAt = atMs;
  }

  verify(certPem: string, atMs: number) {
    this.calls++;
    const entry = this.#known.get(certPem);
    if (!entry) return { ok: false as const, code: 'BSN_PKI_UNKNOWN_ISSUER', message: 'unknown issuer' };
    if (atMs > entry.notAfter)
      return { ok: false as const, code: 'BSN_PKI_CERT_EXPIRED', message: 'expired' };
    if (entry.revokedAt !== undefined && atMs > entry.revokedAt) {
      return { ok: false as const, code: 'BSN_PKI_REVOKED', message: 'revoked' };
    }
    return { ok: true as const, caller: entry.caller, publicKey: certPem };
  }
}

let signerCount = 0;

/** A fresh signer (P-256 by default). */
export function makeSigner(
  id = `user${++signerCount}`,
  alg: 'ecdsa-p256-sha256' | 'ed25519' = 'ecdsa-p256-sha256',
): TestSigner {
  return {
    keys: generateKeyPair(alg),
    caller: { id, org: 'org1', role: 'client', certFingerprint: `fp-${id}`, attributes: {} },
  };
}

/** Base time of the fixtures (a fixed instant, so runs are reproducible). */
export const T0 = 1_800_000_000_000;

/** A signed transaction of `signer` on `chain`. */
export function makeTx(
  signer: TestSigner,
  fields: Partial<TransactionPayload> & { contract: string; method: string },
): SignedTransaction {
  const payload: TransactionPayload = {
    chain: 'c1',
    args: [],
    nonce: `n${Math.random().toString(36).slice(2)}`,
    expires: T0 + 60_000,
    signer: signer.keys.publicKeyPem,
    ...fields,
  };
  return signTransaction(payload, signer.keys.privateKeyPem);
}

/** A deterministic transaction (fixed nonce): the same inputs give the same txId. */
export function fixedTx(
  signer: TestSigner,
  nonce: string,
  contract: string,
  method: string,
  args: JsonValue[],
  chain = 'c1',
): SignedTransaction {
  return signTransaction(
    { chain, contract, method, args, nonce, expires: T0 + 3_600_000, signer: signer.keys.publicKeyPem },
    signer.keys.privateKeyPem,
  );
}

/** An orderer identity. */
export interface TestOrderer {
  readonly id: string;
  readonly keys: PemKeyPair;
}

export function makeOrderer(id = 'orderer1'): TestOrderer {
  return { id, keys: generateKeyPair() };
}

/** A signed block following `prev` (or the first block when prev is undefined). */
export function makeBlock(
  orderer: TestOrderer,
  txs: readonly SignedTransaction[],
  prev: { height: number; blockHash: string; time?: number } | undefined,
  opts: { chain?: string; time?: number } = {},
): Block {
  const header = {
    chain: opts.chain ?? 'c1',
    height: (prev?.height ?? 0) + 1,
    prevHash: prev?.blockHash ?? ZERO_HASH,
    txRoot: transactionsRoot(txs),
    time: opts.time ?? Math.max(prev?.time ?? 0, T0) + 1000,
    orderer: orderer.id,
  };
  return { header, signature: signBlockHeader(header, orderer.keys.privateKeyPem), txs };
}

/** Native test contracts: a key-value store, a counter, and hostile ones. */
export function testRuntime(): NativeRuntime {
  const runtime = new NativeRuntime();
  runtime.register('kv', {
    put(ctx, key, value) {
      ctx.state.put(key as string, value as JsonValue);
      ctx.emit('put', { key: key as string });
      return null;
    },
    get(ctx, key) {
      return ctx.state.get(key as string);
    },
    del(ctx, key) {
      ctx.state.del(key as string);
      return null;
    },
    range(ctx, start, end, limit) {
      return ctx.state.range(
        start as string,
        (end as string | null) ?? undefined,
        (limit as number) ?? 100,
      ) as unknown as JsonValue;
    },
    putThenFail(ctx, key, value) {
      ctx.state.put(key as string, value as JsonValue);
      ctx.emit('never', null);
      throw new ContractError('KV_REFUSED', 'refused on purpose');
    },
    whoami(ctx) {
      return {
        id: ctx.caller.id,
        tx: ctx.tx.id,
        height: ctx.tx.height,
        time: ctx.tx.time,
        index: ctx.tx.index,
      };
    },
    _secret() {
      return 'hidden';
    },
  });
  runtime.register('counter', {
    inc(ctx) {
      const n = ((ctx.state.get('n') as number | null) ?? 0) + 1;
      ctx.state.put('n', n);
      return n;
    },
  });
  runtime.register('hostile', {
    crash() {
      throw new TypeError('boom');
    },
    hugeResult() {
      return 'x'.repeat(200_000);
    },
    badResult() {
      return (() => 1) as unknown as JsonValue;
    },
    hugeValue(ctx) {
      ctx.state.put('big', 'x'.repeat(200_000));
      return null;
    },
    badKey(ctx) {
      ctx.state.put('', 1);
      return null;
    },
    manyEvents(ctx) {
      for (let i = 0; i < 1000; i++) ctx.emit('e', i);
      return null;
    },
    // Text that is not Unicode (an unpaired surrogate) where the receipt or the state would hold it.
    loneSurrogateEvent(ctx) {
      ctx.emit('ev\uD800', 1);
      return null;
    },
    loneSurrogateKey(ctx) {
      ctx.state.put('k\uDC00', 1);
      return null;
    },
    /** A message the receipt's length limit cuts between the two halves of an emoji. */
    longMessage() {
      throw new ContractError('HOSTILE_TEXT', `${'x'.repeat(1022)}😀 and more`);
    },
    loneSurrogateCrash() {
      throw new TypeError('boom \uDBFF');
    },
    /** Five megabytes of "code": every receipt of it would hold them, on every node. */
    hugeCode() {
      throw new ContractError('Z'.repeat(5_000_000), 'huge code');
    },
    lowerCaseCode() {
      throw new ContractError('not_a_code', 'bad code');
    },
  });
  return runtime;
}

const CODES: Record<string, ContractCode> = {
  kv: { name: 'kv', runtime: 'native', code: 'kv', codeHash: 'kv-v1' },
  counter: { name: 'counter', runtime: 'native', code: 'counter', codeHash: 'counter-v1' },
  hostile: { name: 'hostile', runtime: 'native', code: 'hostile', codeHash: 'hostile-v1' },
};

/** Resolves the test contracts at every height. */
export const testContracts: ContractResolver = (name) => CODES[name];
