/**
 * Gives every job its persistent worktree before the agent runs, and gives it back after. Which
 * worktree is the kind its role works in (`config/roles.ts`; `agents.<name>.worktree` names it):
 * the implementer's `issue-<N>-<slug>` branch (the same branch for every run on issue N, even
 * after the title changes; a new one cut from the default branch, or for a stacked story from its
 * upstream story's branch), the reviewer's detached PR head, the planner's detached default
 * branch. The inner runner gets the lease's path (its cwd), the environment that
 * carries the git identity and credentials, and whether the remote moved under local work.
 */
import type { ForgeEvent, RepoRef } from '../core/events.js';
import { issueOfBranch, pullOf } from '../core/pull-of.js';
import { policyOf } from '../config/roles.js';
import { systemClock, type Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { AgentRunner, RunRequest } from '../queue/ports.js';
import type { RunOutcome } from '../core/run-outcome.js';
import { isTransient } from '../core/transient.js';
import type { CheckLogPlacer } from './check-logs.js';
import { DEFAULT_LIMITS } from './claude/budget.js';
import {
  GitError,
  issueBranchName,
  type AcquireError,
  type AcquireTarget,
  type GitDirs,
  type Lease,
  type LocalWork,
  type PushedRef,
  type SyncOutcome,
  type Workdirs,
} from '../workdir/index.js';

/** The worktree a job's run works in, prepared (acquired, fetched, synced) and leased to it. */
export interface PreparedWorktree {
  readonly path: string;
  readonly branch: string | undefined;
  readonly head: string;
  /**
   * The service's own git environment for the worktree — identity and credential helper, the
   * agent's token inside — for in-process runners (test doubles). Never given to a sandboxed run.
   */
  readonly env: Readonly<Record<string, string>>;
  /** The agent's git identity alone: what a sandboxed run gets. */
  readonly identity: Readonly<Record<string, string>>;
  /** The worktree's git files, for the sandbox to bind exactly those. */
  readonly gitDirs: GitDirs;
  /** The repository's URL on the forge, which the run's git proxy serves. */
  readonly remoteUrl: string;
  /** A file as the default branch has it, read by the service (`Lease.readDefaultBranchFile`). */
  readDefaultBranchFile(path: string): Promise<string | undefined>;
  /** The remote moved while the worktree kept local work: the agent must be told. */
  readonly remoteMoved: boolean;
  readonly sync: SyncOutcome;
  /** Whether preparing it asked the forge (`Lease.fetched`). */
  readonly fetched: boolean;
  /** What the worktree holds that is on no remote; asked after a dev run (`Lease.localWork`). */
  localWork(): Promise<LocalWork>;
  /** Told of the refs the forge accepted from the run's push through the git proxy (`Lease.pushed`). */
  pushed?(updates: readonly PushedRef[]): void;
  /**
   * A stacked story's base: the upstream story's branch its `issue-<N>` branch was cut from (the
   * job's `ready` event), which its pull request targets.
   */
  readonly stackBase?: string;
}

export type WorkspaceRunRequest = RunRequest & { readonly workspace: PreparedWorktree };

/** A runner that works inside a prepared worktree. */
export interface WorkspaceAgentRunner {
  run(request: WorkspaceRunRequest): Promise<RunOutcome>;
  /**
   * Optional: starts, while the worktree is acquired, what the run needs that does not depend on
   * it (the Claude runner reads the session and the forge thread for its prompt); the returned run
   * goes on once the worktree is ready. Same outcome as `run` with that workspace.
   */
  begin?(request: RunRequest): BegunRun;
}

/** A run begun before its worktree was ready. */
export interface BegunRun {
  run(workspace: PreparedWorktree): Promise<RunOutcome>;
  /** The worktree could not be had: the run will not happen. */
  abandon(): void;
}

/** Reads a PR's head when no event of the job carried it. */
export type PullHeadReader = (repo: RepoRef, number: number) => Promise<{ headRef: string; headSha: string }>;

export interface WorkspaceRunnerOptions {
  readonly workdirs: Workdirs;
  readonly inner: WorkspaceAgentRunner;
  readonly pullHead: PullHeadReader;
  readonly log: Logger;
  /** The clock the job's `startedAt` was read from (the system's when absent). */
  readonly clock?: Clock;
  /** Puts what the run's events call for in the worktree before it runs: the failing jobs' logs (`check-logs.ts`). */
  readonly placeFiles?: CheckLogPlacer;
}

export function createWorkspaceRunner(options: WorkspaceRunnerOptions): AgentRunner {
  return {
    async run(request) {
      let begun: BegunRun | undefined;
      let acquired: Awaited<ReturnType<Workdirs['acquire']>>;
      // The run's wall clock counts from the job's start: a worktree that is not ready in time
      // (a git server that hangs) ends the job rather than holding its slot.
      const minutes = request.agent.limits.maxRunMinutes ?? DEFAULT_LIMITS.maxRunMinutes;
      const wallClock = AbortSignal.timeout(
        Math.max(
          0,
          minutes * 60_000 -
            (request.startedAt === undefined ? 0 : (options.clock ?? systemClock).now() - request.startedAt),
        ),
      );
      const signal = AbortSignal.any([request.signal, wallClock]);
      try {
        const target = await targetFor(request, options);
        // Reading the session and the thread from the forge overlaps the fetch and the sync — unless
        // another job holds the worktree: this one will wait, and must not read the forge each try.
        const ahead =
          options.inner.begin &&
          !(await options.workdirs.isLeased({ repo: request.repo, agent: request.agent, target }));
        begun = ahead ? options.inner.begin?.(request) : undefined;
        acquired = await options.workdirs.acquire({
          repo: request.repo,
          agent: request.agent,
          target,
          holder: `job ${request.jobId}`,
          signal,
        });
      } catch (error) {
        begun?.abandon();
        if (wallClock.aborted && !request.signal.aborted)
          return {
            ok: false,
            error: `workspace: not ready within the run's wall-clock limit of ${minutes} minutes (limits.maxRunMinutes)`,
            retryable: true,
            outage: true,
          };
        // A fetch that failed, or a forge that did not answer, can clear up; a bug will not.
        if (error instanceof GitError || isTransient(error))
          return {
            ok: false,
            error: `workspace: ${error instanceof Error ? error.message : String(error)}`,
            retryable: true,
            outage: true,
          };
        throw error;
      }
      if (!acquired.ok) {
        begun?.abandon();
        return acquireFailure(acquired.error);
      }
      const lease = acquired.value;
      options.log.info(
        { job: request.jobId, path: lease.path, branch: lease.branch, sync: lease.sync.kind, fetched: lease.fetched },
        'workspace ready',
      );
      try {
        await options.placeFiles?.(request, lease.path, lease.gitDirs);
        const workspace = workspaceOf(lease, stackBaseOf(request));
        return await (begun ? begun.run(workspace) : options.inner.run({ ...request, workspace }));
      } finally {
        await lease.release();
      }
    },
  };
}

function workspaceOf(lease: Lease, stackBase: string | undefined): PreparedWorktree {
  return {
    ...(stackBase !== undefined && lease.branch !== undefined ? { stackBase } : {}),
    path: lease.path,
    branch: lease.branch,
    head: lease.head,
    env: lease.env,
    identity: lease.identity,
    gitDirs: lease.gitDirs,
    remoteUrl: lease.remoteUrl,
    readDefaultBranchFile: (path) => lease.readDefaultBranchFile(path),
    remoteMoved: lease.remoteMoved,
    sync: lease.sync,
    fetched: lease.fetched,
    localWork: () => lease.localWork(),
    pushed: (updates) => lease.pushed(updates),
  };
}

async function targetFor(request: RunRequest, options: WorkspaceRunnerOptions): Promise<AcquireTarget> {
  switch (policyOf(request.agent).worktree) {
    case 'default-branch':
      return { kind: 'default-branch' };
    case 'pr-head': {
      const pull =
        latestPull(
          request.events.map((e) => e.event),
          request.key.issue,
        ) ?? (await options.pullHead(request.repo, request.key.issue));
      return { kind: 'pr-head', number: request.key.issue, sha: pull.headSha, ref: pull.headRef };
    }
    case 'issue-branch': {
      const startFrom = stackBaseOf(request);
      return {
        kind: 'issue-branch',
        branch: await issueBranchFor(request, options.workdirs),
        ...(startFrom !== undefined ? { startFrom } : {}),
      };
    }
  }
}

/**
 * A stacked story's base (decisions.md §57): the upstream story's branch that the latest `ready`
 * event of the job's issue names. A new `issue-<N>` branch is cut from it, and the story's pull
 * request targets it. The event is the service's own, stored like a polled one, but the branch
 * came from the forge: the workdir checks the name before git sees it.
 */
function stackBaseOf(request: RunRequest): string | undefined {
  for (const { event } of [...request.events].reverse()) {
    if (event.type === 'issue' && event.action === 'ready' && event.issue.number === request.key.issue)
      return event.ready?.base?.branch;
  }
  return undefined;
}

/**
 * The branch of issue N: the head branch of the agent's PR when an event names it, else the
 * branch of the worktree the agent already has for issue N, else a new one from the title.
 */
async function issueBranchFor(request: RunRequest, workdirs: Workdirs): Promise<string> {
  const issue = request.key.issue;
  for (const { event } of [...request.events].reverse()) {
    const pull = pullOf(event);
    if (pull && issueOfBranch(pull.headRef) === issue) return pull.headRef;
  }
  const existing = (await workdirs.list()).find(
    (w) =>
      w.agent === request.agent.name &&
      w.repo.host === request.repo.host &&
      w.repo.owner === request.repo.owner &&
      w.repo.name === request.repo.name &&
      w.target.kind === 'issue-branch' &&
      issueOfBranch(w.target.branch) === issue,
  );
  if (existing && existing.target.kind === 'issue-branch') return existing.target.branch;
  return issueBranchName(
    issue,
    titleOf(
      request.events.map((e) => e.event),
      issue,
    ),
  );
}

function titleOf(events: readonly ForgeEvent[], issue: number): string {
  for (const event of events) {
    if ((event.type === 'issue' || event.type === 'comment') && event.issue.number === issue) return event.issue.title;
  }
  return '';
}

function latestPull(events: readonly ForgeEvent[], number: number): { headRef: string; headSha: string } | undefined {
  for (const event of [...events].reverse()) {
    const pull = pullOf(event);
    if (pull && pull.number === number && pull.headSha !== '') return pull;
  }
  return undefined;
}

function acquireFailure(error: AcquireError): RunOutcome {
  // Boss has one worktree per repository but a job per issue: waiting for another job's lease
  // is not a failed attempt (docs/decisions.md §15).
  if (error.kind === 'leased') return { ok: false, error: `workspace: ${error.message}`, retryable: true, wait: true };
  // A full disk or a commit not fetched yet can clear up; a bad request will not.
  const retryable = error.kind === 'low-disk' || error.kind === 'commit-not-found';
  return { ok: false, error: `workspace: ${error.message}`, retryable };
}
