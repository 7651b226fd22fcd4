/**
 * Waiting for a worktree is not a failed attempt: boss has one worktree per repository but a job
 * per issue, so its second job finds the worktree leased while the first runs. That job waits,
 * holding no slot, and runs when the worktree is free (docs/decisions.md §15).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWorkspaceRunner, type WorkspaceAgentRunner } from '../../src/agent/workspace-runner.js';
import type { RepoRef } from '../../src/core/events.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createHarness } from '../support/workdir/fixture.js';
import { gate, startHarness } from '../support/dispatch-harness.js';
import { issueOpened } from '../support/events.js';
import { until } from '../support/wait.js';

describe('a job whose worktree is leased to another job', () => {
  it('waits for it, without using up an attempt: two boss jobs on two issues of one repository both run', async () => {
    const git = await createHarness();
    const origin = git.origin('acme', 'widget', 4);
    const repo: RepoRef = { ...origin.repo, fullName: 'acme/widget', private: true };
    const boss = {
      ...git.agents.boss,
      triggers: [{ on: 'issue_opened' as const }],
      limits: { ...git.agents.boss.limits, concurrency: 2 },
    };
    const hold = gate();
    const ran: number[] = [];
    const inner: WorkspaceAgentRunner = {
      async run(request) {
        ran.push(request.key.issue);
        if (request.key.issue === 1) await hold.promise;
        return { ok: true };
      },
    };
    const runner = createWorkspaceRunner({
      workdirs: git.workdirs(),
      inner,
      pullHead: async () => assert.fail('boss reads no PR'),
      log: silentLogger(),
    });
    const h = await startHarness({
      runner,
      agents: [boss],
      limits: { concurrency: 2, perRepository: 2, maxAttempts: 1, leaseWaitMs: 20 },
    });
    const waits: number[] = [];
    h.dispatcher.subscribe((notice) => {
      if (notice.type === 'job-waiting') waits.push(notice.job.key.issue);
    });
    try {
      await h.deliver(issueOpened(1, 'alice', '', repo));
      await until(() => ran.length === 1, 'the first boss job to hold the worktree', 20_000);
      await h.deliver(issueOpened(2, 'alice', '', repo));
      await until(() => waits.length >= 2, 'the second job to wait (more than once) for the worktree', 20_000);
      hold.open();
      await until(() => ran.length === 2, 'the second job to run once the worktree is free', 20_000);
      await h.dispatcher.idle();

      const jobs = await h.store.jobs.listJobs({});
      assert.deepEqual(ran, [1, 2]);
      assert.deepEqual(jobs.map((j) => [j.key.issue, j.state, j.attempts]).sort(), [
        [1, 'succeeded', 1],
        [2, 'succeeded', 1],
      ]);
      assert.ok(waits.every((issue) => issue === 2));
    } finally {
      hold.open();
      await h.close();
      await git.close();
    }
  });
});
