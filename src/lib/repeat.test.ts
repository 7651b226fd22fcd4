import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manualClock } from './clock.js';
import { repeat } from './repeat.js';

/** Lets the promise callbacks queued so far run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('repeat', () => {
  it('never runs two rounds at once, and stop waits for the round in progress', async () => {
    const clock = manualClock();
    let running = 0;
    let most = 0;
    let rounds = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const repeater = repeat(clock, 5, async () => {
      most = Math.max(most, ++running);
      rounds++;
      await gate;
      running--;
    });

    const first = repeater.round();
    const same = repeater.round();
    clock.advance(40); // eight intervals pass while the round hangs
    await settle();
    const stopped = repeater.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await settle();
    assert.equal(done, false, 'stop waits for the round');
    release();
    await Promise.all([first, same, stopped]);

    assert.deepEqual([rounds, most], [1, 1]);
    assert.equal(clock.pending(), 0, 'no timer is left once stopped');
  });

  it('goes on after a failing round, once an interval', async () => {
    const clock = manualClock();
    let calls = 0;
    const repeater = repeat(clock, 5, async () => {
      calls++;
      throw new Error('boom');
    });
    await assert.rejects(repeater.round(), /boom/);
    for (let i = 0; i < 3; i++) {
      clock.advance(5);
      await settle();
    }
    await repeater.stop();
    assert.equal(calls, 4);
  });
});
