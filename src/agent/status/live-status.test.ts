import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLiveStatus } from './live-status.js';
import type { RunStatus } from './types.js';

const recorder = () => {
  const seen: RunStatus[] = [];
  return {
    seen,
    reporter: { commentId: 7 as number | undefined, update: async (status: RunStatus) => void seen.push(status) },
  };
};

describe('live status', () => {
  it('keeps what a running job is doing, passes every update on, and forgets the job when it finishes', async () => {
    const live = createLiveStatus();
    const { seen, reporter } = recorder();
    const tracked = live.track(12, reporter);

    await tracked.update({ phase: 'working', elapsedMs: 1000, activity: 'Bash: npm test' });
    const during = live.of(12);
    await tracked.update({
      phase: 'finished',
      outcome: 'succeeded',
      turns: 3,
      costUsd: 0.1,
      durationMs: 2000,
      session: 'new',
      prompt: 'full',
      silent: false,
      runUrl: undefined,
    });

    assert.equal(during, 'Bash: npm test');
    assert.equal(live.of(12), undefined);
    assert.equal(seen.length, 2);
    assert.equal(tracked.commentId, 7);
  });

  it('passes a withdrawal on and forgets the job: its run did not go ahead', async () => {
    const live = createLiveStatus();
    let withdrawn = 0;
    const tracked = live.track(13, {
      commentId: 8,
      update: async () => undefined,
      withdraw: async () => void withdrawn++,
    });

    await tracked.update({ phase: 'working', elapsedMs: 0, activity: 'starting' });
    await tracked.withdraw?.();

    assert.equal(withdrawn, 1);
    assert.equal(live.of(13), undefined);
  });

  it('answers nothing for a job it never heard of', () => {
    assert.equal(createLiveStatus().of(99), undefined);
  });
});
