/**
 * The dispatcher turns stored events into agent runs: it routes each new event into the per-key
 * mailboxes, starts queued jobs as slots free up (global, per-repository and per-agent limits,
 * FIFO), applies the per-key rate cap and circuit breaker, retries failures with exponential
 * backoff, and at start-up re-queues jobs a dead process left running. It never runs two jobs of
 * one key at once and never cancels a follow-up.
 *
 * This factory only wires the parts, each in its own module: the routing loop
 * (`routing-loop.ts`), the choice of what starts (`pick-jobs.ts`), the circuit breaker
 * (`breaker.ts`) and the running of jobs (`job-launcher.ts`).
 */
import type { AgentConfig } from '../config/types.js';
import type { Clock, Timer } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { createBreaker } from './breaker.js';
import type { DispatchLimits, DispatchNotice } from './dispatch-types.js';
import { createJobLauncher } from './job-launcher.js';
import { pickJobs } from './pick-jobs.js';
import type { AgentRunner, JobStore, StoredEvent } from './ports.js';
import { workKeyString } from '../core/work-key.js';
import type { RouteContext } from './route-event.js';
import { createRoutingLoop } from './routing-loop.js';

export type { DispatchLimits, DispatchNotice } from './dispatch-types.js';

/**
 * What a cancel found: a job running here (aborted, and ended) or queued (cancelled); none; one
 * that had ended; or one running on another worker (several workers share the store), which was
 * asked to stop it (`requested`: it ends as cancelled once that worker has stopped the run).
 */
export type CancelAnswer = 'running' | 'queued' | 'not-found' | 'finished' | 'requested';

export interface DispatcherOptions {
  readonly store: JobStore;
  readonly runner: AgentRunner;
  readonly route: RouteContext;
  readonly limits: DispatchLimits;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface Dispatcher {
  /** Re-queues interrupted jobs, routes what is pending, starts what can start. */
  start(): Promise<void>;
  /**
   * A new event was stored (intake or poller) — routed from memory when given. Without one
   * (something changed elsewhere: another worker's job change, the safety poll, a resume), the
   * store is searched for events not routed yet and for jobs whose time has come, and the runs
   * here that an operator on another worker asked to cancel are stopped.
   */
  notify(stored?: StoredEvent): void;
  /** Observers (metrics, tests, the dashboard later) hear about starts, finishes and pauses. */
  subscribe(listener: (notice: DispatchNotice) => void): () => void;
  /** Settles when nothing is being routed or run and nothing runnable is waiting. */
  idle(): Promise<void>;
  /**
   * An operator's cancel: a running job is aborted and recorded as cancelled (settles when it has
   * ended); a queued one is cancelled in the store. Answers what the job was, or why nothing was done.
   */
  cancel(id: number, reason: string): Promise<CancelAnswer>;
  /**
   * Puts back in the queue the jobs whose process is gone — at start, every job left running
   * (one process); with several workers, those of workers whose lease has passed, which the
   * recovery leader does periodically — then schedules. Answers how many were re-queued.
   */
  recover(): Promise<number>;
  /**
   * This worker lost its lease: its jobs may be running on another worker already. Aborts every
   * run here (the store leaves a job alone that is no longer this worker's) and waits for them;
   * dispatch goes on.
   */
  abandonRunning(reason: string): Promise<void>;
  /** Stops starting jobs, aborts running ones (they are re-queued) and waits for them. */
  stop(): Promise<void>;
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { store, clock, log, limits } = options;
  const agents = new Map<string, AgentConfig>(options.route.agents.map((a) => [a.name, a]));
  const listeners = new Set<(notice: DispatchNotice) => void>();
  let scheduling: Promise<void> | undefined;
  let scheduleAgain = false;
  let wakeTimer: Timer | undefined;
  let stopped = false;
  let idleWaiters: Array<() => void> = [];

  const emit = (notice: DispatchNotice) => {
    for (const listener of listeners) listener(notice);
  };

  const setWake = (at: number) => {
    if (stopped) return;
    wakeTimer?.cancel();
    wakeTimer = clock.after(at - clock.now(), () => {
      wakeTimer = undefined;
      routing.hand();
      void routing.run();
    });
  };

  const routing = createRoutingLoop({
    store,
    route: options.route,
    clock,
    log,
    emit,
    wakeAt: setWake,
    afterRun: () => void schedule(),
  });
  const breaker = createBreaker({ store, forge: options.route.forge, pauseMs: limits.pauseMs, clock, log, emit });
  const jobs = createJobLauncher({
    store,
    runner: options.runner,
    limits,
    clock,
    log,
    emit,
    ended: () => void schedule(),
  });

  const startRunnable = async (now: number) => {
    const chosen = await pickJobs({ store, agents, limits, breaker }, jobs.running(), now);
    // One group commit starts them all.
    // The store checks the limits again as it claims: other workers may have started jobs since.
    const started = await Promise.all(
      chosen.map(({ job, agent }) =>
        store.startJob(job.id, now, {
          concurrency: limits.concurrency,
          perRepository: limits.perRepository,
          perAgent: agent.limits.concurrency,
        }),
      ),
    );
    started.forEach((job, i) => {
      if (job) jobs.launch(job, chosen[i]!.agent);
    });
  };

  /** Stops the runs here that an operator on another worker asked to cancel. */
  const honourCancelRequests = async () => {
    const mine = jobs.running().map((job) => job.id);
    if (mine.length === 0) return;
    for (const request of await store.cancelRequests(mine)) {
      log.info({ job: request.id, reason: request.reason }, 'cancelling a job another worker was asked to cancel');
      jobs
        .cancel(request.id, request.reason)
        .catch((error: unknown) => log.warn({ err: error, job: request.id }, 'could not cancel the job'));
    }
  };

  const schedule = (): Promise<void> => {
    if (scheduling !== undefined) {
      scheduleAgain = true;
      return scheduling;
    }
    scheduling = (async () => {
      // One `now` for the pass and for when to look again: a job that fell due between the two
      // would otherwise be neither started (not yet due) nor woken for (no longer in the future).
      let now: number;
      do {
        scheduleAgain = false;
        if (stopped) return;
        now = clock.now();
        await startRunnable(now);
      } while (scheduleAgain);
      const wakeAt = await store.nextWakeAt(now);
      if (wakeAt !== undefined) setWake(wakeAt);
    })()
      .catch((error: unknown) => {
        log.error({ err: error }, 'scheduling failed; will retry');
        setWake(clock.now() + 1000);
      })
      .finally(() => {
        scheduling = undefined;
        if (scheduleAgain && !stopped) void schedule();
        checkIdle();
      });
    return scheduling;
  };

  const busy = () => routing.busy() || scheduling !== undefined || jobs.running().length > 0;

  const checkIdle = () => {
    if (busy() || idleWaiters.length === 0) return;
    void store.runnableJobs(clock.now(), { limit: 1 }).then((runnable) => {
      if (runnable.length > 0 && !stopped) return void schedule();
      if (busy()) return;
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    });
  };

  const recover = async (): Promise<number> => {
    // Never what runs here: a worker that stalled past its own lease still runs its jobs.
    const interrupted = await store.requeueInterrupted(clock.now(), {
      runningHere: jobs.running().map((job) => job.id),
    });
    for (const job of interrupted) {
      log.warn(
        { job: job.id, key: workKeyString(job.key), events: job.eventIds.length, attempts: job.attempts },
        'job was running in a process that is gone; re-queued with its events',
      );
    }
    return interrupted.length;
  };

  return {
    async start() {
      await recover();
      await routing.run();
    },
    recover: async () => {
      const count = await recover();
      if (count > 0) void schedule();
      return count;
    },
    async abandonRunning(reason) {
      await jobs.abortAll(new Error(reason));
      void schedule();
    },
    notify(stored) {
      if (stopped) return;
      // A cancel request is a job change: only a wake-up from elsewhere can carry one.
      if (!stored)
        honourCancelRequests().catch((error: unknown) =>
          log.warn({ err: error }, 'could not read cancel requests; will look again'),
        );
      routing.hand(stored);
      void routing.run();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        checkIdle();
      });
    },
    async cancel(id, reason) {
      if (await jobs.cancel(id, reason)) return 'running';
      if (await store.cancelQueued(id, reason, clock.now())) return 'queued';
      const job = await store.getJob(id);
      if (!job) return 'not-found';
      return job.state === 'running' && (await store.requestCancel(id, reason)) ? 'requested' : 'finished';
    },
    async stop() {
      stopped = true;
      wakeTimer?.cancel();
      await routing.settled();
      await scheduling;
      await jobs.abortAll(new Error('service shutting down'), true);
    },
  };
}
