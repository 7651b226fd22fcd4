import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MAX_BLOCKED_HOSTS } from '../../src/sessions/ports.js';
import { boss, runFinish } from './fixtures.js';
import { forEachStore } from './stores.js';

forEachStore('store contract: run records', ({ open }) => {
  it('stores a run at its start and everything about it at its end', async () => {
    const { store } = await open();
    const id = await store.runs.start({ jobId: 4, key: boss(1), attempt: 2, startedAt: 1000, isolation: 'bwrap' });
    const started = await store.runs.get(id);
    await store.runs.finish(id, {
      sessionId: 's',
      session: 'resumed',
      resumeFallback: 'the transcript was gone',
      prompt: { kind: 'delta', bytes: 5, text: 'hello' },
      finishedAt: 4000,
      turns: 3,
      tokens: { input: 10, output: 20, cacheRead: 1, cacheCreation: 2 },
      costUsd: 0.01,
      outcome: 'succeeded',
      error: undefined,
      toolCalls: [{ name: 'Bash', summary: 'ls' }],
      changes: [{ kind: 'comment', number: 1, url: undefined, summary: 'commented' }],
      statusCommentId: 77,
      isolation: 'bwrap',
      blocked: { connections: 2, pushes: 1, hosts: ['pastebin.com'] },
    });

    const run = await store.runs.get(id);

    assert.deepEqual(
      [
        started?.jobId,
        started?.key,
        started?.attempt,
        started?.startedAt,
        started?.isolation,
        started?.outcome,
        started?.durationMs,
        started?.blocked,
      ],
      [4, boss(1), 2, 1000, 'bwrap', undefined, undefined, undefined],
    );
    assert.deepEqual(
      [
        run?.durationMs,
        run?.sessionId,
        run?.session,
        run?.resumeFallback,
        run?.prompt,
        run?.turns,
        run?.tokens,
        run?.costUsd,
        run?.outcome,
        run?.error,
        run?.toolCalls,
        run?.changes?.[0]?.summary,
        run?.statusCommentId,
        run?.isolation,
        run?.blocked,
      ],
      [
        3000,
        's',
        'resumed',
        'the transcript was gone',
        { kind: 'delta', bytes: 5, text: 'hello' },
        3,
        { input: 10, output: 20, cacheRead: 1, cacheCreation: 2 },
        0.01,
        'succeeded',
        undefined,
        [{ name: 'Bash', summary: 'ls' }],
        'commented',
        77,
        'bwrap',
        { connections: 2, pushes: 1, hosts: ['pastebin.com'] },
      ],
    );
  });

  it('says how a run was isolated from its start, so a run its process left unfinished still does', async () => {
    const { store } = await open();
    const id = await store.runs.start({ jobId: 4, key: boss(1), attempt: 1, startedAt: 1000, isolation: 'none' });

    const [unfinished] = await store.runs.unfinished();
    await store.runs.interrupted(id, 2000, 'the service stopped during this run');
    const interrupted = await store.runs.get(id);

    assert.deepEqual([unfinished?.id, unfinished?.isolation], [id, 'none']);
    assert.deepEqual(
      [interrupted?.outcome, interrupted?.isolation, interrupted?.blocked],
      ['interrupted', 'none', undefined],
    );
  });

  it('records what the sandbox refused a run, read back alike by get and list', async () => {
    const { store } = await open();
    const refused = await store.runs.start({ jobId: 1, key: boss(1), attempt: 1, startedAt: 10, isolation: 'bwrap' });
    await store.runs.finish(
      refused,
      runFinish({ blocked: { connections: 7, pushes: 2, hosts: ['evil.example', 'pastebin.com'] } }),
    );
    const clean = await store.runs.start({ jobId: 2, key: boss(2), attempt: 1, startedAt: 20, isolation: 'bwrap' });
    await store.runs.finish(clean, runFinish());
    const unconfined = await store.runs.start({ jobId: 3, key: boss(3), attempt: 1, startedAt: 30, isolation: 'none' });
    await store.runs.finish(unconfined, runFinish({ isolation: 'none' }));

    const listed = await store.runs.list();

    assert.deepEqual(
      listed.map((run) => [run.id, run.isolation, run.blocked]),
      [
        [unconfined, 'none', { connections: 0, pushes: 0, hosts: [] }],
        [clean, 'bwrap', { connections: 0, pushes: 0, hosts: [] }],
        [refused, 'bwrap', { connections: 7, pushes: 2, hosts: ['evil.example', 'pastebin.com'] }],
      ],
    );
    assert.deepEqual(await store.runs.get(refused), listed[2]);
  });

  it('keeps at most 20 distinct refused hosts, the first ones refused, and the full counts', async () => {
    const { store } = await open();
    const hosts = Array.from({ length: 30 }, (_, i) => `host-${i}.example`);
    const id = await store.runs.start({ jobId: 1, key: boss(1), attempt: 1, startedAt: 10, isolation: 'bwrap' });

    await store.runs.finish(
      id,
      runFinish({ blocked: { connections: 40, pushes: 0, hosts: ['host-0.example', ...hosts] } }),
    );

    assert.deepEqual((await store.runs.get(id))?.blocked, {
      connections: 40,
      pushes: 0,
      hosts: hosts.slice(0, MAX_BLOCKED_HOSTS),
    });
  });

  it('reads a run recorded without isolation (as every run before sandboxing was) with isolation and blocked undefined', async () => {
    const { store } = await open();
    const id = await store.runs.start({ jobId: 4, key: boss(1), attempt: 1, startedAt: 1000 });
    await store.runs.interrupted(id, 2000, 'the service stopped during this run');

    const run = await store.runs.get(id);

    assert.deepEqual([run?.outcome, run?.isolation, run?.blocked], ['interrupted', undefined, undefined]);
  });

  it('stores the processes of a run as its runtimes start, each time the whole list, and how many a later start ended', async () => {
    const { store } = await open();
    const id = await store.runs.start({ jobId: 4, key: boss(1), attempt: 1, startedAt: 1000, isolation: 'none' });
    const host = { hostname: 'worker-a', bootId: 'b0f1', pidNamespace: 'pid:[4026531836]' };
    const before = await store.runs.get(id);

    await store.runs.processes(id, { host, list: [{ pid: 4100, startTicks: 77 }], mark: 'm1' });
    await store.runs.processes(id, {
      host,
      list: [
        { pid: 4100, startTicks: 77 },
        { pid: 4200, startTicks: 90 },
      ],
      mark: 'm1',
    });
    const [unfinished] = await store.runs.unfinished();
    await store.runs.leftoversEnded(id, 3);
    const after = await store.runs.get(id);

    assert.deepEqual([before?.processes, before?.leftoversEnded], [undefined, undefined]);
    assert.deepEqual(unfinished?.processes, {
      host,
      list: [
        { pid: 4100, startTicks: 77 },
        { pid: 4200, startTicks: 90 },
      ],
      mark: 'm1',
    });
    assert.deepEqual([after?.processes?.list.length, after?.leftoversEnded], [2, 3]);
  });

  it('lists the interrupted runs whose processes no start has checked yet, oldest first', async () => {
    const { store } = await open();
    const processes = {
      host: { hostname: 'worker-b', bootId: 'b0f2', pidNamespace: 'pid:[1]' },
      list: [{ pid: 10, startTicks: 1 }],
      mark: 'm',
    };
    const started = (issue: number) =>
      store.runs.start({ jobId: issue, key: boss(issue), attempt: 1, startedAt: issue, isolation: 'none' });
    const [unchecked, checked, running, noProcesses, finished, second] = [
      await started(1),
      await started(2),
      await started(3),
      await started(4),
      await started(5),
      await started(6),
    ];
    for (const id of [unchecked, checked, running, finished, second]) await store.runs.processes(id, processes);
    for (const id of [unchecked, checked, noProcesses, second])
      await store.runs.interrupted(id, 100, 'the service stopped during this run');
    await store.runs.leftoversEnded(checked, 0);
    await store.runs.finish(finished, runFinish({ isolation: 'none' }));

    const listed = await store.runs.leftoversUnchecked();

    assert.deepEqual(
      listed.map((run) => [run.id, run.processes?.host.hostname]),
      [
        [unchecked, 'worker-b'],
        [second, 'worker-b'],
      ],
    );
  });

  it('answers undefined for a run it never stored', async () => {
    const { store } = await open();

    assert.equal(await store.runs.get(12345), undefined);
  });

  it('lists the runs a dead process left unfinished, with their status comment, and finishes them as interrupted', async () => {
    const { store } = await open();
    const orphan = await store.runs.start({ jobId: 4, key: boss(1), attempt: 1, startedAt: 1000 });
    await store.runs.statusComment(orphan, 55);
    const done = await store.runs.start({ jobId: 5, key: boss(2), attempt: 1, startedAt: 1000 });
    await store.runs.interrupted(done, 1500, 'first');

    const unfinished = await store.runs.unfinished();
    await store.runs.interrupted(orphan, 2000, 'the service stopped during this run');
    await store.runs.interrupted(done, 3000, 'second');

    assert.deepEqual(
      unfinished.map((run) => [run.id, run.statusCommentId]),
      [[orphan, 55]],
    );
    assert.deepEqual(await store.runs.unfinished(), []);
    const [latest, earlier] = await store.runs.list();
    assert.deepEqual(
      [earlier?.outcome, earlier?.error, earlier?.durationMs, earlier?.statusCommentId],
      ['interrupted', 'the service stopped during this run', 1000, 55],
    );
    assert.deepEqual([latest?.error, latest?.finishedAt], ['first', 1500], 'a finished run is left alone');
  });

  it("sums an agent's cost since a time, for the daily budget, and lists its runs newest first", async () => {
    const { store } = await open();
    const finish = async (agent: string, startedAt: number, costUsd: number) => {
      const id = await store.runs.start({ jobId: 1, key: { ...boss(1), agent }, attempt: 1, startedAt });
      await store.runs.finish(id, runFinish({ finishedAt: startedAt + 1, costUsd }));
    };
    await finish('boss', 10, 1);
    await finish('boss', 100, 2);
    await finish('dev', 100, 4);

    assert.equal(await store.runs.costSince('boss', 50), 2);
    assert.equal(await store.runs.costSince('reviewer', 0), 0);
    assert.deepEqual(
      (await store.runs.list({ agent: 'boss' })).map((r) => r.costUsd),
      [2, 1],
    );
    assert.deepEqual(
      (await store.runs.list({ limit: 2 })).map((r) => r.key.agent),
      ['dev', 'boss'],
    );
  });

  it('gives each of runs started at once its own id', async () => {
    const { store } = await open();

    const ids = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.runs.start({ jobId: i, key: boss(i), attempt: 1, startedAt: i })),
    );

    assert.equal(new Set(ids).size, 10);
    assert.deepEqual(
      (await store.runs.unfinished()).map((r) => r.id),
      [...ids].sort((a, b) => a - b),
    );
  });
});
