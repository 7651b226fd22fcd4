import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { agent } from '../../test/support/agents.js';
import { commented, REPO } from '../../test/support/events.js';
import type { RepoRef } from '../core/events.js';
import { systemClock } from '../lib/clock.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/ports.js';
import type { DispatchLimits } from './dispatch-types.js';
import { pickJobs } from './pick-jobs.js';
import type { JobStore, RunnableWindow } from './ports.js';
import { repoKey } from '../core/events.js';
import { Secret } from '../lib/secret.js';
import { dropSchema, freshSchemaName, postgresSkip, TEST_DATABASE_URL } from '../../test/support/postgres.js';

const OTHER: RepoRef = { ...REPO, name: 'other', fullName: 'acme/other' };
const agents = new Map(
  [agent('dev'), agent('boss')].map((a) => [
    a.name,
    { ...a, limits: { ...a.limits, concurrency: 10, runsPerHour: 100 } },
  ]),
);
const limits: DispatchLimits = { concurrency: 4, perRepository: 2, maxAttempts: 3, backoffMs: 1000, pauseMs: 3600_000 };
const noBreaker = { trip: async () => false };

/** Queues one job per entry, in order, as routing would. */
async function queue(
  store: Store,
  jobs: ReadonlyArray<{ agent: string; repo: RepoRef; issue: number }>,
): Promise<void> {
  let n = 0;
  for (const job of jobs) {
    const event = commented(job.issue, 'alice', `@${job.agent} ${++n}`, { repo: job.repo });
    const recorded = await store.deliveries.record({
      deliveryId: `d-${n}`,
      source: 'webhook',
      forge: 'forgejo',
      eventType: 'issue_comment',
      receivedAt: n,
      headers: {},
      body: Buffer.from('{}'),
      outcome: { kind: 'event', event },
    });
    assert.equal(recorded.status, 'accepted');
    const decision = {
      kind: 'work',
      key: { agent: job.agent, repo: repoKey(job.repo), issue: job.issue },
      repoRef: job.repo,
      trigger: 'mention',
    } as const;
    await store.jobs.commitRouting([{ eventId: (recorded as { eventId: number }).eventId, decisions: [decision] }], n);
  }
}

/** The store, counting the job rows each scheduling pass reads. */
function counting(store: JobStore): { store: JobStore; rowsRead: () => number } {
  let rows = 0;
  return {
    store: {
      ...store,
      runnableJobs: async (now: number, window?: RunnableWindow) => {
        const jobs = await store.runnableJobs(now, window);
        rows += jobs.length;
        return jobs;
      },
    },
    rowsRead: () => rows,
  };
}

describe('pickJobs', () => {
  it('takes queued jobs FIFO, passing over a repository at its limit to reach the next', async () => {
    const store = await openStore(
      { kind: 'sqlite' },
      { dataDir: mkdtempSync(join(tmpdir(), 'claude-hooks-pick-')), clock: systemClock, dedupWindowMs: 0 },
    );
    await queue(store, [
      ...Array.from({ length: 5 }, (_, i) => ({ agent: 'dev', repo: REPO, issue: i + 1 })),
      { agent: 'dev', repo: OTHER, issue: 1 },
      { agent: 'boss', repo: OTHER, issue: 2 },
      { agent: 'boss', repo: OTHER, issue: 3 },
    ]);

    const picked = await pickJobs({ store: store.jobs, agents, limits, breaker: noBreaker }, [], systemClock.now());

    assert.deepEqual(
      picked.map((p) => `${p.job.key.agent}:${p.job.key.repo.split('/').pop()}#${p.job.key.issue}`),
      ['dev:widget#1', 'dev:widget#2', 'dev:other#1', 'boss:other#2'],
    );
    await store.close();
  });

  it('reads only a few windows of the queue, not all of it, with 2,000 jobs queued behind a full repository', async () => {
    const store = await openStore(
      { kind: 'sqlite' },
      { dataDir: mkdtempSync(join(tmpdir(), 'claude-hooks-pick-')), clock: systemClock, dedupWindowMs: 0 },
    );
    await queue(store, [
      ...Array.from({ length: 2000 }, (_, i) => ({ agent: 'dev', repo: REPO, issue: i + 1 })),
      { agent: 'boss', repo: OTHER, issue: 1 },
    ]);
    const { store: jobs, rowsRead } = counting(store.jobs);
    const running = await jobs.runnableJobs(systemClock.now(), { limit: 2 });

    const picked = await pickJobs({ store: jobs, agents, limits, breaker: noBreaker }, running, systemClock.now());

    assert.deepEqual(
      picked.map((p) => p.job.key.agent),
      ['boss'],
    );
    assert.ok(rowsRead() - running.length <= 2 * limits.concurrency, `read ${rowsRead() - running.length} rows`);
    await store.close();
  });

  for (const kind of ['sqlite', 'postgres'] as const) {
    it(`cancels a queued job whose agent is no longer configured, and does not pick it (${kind})`, {
      skip: kind === 'postgres' ? postgresSkip() : false,
    }, async () => {
      const schema = freshSchemaName('pick');
      const store =
        kind === 'sqlite'
          ? await openStore(
              { kind: 'sqlite' },
              { dataDir: mkdtempSync(join(tmpdir(), 'claude-hooks-pick-')), clock: systemClock, dedupWindowMs: 0 },
            )
          : await openStore(
              {
                kind: 'postgres',
                url: new Secret(TEST_DATABASE_URL!),
                maxConnections: 2,
                affinityWaitMs: 0,
                leaseSeconds: 30,
              },
              {
                dataDir: mkdtempSync(join(tmpdir(), 'claude-hooks-pick-')),
                clock: systemClock,
                dedupWindowMs: 0,
                schema,
              },
            );
      try {
        await queue(store, [
          { agent: 'retired', repo: REPO, issue: 1 },
          { agent: 'dev', repo: REPO, issue: 2 },
        ]);

        const picked = await pickJobs({ store: store.jobs, agents, limits, breaker: noBreaker }, [], systemClock.now());

        assert.deepEqual(
          picked.map((p) => p.job.key.agent),
          ['dev'],
        );
        const [retired] = (await store.jobs.listJobs({})).filter((job) => job.key.agent === 'retired');
        assert.deepEqual([retired?.state, retired?.error], ['cancelled', 'agent retired is no longer configured']);
      } finally {
        await store.close();
        if (kind === 'postgres') await dropSchema(schema);
      }
    });
  }
});
