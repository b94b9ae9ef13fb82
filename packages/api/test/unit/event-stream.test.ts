import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  errorFromBody,
  errorResponse,
  formatEventId,
  isAfterCursor,
  parseEventId,
  resumeHeight,
} from '@bsn/api';
import { BsnError } from '@bsn/core';
import fc from 'fast-check';

describe('event ids', () => {
  it('round-trips event and block-marker ids', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.nat(1e6),
        fc.nat(1e6),
        fc.boolean(),
        (height, t, e, end) => {
          const cursor = end ? { height, end: true as const } : { height, txIndex: t, eventIndex: e };
          assert.deepEqual(parseEventId(formatEventId(cursor)), cursor);
        },
      ),
    );
  });

  it('rejects malformed ids with BSN_GATEWAY_BAD_REQUEST', () => {
    for (const bad of ['', '0:0:0', '1', '1:2', '01:0:0', '1:0:0:0', 'a:b:c', '1:END', '1:-1:0']) {
      assert.throws(
        () => parseEventId(bad),
        (err: unknown) => err instanceof BsnError && err.code === 'BSN_GATEWAY_BAD_REQUEST',
        bad,
      );
    }
  });

  it('orders events after a cursor exactly once: none lost, none repeated', () => {
    const events: [number, number, number][] = [];
    for (let h = 1; h <= 4; h++)
      for (let t = 0; t < 3; t++) for (let e = 0; e < 2; e++) events.push([h, t, e]);
    events.forEach(([h, t, e], i) => {
      const after = events.filter(([h2, t2, e2]) =>
        isAfterCursor({ height: h, txIndex: t, eventIndex: e }, h2, t2, e2),
      );
      assert.deepEqual(after, events.slice(i + 1));
    });
    const afterBlock2 = events.filter(([h, t, e]) => isAfterCursor({ height: 2, end: true }, h, t, e));
    assert.deepEqual(
      afterBlock2,
      events.filter(([h]) => h > 2),
    );
    assert.equal(resumeHeight({ height: 2, end: true }), 3);
    assert.equal(resumeHeight({ height: 2, txIndex: 1, eventIndex: 0 }), 2);
  });
});

describe('error wire format', () => {
  it('round-trips a BsnError through the body', () => {
    const { status, body } = errorResponse(
      new BsnError('BSN_GATEWAY_FORBIDDEN', 'role client may not call burn', { details: { method: 'burn' } }),
    );
    assert.equal(status, 403);
    const back = errorFromBody(status, body);
    assert.equal(back.code, 'BSN_GATEWAY_FORBIDDEN');
    assert.equal(back.message, 'role client may not call burn');
    assert.deepEqual(back.details, { method: 'burn', httpStatus: 403 });
  });

  it('turns a body of another shape into BSN_INTERNAL naming the status', () => {
    const e = errorFromBody(502, '<html>bad gateway</html>');
    assert.equal(e.code, 'BSN_INTERNAL');
    assert.equal(e.details.httpStatus, 502);
  });
});
