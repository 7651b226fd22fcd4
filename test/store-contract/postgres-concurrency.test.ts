/**
 * What only PostgreSQL promises: several workers (here two stores, two pools, one schema) record,
 * route and claim at the same moment and still make one event per change, one queued job per
 * key and never more running jobs than the limits; what one commits, the other hears; a key
 * waits a while for the live worker that ran it; only a dead worker's jobs are taken back.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import pg from 'pg';
import type { ForgeEvent } from '../../src/core/events.js';
import type { StoredEvent } from '../../src/core/stored-event.js';
import { manualClock } from '../../src/lib/clock.js';
import type { RoutingDecision } from '../../src/queue/ports.js';
import type { WorkKey } from '../../src/core/work-key.js';
import type { Store } from '../../src/store/ports.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { commented, issueOpened, REPO } from '../support/events.js';
import { dropSchema, freshSchemaName, postgresSkip, TEST_DATABASE_URL } from '../support/postgres.js';
import { putWorker } from '../support/postgres-rows.js';
import { until } from '../support/wait.js';

const WIDGET = 'forge.test/acme/widget';
const GADGET = 'forge.test/acme/gadget';
const work = (key: WorkKey, trigger = 'commented'): RoutingDecision => ({ kind: 'work', key, repoRef: REPO, trigger });

describe('the PostgreSQL store with several workers', { skip: postgresSkip() }, () => {
  const opened: Store[] = [];
  const schemas: string[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    for (const schema of schemas.splice(0)) await dropSchema(schema);
  });

  /** Two workers' stores on one fresh schema, sharing a clock the test moves. */
  async function twoWorkers(options: { affinityWaitMs?: number } = {}) {
    const schema = freshSchemaName('workers');
    schemas.push(schema);
    const clock = manualClock();
    const openOne = async (workerId: string) => {
      const store = await openPostgresStore({
        url: TEST_DATABASE_URL!,
        schema,
        clock,
        dedupWindowMs: 60_000,
        maxConnections: 6,
        workerId,
        affinityWaitMs: options.affinityWaitMs,
      });
      opened.push(store);
      return store;
    };
    return { schema, clock, a: await openOne('worker-a'), b: await openOne('worker-b') };
  }

  const record = (store: Store, deliveryId: string, event: ForgeEvent, now: number) =>
    store.deliveries.record({
      deliveryId,
      source: 'webhook',
      forge: 'forgejo',
      eventType: 'issues',
      receivedAt: now,
      headers: {},
      body: Buffer.from(deliveryId),
      outcome: { kind: 'event', event },
    });

  it('makes one event of one change delivered to two workers at the same moment', async () => {
    const { a, b, clock } = await twoWorkers();
    const events = Array.from({ length: 10 }, (_, i) => issueOpened(i + 1));

    const results = await Promise.all(
      events.flatMap((event, i) => [record(a, `a-${i}`, event, clock.now()), record(b, `b-${i}`, event, clock.now())]),
    );
    const sameId = await Promise.all([
      record(a, 'twice', commented(1, 'alice', 'x'), clock.now()),
      record(b, 'twice', commented(1, 'alice', 'x'), clock.now()),
    ]);

    for (let i = 0; i < events.length; i++) {
      const statuses = [results[2 * i]!.status, results[2 * i + 1]!.status].sort();
      assert.deepEqual(statuses, ['accepted', 'duplicate-event'], `change ${i + 1}`);
    }
    assert.deepEqual(sameId.map((r) => r.status).sort(), ['accepted', 'duplicate-delivery']);
    assert.equal((await a.jobs.undispatchedEvents(100)).length, events.length + 1);
  });

  it('routes events of one key at two workers at once into one queued job', async () => {
    const { a, b, clock } = await twoWorkers();
    const key = { agent: 'dev', repo: WIDGET, issue: 1 };
    const ids: number[] = [];
    for (let i = 0; i < 10; i++)
      ids.push(
        ((await record(i % 2 ? a : b, `d-${i}`, commented(1, 'alice', `c${i}`), clock.now())) as { eventId: number })
          .eventId,
      );

    await Promise.all(
      ids.map((eventId, i) => (i % 2 ? a : b).jobs.commitRouting([{ eventId, decisions: [work(key)] }], clock.now())),
    );
    const jobs = await a.jobs.listJobs({});

    assert.equal(jobs.length, 1);
    assert.deepEqual(
      jobs[0]!.eventIds,
      [...ids].sort((x, y) => x - y),
    );
  });

  it('never runs more jobs than the limits when 20 claims race across two workers', async () => {
    const { a, b, clock } = await twoWorkers();
    const now = clock.now();
    const limits = { concurrency: 5, perRepository: 3, perAgent: 4 };
    const keys = Array.from({ length: 20 }, (_, i) => ({
      agent: i % 2 ? 'dev' : 'boss',
      repo: (i >> 1) % 2 ? WIDGET : GADGET,
      issue: i + 1,
    }));
    for (const [i, key] of keys.entries()) {
      const { eventId } = (await record(a, `k-${i}`, commented(key.issue, 'alice', 'go'), now)) as { eventId: number };
      await a.jobs.commitRouting([{ eventId, decisions: [work(key)] }], now);
    }
    const queued = await a.jobs.runnableJobs(now);

    const claims = await Promise.all(queued.map((job, i) => (i % 2 ? a : b).jobs.startJob(job.id, now, limits)));
    const running = await b.jobs.runningJobs();
    const count = (pick: (key: WorkKey) => string) =>
      Math.max(...running.map((j) => running.filter((o) => pick(o.key) === pick(j.key)).length));

    assert.equal(queued.length, 20);
    assert.equal(claims.filter(Boolean).length, running.length);
    assert.ok(running.length >= 1 && running.length <= limits.concurrency, `${running.length} running`);
    assert.ok(count((k) => k.repo) <= limits.perRepository, 'per repository');
    assert.ok(count((k) => k.agent) <= limits.perAgent, 'per agent');
  });

  it('tells a worker of the events and job changes another worker committed, and not of its own twice', async () => {
    const { a, b, clock } = await twoWorkers();
    const heardByA: StoredEvent[] = [];
    const heardByB: StoredEvent[] = [];
    let jobChangesAtB = 0;
    let jobChangesAtA = 0;
    a.onEvent((e) => heardByA.push(e));
    b.onEvent((e) => heardByB.push(e));
    a.onJobsChanged(() => jobChangesAtA++);
    b.onJobsChanged(() => jobChangesAtB++);
    const event = issueOpened(7);

    const result = await record(a, 'from-a', event, clock.now());
    const stored = await until(() => heardByB[0], 'worker B to hear of the event');
    await a.jobs.commitRouting(
      [{ eventId: stored.id, decisions: [work({ agent: 'dev', repo: WIDGET, issue: 7 })] }],
      clock.now(),
    );
    await until(() => jobChangesAtB > 0, 'worker B to hear that a job was queued');

    assert.equal(result.status, 'accepted');
    assert.deepEqual(
      [stored.id, stored.deliveryId, stored.event],
      [(result as { eventId: number }).eventId, 'from-a', event],
    );
    assert.equal(heardByA.length, 1, 'worker A told its own listeners once, after its commit');
    assert.equal(jobChangesAtA, 0, 'worker A ignores its own job notification');
  });

  it('hears other workers again after its listening connection was lost', async () => {
    const { a, b, clock, schema } = await twoWorkers();
    const heardByB: StoredEvent[] = [];
    b.onEvent((e) => heardByB.push(e));
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      const killed = await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [`claude-hooks-listen-${schema}`],
      );
      assert.equal(killed.rowCount, 2, 'both workers were listening');
    } finally {
      await admin.end();
    }

    // Keeps recording until one is heard: what is sent while nobody listens is not replayed.
    let n = 0;
    await until(async () => {
      await record(a, `after-loss-${n}`, issueOpened(100 + n++), clock.now());
      return heardByB.length > 0;
    }, 'worker B to hear of an event after reconnecting');

    assert.ok(heardByB[0]!.deliveryId.startsWith('after-loss-'));
  });

  it('leaves a key to the live worker that last ran it until the job has waited long enough', async () => {
    const { a, b, clock, schema } = await twoWorkers({ affinityWaitMs: 30_000 });
    const now = clock.now();
    await putWorker(schema, { id: 'worker-a', leaseUntil: now + 60_000 });
    await putWorker(schema, { id: 'worker-b', leaseUntil: now + 60_000 });
    const key = { agent: 'dev', repo: WIDGET, issue: 1 };
    const first = (await record(a, 'first', commented(1, 'alice', 'one'), now)) as { eventId: number };
    await a.jobs.commitRouting([{ eventId: first.eventId, decisions: [work(key)] }], now);
    const [job] = await a.jobs.runnableJobs(now);
    await a.jobs.startJob(job!.id, now);
    await a.jobs.finishJob(job!.id, { state: 'succeeded' }, now);
    const second = (await record(b, 'second', commented(1, 'alice', 'two'), now)) as { eventId: number };
    await b.jobs.commitRouting([{ eventId: second.eventId, decisions: [work(key)] }], now);

    const forB = await b.jobs.runnableJobs(now + 1_000);
    const forA = await a.jobs.runnableJobs(now + 1_000);
    const forBLater = await b.jobs.runnableJobs(now + 30_000);
    await putWorker(schema, { id: 'worker-a', leaseUntil: now + 500 });
    const forBWhenAIsGone = await b.jobs.runnableJobs(now + 1_000);

    assert.deepEqual(forB, [], 'worker A is alive and ran the key');
    assert.equal(forA.length, 1);
    assert.equal(forBLater.length, 1, 'waited long enough');
    assert.equal(forBWhenAIsGone.length, 1, "worker A's lease ended");
  });

  it('takes back only the running jobs of workers that are gone', async () => {
    const { a, b, clock, schema } = await twoWorkers();
    const now = clock.now();
    await putWorker(schema, { id: 'worker-a', leaseUntil: now + 60_000 });
    await putWorker(schema, { id: 'worker-b', leaseUntil: now + 60_000 });
    for (const [i, store] of [a, b].entries()) {
      const { eventId } = (await record(store, `r-${i}`, commented(i + 1, 'alice', 'go'), now)) as { eventId: number };
      await store.jobs.commitRouting(
        [{ eventId, decisions: [work({ agent: 'dev', repo: WIDGET, issue: i + 1 })] }],
        now,
      );
      const [job] = await store.jobs.runnableJobs(now, { limit: 1 });
      assert.ok(await store.jobs.startJob(job!.id, now));
    }

    const whileAlive = await a.jobs.requeueInterrupted(now + 1_000);
    await putWorker(schema, { id: 'worker-b', leaseUntil: now + 60_000, stoppedAt: now + 2_000 });
    const afterBStopped = await a.jobs.requeueInterrupted(now + 3_000);
    const afterALeaseEnded = await b.jobs.requeueInterrupted(now + 60_001);

    assert.deepEqual(whileAlive, []);
    assert.deepEqual(
      afterBStopped.map((j) => j.key.issue),
      [2],
    );
    assert.deepEqual(
      afterALeaseEnded.map((j) => j.key.issue),
      [1],
    );
  });
});
