/**
 * Runs started jobs and records how each ended: success; a retryable failure re-queued with
 * capped exponential backoff (`retry-policy.ts`: an outage for as long as its horizon, any other
 * failure until `maxAttempts`); a final failure; or a wait. A run that could not begin because
 * its worktree is leased to another job (`outcome.wait`) is not an attempt: the job goes back to
 * the queue with its attempt given back and holds no slot while it waits (docs/decisions.md §15). A
 * runner that throws a fault — an error not marked transient — fails the job at once.
 *
 * Recording the end is retried until the store takes it (a full disk, a database away): the job
 * keeps its slot meanwhile, so it is never "running" in the store with nothing behind it. Only a
 * stopping service gives up, after one more try; start-up's recovery re-queues what it left.
 */
import type { AgentConfig } from '../config/types.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { DispatchLimits, Emit } from './dispatch-types.js';
import type { AgentRunner, Job, JobStore } from './ports.js';
import type { RunOutcome } from '../core/run-outcome.js';
import { nextRetryDelay, type RetryPolicy } from './retry-policy.js';
import { isTransient } from '../core/transient.js';
import { cappedBackoff } from '../lib/backoff.js';

export interface JobLauncherOptions {
  readonly store: JobStore;
  readonly runner: AgentRunner;
  readonly limits: DispatchLimits;
  readonly clock: Clock;
  readonly log: Logger;
  readonly emit: Emit;
  /** Called when a job has ended and been recorded: its slot is free. */
  readonly ended: () => void;
}

export interface JobLauncher {
  launch(job: Job, agent: AgentConfig): void;
  running(): Job[];
  /** Aborts one running job, recorded as cancelled; settles when it has ended. False if not running here. */
  cancel(id: number, reason: string): Promise<boolean>;
  /**
   * Aborts every running job (each is re-queued) and waits for them to end. `stop`: the service
   * is stopping, so an end that cannot be recorded is left to the next start's recovery.
   */
  abortAll(reason: Error, stop?: boolean): Promise<void>;
}

const DEFAULT_LEASE_WAIT_MS = 1000;
const DEFAULT_MAX_BACKOFF_MS = 5 * 60_000;
const DEFAULT_OUTAGE_HORIZON_MS = 20 * 60_000;
/** Retrying a failed record of a job's end: 1 s, doubling, at most every 30 s. */
const RECORD_RETRY_MS = 1000;
const RECORD_RETRY_MAX_MS = 30_000;

export function retryPolicyOf(limits: DispatchLimits): RetryPolicy {
  return {
    maxAttempts: limits.maxAttempts,
    backoffMs: limits.backoffMs,
    maxBackoffMs: limits.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS,
    outageHorizonMs: limits.outageHorizonMs ?? DEFAULT_OUTAGE_HORIZON_MS,
  };
}

export function createJobLauncher(options: JobLauncherOptions): JobLauncher {
  const { store, runner, clock, log, limits } = options;
  const policy = retryPolicyOf(limits);
  let stopping = false;
  /** Waits before another try at recording; a stop ends them at once. */
  const pauses = new Set<() => void>();
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        timer.cancel();
        pauses.delete(done);
        resolve();
      };
      const timer = clock.after(ms, done);
      pauses.add(done);
    });
  const running = new Map<number, { job: Job; controller: AbortController; done: Promise<void> }>();
  /** Jobs an operator cancelled, with the reason: recorded as cancelled, not re-queued. */
  const cancelled = new Map<number, string>();

  const runJob = async (job: Job, agent: AgentConfig, signal: AbortSignal): Promise<RunOutcome> => {
    try {
      const events = await store.getEvents(job.eventIds);
      return await runner.run({
        jobId: job.id,
        key: job.key,
        agent,
        repo: job.repoRef,
        attempt: job.attempts,
        events,
        signal,
        startedAt: job.startedAt ?? clock.now(),
        stillHeld: () => store.holdsJob(job.id, clock.now()),
        nextRetry: (outage) => nextRetryDelay(policy, job.attempts, outage),
      });
    } catch (error) {
      // A port that said its error is transient (a forge or database away) is an outage.
      const transient = isTransient(error);
      return {
        ok: false,
        error: error instanceof Error ? error.message : String(error),
        retryable: transient,
        ...(transient ? { outage: true as const } : {}),
      };
    }
  };

  const record = async (job: Job, outcome: RunOutcome, aborted: boolean, jobLog: Logger) => {
    const now = clock.now();
    // When a failure runs again, if it does: the policy decides (an outage over its horizon).
    const retryIn =
      !outcome.ok && outcome.retryable ? nextRetryDelay(policy, job.attempts, outcome.outage === true) : undefined;
    if (cancelled.has(job.id)) {
      await store.finishJob(job.id, { state: 'cancelled', error: cancelled.get(job.id)! }, now);
      cancelled.delete(job.id);
      jobLog.warn('job cancelled by an operator');
    } else if (aborted) {
      await store.finishJob(job.id, { state: 'retry', error: 'interrupted by shutdown', notBefore: now }, now);
    } else if (outcome.ok) {
      await store.finishJob(job.id, { state: 'succeeded' }, now);
      jobLog.info('job succeeded');
    } else if (outcome.wait) {
      const notBefore = now + (limits.leaseWaitMs ?? DEFAULT_LEASE_WAIT_MS);
      await store.finishJob(job.id, { state: 'waiting', reason: outcome.error, notBefore }, now);
      jobLog.info({ reason: outcome.error }, 'job waits for its worktree; the attempt is given back');
      options.emit({ type: 'job-waiting', job, reason: outcome.error });
      return;
    } else if (retryIn !== undefined) {
      const notBefore = now + retryIn;
      await store.finishJob(job.id, { state: 'retry', error: outcome.error, notBefore }, now);
      jobLog.warn(
        { error: outcome.error, outage: outcome.outage === true, retryAt: new Date(notBefore).toISOString() },
        'job failed; will retry',
      );
    } else {
      await store.finishJob(job.id, { state: 'failed', error: outcome.error }, now);
      jobLog.error({ error: outcome.error }, 'job failed for good');
    }
    options.emit({ type: 'job-finished', job, outcome });
  };

  /** Records the end until the store takes it; a stopping service tries once more, then leaves it to recovery. */
  const recordUntilStored = async (job: Job, outcome: RunOutcome, aborted: boolean, jobLog: Logger) => {
    for (let failures = 0; ; failures += 1) {
      try {
        await record(job, outcome, aborted, jobLog);
        return;
      } catch (error) {
        if (stopping && failures > 0) throw error;
        const delay = cappedBackoff(failures + 1, RECORD_RETRY_MS, RECORD_RETRY_MAX_MS);
        jobLog.error(
          { err: error, retryInMs: delay },
          'could not record the end of a job; trying again (the job keeps its slot)',
        );
        await pause(delay);
      }
    }
  };

  return {
    launch(job, agent) {
      const controller = new AbortController();
      const jobLog = log.child({
        job: job.id,
        agent: job.key.agent,
        repo: job.key.repo,
        issue: job.key.issue,
        attempt: job.attempts,
      });
      options.emit({ type: 'job-started', job });
      jobLog.info({ events: job.eventIds.length }, 'job started');
      const done = (async () => {
        const outcome = await runJob(job, agent, controller.signal);
        await recordUntilStored(job, outcome, controller.signal.aborted, jobLog);
      })()
        .catch((error: unknown) =>
          jobLog.error(
            { err: error },
            'could not record the end of a job; the service is stopping, and its next start re-queues the job',
          ),
        )
        .finally(() => {
          running.delete(job.id);
          options.ended();
        });
      running.set(job.id, { job, controller, done });
    },
    running: () => [...running.values()].map((r) => r.job),
    async cancel(id, reason) {
      const entry = running.get(id);
      if (!entry) return false;
      cancelled.set(id, reason);
      entry.controller.abort(new Error(reason));
      await entry.done;
      return true;
    },
    async abortAll(reason, stop = false) {
      stopping ||= stop;
      if (stopping) for (const wake of [...pauses]) wake();
      for (const { controller } of running.values()) controller.abort(reason);
      await Promise.all([...running.values()].map((r) => r.done));
    },
  };
}
