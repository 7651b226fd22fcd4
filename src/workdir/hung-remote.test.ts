import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSilentServer, type HungServer } from '../../test/support/hung-server.js';
import { until } from '../../test/support/wait.js';
import { isTransient } from '../core/transient.js';
import { GitError, LockTimeoutError } from './index.js';
import { createHarness, type Harness } from '../../test/support/workdir/fixture.js';
import type { RepoSpec, Workdirs } from './types.js';

describe('workdirs: a git server that accepts and never answers', () => {
  let h: Harness;
  let silent: HungServer;
  before(async () => {
    h = await createHarness();
    silent = await startSilentServer();
  });
  after(async () => {
    await silent.close();
    await h.close();
  });

  const hungRepo = (name: string): RepoSpec => ({
    host: new URL(silent.url).host,
    owner: 'acme',
    name,
    cloneUrl: `${silent.url}/acme/${name}.git`,
    defaultBranch: 'main',
  });

  it('fails the fetch of an acquire within the idle time, with a GitError that says it timed out', async () => {
    const workdirs = h.workdirs({ gitIdleTimeoutSeconds: 1 });

    const attempt = workdirs.acquire({
      repo: hungRepo('never'),
      agent: h.agents.dev,
      target: { kind: 'issue-branch', branch: 'issue-1-hung' },
    });

    await assert.rejects(attempt, (error: unknown) => {
      assert.ok(error instanceof GitError, String(error));
      assert.deepEqual(error.timeout, { kind: 'idle', seconds: 1 });
      assert.equal(error.args[0], 'fetch');
      assert.match(error.message, /timed out: the remote sent nothing for 1 s/);
      return true;
    });
  });

  describe('while one job holds the repository lock, stuck in its fetch', () => {
    const holder = new AbortController();
    let repo: RepoSpec;
    let held: Promise<unknown>;
    /** The stuck job's workdirs: another job of the same process queues behind it in memory. */
    let sameProcess: Workdirs;
    before(async () => {
      repo = hungRepo('held');
      sameProcess = h.workdirs({ gitIdleTimeoutSeconds: 60, lockWaitMs: 300 });
      const connected = silent.connections();
      held = sameProcess
        .acquire({
          repo,
          agent: h.agents.dev,
          target: { kind: 'issue-branch', branch: 'issue-2-holder' },
          signal: holder.signal,
        })
        .catch((error: unknown) => error);
      await until(() => silent.connections() > connected, 'the first job to be stuck fetching');
    });
    after(async () => {
      holder.abort(new Error('test over'));
      await held;
    });

    it('an acquire of the repository by another process gives up after the lock wait, with a retryable error naming the lock', async () => {
      const otherProcess = h.workdirs({ lockWaitMs: 300 });

      const attempt = otherProcess.acquire({ repo, agent: h.agents.reviewer, target: { kind: 'default-branch' } });

      await assert.rejects(attempt, (error: unknown) => {
        assert.ok(error instanceof LockTimeoutError, String(error));
        assert.ok(isTransient(error), 'a lock timeout is retried');
        assert.match(
          error.message,
          /^waited [\d.]+ s \(workdir\.lockWaitSeconds\) for the repository lock \S+\/acme-held-[0-9a-f]+\.lock: another job or process is still fetching/,
        );
        return true;
      });
    });

    it('an acquire of the repository by another job of the same process gives up after the lock wait too', async () => {
      const attempt = sameProcess.acquire({ repo, agent: h.agents.reviewer, target: { kind: 'default-branch' } });

      await assert.rejects(attempt, (error: unknown) => error instanceof LockTimeoutError && isTransient(error));
    });

    it('an acquire of the repository waiting for it ends at once when its signal is aborted', async () => {
      const waiter = new AbortController();
      const patient = h.workdirs({ lockWaitMs: 60_000 });
      const attempts = [
        patient.acquire({ repo, agent: h.agents.boss, target: { kind: 'default-branch' }, signal: waiter.signal }),
        sameProcess.acquire({
          repo,
          agent: h.agents.dev,
          target: { kind: 'issue-branch', branch: 'issue-3-waiter' },
          signal: waiter.signal,
        }),
      ];

      waiter.abort(new Error('the job was stopped'));

      await Promise.all(attempts.map((attempt) => assert.rejects(attempt, /the job was stopped/)));
    });
  });
});
