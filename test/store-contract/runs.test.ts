import assert from 'node:assert/strict';
import { it } from 'node:test';
import { boss, runFinish } from './fixtures.js';
import { forEachStore } from './stores.js';

forEachStore('store contract: run records', ({ open }) => {
  it('stores a run at its start and everything about it at its end', async () => {
    const { store } = await open();
    const id = await store.runs.start({ jobId: 4, key: boss(1), attempt: 2, startedAt: 1000 });
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
    });

    const run = await store.runs.get(id);

    assert.deepEqual([started?.jobId, started?.key, started?.attempt, started?.startedAt, started?.outcome, started?.durationMs], [4, boss(1), 2, 1000, undefined, undefined]);
    assert.deepEqual(
      [run?.durationMs, run?.sessionId, run?.session, run?.resumeFallback, run?.prompt, run?.turns, run?.tokens, run?.costUsd, run?.outcome, run?.error, run?.toolCalls, run?.changes?.[0]?.summary, run?.statusCommentId],
      [3000, 's', 'resumed', 'the transcript was gone', { kind: 'delta', bytes: 5, text: 'hello' }, 3, { input: 10, output: 20, cacheRead: 1, cacheCreation: 2 }, 0.01, 'succeeded', undefined, [{ name: 'Bash', summary: 'ls' }], 'commented', 77],
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

    assert.deepEqual(unfinished.map((run) => [run.id, run.statusCommentId]), [[orphan, 55]]);
    assert.deepEqual(await store.runs.unfinished(), []);
    const [latest, earlier] = await store.runs.list();
    assert.deepEqual([earlier?.outcome, earlier?.error, earlier?.durationMs, earlier?.statusCommentId], ['interrupted', 'the service stopped during this run', 1000, 55]);
    assert.deepEqual([latest?.error, latest?.finishedAt], ['first', 1500], 'a finished run is left alone');
  });

  it('sums an agent\'s cost since a time, for the daily budget, and lists its runs newest first', async () => {
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
    assert.deepEqual((await store.runs.list({ agent: 'boss' })).map((r) => r.costUsd), [2, 1]);
    assert.deepEqual((await store.runs.list({ limit: 2 })).map((r) => r.key.agent), ['dev', 'boss']);
  });

  it('sums the cost recorded for one session\'s runs', async () => {
    const { store } = await open();
    for (const [sessionId, costUsd] of [['s', 0.5], ['s', 0.25], ['t', 4]] as const) {
      const id = await store.runs.start({ jobId: 1, key: boss(1), attempt: 1, startedAt: 1 });
      await store.runs.finish(id, runFinish({ sessionId, costUsd }));
    }

    assert.equal(await store.runs.costOfSession('s'), 0.75);
    assert.equal(await store.runs.costOfSession('unknown'), 0);
  });

  it('gives each of runs started at once its own id', async () => {
    const { store } = await open();

    const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => store.runs.start({ jobId: i, key: boss(i), attempt: 1, startedAt: i })));

    assert.equal(new Set(ids).size, 10);
    assert.deepEqual((await store.runs.unfinished()).map((r) => r.id), [...ids].sort((a, b) => a - b));
  });
});
