/** Helpers to bundle the fixture contracts and build invocations in tests. */
import { fileURLToPath } from 'node:url';
import type { JsonValue } from '@bsn/core';
import type { Caller, ContractCode, Invocation, TxContext } from '@bsn/ledger';
import { bundleContract } from '@bsn/runtime-js';

/** Absolute path of a file in test/fixtures. */
export function fixturePath(file: string): string {
  return fileURLToPath(new URL(`./fixtures/${file}`, import.meta.url));
}

/** Bundles a fixture contract into deployable ContractCode. */
export async function fixtureCode(file: string, name = file.replace(/\.ts$/, '')): Promise<ContractCode> {
  const { code, codeHash } = await bundleContract(fixturePath(file));
  return { name, runtime: 'js', code, codeHash };
}

/** A caller as the executor would derive it from a certificate. */
export const sampleCaller: Caller = {
  id: 'alice',
  org: 'org1',
  role: 'client',
  certFingerprint: 'ab'.repeat(32),
  attributes: { C: 'CN', L: 'Beijing' },
};

/** A transaction context. */
export const sampleTx: TxContext = {
  id: 'cd'.repeat(32),
  chain: 'service-1',
  height: 7,
  time: 1_700_000_000_000,
  index: 2,
};

/** An invocation with test defaults (10M gas, read-write). */
export function invocation(
  method: string,
  args: JsonValue[] = [],
  overrides: Partial<Invocation> = {},
): Invocation {
  return {
    method,
    args,
    caller: sampleCaller,
    tx: sampleTx,
    gasLimit: 10_000_000,
    readOnly: false,
    ...overrides,
  };
}
