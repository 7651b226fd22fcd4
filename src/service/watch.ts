/**
 * Start-up, stage 4b (beside the milestone driver, before housekeeping, whose leader role runs it):
 * the pull watch (docs/until-merged.md) — told of every stored event after its commit, reading
 * checks, logs and reviews with the service's credential (`forge.serviceToken`, else the first
 * agent's), and rerunning, merging and saying the cap as the PR's author (its agent's client). Without any agent there is no credential, and no watch. It also gives
 * the runner what puts the failing jobs' whole logs in the worktree.
 */
import { checkLogPlacer, type CheckLogPlacer } from '../agent/check-logs.js';
import { createPullWatch, type PullWatch } from '../watch/driver.js';
import { type Infrastructure, serviceForgeClient } from './infrastructure.js';
import type { ServiceContext } from './types.js';

export function startPullWatch(ctx: ServiceContext, infra: Infrastructure): PullWatch | undefined {
  const { config, log, clock, lifecycle, redactor } = ctx;
  const { store, clients } = infra;
  const reader = serviceForgeClient(config, log) ?? clients.values().next().value;
  if (!reader) return undefined;
  const watch = createPullWatch({
    store: store.pulls,
    events: store.deliveries,
    reader,
    writerFor: (agent) => clients.get(agent),
    agents: config.agents,
    settings: config.pulls,
    repositories: config.forge.repositories,
    forge: config.forge.kind,
    redact: redactor.redact,
    clock,
    log: log.child({ module: 'pulls' }),
    probeDelayMs: config.pulls.conflictProbeSeconds * 1000,
  });
  store.onEvent((stored) => watch.notice(stored));
  lifecycle.defer('pull watch', () => watch.stop());
  return watch;
}

/** What puts the failing jobs' logs in a worktree before a run, read with the service's credential. */
export function checkLogsFor(ctx: ServiceContext, infra: Infrastructure): CheckLogPlacer | undefined {
  const reader = serviceForgeClient(ctx.config, ctx.log) ?? infra.clients.values().next().value;
  if (!reader) return undefined;
  return checkLogPlacer({
    reader,
    maxBytes: ctx.config.pulls.logMaxBytes,
    redact: ctx.redactor.redact,
    log: ctx.log.child({ module: 'pulls' }),
  });
}
