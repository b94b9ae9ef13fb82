/**
 * The prelude's JSON-data check, for a state value, event data and a result alike: valid data
 * crosses as it is; anything else fails with the site's code and a message naming the first
 * problem and where it is (these messages are part of the runtime's behaviour: keep them exact).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { ContractInstance } from '@bsn/ledger';
import { createJsRuntime } from '@bsn/runtime-js';
import { fixtureCode, invocation } from '../fixtures.js';
import { MemoryHost } from '../memory-host.js';

let instance: ContractInstance;

before(async () => {
  const runtime = await createJsRuntime();
  instance = runtime.instantiate(await fixtureCode('json-values-contract.ts', 'json'));
});

const SITES = {
  put: {
    code: 'BSN_CONTRACT_INVALID_VALUE',
    what: 'ctx.state.put: value',
    tooLarge: 'BSN_CONTRACT_VALUE_TOO_LARGE',
  },
  emit: {
    code: 'BSN_CONTRACT_INVALID_VALUE',
    what: 'ctx.emit: data',
    tooLarge: 'BSN_CONTRACT_EVENT_TOO_LARGE',
  },
  return: {
    code: 'BSN_CONTRACT_INVALID_RESULT',
    what: 'the result',
    tooLarge: 'BSN_CONTRACT_RESULT_TOO_LARGE',
  },
} as const;

/** Each refused kind and the problem its message names ("too large" for the size limit). */
const REFUSED: [kind: string, problem: string][] = [
  ['nestedNaN', 'NaN at $.a[1].b'],
  ['infinity', 'Infinity at $[0]'],
  ['undefinedInArray', 'undefined at $.list[1]'],
  ['hole', 'undefined at $[1]'],
  ['functionMember', 'a function at $.a.f'],
  ['symbol', 'a symbol at $.s'],
  ['classInstance', 'a class instance at $.p[0]'],
  ['map', 'a class instance at $'],
  ['cycle', 'a cycle at $.a.b[0]'],
  ['deepNaN', `NaN at $${'.d'.repeat(70)}`],
  ['ownToJSON', 'a function at $.a.toJSON'],
  ['bigString', 'too large'],
  ['manySmall', 'too large'],
  // The size limit is met before the NaN after it.
  ['badAfterTooLarge', 'too large'],
];

function send(where: keyof typeof SITES, kind: string) {
  const host = new MemoryHost();
  return { host, result: host.execute(instance, invocation('send', [where, kind])) };
}

/** What reached the host from a successful `send`: the stored value, the event's data or the result. */
function received(where: keyof typeof SITES, { host, result }: ReturnType<typeof send>): unknown {
  if (where === 'put') return host.committed.get('v');
  if (where === 'emit') return host.committedEvents[0]?.data;
  return result.ok && result.result;
}

describe('values crossing to the host must be JSON data', () => {
  for (const where of Object.keys(SITES) as (keyof typeof SITES)[]) {
    const site = SITES[where];
    test(`${where}: each refused value fails with the site's code and names its first problem`, () => {
      for (const [kind, problem] of REFUSED) {
        const { result } = send(where, kind);
        const expected =
          problem === 'too large'
            ? { code: site.tooLarge, message: `${site.what} is more than the limit of 65536 bytes` }
            : { code: site.code, message: `${site.what} is not JSON data: ${problem}` };
        assert.deepEqual(result.ok ? result : { code: result.code, message: result.message }, expected, kind);
      }
    });

    test(`${where}: valid data crosses as it is, undefined members omitted`, () => {
      const plain = { id: 'a1', n: 1.5, ok: true, none: null, list: [1, 'two', { three: [3] }] };
      const deep = (n: number): unknown => (n === 0 ? 'leaf' : { d: deep(n - 1) });
      for (const [kind, expected] of [
        ['plain', plain],
        ['nullProto', { o: { a: 1 } }],
        // Deeper than the fast walk goes: the precise walk accepts it.
        ['deepValid', deep(100)],
      ] as const) {
        const sent = send(where, kind);
        assert.equal(sent.result.ok, true, kind);
        assert.deepEqual(received(where, sent), expected, kind);
      }
    });
  }

  test('the prelude refuses a value as soon as its size bound passes the limit, not before', async () => {
    // The bound: null and booleans 4, a number 1, a string its length + 2, a container 2, plus 1 per
    // array element and key length + 4 per object member (undefined members not counted).
    const limit = 40;
    const small = (await createJsRuntime({ maxValueBytes: limit })).instantiate(
      await fixtureCode('json-values-contract.ts', 'json'),
    );
    const shapes: [bound: (n: number) => number, make: (n: number) => unknown][] = [
      [(n) => n + 2, (n) => 'x'.repeat(n)],
      [(n) => 2 + 5 + n + 2, (n) => ({ k: 'x'.repeat(n), u: undefined })],
      [(n) => 2 + (1 + n + 2) + (1 + 1) + (1 + 4) + (1 + 4), (n) => ['x'.repeat(n), 7, null, true]],
      [(n) => 2 + 5 + 2 + 1 + 2 + 6 + n + 2, (n) => ({ a: [{ bb: 'x'.repeat(n) }] })],
    ];
    for (const [bound, make] of shapes) {
      let n = 0;
      while (bound(n) < limit) n++;
      const host = new MemoryHost();
      const fits = host.execute(small, invocation('store', [make(n) as never]));
      assert.equal(fits.ok, true, `${JSON.stringify(make(n))} bound ${bound(n)}: ${JSON.stringify(fits)}`);
      const over = host.execute(small, invocation('store', [make(n + 1) as never]));
      assert.deepEqual(over.ok ? over : { code: over.code, message: over.message }, {
        code: 'BSN_CONTRACT_VALUE_TOO_LARGE',
        message: `ctx.state.put: value is more than the limit of ${limit} bytes`,
      });
    }
    small.dispose();
  });

  test('text crosses both ways intact: non-ASCII, astral characters, U+0000, escapes', () => {
    const texts = [
      'plain',
      'héllo wörld',
      '中文',
      '😀 emoji',
      'nul\u0000inside',
      'quote " backslash \\ tab \t',
      '',
    ];
    for (const text of texts) {
      const host = new MemoryHost();
      const value = { text, list: [text], [text]: 1 };
      const result = host.execute(instance, invocation('roundTrip', [`k:${text}`, value]));
      assert.deepEqual(result.ok && result.result, [`k:${text}`, value], JSON.stringify(text));
      assert.deepEqual(host.committed.get(`k:${text}`), value, JSON.stringify(text));
    }
  });

  test('a getter that sends a value of its own while its object is checked disturbs neither check', () => {
    for (const where of Object.keys(SITES) as (keyof typeof SITES)[]) {
      const sent = send(where, 'getterWrites');
      assert.equal(sent.result.ok, true, where);
      assert.deepEqual(sent.host.committed.get('from-getter'), { nested: [1, 2, 3] }, where);
      assert.deepEqual(received(where, sent), { after: 'x', inner: { ok: 1 } }, where);
    }
  });
});
