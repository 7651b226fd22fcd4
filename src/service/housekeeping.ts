/**
 * Start-up, stage 5: cleanup on the forge's events (and, with several workers, each worker
 * following it on its own disk), the sweeper and its schedule, the reset the admin API and the
 * dashboard offer, the poller — and what must run on one worker at a time, behind leader leases:
 * recovery of a dead worker's work, the poller (and the milestone driver with it), the sweeper's
 * database tasks.
 */
import { join } from 'node:path';
import { createTranscripts, withStoredTranscripts } from '../agent/claude/transcripts.js';
import type { Config } from '../config/types.js';
import type { StackDeps } from '../housekeeping/cleanup-actions.js';
import { createCleanupFollower } from '../housekeeping/cleanup-follower.js';
import { createCleanupWorker, type CleanupWorker } from '../housekeeping/cleanup-worker.js';
import { scheduleSweeps } from '../housekeeping/schedule.js';
import { createStackForge } from '../housekeeping/stack-forge.js';
import { createSweeper, type Sweeper, sweepLimits, sweepStorePorts } from '../housekeeping/sweeper.js';
import type { Metrics } from '../http/metrics.js';
import type { Clock } from '../lib/clock.js';
import { repeat } from '../lib/repeat.js';
import type { ResetDeps } from '../housekeeping/reset.js';
import { createPoller, type Poller } from '../queue/poller.js';
import type { RepoRef } from '../core/events.js';
import type { UpdatedIssue } from '../queue/reconcile-events.js';
import { createLeadership, type Leadership, type LeaderRole } from '../workers/leadership.js';
import { periodicRole } from '../workers/periodic-role.js';
import type { Dispatch } from './dispatch.js';
import type { Infrastructure } from './infrastructure.js';
import type { ServiceContext } from './types.js';

/** How often a worker applies ended cleanup tasks to its own disk (several workers). */
const CLEANUP_FOLLOW_MS = 10_000;

export interface Housekeeping {
  readonly cleanup: CleanupWorker;
  readonly sweeper: Sweeper;
  /** What a reset (admin API, dashboard) works with. */
  readonly resetDeps: ResetDeps;
  readonly poller: Poller | undefined;
  readonly leadership: Leadership;
}

export async function startHousekeeping(
  ctx: ServiceContext,
  infra: Infrastructure,
  dispatch: Dispatch,
  followers: readonly PollerFollower[] = [],
): Promise<Housekeeping> {
  const { config, log, clock, lifecycle } = ctx;
  const { store, workdirs, several } = infra;
  const { dispatcher } = dispatch;
  const transcripts = withStoredTranscripts(createTranscripts(join(config.dataDir, 'claude')), store.transcripts);
  const cleanup = createCleanupWorker({
    queue: store.cleanup,
    workdirs,
    sessions: store.sessions,
    rows: store.housekeepingSessions,
    transcripts,
    agents: config.agents,
    deleteOnClose: config.housekeeping.deleteSessionsOnClose,
    stack: stackDeps(infra, config, clock),
    clock,
    log: log.child({ module: 'housekeeping' }),
  });
  store.onEvent(() => cleanup.kick());
  dispatcher.subscribe((notice) => {
    if (notice.type === 'job-finished' || notice.type === 'job-waiting') cleanup.kick();
  });
  await cleanup.start();
  lifecycle.defer('cleanup', () => cleanup.stop());
  if (several) {
    // A cleanup task runs on one worker; each worker applies its disk part to its own disk.
    const follower = createCleanupFollower({
      queue: store.cleanup,
      workdirs,
      agents: config.agents,
      cursorFile: join(config.dataDir, 'cleanup-cursor'),
      log: log.child({ module: 'housekeeping' }),
    });
    const following = repeat(clock, CLEANUP_FOLLOW_MS, async () => {
      await follower
        .catchUp()
        .catch((error: unknown) => log.warn({ err: error }, 'following the cleanup queue failed; will try again'));
    });
    await following.round();
    lifecycle.defer('cleanup follower', () => following.stop());
  }
  const sweeper = countSweeps(
    createSweeper({
      ...sweepStorePorts(store),
      workdirs,
      transcripts,
      limits: sweepLimits(config),
      clock,
      log: log.child({ module: 'sweeper' }),
    }),
    infra.metrics,
  );
  const resetDeps: ResetDeps = {
    agents: config.agents,
    workdirs,
    sessions: store.sessions,
    rows: store.housekeepingSessions,
    transcripts,
    jobs: store.jobs,
    cancelJob: (id, reason) => dispatcher.cancel(id, reason),
    clock,
    forgeUrl: config.forge.url,
  };
  const poller = pollerFor(ctx, infra, followers);
  const leadership = createLeadership({
    registry: store.workers,
    holder: infra.identity.id,
    roles: leaderRoles(ctx, infra, dispatch, cleanup, poller, followers),
    ttlMs: infra.leaseMs,
    clock,
    log: log.child({ module: 'workers' }),
  });
  infra.leadsSweeps = () => leadership.leads().includes('sweeper');
  await leadership.start();
  lifecycle.defer('leadership', () => leadership.stop());
  // Every worker sweeps its own disk on the schedule; the sweeper's leader sweeps the database too.
  const schedule = scheduleSweeps(config.housekeeping.sweepCron, sweeper, log.child({ module: 'sweeper' }), {
    leads: infra.leadsSweeps,
    worker: infra.identity.id,
  });
  lifecycle.defer('sweep schedule', () => schedule.stop());
  return { cleanup, sweeper, resetDeps, poller, leadership };
}

/**
 * What runs on one worker at a time, each behind a leader lease (with SQLite this worker always
 * leads): recovery of dead workers' runs, jobs and cleanup tasks (several workers only: with one
 * process its start-up recovery was all there was to do), the sweeper (held, not run: the
 * schedule asks who holds it at each tick), and the poller.
 */
function leaderRoles(
  ctx: ServiceContext,
  infra: Infrastructure,
  dispatch: Dispatch,
  cleanup: CleanupWorker,
  poller: Poller | undefined,
  followers: readonly PollerFollower[],
): LeaderRole[] {
  const recovery = periodicRole(
    {
      name: 'recovery',
      intervalMs: Math.max(1000, Math.floor(infra.leaseMs / 2)),
      clock: ctx.clock,
      log: ctx.log.child({ module: 'workers' }),
    },
    async () => {
      await dispatch.orphans();
      await dispatch.dispatcher.recover();
      if ((await infra.store.cleanup.requeueInterrupted()) > 0) cleanup.kick();
    },
  );
  return [
    ...(infra.several ? [recovery] : []),
    { name: 'sweeper', start: () => undefined, stop: () => undefined },
    ...pollerRoles(poller, followers),
  ];
}

/**
 * A driver that learns from the poller's catch-up and runs on one worker at a time: the milestone
 * driver, the pull watch.
 */
export interface PollerFollower {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  caughtUp(repo: RepoRef, found: readonly UpdatedIssue[]): void;
}

/**
 * The poller, and the drivers with it: they learn from the poller's catch-up, so all run on the
 * same worker (started first, stopped last). Without a poller the drivers lead alone.
 */
function pollerRoles(poller: Poller | undefined, followers: readonly PollerFollower[]): LeaderRole[] {
  if (!poller)
    return followers.map((follower) => ({
      name: follower.name,
      start: () => follower.start(),
      stop: () => follower.stop(),
    }));
  return [
    {
      name: 'poller',
      start: async () => {
        for (const follower of followers) await follower.start();
        poller.start();
      },
      stop: async () => {
        await poller.stop();
        for (const follower of followers) await follower.stop();
      },
    },
  ];
}

/** The reconciliation poller, when repositories are configured and an agent's client can read them. */
function pollerFor(
  ctx: ServiceContext,
  infra: Infrastructure,
  followers: readonly PollerFollower[],
): Poller | undefined {
  const { config, clock, log } = ctx;
  const client = infra.clients.values().next().value;
  if (!client || config.forge.repositories.length === 0) return undefined;
  return createPoller({
    repositories: config.forge.repositories,
    forgeKind: config.forge.kind,
    client,
    deliveries: infra.store.deliveries,
    cursors: infra.store.pollCursors,
    clock,
    log: log.child({ module: 'poller' }),
    intervalMs: config.dispatch.pollIntervalSeconds * 1000,
    ...(followers.length > 0
      ? {
          onCaughtUp: (repo: RepoRef, found: readonly UpdatedIssue[]) => {
            for (const follower of followers) follower.caughtUp(repo, found);
          },
        }
      : {}),
  });
}

/** Retargeting stacked PRs, when there is an agent to do it; the rebase job is queued in the store. */
function stackDeps(infra: Infrastructure, config: Config, clock: Clock): StackDeps | undefined {
  const forge = createStackForge(config.agents, infra.clients);
  return forge ? { forge, deliveries: infra.store.deliveries, forgeKind: config.forge.kind, clock } : undefined;
}

/** Every sweep's reclaimed bytes and failures go to `/metrics`, whoever started it. */
function countSweeps(sweeper: Sweeper, metrics: Metrics): Sweeper {
  return {
    async sweep(options) {
      const report = await sweeper.sweep(options);
      if (report.dryRun) return report;
      for (const task of report.tasks) {
        metrics.sweeperReclaimedBytes.inc(task.reclaimedBytes);
        if (task.failures.length > 0) metrics.sweeperFailures.inc({ kind: task.task }, task.failures.length);
      }
      return report;
    },
  };
}
