/**
 * `npm run bench -- sweep` (docs/decisions.md §24): one sweep over 1,000 idle sessions (each with a transcript
 * on disk) and 200 idle worktrees (real git worktrees of a small repository served over HTTP),
 * generated here. Figures: the sweep's duration, and the event-loop delay p99 while it runs —
 * the target is under 20 ms, so webhooks keep being answered during a sweep. The baseline is the
 * event-loop p99 of the same process idling for as long.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createTranscripts } from '../src/agent/claude/transcripts.js';
import { createSweeper, sweepStorePorts } from '../src/housekeeping/sweeper.js';
import { manualClock, systemClock } from '../src/lib/clock.js';
import { silentLogger } from '../src/lib/logger.js';
import { benchAgent } from './lib/bench-agent.js';
import { openStore } from '../src/store/open-store.js';
import { createWorkdirs, type RepoSpec } from '../src/workdir/index.js';
import { startGitHttpServer } from '../test/support/git-http-backend.js';
import { writeReport } from './lib/report.js';

// Smaller runs for a quick look: SWEEP_BENCH_SESSIONS=100 SWEEP_BENCH_WORKTREES=20 npm run bench -- sweep
const SESSIONS = Number(process.env.SWEEP_BENCH_SESSIONS ?? 1000);
const WORKTREES = Number(process.env.SWEEP_BENCH_WORKTREES ?? 200);
const DAY = 24 * 3600_000;

function smallRepo(root: string): void {
  const bare = join(root, 'bench', 'small.git');
  const seed = join(root, 'seed');
  const git = (cwd: string, args: string[]) =>
    execFileSync('git', args, {
      cwd,
      env: { PATH: process.env.PATH, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', HOME: root },
    });
  mkdirSync(bare, { recursive: true });
  git(bare, ['init', '--quiet', '--bare', '--initial-branch=main']);
  mkdirSync(seed);
  git(seed, ['init', '--quiet', '--initial-branch=main']);
  for (let i = 0; i < 50; i++) writeFileSync(join(seed, `file-${i}.txt`), `content ${i}\n`.repeat(40));
  git(seed, ['add', '-A']);
  git(seed, ['-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '--quiet', '-m', 'seed']);
  git(seed, ['push', '--quiet', bare, 'main']);
}

async function idleP99(ms: number): Promise<number> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  await new Promise((resolve) => setTimeout(resolve, ms));
  delay.disable();
  return delay.percentile(99) / 1e6;
}

export async function run(): Promise<void> {
  const say = (line: string) => console.log(`  [sweep] ${line}`);
  const work = mkdtempSync(join(tmpdir(), 'claude-hooks-bench-sweep-'));
  const token = `bench-${Math.random().toString(36).slice(2)}`;
  smallRepo(join(work, 'forge'));
  const server = await startGitHttpServer({
    projectRoot: join(work, 'forge'),
    authorize: ({ token: offered }) => offered === token,
  });
  const dataDir = join(work, 'data');
  const store = await openStore({ kind: 'sqlite' }, { dataDir, clock: systemClock, dedupWindowMs: 0 });
  try {
    const repo: RepoSpec = {
      host: new URL(server.url).host,
      owner: 'bench',
      name: 'small',
      cloneUrl: `${server.url}/bench/small.git`,
      defaultBranch: 'main',
    };
    const workdirs = createWorkdirs({
      dataDir,
      minFreeBytes: 0,
      env: { PATH: process.env.PATH },
      log: silentLogger(),
      clock: systemClock,
    });
    const dev = benchAgent(token);
    say(`generating ${WORKTREES} worktrees`);
    for (let i = 1; i <= WORKTREES; i++) {
      const lease = await workdirs.acquire({
        repo,
        agent: dev,
        target: { kind: 'issue-branch', branch: `issue-${i}-bench` },
      });
      if (!lease.ok) throw new Error(lease.error.message);
      await lease.value.release();
    }
    say(`generating ${SESSIONS} sessions with transcripts`);
    const projects = join(dataDir, 'claude', 'projects');
    const line = `${JSON.stringify({ type: 'assistant', message: { content: 'x'.repeat(400) } })}\n`;
    for (let i = 0; i < SESSIONS; i++) {
      const id = `${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
      const project = join(projects, `/w/${i}`.replace(/[^A-Za-z0-9]/g, '-'));
      mkdirSync(project, { recursive: true });
      writeFileSync(join(project, `${id}.jsonl`), line.repeat(20));
      await store.sessions.started(
        { agent: 'dev', repo: `${repo.host}/bench/small`, issue: i + 1 },
        { sessionId: id, worktree: `/w/${i}`, at: Date.now() },
      );
    }
    await workdirs.diskUsage({ maxAgeMs: 0 });
    const later = Date.now() + 60 * DAY;
    const sweeper = createSweeper({
      ...sweepStorePorts(store),
      workdirs,
      transcripts: createTranscripts(join(dataDir, 'claude')),
      limits: {
        sessionTtlMs: 30 * DAY,
        worktreeTtlMs: 14 * DAY,
        atticTtlMs: 90 * DAY,
        retentionMs: 30 * DAY,
        diskHighWaterBytes: 0,
      },
      clock: manualClock(later),
      log: silentLogger(),
    });

    say('sweeping');
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const started = performance.now();
    const report = await sweeper.sweep({
      trigger: 'bench',
      ...(process.env.SWEEP_BENCH_TASK ? { task: process.env.SWEEP_BENCH_TASK } : {}),
    });
    for (const t of report.tasks)
      say(`${t.task}: found ${t.found}, removed ${t.removed}, failures ${t.failures.length}`);
    const durationMs = performance.now() - started;
    delay.disable();
    const p99 = delay.percentile(99) / 1e6;
    const baseline = await idleP99(Math.min(5000, durationMs));
    const none = { removed: 0 };
    const task = (name: string) => report.tasks.find((t) => t.task === name) ?? none;
    const failures = report.tasks.reduce((n, t) => n + t.failures.length, 0);
    const only = process.env.SWEEP_BENCH_TASK;
    if ((!only && (task('sessions').removed !== SESSIONS || task('worktrees').removed !== WORKTREES)) || failures > 0) {
      throw new Error(
        `the sweep did not remove everything: ${JSON.stringify(report.tasks.map((t) => ({ task: t.task, removed: t.removed, failures: t.failures.slice(0, 3) })))}`,
      );
    }
    writeReport({
      name: 'sweep',
      figures: {
        sweep_duration_ms: durationMs,
        sessions_expired: task('sessions').removed,
        worktrees_removed: task('worktrees').removed,
        per_worktree_ms: durationMs / WORKTREES,
        event_loop_p99_during_sweep_ms: p99,
        event_loop_p99_idle_baseline_ms: baseline,
        reclaimed_mib: report.tasks.reduce((n, t) => n + t.reclaimedBytes, 0) / 1024 ** 2,
      },
      targets: { event_loop_p99_during_sweep_ms: { value: p99, max: 20 } },
      notes: [
        `${SESSIONS} sessions idle past their TTL, each with a ${line.length * 20} B transcript; ${WORKTREES} clean worktrees of a 50-file repository idle past theirs`,
        'one sweep with every task (sessions, transcripts, worktrees, attic, strays, caches, retention, disk); the clock moved 60 days forward',
        'event-loop p99: monitorEventLoopDelay over the whole sweep; baseline: the same process idling',
      ],
    });
  } finally {
    await store.close();
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}
