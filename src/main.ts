/**
 * The composition root: the only place that opens infrastructure and wires modules together, in
 * named stages (`src/service/`), each taking the context and registering the release of what it
 * opens with the lifecycle; `close` releases them in reverse order (stop accepting → drain →
 * close the database).
 *
 * 1. infrastructure — the data dir, the store, this worker's identity, intake, metrics, forge
 *    clients and the token check, the workdirs;
 * 2. agents — the forge lookup, the sandbox, the runner dispatch calls;
 * 3. dispatch — the dispatcher, this worker's presence, what wakes the dispatcher;
 * 4. milestones — the driver that learns each milestone's graph, hands its ready stories to the
 *    implementer and keeps its tracking issue true; and the pull watch, which sees each agent's
 *    pull request through to the merge (both run by the poller's leader role);
 * 5. housekeeping — cleanup, the sweeper, the poller, the leader roles;
 * 6. HTTP — the app, listening;
 * then, in the background, finishing the runs a stopped service left and starting dispatch.
 */
import { configSecrets } from './config/config-secrets.js';
import { systemClock } from './lib/clock.js';
import { createLifecycle } from './lib/lifecycle.js';
import { createRedactor } from './lib/redactor.js';
import { startAgents } from './service/agents.js';
import { startDispatch, startDispatching } from './service/dispatch.js';
import { type PollerFollower, startHousekeeping } from './service/housekeeping.js';
import { startHttp } from './service/http.js';
import { startMilestones } from './service/milestones.js';
import { startPullWatch } from './service/watch.js';
import { openInfrastructure } from './service/infrastructure.js';
import type { Service, ServiceContext, ServiceOptions } from './service/types.js';

export type { Service, ServiceOptions } from './service/types.js';

export async function startService(options: ServiceOptions): Promise<Service> {
  const { config, log } = options;
  const ctx: ServiceContext = {
    options,
    config,
    log,
    clock: options.clock ?? systemClock,
    redactor: options.redactor ?? createRedactor(configSecrets(config)),
    lifecycle: createLifecycle(log),
  };
  try {
    const infra = await openInfrastructure(ctx);
    const agents = await startAgents(ctx, infra);
    const dispatch = await startDispatch(ctx, infra, agents);
    const milestones = startMilestones(ctx, infra, agents, dispatch);
    const watch = startPullWatch(ctx, infra);
    const followers = [
      ...(milestones ? [{ name: 'milestones', ...bound(milestones) }] : []),
      ...(watch ? [{ name: 'pulls', ...bound(watch) }] : []),
    ];
    const housekeeping = await startHousekeeping(ctx, infra, dispatch, followers);
    const url = await startHttp(ctx, { infra, agents, dispatch, housekeeping, milestones });
    const started = startDispatching(ctx, dispatch);
    return {
      url,
      store: infra.store,
      dispatcher: dispatch.dispatcher,
      workdirs: infra.workdirs,
      poller: housekeeping.poller,
      diskSampler: infra.diskSampler,
      cleanup: housekeeping.cleanup,
      sweeper: housekeeping.sweeper,
      milestones,
      watch,
      workerId: infra.identity.id,
      started,
      leads: () => housekeeping.leadership.leads(),
      close: () => ctx.lifecycle.close(),
    };
  } catch (error) {
    await ctx.lifecycle.close();
    throw error;
  }
}

/** A driver's leader-role methods, bound to it. */
function bound(driver: Pick<PollerFollower, 'start' | 'stop' | 'caughtUp'>): Omit<PollerFollower, 'name'> {
  return {
    start: () => driver.start(),
    stop: () => driver.stop(),
    caughtUp: (repo, found) => driver.caughtUp(repo, found),
  };
}
