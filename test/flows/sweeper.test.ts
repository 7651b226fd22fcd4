/**
 * The sweeper (issue 10, item 2) over the real service's parts — real worktrees and SQLite —
 * with its clock moved forward: it expires what is old, keeps what is fresh, leaves alone a key
 * whose job starts mid-sweep, and a dry run reports exactly what the real sweep then does.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { WorkspaceAgentRunner } from '../../src/agent/workspace-runner.js';
import { createTranscripts } from '../../src/agent/claude/transcripts.js';
import type { Transcripts } from '../../src/housekeeping/cleanup-actions.js';
import { createSweeper } from '../../src/housekeeping/sweeper.js';
import { silentLogger } from '../../src/lib/logger.js';
import { REPO, startFlow, type Flow } from '../support/flow.js';
import { until } from '../support/wait.js';

const run = promisify(execFile);
const DAY = 24 * 3600_000;

function devRunner(state: { hold: boolean; release?: () => void }): WorkspaceAgentRunner {
  return {
    async run(request) {
      if (request.agent.name !== 'dev') return { ok: true };
      const cwd = request.workspace.path;
      const env = { PATH: process.env.PATH ?? '', HOME: cwd, ...request.workspace.env };
      writeFileSync(join(cwd, `note-${Date.now()}.md`), 'work\n');
      await run('git', ['add', '-A'], { cwd, env });
      await run('git', ['commit', '-m', 'Work'], { cwd, env });
      await run('git', ['push', 'origin', 'HEAD'], { cwd, env });
      if (state.hold) await new Promise<void>((resolve) => (state.release = resolve));
      return { ok: true };
    },
  };
}

/** Issues 1 and 2 for dev, in that order: issue 1's worktree is the older. */
async function twoIssues(flow: Flow) {
  const alice = flow.forge.as('alice');
  for (const title of ['Old work', 'Newer work']) {
    const issue = await alice.openIssue(REPO, { title, body: '' });
    await alice.assign(REPO, issue.number, 'dev');
    await flow.settle();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const list = await flow.service.workdirs.list();
  const dev = (n: number) => list.find((w) => w.target.kind === 'issue-branch' && w.target.branch.startsWith(`issue-${n}-`))!;
  return { older: dev(1), newer: dev(2) };
}

/** A session row with a transcript on disk where the runner's config dir keeps them. */
async function sessionWithTranscript(flow: Flow, issue: number, at: number, id: string): Promise<string> {
  const key = { agent: 'dev', repo: `${new URL(flow.forge.url).host}/${REPO}`.toLowerCase(), issue };
  await flow.service.store.sessions.started(key, { sessionId: id, worktree: '/w', at });
  const dir = join(flow.dataDir, 'claude', 'projects', '-w');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${id}.jsonl`);
  writeFileSync(file, '{"type":"user"}\n');
  return file;
}

function sweeperFor(flow: Flow, now: number, cutoffs: { worktree: number; session: number }, transcripts?: Transcripts) {
  const { store, workdirs } = flow.service;
  return createSweeper({
    workdirs,
    rows: store.housekeepingSessions,
    transcripts: transcripts ?? createTranscripts(join(flow.dataDir, 'claude')),
    queue: store.cleanup,
    deliveries: store.deliveries,
    records: store.recordRetention,
    sweeps: store.sweeps,
    limits: { sessionTtlMs: now - cutoffs.session, worktreeTtlMs: now - cutoffs.worktree, atticTtlMs: 90 * DAY, retentionMs: 30 * DAY, diskHighWaterBytes: 0 },
    clock: { now: () => now },
    log: silentLogger(),
  });
}

const OLD_SESSION = '11111111-1111-4111-8111-111111111111';
const FRESH_SESSION = '22222222-2222-4222-8222-222222222222';

describe('the sweeper', () => {
  it('expires what is old, keeps what is fresh, and leaves alone a key whose job starts mid-sweep', async () => {
    const state = { hold: false } as { hold: boolean; release?: () => void };
    const flow = await startFlow({ runner: devRunner(state) });
    try {
      const { older, newer } = await twoIssues(flow);
      const now = Date.now() + 40 * DAY;
      const oldTranscript = await sessionWithTranscript(flow, 5, now - 31 * DAY, OLD_SESSION);
      const freshTranscript = await sessionWithTranscript(flow, 6, now - DAY, FRESH_SESSION);
      // Every dev worktree is past its TTL; a job for issue 2 starts while the sweep expires sessions.
      let started = false;
      const transcripts = createTranscripts(join(flow.dataDir, 'claude'));
      const midSweep: Transcripts = {
        async remove(id) {
          if (!started) {
            started = true;
            state.hold = true;
            await flow.forge.as('alice').comment(REPO, 2, '@dev one more thing');
            await until(async () => (await flow.service.store.jobs.runningJobs()).some((j) => j.key.issue === 2), 'the job on issue 2 to start');
          }
          return transcripts.remove(id);
        },
      };
      const sweeper = sweeperFor(flow, now, { worktree: newer.lastUsedAt + 1, session: now - 30 * DAY }, midSweep);

      const report = await sweeper.sweep({ trigger: 'test' });

      const task = (name: string) => report.tasks.find((t) => t.task === name)!;
      assert.deepEqual(task('sessions').items, [`dev:${new URL(flow.forge.url).host}/${REPO}#5`.toLowerCase()]);
      assert.equal(existsSync(oldTranscript), false, 'the old transcript is deleted');
      assert.equal(existsSync(freshTranscript), true, 'the fresh one is kept');
      assert.ok(task('worktrees').items.includes(older.path), 'the idle worktree is removed');
      assert.ok(!task('worktrees').items.includes(newer.path), 'the worktree of the key whose job started mid-sweep is left alone');
      assert.ok(existsSync(newer.path));
      assert.equal(existsSync(older.path), false);
      assert.deepEqual(report.tasks.flatMap((t) => t.failures), []);
      const [recorded] = await flow.service.store.sweeps.list(1);
      assert.equal(recorded?.id, report.id);
    } finally {
      state.release?.();
      await flow.close();
    }
  });

  it('reports on a dry run exactly what the real sweep then does', async () => {
    const flow = await startFlow({ runner: devRunner({ hold: false }) });
    try {
      const { newer } = await twoIssues(flow);
      const now = Date.now() + 40 * DAY;
      await sessionWithTranscript(flow, 5, now - 31 * DAY, OLD_SESSION);
      await sessionWithTranscript(flow, 6, now - DAY, FRESH_SESSION);
      const sweeper = sweeperFor(flow, now, { worktree: newer.lastUsedAt, session: now - 30 * DAY });

      const dry = await sweeper.sweep({ dryRun: true });
      const real = await sweeper.sweep({});

      const items = (r: typeof dry) => r.tasks.filter((t) => t.task !== 'retention').map((t) => ({ task: t.task, items: t.items }));
      assert.deepEqual(items(real), items(dry));
      assert.ok(dry.tasks.some((t) => t.items.length > 0), 'the dry run found something to do');
      assert.deepEqual(dry.tasks.map((t) => t.removed), dry.tasks.map(() => 0), 'a dry run removes nothing');
    } finally {
      await flow.close();
    }
  });

  it('refuses an unknown task by name, listing the tasks', async () => {
    const flow = await startFlow({ runner: devRunner({ hold: false }) });
    try {
      assert.throws(() => sweeperFor(flow, Date.now(), { worktree: 0, session: 0 }).sweep({ task: 'everything' }), /unknown sweep task "everything": the tasks are sessions, worktrees, attic, strays, caches, retention, disk/);
    } finally {
      await flow.close();
    }
  });
});
