/**
 * What a worker leaves behind is taken back only when the worker is gone (PostgreSQL, several
 * workers on one schema): its unfinished runs, its running cleanup tasks; a job that moved while
 * its worker stalled is not finished by that worker when it wakes up; and a job does not start
 * beside a running cleanup task of its key. Skipped, loudly, without CLAUDE_HOOKS_TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { manualClock } from '../../src/lib/clock.js';
import type { Store } from '../../src/store/ports.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { dropSchema, freshSchemaName, postgresSkip, TEST_DATABASE_URL } from '../support/postgres.js';
import { cleanup, route, work } from './through-ports.js';

describe('the PostgreSQL store takes back only what dead workers left', { skip: postgresSkip() }, () => {
  const opened: Store[] = [];
  const schemas: string[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    for (const schema of schemas.splice(0)) await dropSchema(schema);
  });

  async function twoWorkers() {
    const schema = freshSchemaName('leases');
    schemas.push(schema);
    const clock = manualClock();
    const openOne = async (workerId: string) => {
      const store = await openPostgresStore({
        url: TEST_DATABASE_URL!,
        schema,
        clock,
        dedupWindowMs: 0,
        maxConnections: 4,
        workerId,
      });
      opened.push(store);
      await store.workers.register(
        { id: workerId, host: 'test', pid: 1, dataDir: `/data/${workerId}` },
        clock.now(),
        10_000,
      );
      return store;
    };
    return { clock, a: await openOne('worker-a'), b: await openOne('worker-b') };
  }

  const key = (issue: number) => ({ agent: 'dev', repo: 'forge.test/acme/widget', issue });

  it("lists a live worker's unfinished run as nobody's orphan, and a dead worker's as an orphan", async () => {
    const { a, b, clock } = await twoWorkers();
    const run = await a.runs.start({ jobId: 1, key: key(1), attempt: 1, startedAt: clock.now() });

    const whileAlive = await b.runs.unfinished();
    clock.advance(20_000); // a stops renewing; b keeps its lease
    await b.workers.heartbeat('worker-b', clock.now(), 10_000);
    const afterLease = await b.runs.unfinished();

    assert.deepEqual([whileAlive.map((r) => r.id), afterLease.map((r) => r.id)], [[], [run]]);
  });

  it("puts back in the queue the cleanup tasks of a worker that is gone, not a live worker's", async () => {
    const { a, b, clock } = await twoWorkers();
    await route(a, 3, [cleanup({ kind: 'issue-closed', issue: 3 }, [3])], clock.now());
    const task = await a.cleanup.claimNext(clock.now());
    assert.equal(task?.state, 'running');

    const whileAlive = await b.cleanup.requeueInterrupted();
    await a.workers.stopped('worker-a', clock.now());
    const afterStop = await b.cleanup.requeueInterrupted();

    assert.deepEqual([whileAlive, afterStop], [0, 1]);
    assert.equal((await b.cleanup.claimNext(clock.now()))?.id, task?.id);
  });

  it('ignores the finish of a job that moved to another worker while its first worker stalled', async () => {
    const { a, b, clock } = await twoWorkers();
    await route(a, 5, [work('dev', 5)], clock.now());
    const [queued] = await a.jobs.listJobs({ states: ['queued'] });
    await a.jobs.startJob(queued!.id, clock.now());
    clock.advance(20_000); // a stalls past its lease
    await b.workers.heartbeat('worker-b', clock.now(), 10_000);
    const [moved] = await b.jobs.requeueInterrupted(clock.now());
    const onB = await b.jobs.startJob(moved!.id, clock.now());

    await a.jobs.finishJob(queued!.id, { state: 'failed', error: 'a woke up and its run was aborted' }, clock.now());

    assert.equal(onB?.state, 'running');
    assert.equal((await b.jobs.getJob(queued!.id))?.state, 'running', 'still running on b');
    await b.jobs.finishJob(queued!.id, { state: 'succeeded' }, clock.now());
    assert.equal((await b.jobs.getJob(queued!.id))?.state, 'succeeded');
  });

  it("never lets a worker's own recovery take a job it still runs, though its lease passed while it stalled", async () => {
    const { a, clock } = await twoWorkers();
    await route(a, 6, [work('dev', 6)], clock.now());
    const [queued] = await a.jobs.listJobs({ states: ['queued'] });
    await a.jobs.startJob(queued!.id, clock.now());
    clock.advance(20_000); // a stalls past its lease, then its recovery pass runs first

    const ownPass = await a.jobs.requeueInterrupted(clock.now(), { runningHere: [queued!.id] });

    assert.deepEqual(ownPass, []);
    assert.equal((await a.jobs.getJob(queued!.id))?.state, 'running');
  });

  it('tells a worker whether it still holds a job: running, its own, and its lease not passed', async () => {
    const { a, b, clock } = await twoWorkers();
    await route(a, 8, [work('dev', 8)], clock.now());
    const [queued] = await a.jobs.listJobs({ states: ['queued'] });
    await a.jobs.startJob(queued!.id, clock.now());

    const held = [await a.jobs.holdsJob(queued!.id, clock.now()), await b.jobs.holdsJob(queued!.id, clock.now())];
    clock.advance(20_000);
    const afterLease = await a.jobs.holdsJob(queued!.id, clock.now());

    assert.deepEqual([...held, afterLease], [true, false, false]);
  });

  it('does not start a job while a cleanup task of its key runs', async () => {
    const { a, b, clock } = await twoWorkers();
    await route(a, 7, [cleanup({ kind: 'issue-closed', issue: 7 }, [7])], clock.now());
    const task = await a.cleanup.claimNext(clock.now());
    await route(b, 7, [work('dev', 7)], clock.now());
    const [job] = await b.jobs.listJobs({ states: ['queued'] });

    const whileCleaning = await b.jobs.startJob(job!.id, clock.now(), {
      concurrency: 10,
      perRepository: 10,
      perAgent: 10,
    });
    await a.cleanup.finish(task!.id, { state: 'done', result: {} }, clock.now());
    const after = await b.jobs.startJob(job!.id, clock.now(), { concurrency: 10, perRepository: 10, perAgent: 10 });

    assert.deepEqual([whileCleaning, after?.state], [undefined, 'running']);
  });

  it('lets one of two workers trip the circuit breaker on a key both try at the same moment', async () => {
    const { a, b, clock } = await twoWorkers();
    const tries = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).jobs.tripKey(key(9), clock.now() + 60_000, `try ${i}`, clock.now()),
      ),
    );
    assert.equal(tries.filter(Boolean).length, 1);
  });
});
