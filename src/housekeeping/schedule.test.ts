import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../lib/logger.js';
import { until } from '../../test/support/wait.js';
import { scheduleSweeps } from './schedule.js';
import type { SweepOptions, Sweeper, SweepReport } from './sweeper.js';

function recordingSweeper(): Sweeper & { readonly asked: SweepOptions[] } {
  const asked: SweepOptions[] = [];
  return {
    asked,
    async sweep(options = {}) {
      asked.push(options);
      return {
        id: asked.length,
        trigger: options.trigger ?? '',
        dryRun: false,
        startedAt: 0,
        finishedAt: 0,
        tasks: [],
      } satisfies SweepReport;
    },
  };
}

describe('the sweep schedule', () => {
  it('sweeps everything on the worker that leads the sweeper, and only its own disk on any other', async () => {
    const sweeper = recordingSweeper();
    let leads = false;
    const schedule = scheduleSweeps('* * * * * *', sweeper, silentLogger(), { leads: () => leads, worker: 'w-2' });
    try {
      await until(async () => sweeper.asked.length >= 1, 'a tick as a follower');
      leads = true;
      const seen = sweeper.asked.length;
      await until(async () => sweeper.asked.length > seen, 'a tick as the leader');
    } finally {
      schedule.stop();
    }

    assert.deepEqual(sweeper.asked[0], { trigger: 'schedule, disk of worker w-2', diskOnly: true });
    assert.deepEqual(sweeper.asked.at(-1), { trigger: 'schedule' });
  });

  it('leads by default: one worker sweeps everything', async () => {
    const sweeper = recordingSweeper();
    const schedule = scheduleSweeps('* * * * * *', sweeper, silentLogger());
    try {
      await until(async () => sweeper.asked.length >= 1, 'a tick');
    } finally {
      schedule.stop();
    }

    assert.deepEqual(sweeper.asked[0], { trigger: 'schedule' });
  });
});
