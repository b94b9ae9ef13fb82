import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import {
  canonicalDecode,
  canonicalEncode,
  canonicalString,
  hasLoneSurrogate,
  isBsnError,
  isPlainObject,
  type JsonValue,
  MAX_ENCODING_DEPTH,
  toHex,
  utf8,
  wellFormed,
} from '@bsn/core';
import fc from 'fast-check';

// The package is CommonJS whose typings declare an ES default export; require gives the function itself.
const canonicalize = createRequire(import.meta.url)('canonicalize') as (value: unknown) => string;

const invalid = (e: unknown) => isBsnError(e, 'BSN_ENCODING_INVALID');
const atPath = (path: string) => (e: unknown) =>
  invalid(e) && (e as { details: Record<string, unknown> }).details['path'] === path;

describe('canonical encoding: RFC 8785 published vectors', () => {
  it('§3.2.2: serialises the sample with numbers, escapes and literals', () => {
    // The input is the RFC's JSON text, parsed as any JSON stack would.
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        '"literals":[null,true,false]}',
    );
    const expected =
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
      '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}';
    assert.equal(canonicalString(input), expected);
    // §3.2.4: the UTF-8 bytes of the result, as printed in the RFC.
    const rfcBytes = `
      7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72
      75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a
      5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31
      65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37
      5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30
      30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d`;
    assert.equal(toHex(canonicalEncode(input)), rfcBytes.replace(/\s+/g, ''));
  });

  it('§3.2.3: sorts members by the UTF-16 code units of their names', () => {
    const input = JSON.parse(`{
      "\\u20ac": "Euro Sign",
      "\\r": "Carriage Return",
      "\\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\\ud83d\\ude00": "Emoji: Grinning Face",
      "\\u0080": "Control",
      "\\u00f6": "Latin Small Letter O With Diaeresis"
    }`);
    // Read the order from the text: JS objects list integer-like keys ("1") first, whatever the text says.
    const values = [...canonicalString(input).matchAll(/:"([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(values, [
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ]);
    assert.ok(canonicalString(input).startsWith('{"\\r":"Carriage Return","1":"One","\u0080":"Control"'));
  });

  it('Appendix B: serialises IEEE-754 doubles as ECMAScript Number-to-String does', () => {
    const vectors: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, text] of vectors) {
      const n = Buffer.from(bits, 'hex').readDoubleBE(0);
      assert.equal(canonicalString(n), text, bits);
    }
  });

  it('Appendix B: NaN and Infinity are errors', () => {
    for (const bits of ['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000']) {
      const n = Buffer.from(bits, 'hex').readDoubleBE(0);
      assert.throws(() => canonicalString(n), invalid, bits);
    }
  });
});

describe('canonical encoding: rules', () => {
  it('removes white space, omits undefined members and sorts nested objects', () => {
    assert.equal(
      canonicalString({ b: [1, { d: 1, c: 2 }], a: undefined, c: 'x' }),
      '{"b":[1,{"c":2,"d":1}],"c":"x"}',
    );
  });

  it('sorts by UTF-16 code units, not by code points', () => {
    // U+FFFF sorts after U+1F600 by code point, but its single unit 0xFFFF is above the surrogate 0xD83D.
    assert.equal(canonicalString({ '\uffff': 1, '😀': 2 }), '{"😀":2,"\uffff":1}');
  });

  it('escapes control characters in lower-case hex and leaves other text as UTF-8', () => {
    assert.equal(
      canonicalString('\u0000\u001f\b\t\n\f\r"\\\u007f/é'),
      '"\\u0000\\u001f\\b\\t\\n\\f\\r\\"\\\\\u007f/é"',
    );
  });

  it('encodes the empty containers and top-level scalars', () => {
    assert.equal(canonicalString({}), '{}');
    assert.equal(canonicalString([]), '[]');
    assert.equal(canonicalString(null), 'null');
    assert.equal(canonicalString(true), 'true');
    assert.equal(canonicalString(''), '""');
  });

  it('accepts objects with a null prototype', () => {
    const o = Object.create(null) as Record<string, unknown>;
    o['z'] = 1;
    o['a'] = 2;
    assert.equal(canonicalString(o), '{"a":2,"z":1}');
  });

  it('encodes long strings that need escaping the same on every call (they are remembered)', () => {
    const pem = `-----BEGIN CERTIFICATE-----\n${'QUJD'.repeat(16).concat('\n').repeat(12)}-----END CERTIFICATE-----\n`;
    const texts = [pem, `"${'é\\'.repeat(200)}"`, `${'\u0001'.repeat(300)}😀`];
    // More distinct long strings than are remembered, so earlier ones are forgotten and quoted again.
    for (let i = 0; i < 300; i++) texts.push(`${i}\n${'x'.repeat(300)}`);
    for (let round = 0; round < 3; round++) {
      for (const t of texts) {
        assert.equal(canonicalString(t), JSON.stringify(t));
        assert.equal(canonicalString({ signer: t }), `{"signer":${JSON.stringify(t)}}`);
      }
    }
    const lone = `${'\n'.repeat(300)}\ud800`;
    for (let round = 0; round < 2; round++) assert.throws(() => canonicalString(lone), invalid);
  });

  it('accepts the same object twice when it is shared, not cyclic', () => {
    const shared = { x: 1 };
    assert.equal(canonicalString({ a: shared, b: [shared] }), '{"a":{"x":1},"b":[{"x":1}]}');
  });
});

describe('canonical encoding: rejections', () => {
  const cases: [string, () => unknown][] = [
    ['NaN', () => Number.NaN],
    ['Infinity', () => Number.POSITIVE_INFINITY],
    ['-Infinity inside an array', () => [1, Number.NEGATIVE_INFINITY]],
    ['bigint', () => ({ n: 1n })],
    ['a function', () => ({ f: () => 1 })],
    ['a symbol', () => [Symbol('s')]],
    ['undefined at top level', () => undefined],
    ['an undefined array item', () => [1, undefined, 2]],
    [
      'an array hole',
      () => {
        const holey: number[] = [];
        holey[2] = 2;
        return holey;
      },
    ],
    ['a Date', () => ({ at: new Date(0) })],
    ['a Map', () => new Map([['a', 1]])],
    ['a Uint8Array', () => ({ b: new Uint8Array([1]) })],
    [
      'a class instance',
      () =>
        new (class Point {
          x = 1;
        })(),
    ],
    ['a boxed string', () => ({ s: new String('x') })],
    ['a lone high surrogate', () => 'a\ud800'],
    ['a lone low surrogate in a member name', () => ({ '\udc00': 1 })],
  ];
  for (const [name, make] of cases) {
    it(`rejects ${name} with BSN_ENCODING_INVALID`, () => {
      assert.throws(() => canonicalEncode(make()), invalid);
    });
  }

  it('rejects a cycle and names where it was found', () => {
    const a: Record<string, unknown> = { x: { y: [] as unknown[] } };
    (a['x'] as { y: unknown[] }).y.push(a);
    assert.throws(
      () => canonicalEncode(a),
      (e) => atPath('$.x.y[0]')(e) && /cyclic/.test((e as Error).message),
    );
  });

  it('names the path of the offending value', () => {
    assert.throws(() => canonicalEncode({ a: [{ b: Number.NaN }] }), atPath('$.a[0].b'));
  });

  it(`encodes ${MAX_ENCODING_DEPTH} nested arrays and objects, and refuses one more wherever it is`, () => {
    const nest = (levels: number, leaf: JsonValue = 0): JsonValue => {
      let v = leaf;
      for (let i = 0; i < levels; i++) v = i % 2 === 0 ? [v] : { k: v };
      return v;
    };
    const deepest = nest(MAX_ENCODING_DEPTH);
    assert.deepEqual(canonicalDecode(canonicalEncode(deepest)), deepest);
    // Thousands of levels (what used to overflow JSON.stringify's stack at one depth and not another).
    for (const levels of [MAX_ENCODING_DEPTH + 1, 5000]) {
      assert.throws(
        () => canonicalEncode(nest(levels)),
        (e) => invalid(e) && /nesting deeper than 128/.test((e as Error).message),
      );
    }
    // An empty container counts too, and canonicalDecode refuses what encode refuses.
    assert.throws(() => canonicalEncode(nest(MAX_ENCODING_DEPTH, [])), invalid);
    assert.throws(() => canonicalDecode(utf8(JSON.stringify(nest(MAX_ENCODING_DEPTH + 1)))), invalid);
  });
});

describe('well-formed text', () => {
  it('finds unpaired surrogates and replaces each with U+FFFD, leaving pairs alone', () => {
    assert.equal(hasLoneSurrogate('a😀b'), false);
    assert.equal(hasLoneSurrogate('a\ud83d'), true);
    assert.equal(hasLoneSurrogate('\ude00a'), true);
    assert.equal(wellFormed('😀'.slice(0, 1) + 'x😀\udc00'), '\ufffdx😀\ufffd');
    assert.equal(wellFormed('plain'), 'plain');
  });

  it('always gives text canonical encoding accepts, unchanged when it already was', () => {
    fc.assert(
      // Any UTF-16 code units, so lone surrogates (a few per hundred strings) come up.
      fc.property(
        fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
        (s) => {
          const text = wellFormed(s);
          assert.equal(hasLoneSurrogate(text), false);
          assert.equal(text.length, s.length);
          canonicalString(text);
          if (!hasLoneSurrogate(s)) assert.equal(text, s);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('canonicalDecode', () => {
  it('decodes canonical input', () => {
    assert.deepEqual(canonicalDecode(utf8('{"a":[1,"x",null,true],"b":{}}')), {
      a: [1, 'x', null, true],
      b: {},
    });
  });

  const nonCanonical = [
    '{"b":1,"a":2}',
    '{ "a":1}',
    '{"a":1}\n',
    '[1, 2]',
    '1.0',
    '1E3',
    '-0',
    '"\\u0041"',
    '"\\u00e9"',
    '"\\/"',
    '{"a":1,"a":1}',
    '9007199254740993',
    '0.1000',
    '"\\u001F"',
  ];
  for (const text of nonCanonical) {
    it(`rejects non-canonical ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => canonicalDecode(utf8(text)),
        (e) => invalid(e) && /canonical/.test((e as Error).message),
      );
    });
  }

  it('rejects input that is not JSON', () => {
    for (const text of ['', '{', 'undefined', "{'a':1}", 'NaN', '[1,]']) {
      assert.throws(
        () => canonicalDecode(utf8(text)),
        (e) => invalid(e) && /not valid JSON/.test((e as Error).message),
      );
    }
  });

  it('rejects bytes that are not UTF-8', () => {
    for (const bytes of [
      [0x22, 0xff, 0x22],
      [0x22, 0xc3, 0x22],
      [0x22, 0xed, 0xa0, 0x80, 0x22],
    ]) {
      assert.throws(
        () => canonicalDecode(new Uint8Array(bytes)),
        (e) => invalid(e) && /UTF-8/.test((e as Error).message),
      );
    }
  });

  it('rejects an escaped lone surrogate', () => {
    assert.throws(() => canonicalDecode(utf8('"\\ud800"')), invalid);
  });
});

describe('canonical encoding: properties', () => {
  // fast-check's JSON values are what JSON.parse can produce; -0 is normalised since JSON carries it as 0.
  const json = fc.jsonValue({ stringUnit: 'grapheme' });

  it('decode(encode(v)) gives v back (as JSON sees it) and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(json, (v) => {
        const bytes = canonicalEncode(v);
        const back = canonicalDecode(bytes);
        assert.deepEqual(back, JSON.parse(JSON.stringify(v)));
        assert.deepEqual(canonicalEncode(back), bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('is independent of member insertion order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        assert.equal(canonicalString(reversed), canonicalString(obj));
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with an independent RFC 8785 implementation (npm canonicalize)', () => {
    fc.assert(
      fc.property(json, (v) => {
        assert.equal(canonicalString(v), canonicalize(v));
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with npm canonicalize on strings and names full of characters JSON escapes', () => {
    const tricky = fc.string({
      unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\u2028', 'a', 'é', '😀'),
    });
    fc.assert(
      fc.property(fc.dictionary(tricky, fc.oneof(tricky, fc.array(tricky))), (v) => {
        assert.equal(canonicalString(v), canonicalize(v));
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with npm canonicalize on member names of any length and order, few members or many', () => {
    // short names over a small alphabet collide on prefixes ("a" < "aa" < "ab"); astral and BMP
    // characters above the surrogates test code-unit order; 0..40 members cross the sort switch-over
    const name = fc.string({
      unit: fc.constantFrom('a', 'b', 'B', '_', '0', '\uffff', '😀', 'é'),
      maxLength: 4,
    });
    fc.assert(
      fc.property(fc.dictionary(name, fc.integer(), { maxKeys: 40 }), (v) => {
        assert.equal(canonicalString(v), canonicalize(v));
      }),
      { numRuns: 500 },
    );
  });

  it('encodes values nested deeper than its fast path the same way (and still finds a deep cycle)', () => {
    let deep: JsonValue = ['leaf', { b: 1, a: 2 }];
    for (let i = 0; i < 100; i++) deep = i % 2 ? [deep] : { z: deep, y: i };
    assert.equal(canonicalString(deep), canonicalize(deep));
    const cyclic: Record<string, unknown> = {};
    let at = cyclic;
    for (let i = 0; i < 100; i++) {
      const next: Record<string, unknown> = {};
      at.next = next;
      at = next;
    }
    at.next = cyclic;
    assert.throws(
      () => canonicalString(cyclic),
      (e) => invalid(e) && /cyclic/.test((e as Error).message),
    );
  });

  it('is valid JSON that parses to the same value', () => {
    fc.assert(
      fc.property(json, (v) => {
        assert.deepEqual(JSON.parse(canonicalString(v)), JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 200 },
    );
  });

  it('isPlainObject: what canonical encoding accepts as an object, and nothing else', () => {
    for (const v of [{}, { a: 1 }, JSON.parse('{"__proto__":1}'), Object.create(null)]) {
      assert.equal(isPlainObject(v), true);
    }
    class Point {
      x = 1;
    }
    for (const v of [null, undefined, 1, 'x', [], [1], new Point(), new Date(0), new Map()]) {
      assert.equal(isPlainObject(v), false, String(v));
    }
  });
});
