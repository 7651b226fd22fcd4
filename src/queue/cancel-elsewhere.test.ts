/**
 * Cancelling with several workers (PostgreSQL): only the worker that runs a job can stop its run;
 * any other records the request on the job, and the worker running it — woken by the job change —
 * stops it. Skipped, loudly, without CLAUDE_HOOKS_TEST_DATABASE_URL.
 */
import { systemClock } from '../lib/clock.js';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { commented } from '../../test/support/events.js';
import { scriptedRunner, startHarness, type Harness } from '../../test/support/dispatch-harness.js';
import { dropSchema, freshSchemaName, postgresSkip, TEST_DATABASE_URL } from '../../test/support/postgres.js';
import { until } from '../../test/support/wait.js';
import { reset } from '../housekeeping/reset.js';
import { Secret } from '../lib/secret.js';

describe('cancelling a job another worker runs', { skip: postgresSkip() }, () => {
  const schema = freshSchemaName('cancel');
  const harnesses: Harness[] = [];
  after(async () => {
    for (const harness of harnesses) await harness.close();
    await dropSchema(schema);
  });

  it('is asked of the worker that runs it, which stops the run; a forced reset on the other worker waits for that, then forgets the session', async () => {
    const config = {
      kind: 'postgres',
      url: new Secret(TEST_DATABASE_URL!),
      maxConnections: 3,
      affinityWaitMs: 30_000,
      leaseSeconds: 30,
    } as const;
    const started: number[] = [];
    const worker = async (id: string, runner = scriptedRunner().runner) => {
      const harness = await startHarness({
        store: { config, schema, workerId: id },
        runner,
        beforeStart: (store) =>
          store.workers.register({ id, host: 'test', pid: 1, dataDir: `/data/${id}` }, Date.now(), 60_000),
      });
      harnesses.push(harness);
      return harness;
    };
    // Worker A's runs go on until they are aborted, as a real run does.
    const untilAborted = scriptedRunner(async (request) => {
      started.push(request.jobId);
      await new Promise((resolve) => request.signal.addEventListener('abort', resolve, { once: true }));
      return { ok: false, error: 'interrupted', retryable: true };
    }).runner;
    const a = await worker('worker-a', untilAborted);
    let b: Harness;
    const resetOnB = (issue: number) =>
      reset(
        {
          agents: [{ name: 'dev' }],
          workdirs: {
            list: async () => [],
            removeWorktree: async () => {
              throw new Error('not reached');
            },
            removeCache: async () => {
              throw new Error('not reached');
            },
          },
          sessions: b.store.sessions,
          rows: b.store.housekeepingSessions,
          transcripts: { remove: async () => 0, idle: async () => [] },
          jobs: b.store.jobs,
          cancelJob: (id, reason) => b.dispatcher.cancel(id, reason),
          clock: systemClock,
          forgeUrl: undefined,
        },
        { agent: 'dev', issue, scope: 'session', force: true },
      );

    await a.deliver(commented(7, 'alice', '@dev please fix'));
    const first = await until(() => started[0], 'worker A to run the first job');
    b = await worker('worker-b');

    assert.equal(await b.dispatcher.cancel(first, 'cancelled by an operator on B'), 'requested');
    const ended = await until(async () => {
      const job = await b.store.jobs.getJob(first);
      return job?.state === 'running' ? undefined : job;
    }, 'worker A to stop the run');
    assert.deepEqual([ended.state, ended.error], ['cancelled', 'cancelled by an operator on B']);

    // The same key again: the claim prefers the worker that last ran it, A.
    await a.deliver(commented(7, 'alice', '@dev try again'));
    const second = await until(() => started[1], 'worker A to run the second job');
    const [running] = (await b.store.jobs.runningJobs()).filter((job) => job.id === second);
    await b.store.sessions.started(running!.key, {
      sessionId: 'session-on-a',
      worktree: '/data/worker-a/w',
      at: Date.now(),
    });

    const done = await resetOnB(7);

    assert.ok(done.ok, JSON.stringify(done));
    assert.deepEqual(done.value.cancelledJobs, [second]);
    assert.equal(
      (await b.store.jobs.getJob(second))?.state,
      'cancelled',
      'the reset went on only once the job had ended',
    );
    assert.equal((await b.store.sessions.get(running!.key))?.sessionId, undefined, 'then it forgot the session');
  });
});
