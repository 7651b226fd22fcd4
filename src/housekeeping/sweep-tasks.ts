/**
 * The sweeper's tasks: a closed, named list, each idempotent, each reporting
 * what it found, what it removed (the `items`, identical in a dry run and the real sweep that
 * follows), the bytes it reclaimed and every failure with its reason. No task touches a key with
 * a queued or running job — checked just before each removal, and a job that starts after that
 * finds its worktree leased by the removal and waits for it.
 */
import type { DeliveryRetention } from '../intake/ports.js';
import { issueOfBranch } from '../core/pull-of.js';
import type { Logger } from '../lib/logger.js';
import type { WorktreeInfo, Workdirs } from '../workdir/index.js';
import { repoKey } from '../core/events.js';
import type { Transcripts } from './cleanup-actions.js';
import type { CleanupQueue, HousekeepingSessions, RecordRetention, SettledPulls } from './ports.js';

export const SWEEP_TASKS = [
  'sessions',
  'transcripts',
  'worktrees',
  'attic',
  'strays',
  'caches',
  'retention',
  'disk',
] as const;
export type SweepTaskName = (typeof SWEEP_TASKS)[number];

/**
 * The tasks that act on this worker's disk only. With several workers each has its own data dir:
 * every worker runs these on the schedule, and only the sweeper's leader runs the others, which act
 * on the shared database (`sessions`, `retention`).
 */
export const DISK_TASKS: readonly SweepTaskName[] = ['transcripts', 'worktrees', 'attic', 'strays', 'caches', 'disk'];

export interface TaskReport {
  readonly task: SweepTaskName;
  found: number;
  removed: number;
  reclaimedBytes: number;
  /** What was (or, in a dry run, would be) removed, one line each. */
  readonly items: string[];
  readonly failures: Array<{ readonly what: string; readonly reason: string }>;
  readonly notes: string[];
}

export interface SweepLimits {
  readonly sessionTtlMs: number;
  readonly worktreeTtlMs: number;
  readonly atticTtlMs: number;
  readonly retentionMs: number;
  readonly diskHighWaterBytes: number;
}

export interface SweepDeps {
  readonly workdirs: Pick<
    Workdirs,
    'list' | 'removeWorktree' | 'diskUsage' | 'attic' | 'removeAttic' | 'strays' | 'adoptStray' | 'prune' | 'maintain'
  >;
  readonly rows: HousekeepingSessions;
  readonly transcripts: Transcripts;
  readonly queue: Pick<CleanupQueue, 'keysBusy'>;
  readonly deliveries: DeliveryRetention;
  readonly records: RecordRetention;
  readonly pulls: SettledPulls;
  readonly limits: SweepLimits;
  readonly log: Logger;
}

export interface SweepContext {
  readonly now: number;
  readonly dryRun: boolean;
}

type Task = (deps: SweepDeps, ctx: SweepContext, report: TaskReport) => Promise<void>;

export const TASKS: Readonly<Record<SweepTaskName, Task>> = {
  async sessions(deps, ctx, report) {
    const idle = await deps.rows.idleSince(ctx.now - deps.limits.sessionTtlMs, 100_000);
    report.found = idle.length;
    for (const session of idle) {
      const name = `${session.key.agent}:${session.key.repo}#${session.key.issue}`;
      if (await deps.queue.keysBusy(session.key.repo, [session.key.issue], session.key.agent)) {
        report.notes.push(`${name}: has a queued or running job, left alone`);
        continue;
      }
      report.items.push(name);
      if (ctx.dryRun) continue;
      if (session.sessionId)
        report.reclaimedBytes += await deps.transcripts.remove(session.sessionId, session.worktree);
      await deps.rows.delete(session.key);
      report.removed++;
    }
  },

  /**
   * Transcript files on this disk idle past the session TTL that no stored session names: the
   * session expired, was reset or deleted — on this worker or on another (whose sweep could not
   * reach this disk). A transcript a session still names is the `sessions` task's to expire.
   */
  async transcripts(deps, ctx, report) {
    const idle = await deps.transcripts.idle(ctx.now - deps.limits.sessionTtlMs);
    const named = await deps.rows.named([...new Set(idle.map((t) => t.sessionId))]);
    const orphans = idle.filter((t) => !named.has(t.sessionId));
    report.found = orphans.length;
    for (const transcript of orphans) {
      report.items.push(transcript.path);
      if (ctx.dryRun) continue;
      report.reclaimedBytes += await deps.transcripts.remove(transcript.sessionId);
      report.removed++;
    }
  },

  async worktrees(deps, ctx, report) {
    const idle = (await deps.workdirs.list()).filter((w) => w.lastUsedAt < ctx.now - deps.limits.worktreeTtlMs);
    report.found = idle.length;
    await removeWorktrees(deps, ctx, report, idle);
  },

  async attic(deps, ctx, report) {
    const old = (await deps.workdirs.attic()).filter((entry) => entry.savedAt < ctx.now - deps.limits.atticTtlMs);
    report.found = old.length;
    for (const entry of old) {
      report.items.push(entry.dir);
      if (ctx.dryRun) continue;
      await deps.workdirs.removeAttic(entry.dir);
      report.removed++;
      report.reclaimedBytes += entry.bytes;
    }
  },

  async strays(deps, ctx, report) {
    const { folders, records } = await deps.workdirs.strays();
    const leased = new Set((await deps.workdirs.list()).filter((w) => w.leased).map((w) => w.path));
    report.found = folders.length + records.length;
    for (const id of records) {
      report.items.push(`record ${id} (its folder is gone)`);
      if (ctx.dryRun) continue;
      const removed = await deps.workdirs.removeWorktree({ id });
      if (removed.ok) report.removed++;
      else report.failures.push({ what: `record ${id}`, reason: removed.error.message });
    }
    for (const folder of folders.filter((f) => !leased.has(f))) {
      report.items.push(`folder ${folder} (no record names it)`);
      if (ctx.dryRun) continue;
      const attic = await deps.workdirs.adoptStray(folder);
      report.notes.push(`${folder} moved to the attic: ${attic}`);
      report.removed++;
    }
    if (!ctx.dryRun) report.notes.push(`git worktree prune in ${await deps.workdirs.prune()} caches`);
  },

  async caches(deps, ctx, report) {
    const repos = [...new Map((await deps.workdirs.list()).map((w) => [w.repoKey, w.repo])).values()];
    report.found = repos.length;
    for (const repo of repos) {
      const name = `${repo.owner}/${repo.name}`;
      report.items.push(`gc ${name}`);
      if (ctx.dryRun) continue;
      try {
        await deps.workdirs.maintain(repo);
        report.removed++;
      } catch (error) {
        report.failures.push({ what: `gc ${name}`, reason: error instanceof Error ? error.message : String(error) });
      }
    }
  },

  async retention(deps, ctx, report) {
    const cutoff = ctx.now - deps.limits.retentionMs;
    const found = await deps.records.countBefore(cutoff);
    report.found = found.deliveries + found.runs + found.cleanupTasks;
    report.notes.push(
      `before ${new Date(cutoff).toISOString()}: ${found.deliveries} deliveries, ${found.runs} runs, ${found.cleanupTasks} cleanup tasks`,
    );
    if (ctx.dryRun) return;
    const deliveries = await deps.deliveries.deleteDeliveriesBefore(cutoff);
    const runs = await deps.records.deleteRunsBefore(cutoff);
    // A merged or closed pull request's record (its attempts, reruns, flakes) goes with its runs.
    const pulls = await deps.pulls.forgetSettled(cutoff);
    report.removed = deliveries.deliveries + runs.runs + runs.cleanupTasks + pulls;
    report.notes.push(
      `deleted ${deliveries.deliveries} deliveries, ${deliveries.events} events, ${deliveries.jobs} jobs, ${runs.runs} runs, ${runs.cleanupTasks} cleanup tasks, ${pulls} settled pull requests`,
    );
  },

  async disk(deps, ctx, report) {
    const usage = await deps.workdirs.diskUsage({ maxAgeMs: 0 });
    if (usage.freeBytes >= deps.limits.diskHighWaterBytes) {
      report.notes.push(`free ${usage.freeBytes} bytes is above the high-water mark ${deps.limits.diskHighWaterBytes}`);
      return;
    }
    const bytes = new Map(usage.worktrees.map((w) => [w.id, w.bytes]));
    const lru = (await deps.workdirs.list()).filter((w) => !w.leased).sort((a, b) => a.lastUsedAt - b.lastUsedAt);
    const needed = deps.limits.diskHighWaterBytes - usage.freeBytes;
    const chosen: WorktreeInfo[] = [];
    let freed = 0;
    for (const w of lru) {
      if (freed >= needed) break;
      chosen.push(w);
      freed += bytes.get(w.id) ?? 0;
    }
    report.found = chosen.length;
    deps.log.warn(
      {
        freeBytes: usage.freeBytes,
        highWaterBytes: deps.limits.diskHighWaterBytes,
        evicting: chosen.length,
        dryRun: ctx.dryRun,
      },
      'free disk under the high-water mark: evicting least-recently-used idle worktrees',
    );
    report.notes.push(
      `free ${usage.freeBytes} bytes is under the high-water mark ${deps.limits.diskHighWaterBytes}: evicting ${chosen.length} least-recently-used idle worktrees`,
    );
    await removeWorktrees(deps, ctx, report, chosen, bytes);
  },
};

async function removeWorktrees(
  deps: SweepDeps,
  ctx: SweepContext,
  report: TaskReport,
  worktrees: readonly WorktreeInfo[],
  knownBytes?: Map<string, number>,
): Promise<void> {
  const bytes =
    knownBytes ??
    new Map(
      (await deps.workdirs.diskUsage({ maxAgeMs: Number.MAX_SAFE_INTEGER })).worktrees.map((w) => [w.id, w.bytes]),
    );
  for (const w of worktrees) {
    if (w.leased || (await deps.queue.keysBusy(repoKey(w.repo), issuesOf(w), w.agent))) {
      report.notes.push(`${w.path}: in use or has a queued or running job, left alone`);
      continue;
    }
    report.items.push(w.path);
    if (ctx.dryRun) continue;
    const removed = await deps.workdirs.removeWorktree({ id: w.id });
    if (!removed.ok) {
      report.failures.push({ what: w.path, reason: removed.error.message });
      continue;
    }
    report.removed++;
    report.reclaimedBytes += bytes.get(w.id) ?? 0;
    if (removed.value.saved) report.notes.push(`${w.path}: unpushed work saved to ${removed.value.saved.dir}`);
  }
}

/** The work-key issues a worktree serves; undefined (every key of the agent in the repository) when the target does not say. */
function issuesOf(w: WorktreeInfo): number[] | undefined {
  if (w.target.kind === 'pr-head') return [w.target.number];
  if (w.target.kind === 'issue-branch') {
    const issue = issueOfBranch(w.target.branch);
    return issue === undefined ? undefined : [issue];
  }
  return undefined;
}
