/**
 * The tasks that must run on one worker at a time — the reconciliation poller, the sweeper's
 * schedule, recovering a dead worker's jobs — each behind a leader lease. Every worker tries to
 * take each lease at every tick; the holder renews it, starts the role when it gets it and stops
 * it when it loses it. With the embedded store there is one worker, which always leads.
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { repeat, type Repeater } from '../lib/repeat.js';
import type { WorkerRegistry } from './ports.js';

export interface LeaderRole {
  readonly name: string;
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

export interface LeadershipOptions {
  readonly registry: WorkerRegistry;
  readonly holder: string;
  readonly roles: readonly LeaderRole[];
  /** How long a lease lasts unless renewed; renewed every third of it. */
  readonly ttlMs: number;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface Leadership {
  start(): Promise<void>;
  /** One round of taking and renewing leases (the timer's work; tests call it directly). */
  tick(): Promise<void>;
  /** The roles this worker leads now. */
  leads(): string[];
  stop(): Promise<void>;
}

export function createLeadership(options: LeadershipOptions): Leadership {
  const { registry, holder, roles, ttlMs, clock, log } = options;
  const held = new Set<string>();
  let ticks: Repeater | undefined;

  const tick = async () => {
    for (const role of roles) {
      let leads: boolean;
      try {
        leads = await registry.lead(role.name, holder, clock.now(), ttlMs);
      } catch (error) {
        log.warn({ err: error, role: role.name }, 'could not renew a leader lease');
        continue; // keep the role until the lease has surely passed: the next tick decides
      }
      if (leads && !held.has(role.name)) {
        held.add(role.name);
        log.info({ role: role.name }, 'this worker now leads');
        await role.start();
      } else if (!leads && held.has(role.name)) {
        held.delete(role.name);
        log.warn({ role: role.name }, 'another worker took over');
        await role.stop();
      }
    }
  };

  return {
    async start() {
      await tick();
      ticks = repeat(clock, Math.max(50, Math.floor(ttlMs / 3)), tick);
    },
    tick,
    leads: () => [...held],
    async stop() {
      await ticks?.stop();
      for (const role of roles) {
        if (!held.delete(role.name)) continue;
        await role.stop();
        await registry.resign(role.name, holder).catch(() => undefined);
      }
    },
  };
}
