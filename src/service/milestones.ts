/**
 * Start-up, stage 4 (before housekeeping, whose leader role runs it): the milestone driver
 * (docs/milestones.md) — told of every stored event after its commit and of every implementer's
 * job that ends, reading issues with the service's credential (`forge.serviceToken`, else the
 * first agent's) and writing tracking issues as the planner. Without any agent there is no
 * credential to read with, and no driver.
 */
import type { AgentConfig } from '../config/types.js';
import { personMayTrigger } from '../queue/route-event.js';
import { createMilestoneDriver, type MilestoneDriver } from '../tracking/driver.js';
import type { Agents } from './agents.js';
import type { Dispatch } from './dispatch.js';
import { type Infrastructure, serviceForgeClient } from './infrastructure.js';
import type { ServiceContext } from './types.js';

export function startMilestones(
  ctx: ServiceContext,
  infra: Infrastructure,
  agents: Agents,
  dispatch: Dispatch,
): MilestoneDriver | undefined {
  const { config, log, clock, lifecycle, redactor } = ctx;
  const { store, clients } = infra;
  const reader = serviceForgeClient(config, log) ?? clients.values().next().value;
  if (!reader) return undefined;
  const planner = firstOf(config.agents, 'planner');
  const writer = planner && clients.get(planner.name);
  const implementers = config.agents.filter((agent) => agent.role === 'implementer').map((agent) => agent.name);
  const driverLog = log.child({ module: 'milestones' });
  if (!writer) driverLog.warn('no planner agent is configured: tracking issues are not kept up to date');
  const driver = createMilestoneDriver({
    milestones: store.milestones,
    jobs: store.jobs,
    events: store.deliveries,
    reader,
    // The planner opens stories; a person may when they may start runs (a footer is anyone's text).
    mayOpenStories: async (repo, login) =>
      planner?.login.toLowerCase() === login.toLowerCase() || personMayTrigger(agents.trigger, repo, login),
    mayOpenStoryPulls: async (repo, login) =>
      config.agents.some(
        (agent) => agent.role === 'implementer' && agent.login.toLowerCase() === login.toLowerCase(),
      ) || personMayTrigger(agents.trigger, repo, login),
    writer,
    redact: redactor.redact,
    settings: config.milestones,
    implementers,
    repositories: config.forge.repositories,
    forge: config.forge.kind,
    clock,
    log: driverLog,
  });
  store.onEvent((stored) => driver.notice(stored));
  dispatch.dispatcher.subscribe((notice) => {
    if (notice.type === 'job-finished') driver.jobEnded(notice.job.key);
  });
  lifecycle.defer('milestones', () => driver.stop());
  return driver;
}

const firstOf = (agents: readonly AgentConfig[], role: AgentConfig['role']): AgentConfig | undefined =>
  agents.find((agent) => agent.role === role);
