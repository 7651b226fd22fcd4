/**
 * Cancelling with several workers (PostgreSQL): only the worker that runs a job can stop it; any
 * other answers that the job runs elsewhere instead of "already ended". Skipped, loudly, without
 * CLAUDE_HOOKS_TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { commented } from '../../test/support/events.js';
import { gate, scriptedRunner, startHarness, type Harness } from '../../test/support/dispatch-harness.js';
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

  it('is refused by the other worker, saying so, and done by the worker that runs it', async () => {
    const config = { kind: 'postgres', url: new Secret(TEST_DATABASE_URL!), maxConnections: 3, affinityWaitMs: 30_000, leaseSeconds: 30 } as const;
    const held = gate();
    const started: number[] = [];
    const worker = async (id: string, runner = scriptedRunner().runner) => {
      const harness = await startHarness({
        store: { config, schema, workerId: id },
        runner,
        beforeStart: (store) => store.workers.register({ id, host: 'test', pid: 1, dataDir: `/data/${id}` }, Date.now(), 60_000),
      });
      harnesses.push(harness);
      return harness;
    };
    const a = await worker('worker-a', scriptedRunner(async (request) => {
      started.push(request.jobId);
      await held.promise;
      return { ok: true };
    }).runner);
    await a.deliver(commented(7, 'alice', '@dev please fix'));
    const [jobId] = await until(() => (started.length > 0 ? started : undefined), 'worker A to run the job');
    const b = await worker('worker-b');

    assert.equal(await b.dispatcher.cancel(jobId!, 'from B'), 'elsewhere');
    // A forced reset on B cannot cancel it either: it is refused, and the session is left alone.
    const [running] = await b.store.jobs.runningJobs();
    await b.store.sessions.started(running!.key, { sessionId: 'session-on-a', worktree: '/data/worker-a/w', at: Date.now() });
    const refused = await reset(
      {
        agents: [{ name: 'dev' }],
        workdirs: { list: async () => [], removeWorktree: async () => { throw new Error('not reached'); }, removeCache: async () => { throw new Error('not reached'); } },
        sessions: b.store.sessions,
        rows: b.store.housekeepingSessions,
        transcripts: { remove: async () => 0, idle: async () => [] },
        jobs: b.store.jobs,
        cancelJob: (id, reason) => b.dispatcher.cancel(id, reason),
        forgeUrl: undefined,
      },
      { agent: 'dev', scope: 'session', force: true },
    );
    assert.ok(!refused.ok && refused.error.kind === 'running-job' && /another worker/.test(refused.error.message), JSON.stringify(refused));
    assert.equal((await b.store.sessions.get(running!.key))?.sessionId, 'session-on-a');
    const cancelling = a.dispatcher.cancel(jobId!, 'from A'); // aborts the run, then waits for it to end
    held.open();
    assert.equal(await cancelling, 'running');
    assert.equal((await b.store.jobs.getJob(jobId!))?.state, 'cancelled');
  });
});
