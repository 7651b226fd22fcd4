import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../lib/logger.js';
import { type SweepDeps, TASKS, type TaskReport } from './sweep-tasks.js';

const DAY = 24 * 3600_000;

function deps(forgotten: number[]): SweepDeps {
  return {
    deliveries: { deleteDeliveriesBefore: async () => ({ deliveries: 2, events: 2, jobs: 1 }) },
    records: {
      countBefore: async () => ({ deliveries: 2, runs: 1, cleanupTasks: 0 }),
      deleteRunsBefore: async () => ({ runs: 1, cleanupTasks: 0 }),
    },
    pulls: {
      async forgetSettled(before: number) {
        forgotten.push(before);
        return 3;
      },
    },
    limits: { sessionTtlMs: 0, worktreeTtlMs: 0, atticTtlMs: 0, retentionMs: 30 * DAY, diskHighWaterBytes: 0 },
    log: silentLogger(),
  } as unknown as SweepDeps;
}

const report = (): TaskReport => ({
  task: 'retention',
  found: 0,
  removed: 0,
  reclaimedBytes: 0,
  items: [],
  failures: [],
  notes: [],
});

describe('the retention sweep', () => {
  it('forgets the merged and closed pull requests kept past the retention, with the runs', async () => {
    const forgotten: number[] = [];
    const done = report();
    await TASKS.retention(deps(forgotten), { now: 100 * DAY, dryRun: false }, done);
    assert.deepEqual(forgotten, [70 * DAY]);
    assert.equal(done.removed, 2 + 1 + 3);
    assert.match(done.notes.at(-1) ?? '', /3 settled pull requests/);
  });

  it('forgets nothing in a dry run', async () => {
    const forgotten: number[] = [];
    await TASKS.retention(deps(forgotten), { now: 100 * DAY, dryRun: true }, report());
    assert.deepEqual(forgotten, []);
  });
});
