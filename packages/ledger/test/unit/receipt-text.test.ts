import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ContractEvent, canonicalString, type JsonValue, type Receipt } from '@bsn/core';
import fc from 'fast-check';
import { okReceiptText } from '../../src/receipt-text.js';

describe('okReceiptText', () => {
  // Names as contracts may choose them: any well-formed text, quotes, controls and astral characters included.
  const name = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 });
  const data = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue>;
  const event = fc.record({ contract: name, name, data });

  it('is canonicalString of the receipt, from the canonical texts of its result and event data', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9a-f]{64}$/),
        data,
        fc.array(event, { maxLength: 4 }),
        fc.nat(),
        (txId, result, events: ContractEvent[], gasUsed) => {
          const receipt: Receipt = { txId, status: 'ok', result, events, gasUsed };
          const text = okReceiptText(
            txId,
            canonicalString(result),
            events,
            events.map((e) => canonicalString(e.data)),
            gasUsed,
          );
          assert.equal(text, canonicalString(receipt));
        },
      ),
      { numRuns: 300 },
    );
  });
});
