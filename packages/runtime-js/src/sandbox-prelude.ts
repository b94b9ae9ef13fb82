/**
 * The JavaScript that runs inside every sandbox before the contract: it removes the APIs that
 * would make execution non-deterministic, builds the `ctx` a method receives, checks that what
 * crosses to the host is JSON data, and turns a method's outcome into one string for the host.
 *
 * It captures the built-ins it relies on before the contract runs, so a contract that replaces
 * `JSON.parse` or `Array.isArray` changes only its own behaviour, never the checks made for it.
 * Nothing here is trusted for consensus limits: sizes, gas and read-only rules are enforced on
 * the host side again; this code exists to give contracts clear errors close to their cause.
 */

/** The global the host installs with its functions before {@link SANDBOX_PRELUDE} runs (the prelude deletes it). */
export const HOST_GLOBAL = '__bsnHost';

/** APIs a contract may not reach at all: any access (even `typeof`) fails the call with BSN_CONTRACT_FORBIDDEN_API. */
export const FORBIDDEN_GLOBALS: readonly string[] = [
  'Date',
  'require',
  'process',
  'fetch',
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'clearImmediate',
  'XMLHttpRequest',
  'WebSocket',
  'performance',
  'crypto',
  'WeakRef',
  'FinalizationRegistry',
  'SharedArrayBuffer',
  'Atomics',
];

/**
 * Evaluated as global code; leaves `__bsnInvoke`, `__bsnTake` and `__bsnBind` behind as
 * non-enumerable globals. Outcomes are strings: `R<json>` for a result, `E<json [code, message]>`
 * for a failure, `A` when the method returned a promise (then the host runs the pending jobs and
 * asks `__bsnTake`, which answers an outcome or `P` while still pending); any of them may be
 * preceded by `W<length>:<ops>`, the writes and events still queued (see `host.apply`).
 */
export const SANDBOX_PRELUDE = `
(function (host, forbiddenGlobals, limits) {
  'use strict';
  var g = globalThis;
  var JSONparse = JSON.parse, JSONstringify = JSON.stringify;
  var isArray = Array.isArray, getProto = Object.getPrototypeOf, objectProto = Object.prototype;
  var ownKeys = Object.keys, ownNames = Object.getOwnPropertyNames, ownDesc = Object.getOwnPropertyDescriptor;
  var define = Object.defineProperty, freeze = Object.freeze, isFiniteNumber = Number.isFinite;
  var PromiseCtor = Promise, promiseThen = Promise.prototype.then, call = Function.prototype.call;
  var apply = Reflect.apply, SetCtor = Set, WeakSetCtor = WeakSet, StringCtor = String;
  var CODE = /^[A-Z][A-Z0-9_]{2,63}$/;
  var MAX_MESSAGE = 1024;
  var ownErrors = new WeakSetCtor();

  function codedError(code, message) {
    var e = new Error(message);
    e.name = 'BsnRuntimeError';
    e.code = code;
    ownErrors.add(e);
    return e;
  }

  function forbidden(name) { host.forbidden(name); throw codedError('BSN_CONTRACT_FORBIDDEN_API', name + ' is not available to contracts'); }
  function stub(name) { return function () { return forbidden(name); }; }

  // Absent names would only give a ReferenceError; throwing accessors name the API instead.
  for (var i = 0; i < forbiddenGlobals.length; i++) {
    (function (name) {
      define(g, name, { get: function () { return forbidden(name); }, set: function () { return forbidden(name); }, configurable: false, enumerable: false });
    })(forbiddenGlobals[i]);
  }
  define(Math, 'random', { value: stub('Math.random'), writable: false, configurable: false });
  define(g, 'eval', { value: stub('eval'), writable: false, configurable: false });
  // The Function constructors compile new code from strings; keep their prototypes so instanceof works.
  var fnProtos = [
    [Function.prototype, 'Function'],
    [getProto(function* () {}), 'GeneratorFunction'],
    [getProto(async function () {}), 'AsyncFunction'],
    [getProto(async function* () {}), 'AsyncGeneratorFunction'],
  ];
  for (var j = 0; j < fnProtos.length; j++) {
    var replacement = stub(fnProtos[j][1]);
    define(replacement, 'prototype', { value: fnProtos[j][0], writable: false });
    define(fnProtos[j][0], 'constructor', { value: replacement, writable: false, configurable: false });
    if (fnProtos[j][1] === 'Function') define(g, 'Function', { value: replacement, writable: false, configurable: false });
  }
  var noop = function () {};
  define(g, 'console', { value: freeze({ log: noop, info: noop, warn: noop, error: noop, debug: noop }), writable: false, configurable: false });

  // Valid data (the usual case) is walked without the path strings and cycle set that only serve
  // to name a problem, and without a closure or set per value checked. quick walks a container at
  // the given depth (its own 2 already counted in size) and returns the running lower bound of the
  // encoded size (UTF-16 units never outnumber UTF-8 bytes), or -1 as soon as something in it is
  // not JSON data, the bound passes limit, or nesting goes deeper than this walk goes. The bound:
  // null and booleans 4, a number 1, a string its length + 2, a container 2, plus 1 per array
  // element and key length + 4 per object member. Members that are not containers are measured in
  // the loop, as a call each would cost more than the check. It keeps no state outside its
  // arguments, so a getter that checks a value of its own while being walked cannot disturb it.
  function quick(v, depth, size, limit) {
    if (depth > 64) return -1;
    var x, t;
    if (isArray(v)) {
      for (var k = 0; k < v.length; k++) {
        x = v[k];
        t = typeof x;
        if (t === 'string') size += x.length + 3;
        else if (t === 'number') {
          if (!isFiniteNumber(x)) return -1;
          size += 2;
        } else if (x === null || t === 'boolean') size += 5;
        else if (t !== 'object' || (size = quick(x, depth + 1, size + 3, limit)) < 0) return -1;
        if (size > limit) return -1;
      }
    } else {
      var proto = getProto(v);
      if (proto !== objectProto && proto !== null) return -1;
      var keys = ownKeys(v);
      for (var n = 0; n < keys.length; n++) {
        x = v[keys[n]];
        t = typeof x;
        if (t === 'string') size += keys[n].length + x.length + 6;
        else if (t === 'number') {
          if (!isFiniteNumber(x)) return -1;
          size += keys[n].length + 5;
        } else if (x === null || t === 'boolean') size += keys[n].length + 8;
        else if (t === 'undefined') continue;
        else if (t !== 'object' || (size = quick(x, depth + 1, size + keys[n].length + 6, limit)) < 0) return -1;
        if (size > limit) return -1;
      }
    }
    return size;
  }

  // Walks a value quick refused, naming the first problem (with its path) or the size limit passed.
  function check(value, code, what, limit, tooLargeCode) {
    var seen = new SetCtor();
    var size = 0;
    function grow(n) {
      size += n;
      if (size > limit) throw codedError(tooLargeCode, what + ' is more than the limit of ' + limit + ' bytes');
    }
    function walk(v, path) {
      if (v === null) return grow(4);
      var t = typeof v;
      if (t === 'boolean') return grow(4);
      if (t === 'string') return grow(v.length + 2);
      if (t === 'number') {
        if (!isFiniteNumber(v)) throw codedError(code, what + ' is not JSON data: ' + StringCtor(v) + ' at ' + path);
        return grow(1);
      }
      if (t !== 'object') throw codedError(code, what + ' is not JSON data: a ' + t + ' at ' + path);
      if (seen.has(v)) throw codedError(code, what + ' is not JSON data: a cycle at ' + path);
      seen.add(v);
      grow(2);
      if (isArray(v)) {
        for (var k = 0; k < v.length; k++) {
          if (v[k] === undefined) throw codedError(code, what + ' is not JSON data: undefined at ' + path + '[' + k + ']');
          walk(v[k], path + '[' + k + ']');
          grow(1);
        }
      } else {
        var proto = getProto(v);
        if (proto !== objectProto && proto !== null) throw codedError(code, what + ' is not JSON data: a class instance at ' + path);
        var keys = ownKeys(v);
        for (var n = 0; n < keys.length; n++) {
          var item = v[keys[n]];
          if (item !== undefined) {
            grow(keys[n].length + 4);
            walk(item, path + '.' + keys[n]);
          }
        }
      }
      seen.delete(v);
    }
    walk(value, '$');
  }

  // Checks that value is JSON data and returns its JSON text. The size bound lets a value far over
  // its limit be refused before JSON.stringify would spend memory on it; the host measures exactly
  // afterwards. Anything quick refuses is walked again by check, which throws what it finds.
  function toJson(value, code, what, limit, tooLargeCode) {
    var t = typeof value;
    var fast =
      t === 'string' ? value.length + 2 <= limit
      : t === 'number' ? isFiniteNumber(value) && 1 <= limit
      : value === null || t === 'boolean' ? 4 <= limit
      : t === 'object' && 2 <= limit && quick(value, 0, 2, limit) >= 0;
    if (!fast) check(value, code, what, limit, tooLargeCode);
    return JSONstringify(value);
  }

  function deepFreeze(v) {
    if (v !== null && typeof v === 'object') {
      var keys = ownKeys(v);
      for (var n = 0; n < keys.length; n++) deepFreeze(v[keys[n]]);
      freeze(v);
    }
    return v;
  }

  // Strings cross to the host JSON-encoded: the boundary passes C strings, which would end at a U+0000.
  // A method usually names the same key twice (read, then write) and an event by a constant name,
  // and comparing strings is cheaper than encoding one: the last key and name encoded are kept.
  var lastKey = '', lastKeyJson = '""', lastName = '', lastNameJson = '""';
  function requireKey(key, what) {
    if (typeof key !== 'string') throw codedError('BSN_CONTRACT_INVALID_VALUE', what + ' must be a string, got ' + (key === null ? 'null' : typeof key));
    if (key !== lastKey) {
      lastKeyJson = JSONstringify(key);
      lastKey = key;
    }
    return lastKeyJson;
  }

  // Writes and events are queued here and handed to the host in one crossing (each crossing costs
  // far more than the work it carries): before any read, at the end of the call (with the outcome),
  // and whenever the queue grows past a few dozen operations, so the host still charges gas and
  // enforces its limits in the order the contract made them. A read-only call sends each at once,
  // so the refusal surfaces where it happened. Entries are "<kind><length>:<json>…" (lengths in
  // UTF-16 units, the same on both sides) so no value is re-encoded to build the queue.
  var pending = '';
  var pendingCount = 0;
  var readOnly = false;
  var MAX_PENDING = 32, MAX_PENDING_CHARS = 65536;

  function flush() {
    if (pendingCount !== 0) {
      var ops = pending;
      pending = '';
      pendingCount = 0;
      host.apply(ops);
    }
  }

  function queue(op) {
    pending += op;
    pendingCount++;
    if (readOnly || pendingCount >= MAX_PENDING || pending.length >= MAX_PENDING_CHARS) flush();
  }

  function field(json) { return json.length + ':' + json; }

  var state = freeze({
    get: function get(key) {
      var k = requireKey(key, 'ctx.state.get: key');
      flush();
      var json = host.get(k);
      return json === null ? null : JSONparse(json);
    },
    put: function put(key, value) {
      var k = requireKey(key, 'ctx.state.put: key');
      if (value === undefined) throw codedError('BSN_CONTRACT_INVALID_VALUE', 'ctx.state.put: value is undefined (use ctx.state.del to delete)');
      queue('p' + field(k) + field(toJson(value, 'BSN_CONTRACT_INVALID_VALUE', 'ctx.state.put: value', limits.value, 'BSN_CONTRACT_VALUE_TOO_LARGE')));
    },
    del: function del(key) { queue('d' + field(requireKey(key, 'ctx.state.del: key'))); },
    range: function range(start, end, limit) {
      var s = requireKey(start, 'ctx.state.range: start');
      var e = end === undefined || end === null ? undefined : requireKey(end, 'ctx.state.range: end');
      if (limit !== undefined && (typeof limit !== 'number' || !(limit >= 1) || limit % 1 !== 0)) {
        throw codedError('BSN_CONTRACT_INVALID_VALUE', 'ctx.state.range: limit must be a positive integer');
      }
      flush();
      return JSONparse(host.range(s, e, limit));
    },
  });

  function emit(name, data) {
    if (typeof name !== 'string' || name.length === 0) throw codedError('BSN_CONTRACT_INVALID_VALUE', 'ctx.emit: name must be a non-empty string');
    if (name !== lastName) {
      lastNameJson = JSONstringify(name);
      lastName = name;
    }
    queue('e' + field(lastNameJson) + field(toJson(data === undefined ? null : data, 'BSN_CONTRACT_INVALID_VALUE', 'ctx.emit: data', limits.event, 'BSN_CONTRACT_EVENT_TOO_LARGE')));
  }

  function messageOf(e) {
    var m;
    try {
      m = e !== null && typeof e === 'object' && typeof e.message === 'string' ? e.message : StringCtor(e);
    } catch (_) {
      m = 'a value that cannot be shown';
    }
    return m.length > MAX_MESSAGE ? m.slice(0, MAX_MESSAGE) + '…' : m;
  }

  function failure(e) {
    var code = 'BSN_CONTRACT_THREW';
    var message = messageOf(e);
    if (e !== null && typeof e === 'object') {
      if (ownErrors.has(e)) code = e.code;
      else if (e.name === 'InternalError' && message === 'out of memory') code = 'BSN_CONTRACT_OUT_OF_MEMORY';
      else if (e.name === 'InternalError' && message === 'stack overflow') code = 'BSN_CONTRACT_STACK_OVERFLOW';
      else if (e.name === 'ContractError') {
        var c = e.code;
        if (typeof c === 'string' && CODE.test(c) && c.slice(0, 4) !== 'BSN_') code = c;
        else message = 'ContractError with invalid code ' + JSONstringify(StringCtor(c)) + ' (codes match /^[A-Z][A-Z0-9_]{2,63}$/ and must not start with BSN_): ' + message;
      }
    } else if (e === null) {
      code = 'BSN_CONTRACT_OUT_OF_MEMORY';
      message = 'out of memory';
    }
    return 'E' + JSONstringify([code, message]);
  }

  function success(result) {
    try {
      return 'R' + toJson(result === undefined ? null : result, 'BSN_CONTRACT_INVALID_RESULT', 'the result', limits.result, 'BSN_CONTRACT_RESULT_TOO_LARGE');
    } catch (e) {
      return failure(e);
    }
  }

  var target = null;
  var methods = null;
  var settled = 'P';

  function bind(contract) {
    if (target !== null) throw codedError('BSN_CONTRACT_FORBIDDEN_API', '__bsnBind is internal to the runtime');
    if (contract === null || typeof contract !== 'object') {
      throw codedError('BSN_CONTRACT_LOAD_FAILED', typeof contract === 'function'
        ? 'the default export is a function or class; export an object or an instance (export default new MyContract())'
        : 'the module has no default export object (export default { method(ctx, ...args) {…} })');
    }
    var found = Object.create(null);
    var names = [];
    for (var o = contract; o !== null && o !== objectProto; o = getProto(o)) {
      var own = ownNames(o);
      for (var n = 0; n < own.length; n++) {
        var name = own[n];
        if (name === 'constructor' || name.charAt(0) === '_' || name in found) continue;
        var d = ownDesc(o, name);
        if (d && typeof d.value === 'function') { found[name] = d.value; names.push(name); }
      }
    }
    if (names.length === 0) throw codedError('BSN_CONTRACT_LOAD_FAILED', 'the default export has no public methods');
    names.sort();
    target = contract;
    methods = found;
    return JSONstringify(names);
  }

  // Prefixes an outcome with the operations still queued: "W<length>:<ops>" then the outcome.
  function withPending(outcome) {
    if (pendingCount === 0) return outcome;
    var ops = pending;
    pending = '';
    pendingCount = 0;
    return 'W' + field(ops) + outcome;
  }

  // The callers of this sandbox's calls, deep-frozen, by the slot the host gave each (see Sandbox):
  // a block's transactions come from a few signers, so most calls name a caller already here.
  var callers = [];

  // input: [method, [0, ...args], tx, readOnly, callerSlot] and, when the host has not yet sent the
  // caller in that slot (or sent another there since), the caller itself. The 0 holds the place of
  // ctx in the method's arguments. The tx is either its five fields in order, [id, chain, height,
  // time, index] (the usual shape, cheaper to parse), or the tx object itself. A caller object may
  // be shared by calls of the same signer: it is frozen, so no call can change what another sees.
  function invoke(input) {
    var call = JSONparse(input);
    pending = '';
    pendingCount = 0;
    readOnly = call[3] === 1;
    if (call.length > 5) callers[call[4]] = deepFreeze(call[5]);
    var caller = callers[call[4]];
    var fn = methods[call[0]];
    var t = call[2];
    // The usual tx is flat (strings and numbers), so freezing it is freezing it deeply; a tx of
    // another shape is not known to be flat.
    var tx = isArray(t) ? freeze({ id: t[0], chain: t[1], height: t[2], time: t[3], index: t[4] }) : deepFreeze(t);
    var args = call[1];
    args[0] = freeze({ state: state, emit: emit, caller: caller, tx: tx });
    var result;
    try {
      result = apply(fn, target, args);
    } catch (e) {
      return withPending(failure(e));
    }
    if (result !== null && typeof result === 'object' && result instanceof PromiseCtor) {
      settled = 'P';
      apply(promiseThen, result, [function (v) { settled = success(v); }, function (e) { settled = failure(e); }]);
      return withPending('A');
    }
    return withPending(success(result));
  }

  function take() { var s = settled; settled = 'P'; return withPending(s); }

  define(g, '__bsnBind', { value: bind });
  define(g, '__bsnInvoke', { value: invoke });
  define(g, '__bsnTake', { value: take });
})(globalThis.${HOST_GLOBAL}, ${JSON.stringify(FORBIDDEN_GLOBALS)}, globalThis.${HOST_GLOBAL}.limits);
delete globalThis.${HOST_GLOBAL};
`;
