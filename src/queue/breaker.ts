/**
 * The per-key circuit breaker: a key (agent, repo, issue) that started more runs in the last hour
 * than its agent's `limits.runsPerHour` is paused, and the issue is told why — usually agents
 * answering each other in a loop. Its pending events are kept for when the pause ends. With
 * several workers the pause is taken atomically in the store, so the issue is told once.
 */
import type { AgentConfig } from '../config/types.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Emit } from './dispatch-types.js';
import type { ForgeLookup, Job, JobStore } from './ports.js';
import { workKeyString } from '../core/work-key.js';

export interface Breaker {
  /** Pauses the job's key if it is over its rate cap; true when it did (the job must not start). */
  trip(job: Job, agent: AgentConfig): Promise<boolean>;
}

const HOUR = 3600_000;

export function createBreaker(options: {
  store: JobStore;
  forge: ForgeLookup;
  pauseMs: number;
  clock: Clock;
  log: Logger;
  emit: Emit;
}): Breaker {
  const { store, clock, log } = options;
  return {
    async trip(job, agent) {
      const now = clock.now();
      const starts = await store.countStartsSince(job.key, now - HOUR);
      if (starts < agent.limits.runsPerHour) return false;
      const until = now + options.pauseMs;
      const reason = `${agent.name} ran ${starts} times on this issue in the last hour (limit ${agent.limits.runsPerHour}, agents.${agent.name}.limits.runsPerHour)`;
      // Another worker may be tripping the same key right now: only the one that paused it speaks.
      if (!(await store.tripKey(job.key, until, reason, now))) return true;
      log.warn(
        { job: job.id, key: workKeyString(job.key), until: new Date(until).toISOString(), reason },
        'circuit breaker tripped: key paused',
      );
      options.emit({ type: 'key-paused', job, reason });
      const body = `⏸ **claude-hooks paused ${agent.name} on this issue** until ${new Date(until).toISOString()}: ${reason}. This usually means agents are answering each other in a loop. The ${job.eventIds.length} pending event(s) are kept and will be answered when the pause ends.`;
      await options.forge.comment(job.repoRef, job.key.issue, body, agent.name).catch((error: unknown) => {
        log.warn({ err: error, key: workKeyString(job.key) }, 'could not post the circuit-breaker notice');
      });
      return true;
    },
  };
}
