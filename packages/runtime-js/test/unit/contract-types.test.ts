// Compile-time checks that @bsn/contract's Context is the ledger's ContractContext, so contracts typed
// against the small package get exactly what the runtimes give them. `tsc --noEmit` fails if they drift.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type {
  Context,
  Contract,
  Caller as ContractCaller,
  StateEntry as ContractStateEntry,
  TxInfo,
} from '@bsn/contract';
import type { Caller, ContractContext, StateEntry, TxContext } from '@bsn/ledger';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const checks: [
  Same<Context, ContractContext>,
  Same<ContractCaller, Caller>,
  Same<TxInfo, TxContext>,
  Same<ContractStateEntry, StateEntry>,
] = [true, true, true, true];

test('@bsn/contract types are the ledger context types', () => {
  assert.deepEqual(checks, [true, true, true, true]);
});

test('a contract object with typed parameters satisfies Contract', () => {
  const contract = {
    create(ctx: Context, id: string, value: number) {
      ctx.state.put(id, value);
      return { id, value };
    },
    async later(_ctx: Context) {},
  } satisfies Contract;
  assert.equal(typeof contract.create, 'function');
});
