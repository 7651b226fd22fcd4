import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manualClock } from '../lib/clock.js';
import { createRejectionTally } from './rejection-tally.js';

describe('dashboard: the rejection tally', () => {
  it('counts the rejections since a time from the running total, to within one tick', async () => {
    const clock = manualClock(0);
    let total = 0;
    const tally = createRejectionTally({ total: async () => total, clock, tickMs: 60_000 });
    total = 3; // three before the first tick
    clock.set(60_000);
    await tally.tick();
    total = 5;
    clock.set(120_000);
    await tally.tick();
    total = 9;

    assert.equal(await tally.countSince(-1), 9, 'all of them, since before start-up');
    assert.equal(await tally.countSince(60_000), 6, 'since the first tick');
    assert.equal(await tally.countSince(90_000), 6, 'between ticks: from the tick before');
    assert.equal(await tally.countSince(120_000), 4, 'since the last tick');
  });

  it('forgets samples older than it keeps, but not the one that bounds the window', async () => {
    const clock = manualClock(0);
    let total = 0;
    const tally = createRejectionTally({ total: async () => total, clock, keepMs: 100_000 });
    for (let minute = 1; minute <= 10; minute++) {
      total += 1;
      clock.set(minute * 60_000);
      await tally.tick();
    }
    total += 1;

    assert.equal(
      await tally.countSince(clock.now() - 90_000),
      11 - 8,
      'the tick at 8 min (total 8) bounds the last 90 s',
    );
    assert.equal(await tally.countSince(0), 11 - 8, 'further back than it keeps, it counts from its oldest sample');
  });
});
