/**
 * How a node plugs the system contract into a chain: the native runtime learns the
 * implementation, and the chain's contract resolver maps the contract name to its code.
 */
import { hashHex } from '@bsn/core';
import type { ContractCode, NativeRuntime } from '@bsn/ledger';
import { createSystemContract } from './system-contract.js';

/** The system chain's id. */
export const SYSTEM_CHAIN = 'system';
/** The system contract's name on the system chain (what transactions put in `contract`). */
export const SYSTEM_CONTRACT = 'system';
/** Version of the system contract's rules; a change of behaviour bumps it (and its code hash). */
export const SYSTEM_CONTRACT_VERSION = 1;
/** The id under which the implementation is registered with the native runtime. */
export const SYSTEM_CONTRACT_IMPLEMENTATION = `bsn.system@${SYSTEM_CONTRACT_VERSION}`;

/** Registers every system-contract implementation with a native runtime. */
export function registerSystemContracts(runtime: NativeRuntime): NativeRuntime {
  return runtime.register(SYSTEM_CONTRACT_IMPLEMENTATION, createSystemContract());
}

/** The system chain's contracts as ContractCode (runtime `native`, code = implementation id). */
export function systemContractCodes(): ContractCode[] {
  return [
    {
      name: SYSTEM_CONTRACT,
      runtime: 'native',
      code: SYSTEM_CONTRACT_IMPLEMENTATION,
      codeHash: hashHex(SYSTEM_CONTRACT_IMPLEMENTATION),
    },
  ];
}

/** A contract resolver for the system chain (the same code at every height until a version bump). */
export function systemContractResolver(): (name: string, height: number) => ContractCode | undefined {
  const codes = new Map(systemContractCodes().map((c) => [c.name, c]));
  return (name) => codes.get(name);
}
