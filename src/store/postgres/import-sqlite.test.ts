import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runFinish } from '../../../test/store-contract/fixtures.js';
import { WATCHED_HEAD, watchedPull } from '../../../test/support/watched-pull.js';
import { commented, REPO } from '../../../test/support/events.js';
import {
  createSchema,
  dropSchema,
  freshSchemaName,
  postgresSkip,
  queryIn,
  TEST_DATABASE_URL,
} from '../../../test/support/postgres.js';
import { manualClock } from '../../lib/clock.js';
import { Secret } from '../../lib/secret.js';
import { importSqliteDataDir, ImportRefusedError } from '../migrate-store.js';
import { openStore } from '../open-store.js';
import { IMPORTED_TABLES } from './import-sqlite.js';

const key = { agent: 'dev', repo: 'forge.test/acme/widget', issue: 7 };
const target = () =>
  ({
    kind: 'postgres',
    url: new Secret(TEST_DATABASE_URL ?? ''),
    maxConnections: 2,
    affinityWaitMs: 30_000,
    leaseSeconds: 30,
  }) as const;

/** A SQLite installation built through the store's ports: two deliveries, a running job, a session, a run, a sweep. */
async function sqliteInstallation(): Promise<{ dataDir: string; jobId: number; runId: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-import-'));
  const clock = manualClock(Date.parse('2026-12-01T10:00:00Z'));
  const store = await openStore({ kind: 'sqlite' }, { dataDir, clock, dedupWindowMs: 0 });
  try {
    const event = commented(7, 'alice', '@dev please fix the login form');
    const recorded = await store.deliveries.record({
      deliveryId: 'delivery-1',
      source: 'webhook',
      forge: 'forgejo',
      eventType: 'issue_comment',
      receivedAt: clock.now(),
      headers: { 'x-forgejo-event': 'issue_comment' },
      body: Buffer.from(JSON.stringify(event)),
      outcome: { kind: 'event', event },
    });
    await store.deliveries.record({
      deliveryId: 'delivery-2',
      source: 'webhook',
      forge: 'forgejo',
      eventType: 'release',
      receivedAt: clock.now(),
      headers: {},
      body: Buffer.from('{"action":"published"}'),
      outcome: { kind: 'ignored', reason: 'release events are not handled' },
    });
    assert.equal(recorded.status, 'accepted');
    const eventId = recorded.status === 'accepted' ? recorded.eventId : 0;
    await store.jobs.commitRouting(
      [
        {
          eventId,
          decisions: [
            { kind: 'work', key, repoRef: REPO, trigger: 'mention' },
            { kind: 'skip', agent: 'boss', reason: 'not mentioned' },
          ],
        },
      ],
      clock.now(),
    );
    const [job] = await store.jobs.runnableJobs(clock.now());
    assert.ok(job);
    await store.jobs.startJob(job.id, clock.now());
    await store.sessions.started(key, { sessionId: 'session-1', worktree: '/data/worktrees/dev/7', at: clock.now() });
    const runId = await store.runs.start({ jobId: job.id, key, attempt: 1, startedAt: clock.now() });
    await store.sessions.finished(key, { sessionId: 'session-1', cursor: undefined, costUsd: 0.25, at: clock.now() });
    const sweep = await store.sweeps.start('cli', true, clock.now());
    await store.sweeps.finish(sweep, clock.now(), { tasks: [] });
    return { dataDir, jobId: job.id, runId };
  } finally {
    await store.close();
  }
}

describe('importing a SQLite installation into PostgreSQL', { skip: postgresSkip() }, () => {
  const schemas: string[] = [];
  after(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });
  const freshSchema = async () => {
    const schema = freshSchemaName('import');
    schemas.push(schema);
    await createSchema(schema);
    return schema;
  };

  it('copies every table with its ids, bodies and values, and puts the running job back in the queue', async () => {
    const { dataDir, jobId, runId } = await sqliteInstallation();
    const schema = await freshSchema();

    const report = await importSqliteDataDir(target(), dataDir, { schema, now: 5 });

    assert.deepEqual(
      report.counts.map((c) => c.table),
      [...IMPORTED_TABLES, 'transcript_entries'],
    );
    const copied = Object.fromEntries(report.counts.map((c) => [c.table, c.rows]));
    for (const table of IMPORTED_TABLES) {
      const [row] = await queryIn<{ n: number }>(schema, `SELECT count(*)::int AS n FROM ${table}`);
      assert.equal(row?.n, copied[table], `${table}: as many rows in PostgreSQL as reported`);
    }
    assert.deepEqual(
      [
        copied.deliveries,
        copied.events,
        copied.jobs,
        copied.job_events,
        copied.routing_skips,
        copied.sessions,
        copied.runs,
        copied.sweeps,
      ],
      [2, 1, 1, 1, 1, 1, 1, 1],
    );
    const [delivery] = await queryIn<{ body: Buffer; outcome: string }>(
      schema,
      "SELECT body, outcome FROM deliveries WHERE delivery_id = 'delivery-1'",
    );
    assert.match(delivery!.body.toString(), /please fix the login form/);
    const [job] = await queryIn<{ id: number; state: string; started_at: number | null; error: string }>(
      schema,
      'SELECT id, state, started_at, error FROM jobs',
    );
    assert.deepEqual([Number(job!.id), job!.state, job!.started_at], [jobId, 'queued', null]);
    assert.match(job!.error, /interrupted/);
    assert.deepEqual(report.requeued, { jobs: 1, cleanupTasks: 0, mergedFollowUps: 0 });
    const [session] = await queryIn<{ session_id: string; cost_usd: number; run_count: number }>(
      schema,
      'SELECT session_id, cost_usd, run_count FROM sessions',
    );
    assert.deepEqual(session, { session_id: 'session-1', cost_usd: 0.25, run_count: 1 });
    const [run] = await queryIn<{ id: string; job_id: string }>(schema, 'SELECT id, job_id FROM runs');
    assert.deepEqual([Number(run!.id), Number(run!.job_id)], [runId, jobId]);
    const [sweep] = await queryIn<{ dry_run: boolean }>(schema, 'SELECT dry_run FROM sweeps');
    assert.equal(sweep!.dry_run, true);
  });

  it("copies the stored sessions' transcripts — in their key's folder, or where older releases kept them — so any worker resumes them after the move", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-import-'));
    const sessionId = '0b6f9a52-5d3e-4c1f-9a55-3a4c1b2d9e10';
    const older = '1c7a0b63-6e4f-4d20-8b66-4b5d2c3eaf21';
    const clock = manualClock();
    const sqlite = await openStore({ kind: 'sqlite' }, { dataDir, clock, dedupWindowMs: 0 });
    await sqlite.sessions.started(key, { sessionId, worktree: '/data/worktrees/dev/7', at: clock.now() });
    await sqlite.sessions.started(
      { ...key, issue: 8 },
      { sessionId: older, worktree: '/data/worktrees/dev/8', at: clock.now() },
    );
    await sqlite.close();
    const lines = [
      { type: 'user', uuid: 'u-1', message: 'fix it' },
      { type: 'assistant', uuid: 'u-2', message: 'on it' },
      { type: 'summary', summary: 'no uuid' },
    ];
    const current = join(dataDir, 'claude', 'sessions', 'dev-widget-7-abc', 'projects', '-data-worktrees-dev-7');
    mkdirSync(current, { recursive: true });
    writeFileSync(
      join(current, `${sessionId}.jsonl`),
      `${lines.map((l) => JSON.stringify(l)).join('\n')}\n{"type":"user","uuid":"u-3","mess`,
    );
    mkdirSync(join(dataDir, 'claude', 'projects', '-data-worktrees-dev-8'), { recursive: true });
    writeFileSync(
      join(dataDir, 'claude', 'projects', '-data-worktrees-dev-8', `${older}.jsonl`),
      `${JSON.stringify(lines[0])}\n`,
    );
    const schema = await freshSchema();

    const report = await importSqliteDataDir(target(), dataDir, { schema, now: 5 });

    assert.equal(
      report.counts.find((c) => c.table === 'transcript_entries')?.rows,
      4,
      'the line cut short by a crash is left out',
    );
    const store = await openStore(target(), { dataDir, schema, clock, dedupWindowMs: 0 });
    try {
      assert.deepEqual(await store.transcripts?.load(sessionId, undefined), lines);
      assert.deepEqual(await store.transcripts?.load(older, undefined), [lines[0]]);
    } finally {
      await store.close();
    }
  });

  it('copies how each run was isolated and what its sandbox refused: PostgreSQL reads the runs as SQLite did', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-import-'));
    const clock = manualClock();
    const sqlite = await openStore({ kind: 'sqlite' }, { dataDir, clock, dedupWindowMs: 0 });
    const before = await sqlite.runs.start({ jobId: 1, key, attempt: 1, startedAt: 10 });
    await sqlite.runs.interrupted(before, 20, 'from before sandboxing');
    const refused = await sqlite.runs.start({ jobId: 2, key, attempt: 1, startedAt: 30, isolation: 'bwrap' });
    await sqlite.runs.finish(
      refused,
      runFinish({
        finishedAt: 40,
        isolation: 'bwrap',
        blocked: { connections: 3, pushes: 1, hosts: ['evil.example'] },
      }),
    );
    await sqlite.runs.start({ jobId: 3, key, attempt: 1, startedAt: 50, isolation: 'none' });
    const runs = await sqlite.runs.list();
    await sqlite.close();
    const schema = await freshSchema();

    await importSqliteDataDir(target(), dataDir, { schema, now: 5 });

    const store = await openStore(target(), { dataDir, schema, clock, dedupWindowMs: 0 });
    try {
      assert.deepEqual(await store.runs.list(), runs);
      assert.deepEqual(
        runs.map((run) => [run.isolation, run.blocked?.hosts]),
        [
          ['none', undefined],
          ['bwrap', ['evil.example']],
          [undefined, undefined],
        ],
      );
    } finally {
      await store.close();
    }
  });

  it('copies the milestones and the issues learned of them: PostgreSQL reads them as SQLite did, flags included', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-import-'));
    const clock = manualClock();
    const repo = 'forge.test/acme/widget';
    const sqlite = await openStore({ kind: 'sqlite' }, { dataDir, clock, dedupWindowMs: 0 });
    await sqlite.milestones.upsertMilestone(repo, 1, { optedIn: true, stacking: false }, 10);
    await sqlite.milestones.setPaused(repo, 1, true, 11);
    await sqlite.milestones.recordRendered(repo, 1, 'block-hash', 12);
    await sqlite.milestones.upsertMilestone(repo, 9, {}, 13);
    await sqlite.milestones.upsertStory(
      {
        repo,
        number: 3,
        tracking: 1,
        title: 'Workdir',
        state: 'open',
        upstream: [2, 12],
        openPull: { number: 13, branch: 'issue-3-workdir' },
      },
      14,
    );
    await sqlite.milestones.upsertStory(
      { repo, number: 12, title: 'Outside', state: 'completed', upstream: [], mergedPull: 20 },
      15,
    );
    const milestones = await sqlite.milestones.listMilestones();
    const issues = await sqlite.milestones.issuesOf(repo, [3, 12]);
    await sqlite.close();
    const schema = await freshSchema();

    await importSqliteDataDir(target(), dataDir, { schema, now: 5 });

    const store = await openStore(target(), { dataDir, schema, clock, dedupWindowMs: 0 });
    try {
      assert.deepEqual(await store.milestones.listMilestones(), milestones);
      assert.deepEqual(await store.milestones.issuesOf(repo, [3, 12]), issues);
      assert.deepEqual(
        milestones.map((m) => [m.tracking, m.optedIn, m.paused, m.stacking]),
        [
          [1, true, true, false],
          [9, false, false, undefined],
        ],
      );
    } finally {
      await store.close();
    }
  });

  it('copies the watched pull requests: PostgreSQL reads them as SQLite did, by key and by head', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-import-'));
    const clock = manualClock();
    const pull = watchedPull(8, {
      checks: [
        { context: 'ci / test', state: 'failure', source: 'run', targetUrl: '', description: '', runId: 4, at: 3 },
      ],
      attempts: 1,
      woken: [WATCHED_HEAD],
      reported: [{ context: 'ci / test', sha: WATCHED_HEAD }],
      merge: { kind: 'waiting' },
      waitingOn: 'dev',
      updatedAt: 5,
    });
    const sqlite = await openStore({ kind: 'sqlite' }, { dataDir, clock, dedupWindowMs: 0 });
    await sqlite.pulls.saveWatched(pull);
    await sqlite.pulls.saveWatched({
      ...pull,
      number: 9,
      state: 'merged',
      merge: { kind: 'merged', at: 6 },
      updatedAt: 6,
    });
    const watched = await sqlite.pulls.listWatched();
    await sqlite.close();
    const schema = await freshSchema();

    const report = await importSqliteDataDir(target(), dataDir, { schema, now: 5 });

    const store = await openStore(target(), { dataDir, schema, clock, dedupWindowMs: 0 });
    try {
      assert.equal(report.counts.find((c) => c.table === 'watched_pulls')?.rows, 2);
      assert.deepEqual(await store.pulls.listWatched(), watched);
      assert.deepEqual(await store.pulls.watchedByHead(pull.repo, pull.headSha), [watched[0], watched[1]]);
    } finally {
      await store.close();
    }
  });

  it('moves the id sequences past the copied ids, so the next row does not collide', async () => {
    const { dataDir } = await sqliteInstallation();
    const schema = await freshSchema();
    await importSqliteDataDir(target(), dataDir, { schema, now: 5 });

    const [max] = await queryIn<{ seq: string }>(schema, 'SELECT max(seq) AS seq FROM deliveries');
    const [next] = await queryIn<{ seq: string }>(
      schema,
      "INSERT INTO deliveries (delivery_id, source, forge, event_type, received_at, headers, body, outcome) VALUES ('after', 'webhook', 'forgejo', 'x', 1, '{}', '\\x00', 'ignored') RETURNING seq",
    );

    assert.equal(Number(next!.seq), Number(max!.seq) + 1);
  });

  it('refuses a target that already holds deliveries or jobs, writing nothing', async () => {
    const { dataDir } = await sqliteInstallation();
    const schema = await freshSchema();
    await importSqliteDataDir(target(), dataDir, { schema, now: 5 });

    await assert.rejects(
      importSqliteDataDir(target(), dataDir, { schema, now: 5 }),
      (error: unknown) =>
        error instanceof ImportRefusedError && /already holds 2 deliveries and 1 jobs/.test(error.message),
    );
    const [row] = await queryIn<{ n: number }>(schema, 'SELECT count(*)::int AS n FROM deliveries');
    assert.equal(row?.n, 2);
  });
});
