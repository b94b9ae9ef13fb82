import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { CommittedFilter } from '../../src/committed-filter.js';

const randomId = () => randomBytes(32).toString('hex');

describe('CommittedFilter', () => {
  it('never forgets a txId it holds, and says "no" for almost every other', () => {
    const filter = new CommittedFilter(60_000, 0);
    const held = Array.from({ length: 20_000 }, (_, i) => ({ id: randomId(), expires: 1000 + i * 7 }));
    for (const { id, expires } of held) filter.add(id, expires);
    for (const { id, expires } of held) assert.equal(filter.mightContain(id, expires), true, id);
    let positives = 0;
    for (const { expires } of held) if (filter.mightContain(randomId(), expires)) positives++;
    assert.ok(positives < held.length / 100, `${positives} false positives in ${held.length}`);
  });

  it('keeps its false-positive rate when one generation gets far more txIds than its first layer holds', () => {
    const filter = new CommittedFilter(1_000_000, 0);
    const ids = Array.from({ length: 60_000 }, randomId);
    for (const id of ids) filter.add(id, 5);
    for (const id of ids) assert.equal(filter.mightContain(id, 5), true);
    let positives = 0;
    for (let i = 0; i < 20_000; i++) if (filter.mightContain(randomId(), 5)) positives++;
    assert.ok(positives < 200, `${positives} false positives in 20000`);
  });

  it('answers "maybe" for a txId sharing the probed bits, and for any expiry below the horizon', () => {
    const filter = new CommittedFilter(1000, 10_000);
    const id = randomId();
    filter.add(id, 20_000);
    // the probes come from the first 64 bits: an id agreeing there is a (forced) false positive
    assert.equal(filter.mightContain(`${id.slice(0, 16)}${randomId().slice(16)}`, 20_000), true);
    // another expiry is another generation: a different transaction, not this one
    assert.equal(filter.mightContain(id, 30_000), false);
    assert.equal(filter.mightContain(randomId(), 9_999), true, 'below the horizon: not covered');
    filter.add(randomId(), 9_999); // ignored: nothing expiring before the horizon is checked
    assert.equal(filter.generations, 1);
  });

  it('drops whole generations as the horizon passes them, so memory stays about one TTL of txIds', () => {
    const ttl = 60_000;
    const filter = new CommittedFilter(ttl / 8, 0);
    const recent: Array<{ id: string; expires: number }> = [];
    for (let time = 0; time < 20 * ttl; time += 1000) {
      for (let i = 0; i < 20; i++) {
        const tx = { id: randomId(), expires: time + ((i * 7919) % ttl) };
        filter.add(tx.id, tx.expires);
        recent.push(tx);
      }
      filter.advance(time);
      assert.ok(filter.generations <= 10, `${filter.generations} generations at ${time}`);
    }
    assert.equal(filter.horizon, 20 * ttl - 1000);
    filter.advance(5); // never backwards
    assert.equal(filter.horizon, 20 * ttl - 1000);
    for (const { id, expires } of recent) {
      if (expires >= filter.horizon) assert.equal(filter.mightContain(id, expires), true);
    }
  });

  it('refuses a span or horizon that is not a finite number, and never holds a NaN expiry', () => {
    for (const [span, horizon] of [
      [Number.NaN, 0],
      [1000, Number.NaN],
      [Number.POSITIVE_INFINITY, 0],
    ] as const) {
      assert.throws(() => new CommittedFilter(span, horizon), { code: 'BSN_INVALID_ARGUMENT' });
    }
    const filter = new CommittedFilter(1000, 0);
    filter.add(randomId(), Number.NaN);
    assert.equal(filter.generations, 0);
  });
});
