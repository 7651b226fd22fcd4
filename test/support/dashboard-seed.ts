/**
 * A store seeded with what the dashboard shows — deliveries, routing skips, queued and running
 * jobs, a pause, runs, sessions and disk samples (and, asked, watched pull requests) — through the store's own ports, with payload
 * text that would run if it were not escaped. Used by the view-model tests, the route and
 * browser tests and the dashboard benchmark (with large counts).
 */
import type { RepoRef } from '../../src/core/events.js';
import type { CheckRecord, WatchedPull } from '../../src/pulls/ports.js';
import { NOTHING_BLOCKED, type RunBlocked, type RunIsolation } from '../../src/sessions/ports.js';
import type { Store } from '../../src/store/ports.js';
import { commented, REPO } from './events.js';
import { watchedPull } from './watched-pull.js';

export const HOSTILE_BRANCH = '<img src=x onerror=alert(1)>';
export const HOSTILE_TITLE = 'Crash on </script><script>alert(2)</script>';
export const SEED_NOW = Date.parse('2026-11-20T12:00:00Z');
/** What the sandbox refused the hostile run: a host name is whatever the run asked the proxy for, so it is payload text too. */
export const HOSTILE_BLOCKED: RunBlocked = { connections: 3, pushes: 1, hosts: ['evil.example', HOSTILE_BRANCH] };

/** Every seventh run (the 4th newest among them) ran unsandboxed; the rest in bwrap. */
const isolationOf = (i: number): RunIsolation => (i % 7 === 3 ? 'none' : 'bwrap');

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const repoKey = (repo: RepoRef) => `${repo.host}/${repo.owner}/${repo.name}`.toLowerCase();

export interface SeedOptions {
  readonly now?: number;
  /** Finished runs (dev and boss alternating), the newest today. */
  readonly runs?: number;
  /** Sessions beyond those of the runs' keys (dev, issues 1000+). */
  readonly sessions?: number;
  /** Days of disk samples, one every 5 minutes thinned by the store as it goes. */
  readonly diskDays?: number;
}

export interface Seeded {
  readonly now: number;
  readonly queuedJobId: number;
  readonly runningJobId: number;
  readonly hostileRunId: number;
}

export async function seedDashboard(store: Store, options: SeedOptions = {}): Promise<Seeded> {
  const now = options.now ?? SEED_NOW;
  let delivery = 0;
  const record = async (issue: number, body: string, receivedAt: number, event = commented(issue, 'alice', body)) =>
    store.deliveries.record({
      deliveryId: `seed-${++delivery}`,
      source: 'webhook',
      forge: 'forgejo',
      eventType: 'issue_comment',
      receivedAt,
      headers: {},
      body: Buffer.from(`{"n":${delivery}}`),
      outcome: { kind: 'event', event },
    });
  const eventIdOf = (result: Awaited<ReturnType<typeof record>>) => {
    if (result.status !== 'accepted') throw new Error(`seed delivery was ${result.status}`);
    return result.eventId;
  };

  // Intake in the last hour: 3 accepted (one skipped by reviewer), 1 duplicate, 1 ignored.
  const running = eventIdOf(await record(7, '@dev fix it', now - 50 * 60_000));
  const queuedEvent = commented(8, 'alice', '@dev and this');
  const queued = eventIdOf(await record(8, '', now - 40 * 60_000, queuedEvent));
  await record(8, '', now - 39 * 60_000, queuedEvent);
  const skipped = eventIdOf(await record(9, `${HOSTILE_TITLE} on ${HOSTILE_BRANCH}`, now - 30 * 60_000));
  await store.deliveries.record({
    deliveryId: `seed-${++delivery}`,
    source: 'webhook',
    forge: 'forgejo',
    eventType: 'push',
    receivedAt: now - 20 * 60_000,
    headers: {},
    body: Buffer.from('{}'),
    outcome: { kind: 'ignored', reason: 'push events do not trigger agents' },
  });
  const work = (issue: number) =>
    ({ kind: 'work', key: { agent: 'dev', repo: repoKey(REPO), issue }, repoRef: REPO, trigger: 'mention' }) as const;
  await store.jobs.commitRouting(
    [
      { eventId: running, decisions: [work(7)] },
      { eventId: queued, decisions: [work(8)] },
      {
        eventId: skipped,
        decisions: [
          {
            kind: 'skip',
            agent: 'reviewer',
            reason: `branch ${HOSTILE_BRANCH} is not a pull request (${HOSTILE_TITLE})`,
          },
        ],
      },
    ],
    now - 10 * 60_000,
  );
  const [first, second] = [...(await store.jobs.listJobs({ states: ['queued'] }))].sort((a, b) => a.id - b.id);
  if (!first || !second) throw new Error('seed: expected two queued jobs');
  await store.jobs.startJob(first.id, now - 5 * 60_000);
  await store.jobs.pauseKey(
    { agent: 'boss', repo: repoKey(REPO), issue: 3 },
    now + HOUR,
    'the circuit breaker tripped: 5 runs in an hour',
  );

  // Runs: the newest is today's hostile one, refused by its sandbox (HOSTILE_BLOCKED); the rest
  // spread back over the days before, every seventh unsandboxed. Written
  // concurrently (the group committer batches them), the hostile one last so it is the newest.
  const total = Math.max(1, options.runs ?? 6);
  const seedRun = async (i: number): Promise<number> => {
    const agent = i % 2 === 0 ? 'dev' : 'boss';
    const key = { agent, repo: repoKey(REPO), issue: 1 + (i % 50) };
    const startedAt = i === 0 ? now - 2 * HOUR : now - i * 15 * 60_000 - 3 * HOUR;
    const isolation = isolationOf(i);
    const id = await store.runs.start({ jobId: first.id, key, attempt: 1, startedAt, isolation });
    const sessionId = `session-${key.agent}-${key.issue}`;
    await store.runs.finish(id, {
      sessionId,
      session: i % 3 === 0 ? 'new' : 'resumed',
      resumeFallback: undefined,
      prompt: {
        kind: i % 3 === 0 ? 'full' : 'delta',
        bytes: 120,
        text: `Issue: ${HOSTILE_TITLE}\nBranch: ${HOSTILE_BRANCH}\ntoken [redacted]`,
      },
      finishedAt: startedAt + 90_000,
      turns: 4,
      tokens: { input: 100, output: 50, cacheRead: 0, cacheCreation: 0 },
      costUsd: 0.25,
      outcome: i % 5 === 4 ? 'failed' : 'succeeded',
      error: i % 5 === 4 ? 'the model stopped' : undefined,
      toolCalls: [{ name: 'Bash', summary: `git push origin ${HOSTILE_BRANCH}` }],
      changes: [
        {
          kind: 'pull',
          number: 12,
          url: 'http://forge.test/acme/widget/pulls/12',
          summary: `opened a pull request from ${HOSTILE_BRANCH}`,
        },
      ],
      statusCommentId: undefined,
      isolation,
      blocked: i === 0 ? HOSTILE_BLOCKED : NOTHING_BLOCKED,
    });
    return id;
  };
  await inChunks(total - 1, (n) => seedRun(total - 1 - n));
  const hostileRunId = await seedRun(0);
  // One session per key the runs used (issues 1..50 per agent), then the extra ones.
  const keys = new Map<string, { agent: string; repo: string; issue: number }>();
  for (let i = 0; i < Math.min(total, 100); i++)
    keys.set(`${i % 2}:${i % 50}`, { agent: i % 2 === 0 ? 'dev' : 'boss', repo: repoKey(REPO), issue: 1 + (i % 50) });
  for (const key of keys.values()) {
    const sessionId = `session-${key.agent}-${key.issue}`;
    const lastAt = now - 3 * HOUR - (key.issue - 1) * 15 * 60_000;
    await store.sessions.started(key, { sessionId, worktree: `/data/workdirs/trees/${key.agent}`, at: lastAt });
    await store.sessions.finished(key, { sessionId, cursor: undefined, costUsd: 0.25, at: lastAt });
  }
  const extra = options.sessions ?? 2;
  await inChunks(extra, async (i) => {
    const key = { agent: 'dev', repo: repoKey(REPO), issue: 1000 + i };
    await store.sessions.started(key, {
      sessionId: `extra-${i}`,
      worktree: '/data/workdirs/trees/dev',
      at: now - DAY - i * 60_000,
    });
    if (i % 2 === 1) await store.sessions.close(key);
  });

  // Disk: one sample every 5 minutes over the last 2 days, one an hour before (the store thins
  // older ones to that and coarser anyway), growing by 1 MiB a sample.
  const days = options.diskDays ?? 1;
  const step = 5 * 60_000;
  const start = now - days * DAY;
  const times: number[] = [];
  for (let at = start; at <= now; at += step) if (at >= now - 2 * DAY || (at - start) % HOUR === 0) times.push(at);
  await inChunks(times.length, (n) => {
    const at = times[n]!;
    return store.diskSamples.record({
      measuredAt: at,
      freeBytes: 50 * 1024 ** 3 - n * 1024 ** 2,
      totalBytes: 100 * 1024 ** 3,
      kinds: {
        caches: 300 * 1024 ** 2 + n * 1024 ** 2,
        worktrees: 200 * 1024 ** 2,
        attic: 10 * 1024 ** 2,
        transcripts: 5 * 1024 ** 2,
        database: 1024 ** 2,
      },
      byAgent: { dev: 150 * 1024 ** 2, boss: 50 * 1024 ** 2 },
      byRepository: { [repoKey(REPO)]: 500 * 1024 ** 2 + n * 1024 ** 2 },
    });
  });
  return { now, queuedJobId: second.id, runningJobId: first.id, hostileRunId };
}

/** Runs `task(0..count-1)` 500 at a time, so the group committer batches the writes. */
async function inChunks(count: number, task: (n: number) => Promise<unknown>): Promise<void> {
  for (let from = 0; from < count; from += 500) {
    await Promise.all(Array.from({ length: Math.min(500, count - from) }, (_, k) => task(from + k)));
  }
}

/** The fix attempts' cap the dashboard is given (`pulls.fixAttempts`). */
export const PULL_CAP = 3;
/** dev's PR for issue 7: its build failing, two of three attempts used, e2e rerun and found flaky; hostile title and branch. */
export const FAILING_PULL = 21;
/** dev's PR for issue 8: green, merging asked. */
export const GREEN_PULL = 22;
/** Merged: not on the dashboard, which shows those in flight. */
export const MERGED_PULL = 23;

/** Three watched pull requests of dev's (`FAILING_PULL`, `GREEN_PULL`, `MERGED_PULL`), through `store.pulls`. */
export async function seedPulls(store: Store, now: number): Promise<void> {
  const head = 'f'.repeat(40);
  const check = (context: string, state: CheckRecord['state']): CheckRecord => ({
    context,
    state,
    source: 'status',
    targetUrl: `http://forge.test/acme/widget/actions/runs/1`,
    description: '',
    at: now - HOUR,
  });
  const pull = (number: number, issue: number, fields: Partial<WatchedPull>): WatchedPull =>
    watchedPull(number, {
      repo: repoKey(REPO),
      issue,
      title: `Fix issue ${issue}`,
      headRef: `dev/issue-${issue}`,
      headSha: head,
      waitingOn: 'checks to report',
      updatedAt: now - HOUR,
      ...fields,
    });
  await store.pulls.saveWatched(
    pull(FAILING_PULL, 7, {
      title: HOSTILE_TITLE,
      headRef: HOSTILE_BRANCH,
      checks: [check('ci/build', 'failure'), check('ci/e2e', 'success'), check('ci/lint', 'pending')],
      attempts: 2,
      woken: [head],
      reruns: [{ sha: head, context: 'ci/e2e', run: 1, at: now - 2 * HOUR }],
      flaky: ['ci/e2e'],
      waitingOn: 'dev to fix its failed checks',
      ignored: [
        {
          sha: 'e'.repeat(40),
          context: 'ci/build',
          reason: `${HOSTILE_BRANCH} is not a required check`,
          at: now - HOUR,
        },
      ],
      updatedAt: now - 10 * 60_000,
    }),
  );
  await store.pulls.saveWatched(
    pull(GREEN_PULL, 8, {
      checks: [check('ci/build', 'success')],
      merge: { kind: 'asked', sha: head, at: now - 5 * 60_000 },
      waitingOn: 'the forge to merge it',
      updatedAt: now - 5 * 60_000,
    }),
  );
  await store.pulls.saveWatched(
    pull(MERGED_PULL, 9, {
      state: 'merged',
      merge: { kind: 'merged', at: now - DAY },
      waitingOn: 'nothing: merged',
      updatedAt: now - DAY,
    }),
  );
}
