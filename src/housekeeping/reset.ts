/**
 * `POST /admin/reset` and `claude-hooks reset`: forget sessions, remove
 * worktrees, drop caches for the keys an operator names, and answer exactly what was done — or,
 * with `dryRun`, what would be. A key with a running job is refused (naming the job) unless
 * `force`, which cancels the job first. Removal saves unpushed work to the attic, as always.
 */
import type { AgentConfig } from '../config/types.js';
import { issueOfBranch } from '../core/pull-of.js';
import { type Clock, sleep } from '../lib/clock.js';
import { err, ok, type Result } from '../lib/result.js';
import { nearest } from '../lib/nearest.js';
import type { Job, JobStore } from '../queue/ports.js';
import type { SessionStore } from '../sessions/ports.js';
import type { RepoSpec, WorktreeInfo, Workdirs } from '../workdir/index.js';
import type { ResetRequest } from './admin-schema.js';
import type { Transcripts } from './cleanup-actions.js';
import { repoKey } from '../core/events.js';
import type { HousekeepingSessions } from './ports.js';

export interface ResetDeps {
  readonly agents: readonly Pick<AgentConfig, 'name'>[];
  readonly workdirs: Pick<Workdirs, 'list' | 'removeWorktree' | 'removeCache'>;
  readonly sessions: Pick<SessionStore, 'forget' | 'list'>;
  readonly rows: HousekeepingSessions;
  readonly transcripts: Transcripts;
  readonly jobs: Pick<JobStore, 'runningJobs' | 'getJob'>;
  /**
   * Cancels a running job: settles when it has ended (`running`), or once another worker that runs
   * it was asked to stop it (`requested`).
   */
  readonly cancelJob: (id: number, reason: string) => Promise<unknown>;
  readonly clock: Clock;
  /** How long a forced reset waits for another worker to stop a job (60 s by default). */
  readonly remoteCancelWaitMs?: number;
  /** The forge's URL: a cache with no worktree left is named from it. */
  readonly forgeUrl: string | undefined;
}

export interface ResetReport {
  readonly dryRun: boolean;
  readonly scope: ResetRequest['scope'];
  readonly cancelledJobs: readonly number[];
  readonly sessions: readonly {
    readonly key: string;
    readonly sessionId: string | undefined;
    readonly transcriptBytes?: number;
  }[];
  readonly worktrees: readonly {
    readonly id: string;
    readonly agent: string;
    readonly path: string;
    readonly attic?: string;
  }[];
  readonly caches: readonly { readonly repo: string; readonly removed?: boolean }[];
  readonly failures: readonly { readonly what: string; readonly reason: string }[];
}

export type ResetError =
  | { readonly kind: 'unknown-agent'; readonly message: string }
  | { readonly kind: 'running-job'; readonly jobs: readonly number[]; readonly message: string };

export async function reset(deps: ResetDeps, request: ResetRequest): Promise<Result<ResetReport, ResetError>> {
  if (request.agent !== undefined && !deps.agents.some((a) => a.name === request.agent)) {
    const names = deps.agents.map((a) => a.name);
    const guess = nearest(request.agent, names);
    return err({
      kind: 'unknown-agent',
      message: `agent "${request.agent}" is not configured${guess ? ` (did you mean "${guess}"?)` : ''}; agents: ${names.join(', ') || 'none'}`,
    });
  }
  const running = (await deps.jobs.runningJobs()).filter((job) => jobMatches(job, request));
  if (running.length > 0 && !request.force) {
    const named = running.map((j) => `job ${j.id} (${j.key.agent}:${j.key.repo}#${j.key.issue})`).join(', ');
    return err({
      kind: 'running-job',
      jobs: running.map((j) => j.id),
      message: `${named} is running on a key this reset touches: wait for it to end, cancel it (POST /admin/jobs/${running[0]!.id}/cancel), or send force: true to cancel it first`,
    });
  }
  const dryRun = request.dryRun === true;
  const scopes = request.scope === 'all' ? new Set(['session', 'worktree', 'cache']) : new Set([request.scope]);
  const sessions = scopes.has('session')
    ? (await deps.sessions.list({ limit: 100_000 })).filter(
        (s) => keyMatches(s.key, request) && s.sessionId !== undefined,
      )
    : [];
  const worktrees =
    scopes.has('worktree') || scopes.has('cache')
      ? (await deps.workdirs.list()).filter((w) => worktreeMatches(w, request, scopes.has('cache')))
      : [];
  const caches = scopes.has('cache') && request.repo ? [request.repo.toLowerCase()] : [];
  const report = {
    dryRun,
    scope: request.scope,
    cancelledJobs: running.map((j) => j.id),
    sessions: [] as ResetReport['sessions'][number][],
    worktrees: [] as ResetReport['worktrees'][number][],
    caches: [] as ResetReport['caches'][number][],
    failures: [] as ResetReport['failures'][number][],
  };
  if (dryRun) {
    report.sessions.push(...sessions.map((s) => ({ key: keyName(s.key), sessionId: s.sessionId })));
    report.worktrees.push(...worktrees.map((w) => ({ id: w.id, agent: w.agent, path: w.path })));
    report.caches.push(...caches.map((repo) => ({ repo })));
    return ok(report);
  }
  for (const job of running) {
    // Several workers: a job running on another worker is stopped by that worker; its session
    // must not be forgotten under it, so the reset waits until the job has ended.
    if (
      (await deps.cancelJob(job.id, 'cancelled by an operator reset (force)')) === 'requested' &&
      !(await ended(deps, job.id))
    ) {
      return err({
        kind: 'running-job',
        jobs: [job.id],
        message: `job ${job.id} runs on another worker, which was asked to cancel it and has not stopped it yet: run the reset again once it has ended (GET /api/jobs?state=running lists it until then)`,
      });
    }
  }
  for (const session of sessions) {
    const transcriptBytes = await deps.transcripts
      .remove(session.sessionId!, session.worktree)
      .catch((error: unknown) => {
        report.failures.push({
          what: `transcript of ${keyName(session.key)}`,
          reason: String(error instanceof Error ? error.message : error),
        });
        return 0;
      });
    await deps.sessions.forget(session.key, 'reset by an operator');
    report.sessions.push({ key: keyName(session.key), sessionId: session.sessionId, transcriptBytes });
  }
  for (const w of worktrees.filter(() => !scopes.has('cache') || scopes.has('worktree'))) {
    const removed = await deps.workdirs.removeWorktree({ id: w.id });
    if (removed.ok)
      report.worktrees.push({
        id: w.id,
        agent: w.agent,
        path: w.path,
        ...(removed.value.saved ? { attic: removed.value.saved.dir } : {}),
      });
    else report.failures.push({ what: `worktree ${w.path}`, reason: removed.error.message });
  }
  for (const repo of caches) {
    const spec = repoSpecOf(repo, worktrees, deps.forgeUrl);
    if (!spec) {
      report.failures.push({
        what: `cache of ${repo}`,
        reason: 'no worktree names its host and forge.url is not configured',
      });
      continue;
    }
    const removed = await deps.workdirs.removeCache(spec);
    if (!removed.ok) {
      report.failures.push({ what: `cache of ${repo}`, reason: removed.error.message });
      continue;
    }
    for (const r of removed.value.worktrees)
      report.worktrees.push({ id: r.id, agent: '', path: r.path, ...(r.saved ? { attic: r.saved.dir } : {}) });
    report.caches.push({ repo, removed: removed.value.removed });
  }
  return ok(report);
}

type KeyLike = { readonly agent: string; readonly repo: string; readonly issue: number };

function repoMatches(workRepo: string, repo: string | undefined): boolean {
  return repo === undefined || workRepo.endsWith(`/${repo.toLowerCase()}`);
}

function keyMatches(key: KeyLike, request: ResetRequest): boolean {
  if (request.agent !== undefined && key.agent !== request.agent) return false;
  if (!repoMatches(key.repo, request.repo)) return false;
  const issue = request.issue ?? (request.branch !== undefined ? issueOfBranch(request.branch) : undefined);
  if ((request.issue !== undefined || request.branch !== undefined) && key.issue !== issue) return false;
  return true;
}

function jobMatches(job: Job, request: ResetRequest): boolean {
  return keyMatches(job.key, request);
}

/** With `cache` in scope, every worktree of the repository goes with its cache, whatever the other selectors. */
function worktreeMatches(w: WorktreeInfo, request: ResetRequest, wholeRepo: boolean): boolean {
  if (!repoMatches(repoKey(w.repo), request.repo)) return false;
  if (wholeRepo && request.scope === 'cache') return true;
  if (request.agent !== undefined && w.agent !== request.agent) return false;
  if (request.branch !== undefined && !(w.target.kind === 'issue-branch' && w.target.branch === request.branch))
    return false;
  if (request.issue !== undefined) {
    const issue =
      w.target.kind === 'issue-branch'
        ? issueOfBranch(w.target.branch)
        : w.target.kind === 'pr-head'
          ? w.target.number
          : undefined;
    if (issue !== request.issue) return false;
  }
  return true;
}

function repoSpecOf(
  repo: string,
  worktrees: readonly WorktreeInfo[],
  forgeUrl: string | undefined,
): RepoSpec | undefined {
  const known = worktrees.find((w) => `${w.repo.owner}/${w.repo.name}`.toLowerCase() === repo);
  if (known) return known.repo;
  if (!forgeUrl) return undefined;
  const [owner = '', name = ''] = repo.split('/');
  const url = new URL(forgeUrl);
  return {
    host: url.host,
    owner,
    name,
    cloneUrl: `${forgeUrl.replace(/\/+$/, '')}/${owner}/${name}.git`,
    defaultBranch: 'main',
  };
}

function keyName(key: KeyLike): string {
  return `${key.agent}:${key.repo}#${key.issue}`;
}

/** Waits for a job another worker was asked to cancel to end; false if it still runs after the wait. */
async function ended(deps: ResetDeps, id: number): Promise<boolean> {
  const deadline = deps.clock.now() + (deps.remoteCancelWaitMs ?? 60_000);
  for (;;) {
    if ((await deps.jobs.getJob(id))?.state !== 'running') return true;
    if (deps.clock.now() >= deadline) return false;
    await sleep(deps.clock, 200);
  }
}
