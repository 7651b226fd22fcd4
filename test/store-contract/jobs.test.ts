import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ForgeEvent } from '../../src/core/events.js';
import type { Store } from '../../src/store/ports.js';
import type { RoutingDecision } from '../../src/queue/ports.js';
import type { WorkKey } from '../../src/core/work-key.js';
import { commented, issueOpened, REPO } from '../support/events.js';
import { forEachStore } from './stores.js';

const WIDGET = 'forge.test/acme/widget';
const GADGET = 'forge.test/acme/gadget';
const key = (agent: string, issue: number, repo = WIDGET): WorkKey => ({ agent, repo, issue });
const work = (k: WorkKey, trigger = 'assigned'): RoutingDecision => ({ kind: 'work', key: k, repoRef: REPO, trigger });
const NO_LIMITS = { concurrency: 100, perRepository: 100, perAgent: 100 };

let deliveries = 0;

/** Records `event` as a new delivery and answers its event id. */
async function stored(
  store: Store,
  now: number,
  event: ForgeEvent = commented(1, 'alice', `note ${deliveries}`),
): Promise<number> {
  const id = `delivery-${++deliveries}`;
  const result = await store.deliveries.record({
    deliveryId: id,
    source: 'webhook',
    forge: 'forgejo',
    eventType: 'issues',
    receivedAt: now,
    headers: {},
    body: Buffer.from(id),
    outcome: { kind: 'event', event },
  });
  assert.equal(result.status, 'accepted');
  return (result as { eventId: number }).eventId;
}

/** Stores one event per decision list and routes them, in order; answers the event ids. */
async function route(store: Store, now: number, ...decisions: RoutingDecision[][]): Promise<number[]> {
  const ids: number[] = [];
  for (const _ of decisions) ids.push(await stored(store, now));
  await store.jobs.commitRouting(
    decisions.map((d, i) => ({ eventId: ids[i]!, decisions: d })),
    now,
  );
  return ids;
}

forEachStore('the job store', ({ open }) => {
  it('trips a key once: a second trip while the pause is in force is refused, and one after it ends pauses again', async () => {
    const { store } = await open();

    const first = await store.jobs.tripKey(key('dev', 1), 5000, 'loop', 1000);
    const again = await store.jobs.tripKey(key('dev', 1), 9000, 'loop again', 2000);
    const other = await store.jobs.tripKey(key('dev', 2), 5000, 'loop', 2000);
    const later = await store.jobs.tripKey(key('dev', 1), 9000, 'loop later', 6000);

    assert.deepEqual([first, again, other, later], [true, false, true, true]);
    assert.deepEqual(await store.jobs.pausedUntil(key('dev', 1), 6000), { until: 9000, reason: 'loop later' });
  });

  it('routes work into a new queued job with its events, and marks the events routed', async () => {
    const { store, clock } = await open();
    const [e1, e2] = await route(store, clock.now(), [work(key('dev', 1))], [work(key('dev', 1), 'commented')]);

    const [job] = await store.jobs.listJobs({});

    assert.equal(job!.state, 'queued');
    assert.deepEqual(job!.key, key('dev', 1));
    assert.deepEqual(job!.repoRef, REPO);
    assert.deepEqual(job!.eventIds, [e1, e2], 'the second event merged into the queued job');
    assert.deepEqual(await store.jobs.undispatchedEvents(10), []);
    assert.deepEqual(
      (await store.jobs.getEvents([e2!, e1!])).map((e) => e.id),
      [e1, e2],
    );
  });

  it('skips an event routed already, and records skips without making jobs', async () => {
    const { store, clock } = await open();
    const [eventId] = await route(store, clock.now(), [{ kind: 'skip', agent: 'boss', reason: 'not mentioned' }]);

    await store.jobs.commitRouting([{ eventId: eventId!, decisions: [work(key('dev', 1))] }], clock.now());

    assert.deepEqual(await store.jobs.listJobs({}), []);
  });

  it('queues a follow-up for a key whose job is running, and starts it only after that job ends', async () => {
    const { store, clock } = await open();
    await route(store, clock.now(), [work(key('dev', 1))]);
    const [first] = await store.jobs.runnableJobs(clock.now());
    const started = await store.jobs.startJob(first!.id, clock.now());
    const [followUpEvent] = await route(store, clock.now(), [work(key('dev', 1), 'commented')]);

    const whileRunning = await store.jobs.runnableJobs(clock.now());
    const refused = await store.jobs.startJob((await store.jobs.listJobs({ states: ['queued'] }))[0]!.id, clock.now());
    await store.jobs.finishJob(first!.id, { state: 'succeeded' }, clock.now());
    const afterwards = await store.jobs.runnableJobs(clock.now());

    assert.equal(started!.state, 'running');
    assert.equal(started!.attempts, 1);
    assert.equal(started!.startedAt, clock.now());
    assert.deepEqual(whileRunning, []);
    assert.equal(refused, undefined, 'one running job per key');
    assert.deepEqual(
      afterwards.map((j) => j.eventIds),
      [[followUpEvent]],
    );
    assert.equal((await store.jobs.getJob(first!.id))!.state, 'succeeded');
  });

  it('lists runnable jobs FIFO, by window, leaving out future, paused and saturated ones', async () => {
    const { store, clock } = await open();
    const now = clock.now();
    await route(
      store,
      now,
      [work(key('dev', 1))],
      [work(key('dev', 2))],
      [work(key('boss', 3))],
      [work(key('dev', 4, GADGET))],
      [work(key('dev', 5))],
    );
    const all = await store.jobs.runnableJobs(now);
    await store.jobs.pauseKey(key('dev', 5), now + 60_000, 'breaker');

    const runnable = await store.jobs.runnableJobs(now);
    const window = await store.jobs.runnableJobs(now, { limit: 2, afterId: all[0]!.id });
    const skipping = await store.jobs.runnableJobs(now, { limit: 10, skipRepos: [GADGET], skipAgents: ['boss'] });

    assert.deepEqual(
      all.map((j) => j.key.issue),
      [1, 2, 3, 4, 5],
    );
    assert.deepEqual(
      runnable.map((j) => j.key.issue),
      [1, 2, 3, 4],
    );
    assert.deepEqual(
      window.map((j) => j.key.issue),
      [2, 3],
    );
    assert.deepEqual(
      skipping.map((j) => j.key.issue),
      [1, 2],
    );
    assert.deepEqual(await store.jobs.pausedUntil(key('dev', 5), now), { until: now + 60_000, reason: 'breaker' });
    assert.equal(await store.jobs.pausedUntil(key('dev', 5), now + 60_000), undefined);
    assert.equal(await store.jobs.nextWakeAt(now), now + 60_000, 'the pause end of a key with queued work');
  });

  it('refuses a claim that would exceed the running jobs allowed overall, per repository or per agent', async () => {
    const { store, clock } = await open();
    const now = clock.now();
    await route(store, now, [work(key('dev', 1))], [work(key('dev', 2))], [work(key('boss', 3, GADGET))]);
    const [a, b, c] = await store.jobs.runnableJobs(now);
    await store.jobs.startJob(a!.id, now, NO_LIMITS);

    const cases = [
      { limits: { ...NO_LIMITS, concurrency: 1 }, job: c!, started: false },
      { limits: { ...NO_LIMITS, perRepository: 1 }, job: b!, started: false },
      { limits: { ...NO_LIMITS, perAgent: 1 }, job: b!, started: false },
      { limits: { ...NO_LIMITS, perRepository: 1, perAgent: 1 }, job: c!, started: true },
      { limits: { ...NO_LIMITS, concurrency: 3 }, job: b!, started: true },
    ];
    const outcomes = [];
    for (const { limits, job } of cases) outcomes.push((await store.jobs.startJob(job.id, now, limits)) !== undefined);

    assert.deepEqual(
      outcomes,
      cases.map((x) => x.started),
    );
    assert.deepEqual(await store.jobs.countByState(), { running: 3 });
  });

  it('retries a failed run later with its events, taking in a follow-up queued meanwhile', async () => {
    const { store, clock } = await open();
    const now = clock.now();
    const [e1] = await route(store, now, [work(key('dev', 1))]);
    const [job] = await store.jobs.runnableJobs(now);
    await store.jobs.startJob(job!.id, now);
    const [e2] = await route(store, now, [work(key('dev', 1), 'commented')]);

    await store.jobs.finishJob(job!.id, { state: 'retry', error: 'model overloaded', notBefore: now + 5_000 }, now);
    const retried = await store.jobs.getJob(job!.id);

    assert.equal(retried!.state, 'queued');
    assert.equal(retried!.attempts, 1);
    assert.equal(retried!.error, 'model overloaded');
    assert.equal(retried!.startedAt, null);
    assert.deepEqual(retried!.eventIds, [e1, e2]);
    assert.deepEqual(
      (await store.jobs.listJobs({})).map((j) => j.id),
      [job!.id],
      'the follow-up is gone',
    );
    assert.deepEqual(await store.jobs.runnableJobs(now), [], 'not before its time');
    assert.equal(await store.jobs.nextWakeAt(now), now + 5_000);
    assert.deepEqual(
      (await store.jobs.runnableJobs(now + 5_000)).map((j) => j.id),
      [job!.id],
    );
  });

  it('puts a job that could not begin back without using up an attempt', async () => {
    const { store, clock } = await open();
    const now = clock.now();
    await route(store, now, [work(key('dev', 1))]);
    const [job] = await store.jobs.runnableJobs(now);
    await store.jobs.startJob(job!.id, now);

    await store.jobs.finishJob(job!.id, { state: 'waiting', reason: 'worktree leased', notBefore: now + 1_000 }, now);
    const waiting = await store.jobs.getJob(job!.id);

    assert.deepEqual([waiting!.state, waiting!.attempts, waiting!.error], ['queued', 0, 'waiting: worktree leased']);
  });

  it('records failures and cancels, and cancels only a queued job', async () => {
    const { store, clock } = await open();
    const now = clock.now();
    await route(store, now, [work(key('dev', 1))], [work(key('dev', 2))]);
    const [failing, queued] = await store.jobs.runnableJobs(now);
    await store.jobs.startJob(failing!.id, now);
    await store.jobs.finishJob(failing!.id, { state: 'failed', error: 'boom' }, now + 10);

    const cancelled = await store.jobs.cancelQueued(queued!.id, 'operator reset', now + 20);
    const again = await store.jobs.cancelQueued(failing!.id, 'operator reset', now + 20);

    assert.deepEqual([cancelled, again], [true, false]);
    const [q, f] = [await store.jobs.getJob(queued!.id), await store.jobs.getJob(failing!.id)];
    assert.deepEqual([q!.state, q!.error, q!.finishedAt], ['cancelled', 'operator reset', now + 20]);
    assert.deepEqual([f!.state, f!.error, f!.finishedAt], ['failed', 'boom', now + 10]);
    assert.deepEqual(await store.jobs.countByState(), { failed: 1, cancelled: 1 });
    assert.deepEqual(
      (await store.jobs.listJobs({ states: ['failed'] })).map((j) => j.id),
      [failing!.id],
    );
    assert.deepEqual(
      (await store.jobs.listJobs({ limit: 1 })).map((j) => j.id),
      [queued!.id],
      'newest first',
    );
    assert.equal(await store.jobs.getJob(9999), undefined);
  });

  it('records a cancel request on a running job only, and tells it to whoever asks about that job', async () => {
    const { store, clock } = await open();
    const now = clock.now();
    await route(store, now, [work(key('dev', 1))], [work(key('dev', 2))], [work(key('dev', 3))]);
    const [running, other, queued] = await store.jobs.runnableJobs(now);
    await store.jobs.startJob(running!.id, now);
    await store.jobs.startJob(other!.id, now);

    const asked = [
      await store.jobs.requestCancel(running!.id, 'operator on worker B'),
      await store.jobs.requestCancel(queued!.id, 'too early'),
      await store.jobs.requestCancel(9999, 'nobody'),
    ];

    assert.deepEqual(asked, [true, false, false]);
    assert.deepEqual(await store.jobs.cancelRequests([running!.id, other!.id, queued!.id]), [
      { id: running!.id, reason: 'operator on worker B' },
    ]);
    assert.deepEqual(await store.jobs.cancelRequests([]), []);
    await store.jobs.finishJob(running!.id, { state: 'cancelled', error: 'operator on worker B' }, now + 5);
    assert.deepEqual(await store.jobs.cancelRequests([running!.id]), [], 'an ended job has no request to honour');
  });

  it('counts the starts of a key since a time', async () => {
    const { store, clock } = await open();
    const now = clock.now();
    await route(store, now, [work(key('dev', 1))]);
    const [job] = await store.jobs.runnableJobs(now);
    await store.jobs.startJob(job!.id, now);
    await store.jobs.finishJob(job!.id, { state: 'succeeded' }, now);

    assert.equal(await store.jobs.countStartsSince(key('dev', 1), now), 1);
    assert.equal(await store.jobs.countStartsSince(key('dev', 1), now + 1), 0);
    assert.equal(await store.jobs.countStartsSince(key('dev', 2), 0), 0);
  });

  it('keeps the label set of the latest label event of each issue', async () => {
    const { store, clock } = await open();
    const now = clock.now();
    const older = await stored(store, now, issueOpened(1));
    const newer = await stored(store, now, issueOpened(2));

    await store.jobs.commitRouting(
      [{ eventId: newer, decisions: [], labels: { repo: WIDGET, issue: 1, labels: ['bug', 'dev'] } }],
      now,
    );
    await store.jobs.commitRouting(
      [{ eventId: older, decisions: [], labels: { repo: WIDGET, issue: 1, labels: ['stale'] } }],
      now,
    );

    assert.deepEqual(
      await store.jobs.labelSets([
        { repo: WIDGET, issue: 1 },
        { repo: WIDGET, issue: 2 },
      ]),
      [{ repo: WIDGET, issue: 1, labels: ['bug', 'dev'] }],
    );
  });

  it('puts jobs left running by a dead process back in the queue with their events', async () => {
    const { store, clock } = await open();
    const now = clock.now();
    const [e1] = await route(store, now, [work(key('dev', 1))]);
    const [job] = await store.jobs.runnableJobs(now);
    await store.jobs.startJob(job!.id, now);

    const requeued = await store.jobs.requeueInterrupted(now + 1);

    assert.deepEqual(
      requeued.map((j) => [j.id, j.state, j.eventIds]),
      [[job!.id, 'queued', [e1]]],
    );
    assert.match(requeued[0]!.error ?? '', /interrupted/);
    assert.deepEqual(await store.jobs.runningJobs(), []);
  });

  it('leaves alone the running jobs the caller says it runs itself', async () => {
    const { store, clock } = await open();
    const now = clock.now();
    await route(store, now, [work(key('dev', 1))], [work(key('dev', 2))]);
    const [mine, gone] = await store.jobs.runnableJobs(now);
    await store.jobs.startJob(mine!.id, now);
    await store.jobs.startJob(gone!.id, now);

    const requeued = await store.jobs.requeueInterrupted(now + 1, { runningHere: [mine!.id] });

    assert.deepEqual(
      requeued.map((j) => j.id),
      [gone!.id],
    );
    assert.equal((await store.jobs.getJob(mine!.id))?.state, 'running');
  });

  it('ends a job left running by a dead process as cancelled, not queued again, when someone asked to cancel it', async () => {
    const { store, clock } = await open();
    const now = clock.now();
    await route(store, now, [work(key('dev', 1))], [work(key('dev', 2))]);
    const [asked, other] = await store.jobs.runnableJobs(now);
    await store.jobs.startJob(asked!.id, now);
    await store.jobs.startJob(other!.id, now);
    await store.jobs.requestCancel(asked!.id, 'cancelled by an operator');

    const requeued = await store.jobs.requeueInterrupted(now + 1);

    assert.deepEqual(
      requeued.map((j) => j.id),
      [other!.id],
    );
    const cancelled = await store.jobs.getJob(asked!.id);
    assert.deepEqual(
      [cancelled!.state, cancelled!.error, cancelled!.finishedAt],
      ['cancelled', 'cancelled by an operator', now + 1],
    );
  });
});
