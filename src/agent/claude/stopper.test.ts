import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { createStopper } from './stopper.js';

describe("a run's stopper", () => {
  it('counts the wall clock from when the job started, not from when the run began', { timeout: 10_000 }, async () => {
    const now = Date.now();
    // A 30-minute limit of which all but 50 ms went on preparing the worktree.
    const stopper = createStopper(new AbortController().signal, 30, {
      startedAt: now - 30 * 60_000 + 50,
      now: () => now,
    });

    // The stopper's timer does not hold the process open; this does, for the test.
    const alive = setTimeout(() => undefined, 5000);
    await once(stopper.controller.signal, 'abort');
    clearTimeout(alive);

    assert.deepEqual(stopper.reason(), { kind: 'wall-clock', minutes: 30 });
    stopper.dispose();
  });

  it("remembers what stopped the run first: the job's cancellation, or the runner's own stop", () => {
    const job = new AbortController();
    const cancelled = createStopper(job.signal, 30);
    const moved = createStopper(new AbortController().signal, 30);

    job.abort();
    cancelled.stop({ kind: 'lease-lost' });
    moved.stop({ kind: 'lease-lost' });

    assert.deepEqual(
      [cancelled.reason(), moved.reason(), moved.controller.signal.aborted],
      [{ kind: 'cancelled' }, { kind: 'lease-lost' }, true],
    );
    cancelled.dispose();
    moved.dispose();
  });
});
