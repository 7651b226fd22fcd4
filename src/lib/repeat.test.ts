import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { repeat } from './repeat.js';

describe('repeat', () => {
  it('never runs two rounds at once, and stop waits for the round in progress', async () => {
    let running = 0;
    let most = 0;
    let rounds = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const repeater = repeat(5, async () => {
      most = Math.max(most, ++running);
      rounds++;
      await gate;
      running--;
    });

    const first = repeater.round();
    const same = repeater.round();
    await new Promise((resolve) => setTimeout(resolve, 40)); // several intervals pass while the round hangs
    const stopped = repeater.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(done, false, 'stop waits for the round');
    release();
    await Promise.all([first, same, stopped]);

    assert.deepEqual([rounds, most], [1, 1]);
  });

  it('goes on after a failing round', async () => {
    let calls = 0;
    const repeater = repeat(5, async () => {
      calls++;
      throw new Error('boom');
    });
    await assert.rejects(repeater.round(), /boom/);
    await new Promise((resolve) => setTimeout(resolve, 40));
    await repeater.stop();
    assert.ok(calls >= 3, `${calls} rounds`);
  });
});
