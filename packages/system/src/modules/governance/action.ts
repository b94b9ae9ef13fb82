/**
 * The shape of a governance action: a schema for its arguments, a `check` that runs when the
 * action is proposed and again before it executes (state may have moved in between), and an
 * `apply` that runs in the transaction where the approvals reach the threshold.
 */
import type { JsonValue } from '@bsn/core';
import type { ContractContext } from '@bsn/ledger';
import type { Static, TObject, TSchema } from '@sinclair/typebox';

/** What an action's `apply` learns about the proposal that carries it. */
export interface ActionOrigin {
  readonly proposalId: string;
}

/** One kind of governance action. */
export interface ActionDefinition<S extends TObject = TObject> {
  readonly type: string;
  /** The action object's schema, `type` field included. */
  readonly schema: S;
  /** Fails (ContractError) when the action cannot run against the current state. Writes nothing. */
  check(ctx: ContractContext, action: Static<S>): void;
  /** Performs the action (after `check` passed in the same transaction); returns its result. */
  apply(ctx: ContractContext, action: Static<S>, origin: ActionOrigin): JsonValue;
}

/** Declares an action with its types inferred from the schema. */
export function defineAction<S extends TObject>(definition: ActionDefinition<S>): ActionDefinition<TObject> {
  return definition as unknown as ActionDefinition<TObject>;
}

/** The schemas' common `type` discriminator. */
export type ActionType<S extends TSchema> = Static<S> extends { type: infer T } ? T : never;
