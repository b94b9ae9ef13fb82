import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isBsnError } from '@bsn/core';
import { distinctReads, MAX_PROVEN_READS } from '../../src/gateway.js';

test('a proven query proves each key it read once, in first-read order', () => {
  const reads = [
    { contract: 'a', key: 'k1' },
    { contract: 'a', key: 'k2' },
    { contract: 'a', key: 'k1' },
    { contract: 'b', key: 'k1' },
    // Not the same key as contract "a\0k" key "1": the separator cannot occur in either part.
    { contract: 'a\u0000k', key: '1' },
  ];
  assert.deepEqual(distinctReads(reads), [
    { contract: 'a', key: 'k1' },
    { contract: 'a', key: 'k2' },
    { contract: 'b', key: 'k1' },
    { contract: 'a\u0000k', key: '1' },
  ]);
});

test(`more than ${MAX_PROVEN_READS} distinct keys is refused with BSN_GATEWAY_PROOF_TOO_LARGE; repeats do not count`, () => {
  const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ contract: 'c', key: `k${i}` }));
  assert.equal(
    distinctReads([...keys(MAX_PROVEN_READS), ...keys(MAX_PROVEN_READS)]).length,
    MAX_PROVEN_READS,
  );
  assert.throws(
    () => distinctReads(keys(MAX_PROVEN_READS + 1)),
    (err: unknown) => isBsnError(err, 'BSN_GATEWAY_PROOF_TOO_LARGE') && err.status === 422,
  );
});
