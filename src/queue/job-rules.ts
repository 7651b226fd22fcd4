/**
 * The job queue's rules, written once for both stores: where new work for a key goes, whether a
 * claim may start a job, what a job's row becomes when its run ends, when it is cancelled or found
 * interrupted, and what going back to the queue does with the key's queued follow-up. Each rule is
 * a pure function of plain data the store read inside its transaction; the store only reads, writes
 * what the rule answers and — on PostgreSQL — locks, as before. The transition table is
 * `core/job-state.ts`: every change made here passes `assertTransition`.
 */
import { assertTransition, type JobState } from '../core/job-state.js';
import { err, ok, type Result } from '../lib/result.js';
import type { ClaimLimits, Job, JobFinish } from './ports.js';

/** A job's row after a change: the columns a state change writes. */
export interface JobChange {
  readonly id: number;
  readonly state: JobState;
  readonly attempts: number;
  readonly notBefore: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly error: string | null;
}

type Changes = Partial<Omit<JobChange, 'id' | 'state'>>;

/** `job` moved to `to` with `changes`, every other column as it was; throws on a transition the table forbids. */
export function changeState(job: Job, to: JobState, changes: Changes): JobChange {
  assertTransition(job.id, job.state, to);
  return {
    id: job.id,
    state: to,
    attempts: changes.attempts ?? job.attempts,
    notBefore: changes.notBefore ?? job.notBefore,
    startedAt: changes.startedAt === undefined ? job.startedAt : changes.startedAt,
    finishedAt: changes.finishedAt === undefined ? job.finishedAt : changes.finishedAt,
    error: changes.error === undefined ? job.error : changes.error,
  };
}

/**
 * Where new work for a key goes: into the key's queued job when it has one — all the work waiting
 * on a key is one job — or else into a new queued job, due now. So a key whose job is running gets
 * a follow-up: a running job never takes in new events, its run was given its events already.
 */
export type Placement =
  | { readonly kind: 'join'; readonly jobId: number }
  | { readonly kind: 'create'; readonly notBefore: number; readonly createdAt: number };

/** `queuedJobId`: the key's queued job as the store read it (none: undefined). */
export function placeWork(queuedJobId: number | undefined, now: number): Placement {
  if (queuedJobId !== undefined) return { kind: 'join', jobId: queuedJobId };
  return { kind: 'create', notBefore: now, createdAt: now };
}

/** What a claim reads, in its transaction, about the jobs running now and the job's key. */
export interface ClaimFacts {
  /** Running jobs: of the job's key, overall, of its repository, of its agent. */
  readonly running: { readonly key: number; readonly total: number; readonly repo: number; readonly agent: number };
  /** Whether a running cleanup task covers the job's key (docs/decisions.md §24). */
  readonly cleanupRunning: boolean;
}

export type ClaimRefusal = 'not-queued' | 'key-running' | 'cleanup-running' | 'over-limit';

/**
 * A claim: a queued job starts — running, one more attempt, started now — unless its key has a
 * running job (one per key), a cleanup of its key runs, or, with `limits`, one more running job
 * would exceed the limit overall, of its repository or of its agent.
 */
export function claim(job: Job, facts: ClaimFacts, now: number, limits?: ClaimLimits): Result<JobChange, ClaimRefusal> {
  if (job.state !== 'queued') return err('not-queued');
  if (facts.running.key > 0) return err('key-running');
  if (facts.cleanupRunning) return err('cleanup-running');
  if (limits && !withinLimits(facts.running, limits)) return err('over-limit');
  return ok(changeState(job, 'running', { attempts: job.attempts + 1, startedAt: now, finishedAt: null }));
}

/** Whether one more running job stays within the limits, given the jobs running now. */
export function withinLimits(running: ClaimFacts['running'], limits: ClaimLimits): boolean {
  return running.total < limits.concurrency && running.repo < limits.perRepository && running.agent < limits.perAgent;
}

/**
 * Whether a run's end puts its job back in the queue (a retry, or a run that could not begin) —
 * where it may meet the key's queued follow-up, which routing may be adding work to.
 */
export function requeues(finish: JobFinish): boolean {
  return finish.state === 'retry' || finish.state === 'waiting';
}

/**
 * The job's row when its run ends: ended (an error recorded unless it succeeded), or back in the
 * queue from `notBefore` — a retry keeps the attempt it used, a run that could not begin gives it
 * back (docs/decisions.md §15).
 */
export function afterRun(job: Job, finish: JobFinish, now: number): JobChange {
  switch (finish.state) {
    case 'succeeded':
      return changeState(job, 'succeeded', { finishedAt: now, error: null });
    case 'failed':
    case 'cancelled':
      return changeState(job, finish.state, { finishedAt: now, error: finish.error });
    case 'retry':
      return backToQueue(job, finish.notBefore, finish.error);
    case 'waiting':
      return backToQueue(job, finish.notBefore, `waiting: ${finish.reason}`, Math.max(0, job.attempts - 1));
  }
}

/**
 * A running job whose process is gone: cancelled when someone asked to cancel it (it must not run
 * again), otherwise back in the queue, due now, with `interrupted` as its error.
 */
export function afterInterruption(job: Job, cancelRequest: string | null, now: number, interrupted: string): JobChange {
  if (cancelRequest !== null) return changeState(job, 'cancelled', { finishedAt: now, error: cancelRequest });
  return backToQueue(job, now, interrupted);
}

function backToQueue(job: Job, notBefore: number, error: string, attempts = job.attempts): JobChange {
  return changeState(job, 'queued', { notBefore, startedAt: null, error, attempts });
}

/** What a change writes: the job's row, after taking in `absorb` when there is one. */
export interface JobWrites {
  /**
   * A queued follow-up of the job's key: its events join the job, then it is deleted — before the
   * job's row is written, as a key has at most one queued job.
   */
  readonly absorb?: number;
  readonly job: JobChange;
}

/**
 * Whether the store must read the key's queued job before writing `change`: only a job going back
 * to the queue can meet one.
 */
export function meetsFollowUp(change: JobChange): boolean {
  return change.state === 'queued';
}

/**
 * A job going back to the queue takes in the key's queued follow-up (`followUpId`), so the key
 * keeps one queued job: the older one, in its place in the queue, with every event. Any other
 * change writes the job's row alone.
 */
export function settle(change: JobChange, followUpId: number | undefined): JobWrites {
  if (!meetsFollowUp(change) || followUpId === undefined || followUpId === change.id) return { job: change };
  return { absorb: followUpId, job: change };
}

/**
 * An operator's cancel: a queued job ends cancelled, with the reason; undefined for any other (a
 * running job is asked to stop instead: `takesCancelRequest`).
 */
export function cancelQueued(job: Job | undefined, reason: string, now: number): JobChange | undefined {
  if (job?.state !== 'queued') return undefined;
  return changeState(job, 'cancelled', { finishedAt: now, error: reason });
}

/** Whether a cancel request is recorded on a job in `state`: only on a running one, for its worker to stop it. */
export function takesCancelRequest(state: JobState | undefined): boolean {
  return state === 'running';
}
