/**
 * A git server that accepts and never answers must not hang the repository: fault
 * injection once found two jobs "running" 155 s past their wall clock, holding both global slots,
 * because git had no time limit and the repository lock waited 15 minutes. Now each job's fetch
 * ends at the idle time, the job is retried later, and its slot is free for other work.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWorkspaceRunner, type WorkspaceAgentRunner } from '../../src/agent/workspace-runner.js';
import type { RepoRef } from '../../src/core/events.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createHarness } from '../support/workdir/fixture.js';
import { startHarness } from '../support/dispatch-harness.js';
import { issueOpened } from '../support/events.js';
import { startSilentServer } from '../support/hung-server.js';
import { until } from '../support/wait.js';

describe('a job whose repository is on a git server that never answers', () => {
  it('ends as a retry once the fetch times out, and both slots it held run other work', async () => {
    const git = await createHarness();
    const silent = await startSilentServer();
    const healthy = git.origin('acme', 'healthy', 4);
    const healthyRepo: RepoRef = { ...healthy.repo, fullName: 'acme/healthy', private: true };
    const hungRepo: RepoRef = {
      host: new URL(silent.url).host,
      owner: 'acme',
      name: 'hung',
      fullName: 'acme/hung',
      cloneUrl: `${silent.url}/acme/hung.git`,
      defaultBranch: 'main',
      private: true,
    };
    // Boss and dev both answer a new issue: two jobs on one repository, as in the fault.
    const agents = [
      { ...git.agents.boss, triggers: [{ on: 'issue_opened' as const }] },
      { ...git.agents.dev, triggers: [{ on: 'issue_opened' as const }] },
    ];
    const ran: string[] = [];
    const inner: WorkspaceAgentRunner = {
      async run(request) {
        ran.push(`${request.agent.name} ${request.repo.name}`);
        return { ok: true };
      },
    };
    const workdirs = git.workdirs({ gitIdleTimeoutSeconds: 1, lockWaitMs: 5000 });
    const runner = createWorkspaceRunner({
      workdirs,
      inner,
      pullHead: async () => assert.fail('no PR here'),
      log: silentLogger(),
    });
    const h = await startHarness({
      runner,
      agents,
      limits: { concurrency: 2, perRepository: 2, maxAttempts: 3, backoffMs: 3600_000 },
    });
    try {
      await h.deliver(issueOpened(1, 'alice', '', hungRepo));
      const jobsOf = async (name: string) =>
        (await h.store.jobs.listJobs({})).filter((job) => job.repoRef.fullName === `acme/${name}`);
      const hung = await until(async () => {
        const jobs = await jobsOf('hung');
        // A retry is a job queued again, with its error and a backoff.
        return jobs.length === 2 && jobs.every((job) => job.state === 'queued' && job.error !== null)
          ? jobs
          : undefined;
      }, 'both jobs on the hung repository to end as retries');

      await h.deliver(issueOpened(2, 'alice', '', healthyRepo));
      const freed = await until(async () => {
        const jobs = await jobsOf('healthy');
        return jobs.length === 2 && jobs.every((job) => job.state === 'succeeded') ? jobs : undefined;
      }, 'both jobs on a healthy repository to run in the freed slots');

      assert.deepEqual(
        hung.map((job) => job.attempts),
        [1, 1],
      );
      assert.ok(
        hung.every((job) => job.notBefore > Date.now() + 60_000),
        'retried after the backoff, not at once',
      );
      for (const job of hung)
        assert.match(job.error ?? '', /^workspace: git fetch .* timed out: the remote sent nothing for 1 s/);
      assert.equal(freed.length, 2);
      assert.deepEqual(ran.sort(), ['boss healthy', 'dev healthy']);
    } finally {
      await h.close();
      await silent.close();
      await git.close();
    }
  });
});
