import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { systemClock } from '../../lib/clock.js';
import type { SessionCursor } from '../../sessions/cursor.js';
import { openSqliteStore, type SqliteStore } from './sqlite-store.js';

const boss = (issue: number) => ({ agent: 'boss', repo: 'forge.test/acme/widget', issue });
const cursor = (lastEventId: number): SessionCursor => ({
  lastEventId,
  lastCommentId: 0,
  lastCommentUpdatedAt: null,
  lastReviewId: 0,
  headSha: null,
  issueState: 'open',
  labels: [],
});

describe('the SQLite session store', () => {
  let store: SqliteStore;

  beforeEach(() => {
    store = openSqliteStore({ dataDir: mkdtempSync(join(tmpdir(), 'claude-hooks-sessions-')), clock: systemClock, dedupWindowMs: 0 });
  });
  afterEach(() => store.close());

  it('keeps one session per (agent, repo, issue), even when two issues share a worktree', async () => {
    await store.sessions.started(boss(1), { sessionId: 'session-a', worktree: '/w/boss', at: 1 });
    await store.sessions.started(boss(2), { sessionId: 'session-b', worktree: '/w/boss', at: 2 });

    assert.equal((await store.sessions.get(boss(1)))?.sessionId, 'session-a');
    assert.equal((await store.sessions.get(boss(2)))?.sessionId, 'session-b');
    assert.equal(await store.sessions.get({ ...boss(1), agent: 'dev' }), undefined);
  });

  it('counts a finished run with its cost and cursor, and keeps the cursor when the same session starts again', async () => {
    await store.sessions.started(boss(1), { sessionId: 's', worktree: '/w', at: 1 });
    await store.sessions.finished(boss(1), { sessionId: 's', cursor: cursor(7), costUsd: 0.25, at: 5 });
    await store.sessions.started(boss(1), { sessionId: 's', worktree: '/w', at: 6 });
    await store.sessions.finished(boss(1), { sessionId: 's', cursor: undefined, costUsd: 0.5, at: 9 });

    const session = await store.sessions.get(boss(1));

    assert.deepEqual(
      { runCount: session?.runCount, costUsd: session?.costUsd, cursor: session?.cursor?.lastEventId, createdAt: session?.createdAt, lastUsedAt: session?.lastUsedAt },
      { runCount: 2, costUsd: 0.75, cursor: 7, createdAt: 1, lastUsedAt: 9 },
    );
  });

  it('forgets a dead session id and its cursor but keeps the issue\'s cost, and a new session replaces it', async () => {
    await store.sessions.started(boss(1), { sessionId: 'old', worktree: '/w', at: 1 });
    await store.sessions.finished(boss(1), { sessionId: 'old', cursor: cursor(3), costUsd: 1, at: 2 });

    await store.sessions.forget(boss(1), 'transcript gone');
    const forgotten = await store.sessions.get(boss(1));
    await store.sessions.started(boss(1), { sessionId: 'new', worktree: '/w2', at: 3 });
    const replaced = await store.sessions.get(boss(1));

    assert.deepEqual([forgotten?.sessionId, forgotten?.cursor, forgotten?.forgottenReason, forgotten?.costUsd], [undefined, undefined, 'transcript gone', 1]);
    assert.deepEqual([replaced?.sessionId, replaced?.cursor, replaced?.worktree, replaced?.costUsd, replaced?.createdAt], ['new', undefined, '/w2', 1, 3]);
  });

  it('closes and reopens a session, and lists the latest used first', async () => {
    await store.sessions.started(boss(1), { sessionId: 'a', worktree: '/w', at: 1 });
    await store.sessions.started(boss(2), { sessionId: 'b', worktree: '/w', at: 2 });

    await store.sessions.close(boss(1));
    const closed = (await store.sessions.get(boss(1)))?.state;
    await store.sessions.reopen(boss(1));

    assert.equal(closed, 'closed');
    assert.equal((await store.sessions.get(boss(1)))?.state, 'active');
    assert.deepEqual((await store.sessions.list()).map((s) => s.sessionId), ['b', 'a']);
  });
});

describe('the SQLite run records', () => {
  let store: SqliteStore;

  beforeEach(() => {
    store = openSqliteStore({ dataDir: mkdtempSync(join(tmpdir(), 'claude-hooks-runs-')), clock: systemClock, dedupWindowMs: 0 });
  });
  afterEach(() => store.close());

  it('stores a run at its start and everything about it at its end', async () => {
    const id = await store.runs.start({ jobId: 4, key: boss(1), attempt: 1, startedAt: 1000 });
    const started = await store.runs.get(id);
    await store.runs.finish(id, {
      sessionId: 's',
      session: 'resumed',
      resumeFallback: undefined,
      prompt: { kind: 'delta', bytes: 5, text: 'hello' },
      finishedAt: 4000,
      turns: 3,
      tokens: { input: 10, output: 20, cacheRead: 0, cacheCreation: 0 },
      costUsd: 0.01,
      outcome: 'succeeded',
      error: undefined,
      toolCalls: [{ name: 'Bash', summary: 'ls' }],
      changes: [{ kind: 'comment', number: 1, url: undefined, summary: 'commented' }],
      statusCommentId: 77,
    });

    const run = await store.runs.get(id);

    assert.equal(started?.outcome, undefined);
    assert.deepEqual(
      [run?.durationMs, run?.session, run?.prompt?.text, run?.turns, run?.tokens?.output, run?.outcome, run?.toolCalls, run?.changes?.[0]?.summary, run?.statusCommentId],
      [3000, 'resumed', 'hello', 3, 20, 'succeeded', [{ name: 'Bash', summary: 'ls' }], 'commented', 77],
    );
  });

  it('lists the runs a dead process left unfinished, with their status comment, and finishes them as interrupted', async () => {
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

  it('sums an agent\'s cost since a time, for the daily budget', async () => {
    const finish = async (agent: string, startedAt: number, costUsd: number) => {
      const id = await store.runs.start({ jobId: 1, key: { ...boss(1), agent }, attempt: 1, startedAt });
      await store.runs.finish(id, {
        sessionId: undefined, session: 'new', resumeFallback: undefined, prompt: undefined, finishedAt: startedAt + 1, turns: 1,
        tokens: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 }, costUsd, outcome: 'succeeded', error: undefined, toolCalls: [], changes: [], statusCommentId: undefined,
      });
    };
    await finish('boss', 10, 1);
    await finish('boss', 100, 2);
    await finish('dev', 100, 4);

    assert.equal(await store.runs.costSince('boss', 50), 2);
    assert.deepEqual((await store.runs.list({ agent: 'boss' })).map((r) => r.costUsd), [2, 1]);
  });
});
