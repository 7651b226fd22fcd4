/**
 * Chooses which queued jobs start now: FIFO, within the global, per-repository and per-agent
 * limits, past the circuit breaker. It reads the queue a window at a time — only as many jobs as
 * there are free slots, leaving out repositories and agents already at their limit — so a pass
 * costs the same with 6,000 jobs queued as with 6 (docs/decisions.md §17).
 */
import type { AgentConfig } from '../config/types.js';
import type { Breaker } from './breaker.js';
import type { DispatchLimits } from './dispatch-types.js';
import type { Job, JobStore } from './ports.js';

export interface PickDeps {
  readonly store: JobStore;
  readonly agents: ReadonlyMap<string, AgentConfig>;
  readonly limits: DispatchLimits;
  readonly breaker: Breaker;
}

export interface Pick {
  readonly job: Job;
  readonly agent: AgentConfig;
}

export async function pickJobs(deps: PickDeps, running: readonly Job[], now: number): Promise<Pick[]> {
  const { store, agents, limits } = deps;
  const chosen: Pick[] = [];
  const taken = () => [...running, ...chosen.map((c) => c.job)];
  const free = () => limits.concurrency - running.length - chosen.length;
  let afterId = 0;

  while (free() > 0) {
    const { repos, agents: busyAgents } = saturated(taken(), limits, agents);
    const limit = free();
    const window = await store.runnableJobs(now, { limit, afterId, skipRepos: repos, skipAgents: busyAgents });
    for (const job of window) {
      afterId = job.id;
      if (free() <= 0) break;
      const agent = agents.get(job.key.agent);
      if (!agent) {
        // A queued job: `cancelQueued`, which both stores honour (`finishJob` is a running job's end).
        await store.cancelQueued(job.id, `agent ${job.key.agent} is no longer configured`, now);
        continue;
      }
      const inUse = taken();
      if (inUse.filter((j) => j.key.repo === job.key.repo).length >= limits.perRepository) continue;
      if (inUse.filter((j) => j.key.agent === job.key.agent).length >= agent.limits.concurrency) continue;
      if (await deps.breaker.trip(job, agent)) continue;
      chosen.push({ job, agent });
    }
    if (window.length < limit) break;
  }
  return chosen;
}

/** Repositories and agents with no slot left, given the jobs running or chosen. */
function saturated(
  jobs: readonly Job[],
  limits: DispatchLimits,
  agents: ReadonlyMap<string, AgentConfig>,
): { repos: string[]; agents: string[] } {
  const perRepo = countBy(jobs, (j) => j.key.repo);
  const perAgent = countBy(jobs, (j) => j.key.agent);
  return {
    repos: [...perRepo].filter(([, n]) => n >= limits.perRepository).map(([repo]) => repo),
    agents: [...perAgent]
      .filter(([name, n]) => n >= (agents.get(name)?.limits.concurrency ?? Infinity))
      .map(([name]) => name),
  };
}

function countBy(jobs: readonly Job[], keyOf: (job: Job) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const job of jobs) counts.set(keyOf(job), (counts.get(keyOf(job)) ?? 0) + 1);
  return counts;
}
