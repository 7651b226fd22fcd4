/**
 * What dispatch needs from the rest of the world: storage for events and jobs, the agent runner,
 * and the forge (for permissions and PR heads). Each is an interface owned here and implemented
 * elsewhere — SQLite in `store/`, the Claude runner in `agent/`, the REST client in `forge/`.
 */
import type { AgentConfig } from '../config/types.js';
import type { RepoRef } from '../core/events.js';
import type { CleanupDecision } from '../core/cleanup-task.js';
import type { StoredEvent } from '../core/stored-event.js';
import type { JobState } from '../core/job-state.js';
import type { RunOutcome } from '../core/run-outcome.js';
import type { WorkKey } from '../core/work-key.js';

export type { StoredEvent };

/**
 * One agent's part in an event: queue work for it, or a recorded reason why not; or the cleanup
 * the event calls for (housekeeping), recorded in the same commit so it is as durable as work.
 */
export type RoutingDecision =
  | { readonly kind: 'work'; readonly key: WorkKey; readonly repoRef: RepoRef; readonly trigger: string }
  | { readonly kind: 'skip'; readonly agent: string; readonly reason: string }
  | CleanupDecision;

export interface Job {
  readonly id: number;
  readonly key: WorkKey;
  readonly repoRef: RepoRef;
  readonly state: JobState;
  readonly attempts: number;
  readonly notBefore: number;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly error: string | null;
  /** Ids of the events this job must answer, oldest first. */
  readonly eventIds: readonly number[];
}

export type JobFinish =
  | { readonly state: 'succeeded' }
  | { readonly state: 'failed'; readonly error: string }
  | { readonly state: 'retry'; readonly error: string; readonly notBefore: number }
  /** Back to queued without using up an attempt: the run could not begin (its worktree is leased). */
  | { readonly state: 'waiting'; readonly reason: string; readonly notBefore: number }
  | { readonly state: 'cancelled'; readonly error: string };

export interface JobQuery {
  readonly states?: readonly JobState[];
  readonly limit?: number;
}

/**
 * A bounded look at the runnable jobs, FIFO from after `afterId`, leaving out repositories and
 * agents already at their limit, so a scheduling pass reads only what it could start.
 */
export interface RunnableWindow {
  readonly limit: number;
  readonly afterId?: number;
  /** Work-key repos (`host/owner/name`) to leave out. */
  readonly skipRepos?: readonly string[];
  readonly skipAgents?: readonly string[];
}

/**
 * The running-job limits a claim must respect, counted over every running job in the store — on
 * PostgreSQL across all workers, inside the claiming transaction.
 */
export interface ClaimLimits {
  readonly concurrency: number;
  readonly perRepository: number;
  /** The job's agent's own limit. */
  readonly perAgent: number;
}

/** The label set an issue or PR had at its latest label event (Gitea sends the whole set, no diff). */
export interface LabelSet {
  /** Work-key repo (`host/owner/name`). */
  readonly repo: string;
  readonly issue: number;
  readonly labels: readonly string[];
}

export interface JobStore {
  /** Events stored by the intake or the poller that dispatch has not routed yet, oldest first. */
  undispatchedEvents(limit: number): Promise<StoredEvent[]>;
  getEvents(ids: readonly number[]): Promise<StoredEvent[]>;
  /**
   * Records the decisions for a batch of events and marks them dispatched, atomically and in
   * order. Work for a key that has a queued job is merged into it; otherwise a new queued job is
   * created (a follow-up when the key's job is running). An event routed already is skipped.
   * `labels`, when given, becomes the issue's last known label set (unless a later event's is
   * stored already).
   */
  commitRouting(
    batch: ReadonlyArray<{
      readonly eventId: number;
      readonly decisions: readonly RoutingDecision[];
      readonly labels?: LabelSet;
    }>,
    now: number,
  ): Promise<void>;
  /** The last known label sets of these issues (`repo` + issue); issues never labelled are absent. */
  labelSets(issues: ReadonlyArray<{ readonly repo: string; readonly issue: number }>): Promise<LabelSet[]>;
  /**
   * Queued jobs whose key has no running job, is not paused and whose `notBefore` has passed,
   * FIFO; all of them, or the `window`.
   */
  runnableJobs(now: number, window?: RunnableWindow): Promise<Job[]>;
  runningJobs(): Promise<Job[]>;
  /**
   * queued → running (attempts + 1), recorded as run by this worker. Returns undefined if the
   * job was not queued any more, its key has a running job, or — with `limits` — starting it
   * would exceed the running jobs allowed overall, for its repository or for its agent (counted
   * in the claiming transaction, so the limits hold across workers).
   */
  startJob(id: number, now: number, limits?: ClaimLimits): Promise<Job | undefined>;
  finishJob(id: number, finish: JobFinish, now: number): Promise<void>;
  /**
   * Running jobs whose process is gone go back to queued (with a queued follow-up's events). On
   * SQLite (one process) that is every running job, so call it at start-up only. On PostgreSQL it
   * is the running jobs whose worker has no row, has stopped, or whose lease ended before `now`:
   * safe to call at any time, from any worker. `runningHere`: jobs this process is running, never
   * taken (a worker that stalled past its own lease must not re-queue what it still runs).
   */
  requeueInterrupted(now: number, options?: { readonly runningHere?: readonly number[] }): Promise<Job[]>;
  /**
   * Whether job `id` is running and this worker's to finish (on PostgreSQL: its worker is this one
   * and this worker's lease has not passed at `now`).
   */
  holdsJob(id: number, now: number): Promise<boolean>;
  /** Jobs of a key started at or after `since`. */
  countStartsSince(key: WorkKey, since: number): Promise<number>;
  /** Earliest `notBefore` of a queued job in the future, if any: when to look again. */
  nextWakeAt(now: number): Promise<number | undefined>;
  listJobs(query: JobQuery): Promise<Job[]>;
  /** How many jobs are in each state (states with none are left out). */
  countByState(): Promise<Partial<Record<JobState, number>>>;
  pauseKey(key: WorkKey, until: number, reason: string): Promise<void>;
  /**
   * The circuit breaker's pause: pauses the key until `until` unless a pause is in force at
   * `now`; true when this call paused it. Atomic, so of several workers tripping the same key at
   * once exactly one is told it did (and tells the issue).
   */
  tripKey(key: WorkKey, until: number, reason: string, now: number): Promise<boolean>;
  /** queued → cancelled (an operator's cancel); false when the job was not queued. */
  cancelQueued(id: number, reason: string, now: number): Promise<boolean>;
  /**
   * An operator's cancel of a job another worker runs: recorded on the job (and, on PostgreSQL,
   * the workers woken) for the worker running it to stop it. False when the job is not running.
   */
  requestCancel(id: number, reason: string): Promise<boolean>;
  /** Of these running jobs, the ones someone asked to cancel, with the reason. */
  cancelRequests(ids: readonly number[]): Promise<Array<{ readonly id: number; readonly reason: string }>>;
  getJob(id: number): Promise<Job | undefined>;
  /** The pause on a key, if one is in force at `now`. */
  pausedUntil(key: WorkKey, now: number): Promise<{ until: number; reason: string } | undefined>;
}

/** Everything a runner needs to do one job. */
export interface RunRequest {
  readonly jobId: number;
  readonly key: WorkKey;
  readonly agent: AgentConfig;
  readonly repo: RepoRef;
  readonly attempt: number;
  /**
   * The events this run must answer, oldest first, with their stored ids and received times (a
   * session's cursor records the last id the agent was given).
   */
  readonly events: readonly StoredEvent[];
  readonly signal: AbortSignal;
  /**
   * When the job started (its slot was claimed): the run's wall clock counts from here, so the
   * time spent preparing its worktree counts too. The runner's own start when absent.
   */
  readonly startedAt?: number;
  /**
   * Whether this worker still holds the job (it is running, and here): asked before a run records
   * anything, so a job that moved to another worker (this one stalled past its lease) leaves no
   * trace of a second run. True when absent.
   */
  readonly stillHeld?: () => Promise<boolean>;
  /**
   * If this attempt fails, in how many milliseconds the job runs again — an outage (`outage`) or
   * another retryable failure — or undefined when it will not: what the status comment says next.
   */
  readonly nextRetry?: (outage: boolean) => number | undefined;
}

/**
 * Runs one job. Implemented by the Claude agent runner; tests use scripted runners. A runner
 * that throws an error marked `transient` (see `transient.ts`) is a retryable failure; any other
 * error is a fault and fails the job for good, with its message.
 */
export interface AgentRunner {
  run(request: RunRequest): Promise<RunOutcome>;
}

/**
 * The forge, as routing sees it. A method that could not get an answer now throws an error
 * marked `transient` (`ForgeUnavailableError`, or a `ForgeApiError` for network/5xx/429): the
 * event is routed again later. Any other error fails the event's routing, recorded.
 */
export interface ForgeLookup {
  /** Whether `login` may trigger agents on `repo` (write access or better). */
  canTrigger(repo: RepoRef, login: string): Promise<boolean>;
  /** Head branch and author of a PR, when an event did not carry them. */
  pullHead(repo: RepoRef, number: number): Promise<{ headRef: string; author: string } | undefined>;
  /** Posts a comment on an issue or PR as `agent` (the circuit breaker says why it paused). */
  comment(repo: RepoRef, issue: number, body: string, agent: string): Promise<void>;
}
