/**
 * The types a contract is written against. They mirror the ledger's ContractContext exactly (a
 * type test in @bsn/runtime-js keeps them in step) but are declared here so a contract bundle
 * depends on nothing but this small package.
 */

/** JSON data: what arguments, results, state values and event data may be. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** Who signed the transaction, from the subject of the signer's certificate. */
export interface Caller {
  /** The certificate subject's common name (the user or node id). */
  readonly id: string;
  /** The organisation (subject O). */
  readonly org: string;
  /** The role (subject OU, or the BSN role attribute). */
  readonly role: string;
  /** Hex SHA-256 fingerprint of the signer certificate (DER). */
  readonly certFingerprint: string;
  /** Further subject attributes, e.g. `{C: "CN", L: "Beijing"}`. */
  readonly attributes: Readonly<Record<string, string>>;
}

/** The transaction a call runs in. `time` is the orderer's block time: the only clock a contract has. */
export interface TxInfo {
  /** The transaction id (hex). */
  readonly id: string;
  /** The chain id. */
  readonly chain: string;
  /** Block height the transaction is in. */
  readonly height: number;
  /** Orderer block time, ms since the Unix epoch. */
  readonly time: number;
  /** Index of the transaction within its block. */
  readonly index: number;
}

/** One entry of a range read. */
export interface StateEntry {
  readonly key: string;
  readonly value: JsonValue;
}

/** The contract's own key-value state. Reads see the transaction's own earlier writes. */
export interface State {
  /** The value at `key`, or `null` when there is none. */
  get(key: string): JsonValue | null;
  /** Stores `value` (JSON data) at `key`. */
  put(key: string, value: JsonValue): void;
  /** Deletes `key` (no error when absent). */
  del(key: string): void;
  /** Entries with `start <= key < end` (`end` omitted: to the end) in key order, at most `limit` (default 1000). */
  range(start: string, end?: string, limit?: number): StateEntry[];
}

/** What every contract method receives as its first argument. */
export interface Context {
  readonly state: State;
  /** Emits an event recorded in the transaction's receipt. */
  emit(name: string, data: JsonValue): void;
  readonly caller: Caller;
  readonly tx: TxInfo;
}

/**
 * A contract method: `ctx` first, then the call's JSON arguments; returns JSON data (or nothing).
 * The arguments are typed `never[]` so that methods declaring their own parameter types fit.
 */
export type ContractMethod = (
  ctx: Context,
  ...args: never[]
  // biome-ignore lint/suspicious/noConfusingVoidType: an async method without a return statement returns Promise<void>.
) => JsonValue | undefined | void | Promise<JsonValue | undefined | void>;

/**
 * The shape of a contract's default export, for `satisfies Contract`: an object whose methods take
 * `ctx` first. Names starting with `_` are private: they cannot be called from outside.
 */
export type Contract = Record<string, ContractMethod>;
