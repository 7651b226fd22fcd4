/**
 * Start-up, stage 3: the dispatcher, this worker's presence (its lease, whose loss stops its
 * runs), the wake-ups that reach the dispatcher (a stored event, another worker's job change, the
 * safety poll), and the metrics it feeds. Dispatch itself starts after the service listens
 * (`startDispatching`): finishing the runs a stopped service left may wait on the forge.
 */
import { finishOrphanedRuns } from '../agent/orphaned-runs.js';
import { countJobs } from '../http/metrics.js';
import { repeat } from '../lib/repeat.js';
import { createDispatcher, type Dispatcher } from '../queue/dispatcher.js';
import { createPresence } from '../workers/presence.js';
import type { Agents } from './agents.js';
import type { Infrastructure } from './infrastructure.js';
import type { ServiceContext } from './types.js';

/** With several workers, the safety net under LISTEN/NOTIFY: a wake-up lost with a dropped connection is found here. */
const SAFETY_POLL_MS = 10_000;
/** How long a tripped circuit breaker pauses a key. */
const BREAKER_PAUSE_MS = 3600_000;

export interface Dispatch {
  readonly dispatcher: Dispatcher;
  /** Finishes the runs a stopped process (or a dead worker) left: their leftovers ended, their records and status comments closed. */
  orphans(): Promise<unknown>;
}

export async function startDispatch(ctx: ServiceContext, infra: Infrastructure, agents: Agents): Promise<Dispatch> {
  const { config, log, clock, lifecycle } = ctx;
  const { store, several } = infra;
  const dispatcher = createDispatcher({
    store: store.jobs,
    runner: agents.runner,
    route: {
      ...agents.trigger,
      forge: agents.forgeLookup,
      repositories: config.forge.repositories,
      // A check result concerns the watched PR whose head it names, if any: one indexed read.
      watchedHead: async (repo, sha) => (await store.pulls.watchedByHead(repo, sha))[0]?.number,
    },
    limits: {
      concurrency: config.dispatch.concurrency,
      perRepository: config.dispatch.perRepository,
      maxAttempts: config.dispatch.maxAttempts,
      backoffMs: config.dispatch.backoffSeconds * 1000,
      maxBackoffMs: config.dispatch.maxBackoffSeconds * 1000,
      outageHorizonMs: config.dispatch.outageHorizonMinutes * 60_000,
      pauseMs: BREAKER_PAUSE_MS,
    },
    clock,
    log: log.child({ module: 'dispatch' }),
  });
  // This worker's lease, renewed by heartbeats; lost (it stalled past it), its runs stop: their
  // jobs may already run on another worker. Registered before the dispatcher claims anything,
  // and ended after it has stopped. With SQLite there is one worker and nobody to tell.
  const presence = createPresence({
    registry: store.workers,
    identity: infra.identity,
    leaseMs: infra.leaseMs,
    clock,
    log: log.child({ module: 'workers' }),
    onLeaseLost: (reason) => dispatcher.abandonRunning(`this worker lost its lease (${reason})`),
    disk: infra.lastDisk,
  });
  await presence.start();
  lifecycle.defer('worker presence', () => presence.stop());
  store.onEvent((stored) => dispatcher.notify(stored));
  // Another worker queued a job or freed a slot (PostgreSQL): look for what can start.
  store.onJobsChanged(() => dispatcher.notify());
  if (several) {
    const safetyPoll = repeat(clock, SAFETY_POLL_MS, async () => dispatcher.notify());
    lifecycle.defer('safety poll', () => safetyPoll.stop());
  }
  dispatcher.subscribe(countJobs({ metrics: infra.metrics, runs: store.runs, clock, log }));
  lifecycle.defer('dispatcher', () => dispatcher.stop());
  return {
    dispatcher,
    orphans: () =>
      finishOrphanedRuns({
        runs: store.runs,
        clients: infra.clients,
        clock,
        moved: several,
        log: log.child({ module: 'agent' }),
      }),
  };
}

/**
 * After listening: finishes the runs a stopped service left — editing their status comments on
 * the forge, which may hang — then starts dispatch, which re-queues their jobs, so the old runs
 * and comments are closed first; deliveries meanwhile are stored and routed once it starts.
 */
export function startDispatching(ctx: ServiceContext, dispatch: Dispatch): Promise<void> {
  const { log, lifecycle } = ctx;
  const started = (async () => {
    await dispatch
      .orphans()
      .catch((error: unknown) =>
        log.warn({ err: error }, 'could not finish the runs a stopped service left; the recovery tries again'),
      );
    await dispatch.dispatcher.start();
  })().catch((error: unknown) =>
    log.error({ err: error }, 'the dispatcher could not start; jobs wait until the next start'),
  );
  lifecycle.defer('dispatcher start', () => started);
  return started;
}
