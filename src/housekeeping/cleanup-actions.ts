/**
 * What each cleanup task does, given the workdirs and the session rows. Every step is idempotent
 * (a worktree already gone is "not removed", a session already closed stays closed), so a task
 * interrupted by a crash is simply run again. Removal saves unpushed work to the attic first
 * (the workdir module's rule); the result names where.
 */
import type { AgentConfig } from '../config/types.js';
import { repoKey, type ForgeKind, type PullRef, type RepoRef } from '../core/events.js';
import type { DeliveryStore } from '../intake/ports.js';
import type { Clock } from '../lib/clock.js';
import type { SessionStore } from '../sessions/ports.js';
import type { WorktreeInfo, Workdirs } from '../workdir/index.js';
import type { CleanupAction } from '../core/cleanup-task.js';
import type { CleanupTask, HousekeepingSessions } from './ports.js';
import { rebaseDelivery } from './rebase-request.js';

/** Transcripts of sessions on disk (`<dataDir>/claude/projects/…`). */
export interface Transcripts {
  /**
   * Deletes a session's transcript (and its subagent folder); answers the bytes freed, 0 if none.
   * `cwd`, the worktree the session ran in, says where to look first.
   */
  remove(sessionId: string, cwd?: string): Promise<number>;
  /** The transcripts on this worker's disk last written before `before`. */
  idle(before: number): Promise<IdleTranscript[]>;
}

export interface IdleTranscript {
  readonly sessionId: string;
  readonly path: string;
  readonly bytes: number;
}

/**
 * The forge, for PRs stacked on a merged one: find them and retarget them. Implemented in
 * `forge/stack-forge.ts` over the agents' REST clients.
 */
export interface StackForge {
  /** Open PRs whose base is `branch`. */
  openPullsOnto(repo: RepoRef, branch: string): Promise<PullRef[]>;
  /** Retargets a PR (as its author when that is an agent, else as the first agent). */
  retarget(repo: RepoRef, number: number, base: string, author: string): Promise<void>;
}

/** What retargeting stacked PRs needs: the forge, and the store the dev's rebase job is queued in. */
export interface StackDeps {
  readonly forge: StackForge;
  /** The intake's store: the rebase request is a stored event, routed like any other. */
  readonly deliveries: Pick<DeliveryStore, 'record'>;
  readonly forgeKind: ForgeKind;
  readonly clock: Clock;
}

export interface CleanupDeps {
  readonly workdirs: Pick<Workdirs, 'list' | 'removeWorktree' | 'removeCache'>;
  readonly sessions: Pick<SessionStore, 'close' | 'reopen'>;
  readonly rows: HousekeepingSessions;
  readonly transcripts: Transcripts;
  readonly agents: readonly AgentConfig[];
  /** `housekeeping.deleteSessionsOnClose`: an issue closed deletes its sessions at once. */
  readonly deleteOnClose: boolean;
  /** Without it, stacked PRs are not retargeted (tests of removal alone). */
  readonly stack?: StackDeps;
}

export interface RemovedWorktree {
  readonly id: string;
  readonly agent: string;
  readonly path: string;
  readonly removed: boolean;
  /** The attic folder holding the unpushed work, when there was some. */
  readonly attic?: string;
}

export interface CleanupResult {
  readonly worktrees: readonly RemovedWorktree[];
  readonly sessionsClosed: readonly string[];
  readonly sessionsReopened: readonly string[];
  readonly sessionsDeleted: readonly string[];
  readonly cacheRemoved?: boolean;
  /**
   * PRs stacked on a merged PR, retargeted onto its base; `eventId` is the stored rebase request
   * routing turns into a job for the PR's agent (absent when it was stored by an earlier try).
   */
  readonly retargeted?: readonly {
    readonly number: number;
    readonly from: string;
    readonly to: string;
    readonly eventId?: number;
  }[];
}

/** A worktree could not be removed now (leased by a job): try the task again shortly. */
export class CleanupBusyError extends Error {
  readonly code = 'CLEANUP_BUSY';
}

export async function runCleanup(task: CleanupTask, deps: CleanupDeps): Promise<CleanupResult> {
  const action = task.action;
  switch (action.kind) {
    case 'pull-closed': {
      const mine = worktreesEndedBy(action, await worktreesOf(deps, task.repo));
      const worktrees = await removeAll(deps, mine);
      const sessionsClosed = await closeSessionsIn(deps, task.repo, worktrees);
      const retargeted = action.merged && deps.stack ? await retargetStacked(deps.stack, task, action) : [];
      return { ...empty(), worktrees, sessionsClosed, ...(retargeted.length > 0 ? { retargeted } : {}) };
    }
    case 'branch-deleted': {
      const mine = worktreesEndedBy(action, await worktreesOf(deps, task.repo));
      return { ...empty(), worktrees: await removeAll(deps, mine) };
    }
    case 'issue-closed': {
      const rows = await deps.rows.ofIssue(task.repo, action.issue);
      if (deps.deleteOnClose) return { ...empty(), sessionsDeleted: await deleteSessions(deps, rows) };
      for (const row of rows) await deps.sessions.close(row.key);
      return { ...empty(), sessionsClosed: rows.map((r) => keyName(r.key)) };
    }
    case 'issue-reopened': {
      const rows = await deps.rows.ofIssue(task.repo, action.issue);
      for (const row of rows) await deps.sessions.reopen(row.key);
      return { ...empty(), sessionsReopened: rows.map((r) => keyName(r.key)) };
    }
    case 'repository-deleted': {
      const removal = await deps.workdirs.removeCache(task.repoRef);
      if (!removal.ok) throw removalFailure(removal.error);
      const worktrees = removal.value.worktrees.map((r) => ({
        id: r.id,
        agent: '',
        path: r.path,
        removed: r.removed,
        ...(r.saved ? { attic: r.saved.dir } : {}),
      }));
      return {
        ...empty(),
        worktrees,
        cacheRemoved: removal.value.removed,
        sessionsDeleted: await deleteSessions(deps, await deps.rows.ofRepo(task.repo)),
      };
    }
  }
}

/**
 * Of a repository's worktrees, those a PR's end or a branch's deletion is the end of: the head
 * branch's (every agent) and the reviewer's worktree of the PR; the deleted branch's.
 */
export function worktreesEndedBy(
  action: Extract<CleanupAction, { kind: 'pull-closed' | 'branch-deleted' }>,
  worktrees: readonly WorktreeInfo[],
): WorktreeInfo[] {
  if (action.kind === 'branch-deleted')
    return worktrees.filter((w) => w.target.kind === 'issue-branch' && w.target.branch === action.branch);
  return worktrees.filter(
    (w) =>
      (w.target.kind === 'issue-branch' && w.target.branch === action.head) ||
      (w.target.kind === 'pr-head' && w.target.number === action.number),
  );
}

function empty(): CleanupResult {
  return { worktrees: [], sessionsClosed: [], sessionsReopened: [], sessionsDeleted: [] };
}

async function worktreesOf(deps: CleanupDeps, repo: string): Promise<WorktreeInfo[]> {
  return (await deps.workdirs.list()).filter((w) => repoKey(w.repo) === repo);
}

async function removeAll(deps: CleanupDeps, worktrees: readonly WorktreeInfo[]): Promise<RemovedWorktree[]> {
  const removed: RemovedWorktree[] = [];
  for (const w of worktrees) {
    const auth = deps.agents.find((a) => a.name === w.agent);
    const result = await deps.workdirs.removeWorktree({ id: w.id }, auth ? { auth } : {});
    if (!result.ok) throw removalFailure(result.error);
    removed.push({
      id: w.id,
      agent: w.agent,
      path: w.path,
      removed: result.value.removed,
      ...(result.value.saved ? { attic: result.value.saved.dir } : {}),
    });
  }
  return removed;
}

function removalFailure(error: { kind: string; message: string }): Error {
  return error.kind === 'leased' ? new CleanupBusyError(error.message) : new Error(error.message);
}

/** Sessions that ran in a removed worktree are over: closed, kept until their TTL. */
async function closeSessionsIn(
  deps: CleanupDeps,
  repo: string,
  worktrees: readonly RemovedWorktree[],
): Promise<string[]> {
  const paths = new Set(worktrees.map((w) => w.path));
  const rows = (await deps.rows.ofRepo(repo)).filter((r) => paths.has(r.worktree) && r.state === 'active');
  for (const row of rows) await deps.sessions.close(row.key);
  return rows.map((r) => keyName(r.key));
}

async function deleteSessions(
  deps: CleanupDeps,
  rows: Awaited<ReturnType<HousekeepingSessions['ofRepo']>>,
): Promise<string[]> {
  for (const row of rows) {
    if (row.sessionId) await deps.transcripts.remove(row.sessionId, row.worktree);
    await deps.rows.delete(row.key);
  }
  return rows.map((r) => keyName(r.key));
}

function keyName(key: { agent: string; repo: string; issue: number }): string {
  return `${key.agent}:${key.repo}#${key.issue}`;
}

/**
 * Every open PR based on the merged PR's head now targets the merged PR's base, and a job for its
 * agent to rebase is queued (a stored event, before the retarget: see `rebase-request.ts`).
 * Idempotent: a PR retargeted already is no longer "onto" the merged head, and the request's
 * delivery id is stored once.
 */
async function retargetStacked(
  stack: StackDeps,
  task: CleanupTask,
  action: { number: number; head: string; base: string },
) {
  const stacked = await stack.forge.openPullsOnto(task.repoRef, action.head);
  const done: Array<{ number: number; from: string; to: string; eventId?: number }> = [];
  for (const pull of stacked) {
    const request = { forge: stack.forgeKind, repo: task.repoRef, pull, merged: action };
    const recorded = await stack.deliveries.record(rebaseDelivery(request, stack.clock.now()));
    await stack.forge.retarget(task.repoRef, pull.number, action.base, pull.author.login);
    done.push({
      number: pull.number,
      from: action.head,
      to: action.base,
      ...(recorded.status === 'accepted' ? { eventId: recorded.eventId } : {}),
    });
  }
  return done;
}
