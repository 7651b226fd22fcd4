/**
 * The sweeper (docs/decisions.md §24, §35) over the real service's parts — real worktrees, SQLite, and
 * sessions and transcripts written by real runs of the Claude runner against the scripted model —
 * with its clock moved forward: it expires what is old, keeps what is fresh, leaves alone a key
 * whose job starts mid-sweep, and a dry run reports exactly what the real sweep then does.
 */
import { workKeyString } from '../../src/core/work-key.js';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createTranscripts } from '../../src/agent/claude/transcripts.js';
import type { Transcripts } from '../../src/housekeeping/cleanup-actions.js';
import { createSweeper, sweepStorePorts } from '../../src/housekeeping/sweeper.js';
import { manualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { SessionRecord } from '../../src/sessions/ports.js';
import { REPO, startFlow, type Flow } from '../support/flow.js';
import { sessionConfigDir } from '../../src/sessions/transcript-layout.js';
import {
  bash,
  lastUserMessage,
  startScriptedModel,
  textsOf,
  transcriptPath,
  type ScriptedModel,
} from '../support/model/index.js';
import { until } from '../support/wait.js';

const DAY = 24 * 3600_000;
const HELD = 'one more thing';

/**
 * The scripted model; a run whose prompt asks for "one more thing" waits in a Bash loop until
 * `release` exists (a job running for as long as the test needs), every other run answers "Done.".
 */
async function modelHeldBy(release: string): Promise<ScriptedModel> {
  return startScriptedModel({
    respond: ({ body }) => {
      const last = lastUserMessage(body);
      if (!last || !textsOf(last).join('\n').includes(HELD)) return undefined;
      return bash(`while [ ! -e ${JSON.stringify(release)} ]; do sleep 0.05; done`, 'Wait for the test');
    },
  });
}

/** Issues 1 and 2 for dev, in that order, each run by the real runner: issue 1's worktree and session are the older. */
async function twoIssues(flow: Flow) {
  const alice = flow.forge.as('alice');
  for (const title of ['Old work', 'Newer work']) {
    const issue = await alice.openIssue(REPO, { title, body: '' });
    await alice.assign(REPO, issue.number, 'dev');
    await flow.settle();
  }
  const list = await flow.service.workdirs.list();
  const worktree = (n: number) =>
    list.find((w) => w.target.kind === 'issue-branch' && w.target.branch.startsWith(`issue-${n}-`))!;
  const sessions = await flow.service.store.sessions.list();
  const session = (n: number) => sessions.find((s) => s.key.agent === 'dev' && s.key.issue === n)!;
  assert.ok(session(1)?.sessionId && session(2)?.sessionId, 'dev’s runs started a session for each issue');
  return { older: worktree(1), newer: worktree(2), sessions, dev: session };
}

function transcriptOf(flow: Flow, session: SessionRecord): string {
  return transcriptPath(
    sessionConfigDir(join(flow.dataDir, 'claude'), session.key),
    session.worktree,
    session.sessionId!,
  );
}

function sweeperFor(
  flow: Flow,
  now: number,
  cutoffs: { worktree: number; session: number },
  transcripts?: Transcripts,
) {
  const { store, workdirs } = flow.service;
  return createSweeper({
    ...sweepStorePorts(store),
    workdirs,
    transcripts: transcripts ?? createTranscripts(join(flow.dataDir, 'claude')),
    limits: {
      sessionTtlMs: now - cutoffs.session,
      worktreeTtlMs: now - cutoffs.worktree,
      atticTtlMs: 90 * DAY,
      retentionMs: 30 * DAY,
      diskHighWaterBytes: 0,
    },
    clock: manualClock(now),
    log: silentLogger(),
  });
}

describe('the sweeper', { timeout: 180_000 }, () => {
  it('expires what is old (the transcripts real runs wrote, and their rows), keeps what is fresh, and leaves alone a key whose job starts mid-sweep', async () => {
    const gate = mkdtempSync(join(tmpdir(), 'claude-hooks-gate-'));
    const release = join(gate, 'release');
    const model = await modelHeldBy(release);
    const flow = await startFlow({ modelUrl: model.url });
    try {
      const { older, newer, sessions, dev } = await twoIssues(flow);
      const now = Date.now() + 40 * DAY;
      // Sessions last used up to dev's run on issue 1 (boss's triage of it too) are past the TTL.
      const cutoff = dev(1).lastUsedAt + 1;
      const old = sessions.filter((s) => s.lastUsedAt < cutoff);
      const fresh = sessions.filter((s) => s.lastUsedAt >= cutoff);
      assert.ok(fresh.includes(dev(2)));
      for (const s of sessions)
        assert.ok(existsSync(transcriptOf(flow, s)), `the run wrote ${workKeyString(s.key)}’s transcript`);
      // Every dev worktree is past its TTL; a job for issue 2 starts while the sweep expires sessions.
      let started = false;
      const transcripts = createTranscripts(join(flow.dataDir, 'claude'));
      const midSweep: Transcripts = {
        async remove(id, cwd) {
          if (!started) {
            started = true;
            await flow.forge.as('alice').comment(REPO, 2, `@dev ${HELD}`);
            await until(
              async () => (await flow.service.store.jobs.runningJobs()).some((j) => j.key.issue === 2),
              'the job on issue 2 to start',
            );
          }
          return transcripts.remove(id, cwd);
        },
        idle: (before) => transcripts.idle(before),
      };
      const sweeper = sweeperFor(flow, now, { worktree: newer.lastUsedAt + 1, session: cutoff }, midSweep);

      const report = await sweeper.sweep({ trigger: 'test' });

      const task = (name: string) => report.tasks.find((t) => t.task === name)!;
      assert.deepEqual([...task('sessions').items].sort(), old.map((s) => workKeyString(s.key)).sort());
      for (const s of old) {
        assert.equal(existsSync(transcriptOf(flow, s)), false, `${workKeyString(s.key)}’s transcript is deleted`);
        assert.equal(
          await flow.service.store.sessions.get(s.key),
          undefined,
          `${workKeyString(s.key)}’s row is deleted`,
        );
      }
      for (const s of fresh) {
        assert.ok(existsSync(transcriptOf(flow, s)), `${workKeyString(s.key)}’s transcript is kept`);
        assert.equal((await flow.service.store.sessions.get(s.key))?.sessionId, s.sessionId);
      }
      assert.ok(task('worktrees').items.includes(older.path), 'the idle worktree is removed');
      assert.ok(
        !task('worktrees').items.includes(newer.path),
        'the worktree of the key whose job started mid-sweep is left alone',
      );
      assert.ok(existsSync(newer.path));
      assert.equal(existsSync(older.path), false);
      assert.deepEqual(
        report.tasks.flatMap((t) => t.failures),
        [],
      );
      const [recorded] = await flow.service.store.sweeps.list(1);
      assert.equal(recorded?.id, report.id);
    } finally {
      writeFileSync(release, '');
      await flow.close();
      await model.close();
      rmSync(gate, { recursive: true, force: true });
    }
  });

  it('reports on a dry run exactly what the real sweep then does', async () => {
    const model = await startScriptedModel();
    const flow = await startFlow({ modelUrl: model.url });
    try {
      const { newer, dev } = await twoIssues(flow);
      const now = Date.now() + 40 * DAY;
      const sweeper = sweeperFor(flow, now, { worktree: newer.lastUsedAt, session: dev(1).lastUsedAt + 1 });

      const dry = await sweeper.sweep({ dryRun: true });
      const transcriptKept = existsSync(transcriptOf(flow, dev(1)));
      const real = await sweeper.sweep({});

      const items = (r: typeof dry) =>
        r.tasks.filter((t) => t.task !== 'retention').map((t) => ({ task: t.task, items: t.items }));
      assert.deepEqual(items(real), items(dry));
      assert.ok(
        dry.tasks.find((t) => t.task === 'sessions')?.items.includes(workKeyString(dev(1).key)),
        'the dry run found dev’s old session',
      );
      assert.deepEqual(
        dry.tasks.map((t) => t.removed),
        dry.tasks.map(() => 0),
        'a dry run removes nothing',
      );
      assert.equal(transcriptKept, true, 'the dry run left the transcript');
      assert.equal(existsSync(transcriptOf(flow, dev(1))), false, 'the real sweep deleted it');
    } finally {
      await flow.close();
      await model.close();
    }
  });

  it('on a worker that does not lead, sweeps only its own disk: a transcript whose session is gone goes, the sessions in the database stay', async () => {
    const model = await startScriptedModel();
    const flow = await startFlow({ modelUrl: model.url });
    try {
      const { dev } = await twoIssues(flow);
      const [gone, kept] = [dev(1), dev(2)];
      // Another worker's sweep expired issue 1's session: its row is gone, this disk's transcript is not.
      await flow.service.store.housekeepingSessions.delete(gone.key);
      const now = Date.now() + 40 * DAY;
      const sweeper = sweeperFor(flow, now, { worktree: 0, session: now - DAY });

      const report = await sweeper.sweep({ diskOnly: true, trigger: 'schedule, disk of worker w-2' });

      assert.deepEqual(
        report.tasks.map((t) => t.task),
        ['transcripts', 'worktrees', 'attic', 'strays', 'caches', 'disk'],
      );
      assert.deepEqual(report.tasks.find((t) => t.task === 'transcripts')?.items, [transcriptOf(flow, gone)]);
      assert.equal(existsSync(transcriptOf(flow, gone)), false, 'the orphaned transcript was deleted');
      assert.equal(
        existsSync(transcriptOf(flow, kept)),
        true,
        'a transcript its session still names is the sessions task’s',
      );
      assert.equal(
        (await flow.service.store.sessions.get(kept.key))?.sessionId,
        kept.sessionId,
        'the idle session was left to the leader',
      );
    } finally {
      await flow.close();
      await model.close();
    }
  });

  it('refuses an unknown task by name, listing the tasks', async () => {
    const flow = await startFlow();
    try {
      assert.throws(
        () => sweeperFor(flow, Date.now(), { worktree: 0, session: 0 }).sweep({ task: 'everything' }),
        /unknown sweep task "everything": the tasks are sessions, transcripts, worktrees, attic, strays, caches, retention, disk/,
      );
    } finally {
      await flow.close();
    }
  });
});
