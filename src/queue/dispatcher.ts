/**
 * The dispatcher turns stored events into agent runs: it routes each new event into the per-key
 * mailboxes, starts queued jobs as slots free up (global, per-repository and per-agent limits,
 * FIFO), applies the per-key rate cap and circuit breaker, retries failures with exponential
 * backoff, and at start-up re-queues jobs a dead process left running. It never runs two jobs of
 * one key at once and never cancels a follow-up.
 */
import type { AgentConfig } from '../config/types.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { routeEvent, type RouteContext } from './route-event.js';
import { ForgeApiError } from '../forge/client.js';
import { workKeyString, type AgentRunner, type Job, type JobStore, type RoutingDecision, type RunOutcome, type StoredEvent } from './ports.js';

export interface DispatchLimits {
  readonly concurrency: number;
  readonly perRepository: number;
  readonly maxAttempts: number;
  readonly backoffMs: number;
  /** How long a tripped circuit breaker pauses a key. */
  readonly pauseMs: number;
}

export interface DispatcherOptions {
  readonly store: JobStore;
  readonly runner: AgentRunner;
  readonly route: RouteContext;
  readonly limits: DispatchLimits;
  readonly clock: Clock;
  readonly log: Logger;
}

export type DispatchNotice =
  | { readonly type: 'job-started'; readonly job: Job }
  | { readonly type: 'job-finished'; readonly job: Job; readonly outcome: RunOutcome }
  | { readonly type: 'key-paused'; readonly job: Job; readonly reason: string };

export interface Dispatcher {
  /** Re-queues interrupted jobs, routes what is pending, starts what can start. */
  start(): Promise<void>;
  /**
   * A new event was stored (intake or poller) — routed from memory when given; without one, the
   * store is searched for events not routed yet (and for jobs whose time has come).
   */
  notify(stored?: StoredEvent): void;
  /** Observers (metrics, tests, the dashboard later) hear about starts, finishes and pauses. */
  subscribe(listener: (notice: DispatchNotice) => void): () => void;
  /** Settles when nothing is being routed or run and nothing runnable is waiting. */
  idle(): Promise<void>;
  /** Stops starting jobs, aborts running ones (they are re-queued) and waits for them. */
  stop(): Promise<void>;
}

const HOUR = 3600_000;

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { store, runner, clock, log, limits } = options;
  const agents = new Map<string, AgentConfig>(options.route.agents.map((a) => [a.name, a]));
  const running = new Map<number, { job: Job; controller: AbortController; done: Promise<void> }>();
  const listeners = new Set<(notice: DispatchNotice) => void>();
  let routing: Promise<void> | undefined;
  let routeAgain = false;
  let routingFailures = 0;
  /** Events handed over in memory, in commit order; the store is read only when `scan` is set. */
  const inbox: StoredEvent[] = [];
  let scan = true;
  let scheduling: Promise<void> | undefined;
  let scheduleAgain = false;
  let wakeTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  let idleWaiters: Array<() => void> = [];

  const emit = (notice: DispatchNotice) => {
    for (const listener of listeners) listener(notice);
  };

  const routePending = (): Promise<void> => {
    if (routing) {
      routeAgain = true;
      return routing;
    }
    routing = (async () => {
      do {
        routeAgain = false;
        for (;;) {
          const batch = inbox.length > 0 ? inbox.splice(0, 100) : scan ? await store.undispatchedEvents(100) : [];
          if (batch.length === 0) {
            scan = false;
            break;
          }
          // Route the batch concurrently, then record every decision in one write, in event
          // order, so a key's events join its mailbox in the order they arrived.
          const routed = await Promise.all(batch.map((stored) => routeOne(stored)));
          const settled = routed.filter((r) => r.decisions !== undefined);
          await store.commitRouting(
            settled.map(({ stored, decisions }) => ({ eventId: stored.id, decisions: decisions ?? [] })),
            clock.now(),
          );
          for (const { stored, decisions } of settled) {
            for (const decision of decisions ?? []) {
              if (decision.kind === 'skip') log.info({ eventId: stored.id, agent: decision.agent, reason: decision.reason }, 'event not routed to agent');
              else log.info({ eventId: stored.id, job: workKeyString(decision.key), trigger: decision.trigger }, 'event routed');
            }
          }
          if (settled.length < routed.length) {
            // The forge could not be asked (an outage): those events stay unrouted, in the store,
            // and are tried again later, backing off; the others went on.
            routingFailures++;
            const delay = Math.min(60_000, 1000 * 2 ** (routingFailures - 1));
            log.warn({ deferred: routed.length - settled.length, retryInMs: delay }, 'could not route some events now; will retry');
            setWake(clock.now() + delay);
            return;
          }
          routingFailures = 0;
        }
      } while (routeAgain);
    })()
      .catch((error: unknown) => {
        log.error({ err: error }, 'routing failed; will retry');
        scan = true;
        setWake(clock.now() + 1000);
      })
      .finally(() => {
        routing = undefined;
        // News that came after the loop last looked, but before this point, would otherwise wait
        // for the next event (a lost wake-up): look again.
        if (routeAgain || inbox.length > 0) void routePending();
        void schedule();
      });
    return routing;
  };

  /**
   * Routes one event. A forge that cannot answer now (network, 5xx, 429) leaves the event for a
   * later try (`decisions` undefined); any other failure is final for this event and recorded.
   */
  const routeOne = async (stored: StoredEvent): Promise<{ stored: StoredEvent; decisions: RoutingDecision[] | undefined }> => {
    try {
      return { stored, decisions: await routeEvent(stored.event, options.route) };
    } catch (error) {
      if (isTransient(error)) {
        log.warn({ err: error, eventId: stored.id }, 'could not route an event: the forge did not answer');
        return { stored, decisions: undefined };
      }
      log.error({ err: error, eventId: stored.id }, 'could not route an event');
      return { stored, decisions: [{ kind: 'skip', agent: '*', reason: `could not be routed: ${error instanceof Error ? error.message : String(error)}` }] };
    }
  };

  const schedule = (): Promise<void> => {
    if (scheduling) {
      scheduleAgain = true;
      return scheduling;
    }
    scheduling = (async () => {
      do {
        scheduleAgain = false;
        if (stopped) return;
        await startRunnable();
      } while (scheduleAgain);
      const wakeAt = await store.nextWakeAt(clock.now());
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

  const startRunnable = async () => {
    const candidates = await store.runnableJobs(clock.now());
    const chosen: Array<{ job: Job; agent: AgentConfig }> = [];
    const count = (predicate: (job: Job) => boolean) => countRunning(predicate) + chosen.filter((c) => predicate(c.job)).length;
    for (const job of candidates) {
      if (running.size + chosen.length >= limits.concurrency) break;
      const agent = agents.get(job.key.agent);
      if (!agent) {
        await store.finishJob(job.id, { state: 'cancelled', error: `agent ${job.key.agent} is no longer configured` }, clock.now());
        continue;
      }
      if (count((j) => j.key.repo === job.key.repo) >= limits.perRepository) continue;
      if (count((j) => j.key.agent === job.key.agent) >= agent.limits.concurrency) continue;
      if (await tripBreaker(job, agent)) continue;
      chosen.push({ job, agent });
    }
    // One group commit starts them all.
    const now = clock.now();
    const started = await Promise.all(chosen.map(({ job }) => store.startJob(job.id, now)));
    started.forEach((job, i) => {
      if (job) launch(job, chosen[i]!.agent);
    });
  };

  const countRunning = (predicate: (job: Job) => boolean) => [...running.values()].filter((r) => predicate(r.job)).length;

  /** The per-key rate cap: past it, the key is paused and the issue is told why. */
  const tripBreaker = async (job: Job, agent: AgentConfig): Promise<boolean> => {
    const now = clock.now();
    const starts = await store.countStartsSince(job.key, now - HOUR);
    if (starts < agent.limits.runsPerHour) return false;
    const until = now + limits.pauseMs;
    const reason = `${agent.name} ran ${starts} times on this issue in the last hour (limit ${agent.limits.runsPerHour}, agents.${agent.name}.limits.runsPerHour)`;
    await store.pauseKey(job.key, until, reason);
    log.warn({ job: job.id, key: workKeyString(job.key), until: new Date(until).toISOString(), reason }, 'circuit breaker tripped: key paused');
    emit({ type: 'key-paused', job, reason });
    const body = `⏸ **claude-hooks paused ${agent.name} on this issue** until ${new Date(until).toISOString()}: ${reason}. This usually means agents are answering each other in a loop. The ${job.eventIds.length} pending event(s) are kept and will be answered when the pause ends.`;
    await options.route.forge.comment(job.repoRef, job.key.issue, body, agent.name).catch((error: unknown) => {
      log.warn({ err: error, key: workKeyString(job.key) }, 'could not post the circuit-breaker notice');
    });
    return true;
  };

  const launch = (job: Job, agent: AgentConfig) => {
    const controller = new AbortController();
    const jobLog = log.child({ job: job.id, agent: job.key.agent, repo: job.key.repo, issue: job.key.issue, attempt: job.attempts });
    emit({ type: 'job-started', job });
    jobLog.info({ events: job.eventIds.length }, 'job started');
    const done = (async () => {
      const outcome = await runJob(job, agent, controller.signal);
      const now = clock.now();
      if (controller.signal.aborted) {
        await store.finishJob(job.id, { state: 'retry', error: 'interrupted by shutdown', notBefore: now }, now);
      } else if (outcome.ok) {
        await store.finishJob(job.id, { state: 'succeeded' }, now);
      } else if (outcome.retryable && job.attempts < limits.maxAttempts) {
        const notBefore = now + limits.backoffMs * 2 ** (job.attempts - 1);
        await store.finishJob(job.id, { state: 'retry', error: outcome.error, notBefore }, now);
        jobLog.warn({ error: outcome.error, retryAt: new Date(notBefore).toISOString() }, 'job failed; will retry');
      } else {
        await store.finishJob(job.id, { state: 'failed', error: outcome.error }, now);
        jobLog.error({ error: outcome.error }, 'job failed for good');
      }
      if (outcome.ok) jobLog.info('job succeeded');
      emit({ type: 'job-finished', job, outcome });
    })()
      .catch((error: unknown) => jobLog.error({ err: error }, 'could not record the end of a job'))
      .finally(() => {
        running.delete(job.id);
        void schedule();
      });
    running.set(job.id, { job, controller, done });
  };

  const runJob = async (job: Job, agent: AgentConfig, signal: AbortSignal): Promise<RunOutcome> => {
    try {
      const events = await store.getEvents(job.eventIds);
      return await runner.run({ jobId: job.id, key: job.key, agent, repo: job.repoRef, attempt: job.attempts, events, signal });
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error), retryable: true };
    }
  };

  const setWake = (at: number) => {
    if (stopped) return;
    if (wakeTimer) clearTimeout(wakeTimer);
    wakeTimer = setTimeout(() => {
      wakeTimer = undefined;
      scan = true;
      void routePending();
    }, Math.max(0, at - clock.now()));
    wakeTimer.unref();
  };

  const checkIdle = () => {
    if (routing || scheduling || running.size > 0 || inbox.length > 0 || idleWaiters.length === 0) return;
    void store.runnableJobs(clock.now()).then((runnable) => {
      if (runnable.length > 0 && !stopped) return void schedule();
      if (routing || scheduling || running.size > 0 || inbox.length > 0) return;
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    });
  };

  return {
    async start() {
      const interrupted = await store.requeueInterrupted(clock.now());
      for (const job of interrupted) {
        log.warn({ job: job.id, key: workKeyString(job.key), events: job.eventIds.length, attempts: job.attempts }, 'job was running when the service stopped; re-queued with its events');
      }
      await routePending();
    },
    notify(stored) {
      if (stopped) return;
      if (stored) inbox.push(stored);
      else scan = true;
      void routePending();
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
    async stop() {
      stopped = true;
      if (wakeTimer) clearTimeout(wakeTimer);
      await routing;
      await scheduling;
      for (const { controller } of running.values()) controller.abort(new Error('service shutting down'));
      await Promise.all([...running.values()].map((r) => r.done));
    },
  };
}

/** Worth trying again later: no answer at all, a server error, or being told to slow down. */
function isTransient(error: unknown): boolean {
  if (!(error instanceof ForgeApiError)) return true;
  return error.status === 0 || error.status === 429 || error.status >= 500;
}
