import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { SessionCursor } from '../../src/sessions/cursor.js';
import { boss } from './fixtures.js';
import { forEachStore } from './stores.js';

const cursor = (lastEventId: number): SessionCursor => ({
  lastEventId,
  lastCommentId: 0,
  lastCommentUpdatedAt: null,
  lastReviewId: 0,
  headSha: null,
  issueState: 'open',
  labels: ['bug'],
});

forEachStore('store contract: sessions', ({ open }) => {
  it('keeps one session per (agent, repo, issue), even when two issues share a worktree', async () => {
    const { store } = await open();
    await store.sessions.started(boss(1), { sessionId: 'session-a', worktree: '/w/boss', at: 1 });
    await store.sessions.started(boss(2), { sessionId: 'session-b', worktree: '/w/boss', at: 2 });

    assert.equal((await store.sessions.get(boss(1)))?.sessionId, 'session-a');
    assert.equal((await store.sessions.get(boss(2)))?.sessionId, 'session-b');
    assert.equal(await store.sessions.get({ ...boss(1), agent: 'dev' }), undefined);
  });

  it('starts a session active, with no runs, no cost and no cursor', async () => {
    const { store } = await open();

    await store.sessions.started(boss(1), { sessionId: 's', worktree: '/w', at: 5 });

    assert.deepEqual(await store.sessions.get(boss(1)), {
      key: boss(1),
      sessionId: 's',
      worktree: '/w',
      createdAt: 5,
      lastUsedAt: 5,
      runCount: 0,
      costUsd: 0,
      state: 'active',
      cursor: undefined,
      forgottenReason: undefined,
    });
  });

  it('counts a finished run with its cost and cursor, and keeps the cursor when the same session starts again', async () => {
    const { store } = await open();
    await store.sessions.started(boss(1), { sessionId: 's', worktree: '/w', at: 1 });
    await store.sessions.finished(boss(1), { sessionId: 's', cursor: cursor(7), costUsd: 0.25, at: 5 });
    await store.sessions.started(boss(1), { sessionId: 's', worktree: '/w', at: 6 });
    await store.sessions.finished(boss(1), { sessionId: 's', cursor: undefined, costUsd: 0.5, at: 9 });

    const session = await store.sessions.get(boss(1));

    assert.deepEqual(
      {
        runCount: session?.runCount,
        costUsd: session?.costUsd,
        cursor: session?.cursor,
        createdAt: session?.createdAt,
        lastUsedAt: session?.lastUsedAt,
      },
      { runCount: 2, costUsd: 0.75, cursor: cursor(7), createdAt: 1, lastUsedAt: 9 },
    );
  });

  it("ignores a finish reported for a session that is no longer the key's", async () => {
    const { store } = await open();
    await store.sessions.started(boss(1), { sessionId: 'old', worktree: '/w', at: 1 });
    await store.sessions.started(boss(1), { sessionId: 'new', worktree: '/w', at: 2 });

    await store.sessions.finished(boss(1), { sessionId: 'old', cursor: cursor(3), costUsd: 1, at: 3 });

    const session = await store.sessions.get(boss(1));
    assert.deepEqual([session?.runCount, session?.costUsd, session?.cursor, session?.lastUsedAt], [0, 0, undefined, 2]);
  });

  it('counts every run of runs finished at once on the same key', async () => {
    const { store } = await open();
    await store.sessions.started(boss(1), { sessionId: 's', worktree: '/w', at: 1 });

    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.sessions.finished(boss(1), { sessionId: 's', cursor: undefined, costUsd: 0.5, at: 10 + i }),
      ),
    );

    const session = await store.sessions.get(boss(1));
    assert.deepEqual([session?.runCount, session?.costUsd], [20, 10]);
  });

  it("forgets a dead session id and its cursor but keeps the issue's cost, and a new session replaces it", async () => {
    const { store } = await open();
    await store.sessions.started(boss(1), { sessionId: 'old', worktree: '/w', at: 1 });
    await store.sessions.finished(boss(1), { sessionId: 'old', cursor: cursor(3), costUsd: 1, at: 2 });

    await store.sessions.forget(boss(1), 'transcript gone');
    const forgotten = await store.sessions.get(boss(1));
    await store.sessions.started(boss(1), { sessionId: 'new', worktree: '/w2', at: 3 });
    const replaced = await store.sessions.get(boss(1));

    assert.deepEqual(
      [forgotten?.sessionId, forgotten?.cursor, forgotten?.forgottenReason, forgotten?.costUsd],
      [undefined, undefined, 'transcript gone', 1],
    );
    assert.deepEqual(
      [
        replaced?.sessionId,
        replaced?.cursor,
        replaced?.worktree,
        replaced?.costUsd,
        replaced?.createdAt,
        replaced?.forgottenReason,
      ],
      ['new', undefined, '/w2', 1, 3, undefined],
    );
  });

  it('closes and reopens a session, and lists the latest used first', async () => {
    const { store } = await open();
    await store.sessions.started(boss(1), { sessionId: 'a', worktree: '/w', at: 1 });
    await store.sessions.started(boss(2), { sessionId: 'b', worktree: '/w', at: 2 });

    await store.sessions.close(boss(1));
    const closed = (await store.sessions.get(boss(1)))?.state;
    await store.sessions.reopen(boss(1));

    assert.equal(closed, 'closed');
    assert.equal((await store.sessions.get(boss(1)))?.state, 'active');
    assert.deepEqual(
      (await store.sessions.list()).map((s) => s.sessionId),
      ['b', 'a'],
    );
  });

  it("lists one agent's sessions, up to a limit", async () => {
    const { store } = await open();
    await store.sessions.started(boss(1), { sessionId: 'a', worktree: '/w', at: 1 });
    await store.sessions.started(boss(2), { sessionId: 'b', worktree: '/w', at: 2 });
    await store.sessions.started(boss(3), { sessionId: 'c', worktree: '/w', at: 3 });
    await store.sessions.started({ ...boss(1), agent: 'dev' }, { sessionId: 'd', worktree: '/w', at: 4 });

    assert.deepEqual(
      (await store.sessions.list({ agent: 'boss', limit: 2 })).map((s) => s.sessionId),
      ['c', 'b'],
    );
    assert.deepEqual(
      (await store.sessions.list({ agent: 'dev' })).map((s) => s.sessionId),
      ['d'],
    );
  });
});
