import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { DiskSample } from '../../src/dashboard/ports.js';
import { key, runFinish } from './fixtures.js';
import { forEachStore } from './stores.js';
import { recordEvent, REPO_KEY, route, skip, work } from './through-ports.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

const sample = (measuredAt: number, caches = 1): DiskSample => ({
  measuredAt,
  freeBytes: 1,
  totalBytes: 2,
  kinds: { caches, worktrees: 0, attic: 0, transcripts: 0, database: 0 },
  byAgent: {},
  byRepository: {},
});

forEachStore('store contract: dashboard reads', ({ kind, open }) => {
  it('lists the newest runs first, without their prompt, with how each was isolated, and an unfinished one without an end', async () => {
    const { store } = await open();
    const old = await store.runs.start({ jobId: 1, key: key('dev', 3), attempt: 1, startedAt: 50 });
    await store.runs.interrupted(old, 60, 'stopped');
    const first = await store.runs.start({
      jobId: 1,
      key: key('dev', 1),
      attempt: 1,
      startedAt: 100,
      isolation: 'none',
    });
    await store.runs.finish(
      first,
      runFinish({
        finishedAt: 200,
        costUsd: 0.5,
        session: 'resumed',
        prompt: { kind: 'delta', bytes: 1, text: 'x' },
        outcome: 'failed',
        isolation: 'none',
      }),
    );
    const second = await store.runs.start({
      jobId: 2,
      key: key('boss', 2),
      attempt: 1,
      startedAt: 300,
      isolation: 'bwrap',
    });

    const runs = await store.dashboard.recentRuns(10);

    assert.deepEqual(runs, [
      {
        id: second,
        agent: 'boss',
        repo: REPO_KEY,
        issue: 2,
        startedAt: 300,
        finishedAt: undefined,
        outcome: undefined,
        costUsd: 0,
        session: undefined,
        promptKind: undefined,
        isolation: 'bwrap',
      },
      {
        id: first,
        agent: 'dev',
        repo: REPO_KEY,
        issue: 1,
        startedAt: 100,
        finishedAt: 200,
        outcome: 'failed',
        costUsd: 0.5,
        session: 'resumed',
        promptKind: 'delta',
        isolation: 'none',
      },
      {
        id: old,
        agent: 'dev',
        repo: REPO_KEY,
        issue: 3,
        startedAt: 50,
        finishedAt: 60,
        outcome: 'interrupted',
        costUsd: 0,
        session: undefined,
        promptKind: undefined,
        isolation: undefined,
      },
    ]);
    assert.deepEqual(
      (await store.dashboard.recentRuns(1)).map((r) => r.id),
      [second],
    );
  });

  it("counts each agent's runs and cost since a time, agents in name order", async () => {
    const { store } = await open();
    for (const [agent, startedAt, costUsd] of [
      ['dev', 10, 1],
      ['dev', 100, 2],
      ['dev', 150, 0.5],
      ['boss', 120, 4],
      ['reviewer', 5, 8],
    ] as const) {
      const id = await store.runs.start({ jobId: 1, key: key(agent, 1), attempt: 1, startedAt });
      await store.runs.finish(id, runFinish({ costUsd }));
    }
    await store.runs.start({ jobId: 1, key: key('boss', 2), attempt: 1, startedAt: 130 });

    assert.deepEqual(await store.dashboard.runsSince(100), [
      { agent: 'boss', runs: 2, costUsd: 4 },
      { agent: 'dev', runs: 2, costUsd: 2.5 },
    ]);
  });

  it("counts each agent's active and closed sessions, with the last use of its least recently used active one", async () => {
    const { store } = await open();
    await store.sessions.started(key('dev', 1), { sessionId: 'a', worktree: '/w', at: 30 });
    await store.sessions.started(key('dev', 2), { sessionId: 'b', worktree: '/w', at: 10 });
    await store.sessions.started(key('dev', 3), { sessionId: 'c', worktree: '/w', at: 20 });
    await store.sessions.started(key('boss', 1), { sessionId: 'd', worktree: '/w', at: 40 });
    await store.sessions.close(key('dev', 2));
    await store.sessions.close(key('boss', 1));

    assert.deepEqual(await store.dashboard.sessionCounts(), [
      { agent: 'boss', active: 0, closed: 1, oldestActiveAt: undefined },
      { agent: 'dev', active: 2, closed: 1, oldestActiveAt: 20 },
    ]);
  });

  it('reads nothing from an empty store', async () => {
    const { store } = await open();

    assert.deepEqual(
      [
        await store.dashboard.recentRuns(5),
        await store.dashboard.runsSince(0),
        await store.dashboard.sessionCounts(),
        await store.diskSamples.latest(),
        await store.diskSamples.history(0),
      ],
      [[], [], [], undefined, []],
    );
  });

  it('counts the deliveries received since a time by outcome', async () => {
    const { store } = await open();
    await recordEvent(store, 1, 50);
    await recordEvent(store, 2, 100);
    await recordEvent(store, 3, 200);
    await store.deliveries.record({
      deliveryId: 'push-1',
      source: 'webhook',
      forge: 'forgejo',
      eventType: 'push',
      receivedAt: 150,
      headers: {},
      body: Buffer.from('{}'),
      outcome: { kind: 'ignored', reason: 'push' },
    });

    assert.deepEqual(await store.dashboard.deliveriesSince(100), { accepted: 2, ignored: 1 });
  });

  it('counts routing skips since a time by agent and reason, the most frequent first, up to a limit', async () => {
    const { store } = await open();
    await route(store, 1, [skip('reviewer', 'not a pull request')], 50);
    await route(store, 2, [skip('reviewer', 'not a pull request'), skip('boss', 'not mentioned')], 100);
    await route(store, 3, [skip('reviewer', 'not a pull request'), skip('dev', 'not mentioned')], 200);

    assert.deepEqual(await store.dashboard.skipsSince(100, 2), [
      { agent: 'reviewer', reason: 'not a pull request', count: 2 },
      { agent: 'boss', reason: 'not mentioned', count: 1 },
    ]);
  });

  it('lists the circuit-breaker pauses in force, the soonest to end first', async () => {
    const { store } = await open();
    await store.jobs.pauseKey(key('dev', 1), 500, 'tripped');
    await store.jobs.pauseKey(key('boss', 2), 300, 'tripped too');
    await store.jobs.pauseKey(key('dev', 3), 100, 'over');

    assert.deepEqual(await store.dashboard.pausesAt(200), [
      { key: `boss:${REPO_KEY}#2`, agent: 'boss', until: 300, reason: 'tripped too' },
      { key: `dev:${REPO_KEY}#1`, agent: 'dev', until: 500, reason: 'tripped' },
    ]);
  });

  it('answers the newest poll cursor, or nothing before the first poll', async () => {
    const { store } = await open();
    const before = await store.dashboard.lastPoll();
    await store.pollCursors.set('forge.test/acme/widget', '2026-11-20T10:00:00Z');
    await store.pollCursors.set('forge.test/acme/gadget', '2026-11-20T11:00:00Z');

    assert.equal(before, undefined);
    assert.equal(await store.dashboard.lastPoll(), '2026-11-20T11:00:00Z');
  });

  it('lists the events a job answered, oldest first, with their trigger', async () => {
    const { store } = await open();
    const first = await route(store, 7, [work('dev', 7, 'mention')], 100);
    const second = await route(store, 7, [work('dev', 7, 'comment')], 200);
    const [job] = await store.jobs.listJobs({ states: ['queued'] });

    const events = await store.dashboard.eventsOfJob(job!.id);

    assert.deepEqual(
      events.map((e) => [e.id, e.type, e.receivedAt, e.trigger]),
      [
        [first, 'comment', 100, 'mention'],
        [second, 'comment', 200, 'comment'],
      ],
    );
    assert.ok(events.every((e) => e.deliveryId.startsWith('contract-')));
  });
});

forEachStore('store contract: disk samples', ({ open }) => {
  it('answers the latest sample as it was recorded', async () => {
    const { store } = await open();
    const latest: DiskSample = {
      measuredAt: 2000,
      freeBytes: 50 * 1024 ** 3,
      totalBytes: 100 * 1024 ** 3,
      kinds: { caches: 1, worktrees: 2, attic: 3, transcripts: 4, database: 5 },
      byAgent: { dev: 2 },
      byRepository: { [REPO_KEY]: 3 },
    };
    await store.diskSamples.record(sample(1000));
    await store.diskSamples.record(latest);

    assert.deepEqual(await store.diskSamples.latest(), latest);
  });

  it('replaces a sample recorded twice at the same time', async () => {
    const { store } = await open();
    await store.diskSamples.record(sample(1000, 5));

    await store.diskSamples.record(sample(1000, 9));

    assert.deepEqual(await store.diskSamples.history(0), [{ at: 1000, usedBytes: 9, freeBytes: 1 }]);
  });

  it('serves a new sample in the history as soon as it is recorded, summing every kind as used', async () => {
    const { store } = await open();
    await store.diskSamples.record(sample(1000, 5));
    const before = await store.diskSamples.history(0);

    await store.diskSamples.record({
      ...sample(2000),
      kinds: { caches: 1, worktrees: 2, attic: 3, transcripts: 4, database: 5 },
    });

    assert.deepEqual(before, [{ at: 1000, usedBytes: 5, freeBytes: 1 }]);
    assert.deepEqual(await store.diskSamples.history(1500), [{ at: 2000, usedBytes: 15, freeBytes: 1 }]);
  });

  it('keeps every sample of the last day, one an hour for 30 days and one a day before that, even when recorded all at once', async () => {
    const { store } = await open();
    const now = Date.parse('2026-11-20T00:00:00Z');
    // Every 20 minutes over 40 days.
    const writes: Promise<void>[] = [];
    for (let at = now - 40 * DAY; at <= now; at += 20 * 60_000) writes.push(store.diskSamples.record(sample(at)));
    await Promise.all(writes);

    const all = await store.diskSamples.history(0);

    const within = (from: number, to: number) => all.filter((s) => s.at >= now - from && s.at < now - to).length;
    assert.equal(within(DAY, -1), 3 * 24 + 1, 'the last day at full resolution');
    assert.equal(within(30 * DAY, DAY), 29 * 24, 'one an hour for the 29 days before');
    assert.equal(within(41 * DAY, 30 * DAY), 10, 'one a day before that');
  });
});
