import assert from 'node:assert/strict';
import { it } from 'node:test';
import { key, runFinish } from './fixtures.js';
import { forEachStore } from './stores.js';
import { cleanup, recordEvent, REPO_KEY, route, work } from './through-ports.js';

const closed = (issue: number) => cleanup({ kind: 'issue-closed', issue }, [issue]);
const repoDeleted = () => cleanup({ kind: 'repository-deleted' }, undefined);

forEachStore('store contract: the cleanup queue', ({ kind, open }) => {
  it('has nothing to claim, list or finish when empty, and no keys are busy', async () => {
    const { store } = await open();

    assert.deepEqual(
      [
        await store.cleanup.claimNext(1000),
        await store.cleanup.list(10),
        await store.cleanup.pending(),
        await store.cleanup.requeueInterrupted(),
        await store.cleanup.keysBusy(REPO_KEY, undefined),
      ],
      [undefined, [], 0, 0, false],
    );
  });

  it('lists the tasks after an id, oldest first and in any state, and knows the newest id', async () => {
    const { store } = await open();
    assert.equal(await store.cleanup.lastId(), 0);
    await route(store, 3, [closed(3)], 100);
    await route(store, 4, [closed(4)], 110);
    await route(store, 5, [closed(5)], 120);
    const claimed = await store.cleanup.claimNext(200);
    const [first] = await store.cleanup.after(0, 1);

    const rest = await store.cleanup.after(first!.id, 10);

    assert.deepEqual([first!.id, first!.state], [claimed!.id, 'running']);
    assert.deepEqual(
      rest.map((t) => [t.issues, t.state]),
      [
        [[4], 'queued'],
        [[5], 'queued'],
      ],
    );
    assert.equal(await store.cleanup.lastId(), rest[1]!.id);
    assert.deepEqual(await store.cleanup.after(rest[1]!.id, 10), []);
  });

  it('claims the oldest due task, moving it to running with one more attempt', async () => {
    const { store } = await open();
    const eventId = await route(store, 3, [closed(3)], 100);
    await route(store, 4, [closed(4)], 110);

    const task = await store.cleanup.claimNext(200);

    assert.deepEqual(
      [
        task?.eventId,
        task?.repo,
        task?.repoRef.fullName,
        task?.issues,
        task?.action,
        task?.state,
        task?.attempts,
        task?.createdAt,
        task?.finishedAt,
      ],
      [eventId, REPO_KEY, 'acme/widget', [3], { kind: 'issue-closed', issue: 3 }, 'running', 1, 100, null],
    );
    assert.deepEqual(
      (await store.cleanup.list(10)).map((t) => [t.issues, t.state]),
      [
        [[4], 'queued'],
        [[3], 'running'],
      ],
    );
  });

  it('leaves a task whose keys have a queued or running job until the jobs are done, and takes the next one', async () => {
    const { store } = await open();
    await route(store, 3, [work('dev', 3)], 90);
    await route(store, 3, [closed(3)], 100);
    await route(store, 4, [closed(4)], 110);

    const first = await store.cleanup.claimNext(200);
    const [job] = await store.jobs.listJobs({ states: ['queued'] });
    await store.jobs.startJob(job!.id, 210);
    const whileRunning = await store.cleanup.claimNext(220);
    await store.jobs.finishJob(job!.id, { state: 'succeeded' }, 230);
    const after = await store.cleanup.claimNext(240);

    assert.deepEqual([first?.issues, whileRunning, after?.issues], [[4], undefined, [3]]);
  });

  it('leaves a whole-repository task while any job of the repository is queued', async () => {
    const { store } = await open();
    await route(store, 9, [work('boss', 9)], 90);
    await route(store, 3, [repoDeleted()], 100);

    assert.equal(await store.cleanup.claimNext(200), undefined);
    assert.equal(await store.cleanup.pending(), 1);
  });

  it('claims each task once when workers claim at the same time', async () => {
    const { store } = await open();
    for (let issue = 1; issue <= 5; issue++) await route(store, issue, [closed(issue)], 100 + issue);

    const claims = await Promise.all(Array.from({ length: 8 }, () => store.cleanup.claimNext(200)));

    const claimed = claims.filter((task) => task !== undefined).map((task) => task.issues?.[0]);
    assert.deepEqual([...claimed].sort(), [1, 2, 3, 4, 5]);
  });

  it('finishes a task done, failed, or queued again for a retry at a later time', async () => {
    const { store } = await open();
    for (let issue = 1; issue <= 3; issue++) await route(store, issue, [closed(issue)], 100 + issue);
    const [a, b, c] = [
      await store.cleanup.claimNext(200),
      await store.cleanup.claimNext(200),
      await store.cleanup.claimNext(200),
    ];

    await store.cleanup.finish(a!.id, { state: 'done', result: { removed: ['/w/dev'] } }, 300);
    await store.cleanup.finish(b!.id, { state: 'failed', error: 'no such branch', result: { removed: [] } }, 300);
    await store.cleanup.finish(c!.id, { state: 'retry', error: 'the worktree is busy', notBefore: 1000 }, 300);

    const byId = new Map((await store.cleanup.list(10)).map((t) => [t.id, t]));
    assert.deepEqual(
      [byId.get(a!.id)?.state, byId.get(a!.id)?.result, byId.get(a!.id)?.error, byId.get(a!.id)?.finishedAt],
      ['done', { removed: ['/w/dev'] }, null, 300],
    );
    assert.deepEqual(
      [byId.get(b!.id)?.state, byId.get(b!.id)?.result, byId.get(b!.id)?.error],
      ['failed', { removed: [] }, 'no such branch'],
    );
    assert.deepEqual(
      [byId.get(c!.id)?.state, byId.get(c!.id)?.error, byId.get(c!.id)?.finishedAt],
      ['queued', 'the worktree is busy', null],
    );
    assert.equal(await store.cleanup.claimNext(999), undefined, 'not due before its retry time');
    assert.deepEqual([(await store.cleanup.claimNext(1000))?.attempts, await store.cleanup.pending()], [2, 1]);
  });

  it('puts tasks a dead process left running back in the queue', async () => {
    const { store } = await open();
    await route(store, 1, [closed(1)], 100);
    await route(store, 2, [closed(2)], 100);
    await store.cleanup.claimNext(200);

    const requeued = await store.cleanup.requeueInterrupted();

    assert.equal(requeued, 1);
    assert.deepEqual(
      (await store.cleanup.list(10)).map((t) => t.state),
      ['queued', 'queued'],
    );
  });

  it('tells whether a queued or running job touches some keys, of one agent or any', async () => {
    const { store } = await open();
    await route(store, 3, [work('dev', 3)], 100);
    await route(store, 4, [work('boss', 4)], 100);
    const [done] = (await store.jobs.listJobs({ states: ['queued'] })).filter((job) => job.key.issue === 4);
    await store.jobs.startJob(done!.id, 110);
    await store.jobs.finishJob(done!.id, { state: 'succeeded' }, 120);

    assert.deepEqual(
      [
        await store.cleanup.keysBusy(REPO_KEY, [3]),
        await store.cleanup.keysBusy(REPO_KEY, [1, 3]),
        await store.cleanup.keysBusy(REPO_KEY, [4]),
        await store.cleanup.keysBusy(REPO_KEY, undefined),
        await store.cleanup.keysBusy(REPO_KEY, [3], 'dev'),
        await store.cleanup.keysBusy(REPO_KEY, [3], 'boss'),
        await store.cleanup.keysBusy('forge.test/acme/gadget', undefined),
      ],
      [true, true, false, true, true, false, false],
    );
  });
});

forEachStore('store contract: housekeeping sessions', ({ open }) => {
  it('finds the sessions of a repository, least recently used first, and of one issue, by agent', async () => {
    const { store } = await open();
    await store.sessions.started(key('dev', 1), { sessionId: 'a', worktree: '/w', at: 30 });
    await store.sessions.started(key('boss', 1), { sessionId: 'b', worktree: '/w', at: 10 });
    await store.sessions.started(key('dev', 2), { sessionId: 'c', worktree: '/w', at: 20 });
    await store.sessions.started(key('dev', 1, 'forge.test/acme/gadget'), { sessionId: 'd', worktree: '/w', at: 5 });

    assert.deepEqual(
      (await store.housekeepingSessions.ofRepo(REPO_KEY)).map((s) => s.sessionId),
      ['b', 'c', 'a'],
    );
    assert.deepEqual(
      (await store.housekeepingSessions.ofIssue(REPO_KEY, 1)).map((s) => s.sessionId),
      ['b', 'a'],
    );
  });

  it('finds the sessions idle since a time, oldest first, up to a limit', async () => {
    const { store } = await open();
    await store.sessions.started(key('dev', 1), { sessionId: 'a', worktree: '/w', at: 30 });
    await store.sessions.started(key('dev', 2), { sessionId: 'b', worktree: '/w', at: 10 });
    await store.sessions.started(key('dev', 3), { sessionId: 'c', worktree: '/w', at: 20 });
    await store.sessions.started(key('dev', 4), { sessionId: 'd', worktree: '/w', at: 40 });

    assert.deepEqual(
      (await store.housekeepingSessions.idleSince(35, 2)).map((s) => s.sessionId),
      ['b', 'c'],
    );
    assert.deepEqual(
      (await store.housekeepingSessions.idleSince(10, 10)).map((s) => s.sessionId),
      [],
    );
  });

  it('says which of some session ids a stored session still names', async () => {
    const { store } = await open();
    await store.sessions.started(key('dev', 1), { sessionId: 'a', worktree: '/w', at: 1 });
    await store.sessions.started(key('boss', 1), { sessionId: 'b', worktree: '/w', at: 2 });
    await store.sessions.forget(key('boss', 1), 'reset');

    assert.deepEqual([...(await store.housekeepingSessions.named(['a', 'b', 'z']))], ['a']);
    assert.deepEqual([...(await store.housekeepingSessions.named([]))], []);
  });

  it("deletes one key's session row", async () => {
    const { store } = await open();
    await store.sessions.started(key('dev', 1), { sessionId: 'a', worktree: '/w', at: 1 });
    await store.sessions.started(key('boss', 1), { sessionId: 'b', worktree: '/w', at: 2 });

    await store.housekeepingSessions.delete(key('dev', 1));

    assert.equal(await store.sessions.get(key('dev', 1)), undefined);
    assert.equal((await store.sessions.get(key('boss', 1)))?.sessionId, 'b');
  });
});

forEachStore('store contract: dispatch pauses', ({ kind, open }) => {
  it('pauses a scope once, a second pause replacing the reason, and lists them by scope', async () => {
    const { store } = await open();
    await store.pauses.pause('agent:dev', 'deploy', 1);
    await store.pauses.pause('*', 'maintenance', 2);
    await store.pauses.pause('agent:dev', 'still deploying', 3);

    assert.deepEqual(await store.pauses.list(), [
      { scope: '*', reason: 'maintenance', at: 2 },
      { scope: 'agent:dev', reason: 'still deploying', at: 3 },
    ]);
  });

  it('resumes one scope, and every scope with *', async () => {
    const { store } = await open();
    await store.pauses.pause('agent:dev', 'deploy', 1);
    await store.pauses.pause(`key:dev:${REPO_KEY}#1`, 'looping', 1);
    await store.pauses.pause('agent:boss', 'deploy', 1);

    const one = await store.pauses.resume(`key:dev:${REPO_KEY}#1`);
    const missing = await store.pauses.resume('agent:reviewer');
    const all = await store.pauses.resume('*');

    assert.deepEqual(
      [one, missing, all],
      [
        { pauses: 1, breakerPauses: 0 },
        { pauses: 0, breakerPauses: 0 },
        { pauses: 2, breakerPauses: 0 },
      ],
    );
    assert.deepEqual(await store.pauses.list(), []);
  });

  it('lifts the circuit-breaker pauses within the scope it resumes', async () => {
    const { store } = await open();
    await store.jobs.pauseKey(key('dev', 1), 1000, 'tripped');
    await store.jobs.pauseKey(key('dev', 2), 1000, 'tripped');
    await store.jobs.pauseKey(key('dev_x', 1), 1000, 'tripped');
    await store.jobs.pauseKey(key('devx', 1), 1000, 'tripped');
    await store.jobs.pauseKey(key('boss', 1), 1000, 'tripped');
    await store.jobs.pauseKey(key('boss', 2), 1000, 'tripped');

    const oneKey = await store.pauses.resume(`key:boss:${REPO_KEY}#1`);
    // "_" is a LIKE wildcard: dev_x must not lift devx's pause.
    const underscored = await store.pauses.resume('agent:dev_x');
    const agent = await store.pauses.resume('agent:dev');
    const left = (await store.dashboard.pausesAt(0)).map((p) => p.key);
    const all = await store.pauses.resume('*');

    assert.deepEqual(
      [oneKey.breakerPauses, underscored.breakerPauses, agent.breakerPauses, all.breakerPauses],
      [1, 1, 2, 2],
    );
    assert.deepEqual(left.sort(), [`boss:${REPO_KEY}#2`, `devx:${REPO_KEY}#1`]);
  });
});

forEachStore('store contract: sweep records and the audit', ({ open }) => {
  it('records a sweep at its start and its report at its end, newest first', async () => {
    const { store } = await open();
    const first = await store.sweeps.start('schedule', false, 100);
    await store.sweeps.finish(first, 150, { tasks: [{ name: 'idle-sessions', removed: 2 }] });
    const second = await store.sweeps.start('api', true, 200);

    assert.deepEqual(await store.sweeps.list(10), [
      { id: second, trigger: 'api', dryRun: true, startedAt: 200, finishedAt: null, report: undefined },
      {
        id: first,
        trigger: 'schedule',
        dryRun: false,
        startedAt: 100,
        finishedAt: 150,
        report: { tasks: [{ name: 'idle-sessions', removed: 2 }] },
      },
    ]);
    assert.deepEqual(
      (await store.sweeps.list(1)).map((s) => s.id),
      [second],
    );
  });

  it('keeps every audited action with its parameters and result, newest first', async () => {
    const { store } = await open();
    await store.audit.record({
      at: 1,
      source: 'api 127.0.0.1',
      action: 'pause',
      params: { scope: '*' },
      status: 200,
      result: { paused: '*' },
    });
    await store.audit.record({
      at: 2,
      source: 'cli alice',
      action: 'reset',
      params: undefined,
      status: 409,
      result: 'a job is running',
    });

    const entries = await store.audit.list(10);

    assert.deepEqual(
      entries.map(({ id: _id, ...entry }) => entry),
      [
        { at: 2, source: 'cli alice', action: 'reset', params: null, status: 409, result: 'a job is running' },
        {
          at: 1,
          source: 'api 127.0.0.1',
          action: 'pause',
          params: { scope: '*' },
          status: 200,
          result: { paused: '*' },
        },
      ],
    );
    assert.ok(entries[0]!.id > entries[1]!.id);
    assert.equal((await store.audit.list(1)).length, 1);
  });
});

forEachStore('store contract: record retention', ({ kind, open }) => {
  it('counts and deletes the finished runs started before a cutoff, never an unfinished one', async () => {
    const { store } = await open();
    const old = await store.runs.start({ jobId: 1, key: key('dev', 1), attempt: 1, startedAt: 10 });
    await store.runs.finish(old, runFinish({ finishedAt: 20 }));
    const oldUnfinished = await store.runs.start({ jobId: 2, key: key('dev', 2), attempt: 1, startedAt: 10 });
    const recent = await store.runs.start({ jobId: 3, key: key('dev', 3), attempt: 1, startedAt: 100 });
    await store.runs.finish(recent, runFinish({ finishedAt: 120 }));

    const counted = await store.recordRetention.countBefore(50);
    const deleted = await store.recordRetention.deleteRunsBefore(50);

    assert.deepEqual(counted, { deliveries: 0, runs: 1, cleanupTasks: 0 });
    assert.deepEqual(deleted, { runs: 1, cleanupTasks: 0 });
    assert.deepEqual(
      (await store.runs.list()).map((r) => r.id),
      [recent, oldUnfinished],
    );
  });

  it('counts the deliveries received before a cutoff, and deletes the cleanup tasks finished before it', async () => {
    const { store } = await open();
    await recordEvent(store, 1, 10);
    await route(store, 2, [closed(2)], 20);
    await route(store, 3, [closed(3)], 30);
    await route(store, 4, [closed(4)], 40);
    const [done, failed, running] = [
      await store.cleanup.claimNext(40),
      await store.cleanup.claimNext(40),
      await store.cleanup.claimNext(40),
    ];
    await store.cleanup.finish(done!.id, { state: 'done', result: null }, 45);
    await store.cleanup.finish(failed!.id, { state: 'failed', error: 'gone' }, 200);

    const counted = await store.recordRetention.countBefore(100);
    const deleted = await store.recordRetention.deleteRunsBefore(100);

    assert.deepEqual(counted, { deliveries: 4, runs: 0, cleanupTasks: 1 });
    assert.deepEqual(deleted, { runs: 0, cleanupTasks: 1 });
    assert.deepEqual((await store.cleanup.list(10)).map((t) => t.id).sort(), [failed!.id, running!.id].sort());
  });
});
