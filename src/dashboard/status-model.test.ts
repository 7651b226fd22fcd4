import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HOSTILE_BRANCH, seedDashboard, type Seeded } from '../../test/support/dashboard-seed.js';
import { manualClock } from '../lib/clock.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/ports.js';
import { watchedPull } from '../../test/support/watched-pull.js';
import { loadStatus, PULL_LIMIT, type StatusSources } from './status-model.js';

const DAY = 24 * 3600_000;

function sourcesOf(store: Store, extra: Partial<StatusSources> = {}): StatusSources {
  return {
    jobs: store.jobs,
    reads: store.dashboard,
    diskSamples: store.diskSamples,
    agents: [
      { name: 'boss', limits: {} },
      { name: 'dev', limits: { maxDailyUsd: 1 } },
      { name: 'reviewer', limits: {} },
    ],
    forgeUrl: 'http://forge.test/',
    defaultMaxDailyUsd: 50,
    isolation: 'bwrap',
    ...extra,
  };
}

describe('dashboard: the status model', () => {
  let store: Store;
  let seeded: Seeded;

  before(async () => {
    store = await openStore(
      { kind: 'sqlite' },
      {
        dataDir: mkdtempSync(join(tmpdir(), 'claude-hooks-dashboard-')),
        clock: manualClock(),
        dedupWindowMs: 3600_000,
      },
    );
    seeded = await seedDashboard(store, { runs: 30, sessions: 4, diskDays: 3 });
  });
  after(() => store.close());

  it('shows the queue: running first, then queued jobs by position, with age and a link to the issue', async () => {
    const status = await loadStatus(
      sourcesOf(store, { liveStatus: (id) => (id === seeded.runningJobId ? 'editing src/login.ts' : undefined) }),
      seeded.now,
    );

    assert.deepEqual(
      status.queue.jobs.map((j) => ({
        id: j.id,
        state: j.state,
        position: j.position,
        ageMs: j.ageMs,
        url: j.url,
        statusLine: j.statusLine,
      })),
      [
        {
          id: seeded.runningJobId,
          state: 'running',
          position: undefined,
          ageMs: 5 * 60_000,
          url: 'http://forge.test/acme/widget/issues/7',
          statusLine: 'editing src/login.ts',
        },
        {
          id: seeded.queuedJobId,
          state: 'queued',
          position: 1,
          ageMs: 10 * 60_000,
          url: 'http://forge.test/acme/widget/issues/8',
          statusLine: undefined,
        },
      ],
    );
    assert.deepEqual({ queued: status.queue.queued, running: status.queue.running }, { queued: 1, running: 1 });
  });

  it("tells each agent's state, today's runs and cost (UTC day), and the daily budget left", async () => {
    const status = await loadStatus(sourcesOf(store), seeded.now);

    // 30 runs at 0.25 each; today's (UTC) are the hostile one at 10:00 and those 3 h + 15 min·i before noon, i ≤ 36.
    const dev = status.agents.find((a) => a.name === 'dev');
    const boss = status.agents.find((a) => a.name === 'boss');
    assert.deepEqual(dev, {
      name: 'dev',
      state: 'working',
      pausedWhy: undefined,
      runsToday: 15,
      costTodayUsd: 3.75,
      budgetLeftUsd: 0,
    });
    assert.equal(boss?.state, 'paused');
    assert.match(boss?.pausedWhy ?? '', /boss:forge\.test\/acme\/widget#3: the circuit breaker tripped/);
    assert.deepEqual({ runs: boss?.runsToday, left: boss?.budgetLeftUsd }, { runs: 15, left: 50 - 3.75 });
    assert.deepEqual(
      status.agents.find((a) => a.name === 'reviewer'),
      { name: 'reviewer', state: 'idle', pausedWhy: undefined, runsToday: 0, costTodayUsd: 0, budgetLeftUsd: 50 },
    );
  });

  it('lists recent runs newest first with outcome, duration, cost, session, prompt kind and isolation', async () => {
    const status = await loadStatus(sourcesOf(store), seeded.now);

    assert.equal(status.runs.length, 25);
    assert.deepEqual(status.runs[0], {
      id: seeded.hostileRunId,
      agent: 'dev',
      repo: 'forge.test/acme/widget',
      issue: 1,
      url: 'http://forge.test/acme/widget/issues/1',
      startedAt: seeded.now - 2 * 3600_000,
      outcome: 'succeeded',
      durationMs: 90_000,
      costUsd: 0.25,
      session: 'new',
      prompt: 'full',
      isolation: 'bwrap',
    });
  });

  it('says how each recent run was isolated, and how the service isolates the runs it starts', async () => {
    const status = await loadStatus(sourcesOf(store, { isolation: 'none' }), seeded.now);

    // The seed ran every seventh run (i = 3, 10, 17, 24 of the 25 newest) unsandboxed.
    assert.deepEqual(
      status.runs.flatMap((run, i) => (run.isolation === 'none' ? [i] : [])),
      [3, 10, 17, 24],
    );
    assert.ok(status.runs.every((run) => run.isolation === 'none' || run.isolation === 'bwrap'));
    assert.equal(status.isolation, 'none');
  });

  it('counts sessions by agent, active and closed, with the oldest active', async () => {
    const status = await loadStatus(sourcesOf(store), seeded.now);

    // 30 runs over issues 1..30 → 30 sessions (15 per agent); 4 more for dev, 2 of them closed.
    assert.deepEqual({ active: status.sessions.active, closed: status.sessions.closed }, { active: 32, closed: 2 });
    assert.deepEqual(
      status.sessions.byAgent.map((s) => [s.agent, s.active, s.closed]),
      [
        ['boss', 15, 0],
        ['dev', 17, 2],
      ],
    );
    assert.equal(status.sessions.oldestActiveAt, seeded.now - DAY - 2 * 60_000);
  });

  it("counts the last hour's deliveries by outcome and the routing skips with their reasons", async () => {
    const status = await loadStatus(sourcesOf(store, { rejections: { countSince: async () => 2 } }), seeded.now);

    assert.deepEqual(status.intake.lastHour, { accepted: 3, duplicate: 1, rejected: 2, ignored: 1 });
    assert.equal(status.intake.skips.length, 1);
    assert.equal(status.intake.skips[0]?.agent, 'reviewer');
    assert.ok(
      status.intake.skips[0]?.reason.includes(HOSTILE_BRANCH),
      'the reason is kept as it was, for the view to escape',
    );
  });

  it('reads disk use from the newest sample, by kind, agent and repository, with a bounded history', async () => {
    const status = await loadStatus(sourcesOf(store), seeded.now);

    const disk = status.disk;
    assert.ok(disk);
    assert.equal(disk.measuredAt, seeded.now);
    assert.deepEqual(
      disk.byAgent.map((a) => a.name),
      ['dev', 'boss'],
    );
    assert.equal(
      disk.usedBytes,
      disk.kinds.caches + disk.kinds.worktrees + disk.kinds.attic + disk.kinds.transcripts + disk.kinds.database,
    );
    assert.ok(disk.history.length > 2 && disk.history.length <= 241, `history of ${disk.history.length} points`);
    assert.equal(disk.history.at(-1)?.at, seeded.now);
  });

  it('says no sweep has run when housekeeping is not wired, and shows the last sweep when it is', async () => {
    const without = await loadStatus(sourcesOf(store), seeded.now);
    const last = {
      startedAt: seeded.now - 3600_000,
      reclaimedBytes: 1024,
      failures: [{ target: 'dev/issue-1', reason: 'leased' }],
    };
    const withSweeps = await loadStatus(sourcesOf(store, { sweeps: { lastSweep: async () => last } }), seeded.now);

    assert.deepEqual(without.sweeper, { available: false, last: undefined });
    assert.deepEqual(withSweeps.sweeper, { available: true, last });
  });

  it('shows at most PULL_LIMIT open pull requests, the latest changed first, and says there are more', async () => {
    const many = await openStore(
      { kind: 'sqlite' },
      { dataDir: mkdtempSync(join(tmpdir(), 'claude-hooks-dashboard-')), clock: manualClock(), dedupWindowMs: 0 },
    );
    try {
      for (let n = 1; n <= PULL_LIMIT + 2; n++) await many.pulls.saveWatched(watchedPull(100 + n, { updatedAt: n }));
      await many.pulls.saveWatched(watchedPull(99, { state: 'closed', updatedAt: 1_000 }));

      const status = await loadStatus(sourcesOf(many, { pulls: { watched: many.pulls, cap: 5 } }), seeded.now);
      const without = await loadStatus(sourcesOf(many), seeded.now);

      assert.equal(status.pulls?.shown.length, PULL_LIMIT);
      assert.deepEqual(
        status.pulls?.shown.slice(0, 2).map((p) => [p.number, p.attempts, p.url]),
        [
          [100 + PULL_LIMIT + 2, '0 of 5', `http://forge.test/acme/widget/pulls/${100 + PULL_LIMIT + 2}`],
          [100 + PULL_LIMIT + 1, '0 of 5', `http://forge.test/acme/widget/pulls/${100 + PULL_LIMIT + 1}`],
        ],
      );
      assert.equal(status.pulls?.more, true);
      assert.equal(without.pulls, undefined);
    } finally {
      await many.close();
    }
  });

  it('has no disk section before the first measurement', async () => {
    const empty = await openStore(
      { kind: 'sqlite' },
      { dataDir: mkdtempSync(join(tmpdir(), 'claude-hooks-dashboard-')), clock: manualClock(), dedupWindowMs: 0 },
    );
    try {
      const status = await loadStatus(sourcesOf(empty), seeded.now);

      assert.equal(status.disk, undefined);
      assert.deepEqual(status.queue, { queued: 0, running: 0, jobs: [] });
    } finally {
      await empty.close();
    }
  });
});
