/**
 * A runner that can begin before its worktree is ready (the Claude runner reads the session and
 * the forge thread for its prompt meanwhile): the workspace runner begins it first, acquires the
 * worktree, then runs it there — or abandons it when the worktree cannot be had. A worktree
 * another job holds is not read ahead for: the job will wait and try again.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createWorkspaceRunner, type WorkspaceAgentRunner } from '../../src/agent/workspace-runner.js';
import type { RepoRef } from '../../src/core/events.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { RunOutcome } from '../../src/core/run-outcome.js';
import { createHarness, type Harness } from '../support/workdir/fixture.js';
import type { Workdirs } from '../../src/workdir/index.js';
import { REPO } from '../support/events.js';

describe('a runner begun before its worktree is ready', () => {
  let h: Harness;
  let repo: RepoRef;
  let nextJobId = 1;

  before(async () => {
    h = await createHarness();
    const origin = h.origin('acme', 'widget', 3);
    repo = { ...REPO, host: origin.repo.host, cloneUrl: origin.repo.cloneUrl };
  });

  after(async () => {
    await h.close();
  });

  /** The workspace runner over `workdirs`, with an inner runner that logs each step in `steps`. */
  function workspaceRunner(workdirs: Workdirs, steps: string[]) {
    const logged: Workdirs = {
      ...workdirs,
      acquire(request) {
        steps.push('acquire');
        return workdirs.acquire(request);
      },
    };
    const inner: WorkspaceAgentRunner = {
      run: async () => {
        steps.push('run without begin');
        return { ok: true };
      },
      begin: () => {
        steps.push('begin');
        return {
          async run(workspace) {
            steps.push(existsSync(workspace.path) ? 'run in the worktree' : 'run without a worktree');
            return { ok: true };
          },
          abandon: () => void steps.push('abandon'),
        };
      },
    };
    return createWorkspaceRunner({
      workdirs: logged,
      inner,
      pullHead: () => Promise.reject(new Error('no PR here')),
      log: silentLogger(),
    });
  }

  const runIssue = (runner: ReturnType<typeof workspaceRunner>, issue: number): Promise<RunOutcome> =>
    runner.run({
      jobId: nextJobId++,
      key: { agent: 'dev', repo: `${repo.host}/${repo.fullName}`, issue },
      agent: h.agents.dev,
      repo,
      attempt: 1,
      events: [],
      signal: new AbortController().signal,
    });

  it('begins the run before acquiring the worktree, then runs it in the worktree', async () => {
    const steps: string[] = [];

    const outcome = await runIssue(workspaceRunner(h.workdirs(), steps), 5);

    assert.deepEqual(outcome, { ok: true });
    assert.deepEqual(steps, ['begin', 'acquire', 'run in the worktree']);
  });

  it('does not begin a run whose worktree another job holds: it will wait, and must not read ahead on every try', async () => {
    const workdirs = h.workdirs();
    const held = await workdirs.acquire({
      repo,
      agent: h.agents.dev,
      target: { kind: 'issue-branch', branch: 'issue-6-held' },
      holder: 'another job',
    });
    assert.ok(held.ok);
    const steps: string[] = [];
    try {
      const outcome = await runIssue(workspaceRunner(workdirs, steps), 6);

      assert.ok(!outcome.ok && outcome.wait === true, JSON.stringify(outcome));
      assert.deepEqual(steps, ['acquire']);
    } finally {
      await held.value.release();
    }
  });

  it('abandons the begun run when the worktree cannot be had, and does not run it', async () => {
    const steps: string[] = [];

    const outcome = await runIssue(workspaceRunner(h.workdirs({ minFreeBytes: Number.MAX_SAFE_INTEGER }), steps), 7);

    assert.ok(!outcome.ok && /free under/.test(outcome.error), JSON.stringify(outcome));
    assert.deepEqual(steps, ['begin', 'acquire', 'abandon']);
  });
});
