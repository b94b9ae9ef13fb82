/**
 * Argument validation at the contract boundary: every public method declares its parameters as
 * TypeBox schemas and receives typed values, or the call fails with BSN_SYSTEM_INVALID_ARGUMENT
 * naming the offending field (`spec.pcns.0`), before any state is read.
 */
import type { JsonValue } from '@bsn/core';
import { type ContractContext, ContractError, type NativeContract } from '@bsn/ledger';
import type { Static, TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { SystemErrorCode } from './errors.js';

/** One declared parameter of a contract method. */
export interface Param<T extends TSchema = TSchema> {
  readonly name: string;
  readonly schema: T;
  readonly optional: boolean;
}

/** A required parameter. */
export function param<T extends TSchema>(name: string, schema: T): Param<T> {
  return { name, schema, optional: false };
}

/** A trailing parameter that may be left out (it is then `undefined`). */
export function optionalParam<T extends TSchema>(
  name: string,
  schema: T,
): Param<T> & { readonly optional: true } {
  return { name, schema, optional: true };
}

type ParamValue<P> =
  P extends Param<infer T>
    ? P extends { readonly optional: true }
      ? Static<T> | undefined
      : Static<T>
    : never;

/** The typed argument tuple of a parameter list. */
export type ParamValues<P extends readonly Param[]> = { -readonly [K in keyof P]: ParamValue<P[K]> };

/** A contract method's implementation, called with validated, typed arguments. */
export type MethodImpl<P extends readonly Param[]> = (
  ctx: ContractContext,
  ...args: ParamValues<P>
) => JsonValue | undefined;

/** Throws BSN_SYSTEM_INVALID_ARGUMENT for `field`. */
export function invalidArgument(field: string, problem: string, method?: string): never {
  throw new ContractError(
    SystemErrorCode.INVALID_ARGUMENT,
    `${method === undefined ? '' : `${method}: `}invalid argument "${field}": ${problem}`,
    { details: { field, problem, ...(method === undefined ? {} : { method }) } },
  );
}

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checker(schema: TSchema): TypeCheck<TSchema> {
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check;
}

/** Checks `value` against `schema`, failing with a field name built from `field` and the schema path. */
export function checkValue<T extends TSchema>(
  schema: T,
  value: unknown,
  field: string,
  method?: string,
): Static<T> {
  const check = checker(schema);
  if (check.Check(value)) return value as Static<T>;
  const first = check.Errors(value).First();
  const path = first
    ? first.path
        .split('/')
        .filter((s) => s !== '')
        .join('.')
    : '';
  invalidArgument(
    path === '' ? field : `${field}.${path}`,
    first?.message ?? 'does not match the schema',
    method,
  );
}

/** Wraps an implementation so that it runs only on arguments matching `params`. */
export function defineMethod<const P extends readonly Param[]>(
  name: string,
  params: P,
  impl: MethodImpl<P>,
): NativeContract[string] {
  const required = params.filter((p) => !p.optional).length;
  return (ctx, ...args) => {
    if (args.length < required || args.length > params.length) {
      invalidArgument(
        'args',
        `expected ${required === params.length ? required : `${required} to ${params.length}`} argument(s) (${params
          .map((p) => p.name)
          .join(', ')}), got ${args.length}`,
        name,
      );
    }
    const values = params.map((p, i) => {
      const value = args[i];
      if (value === undefined && p.optional) return undefined;
      return checkValue(p.schema, value, p.name, name);
    });
    return (impl as (ctx: ContractContext, ...a: unknown[]) => JsonValue | undefined)(ctx, ...values);
  };
}
