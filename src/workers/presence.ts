/**
 * This worker's presence: registered at start, its lease renewed every third of the lease, ended
 * at a clean stop. When a renewal finds the lease lost (the worker stalled past it, so other
 * workers may already have re-queued its jobs), `onLeaseLost` stops the local runs before the
 * worker registers again: a job never runs on two workers at once for longer than one heartbeat.
 * A renewal that fails (the database is unreachable) is retried at the next beat; once the lease
 * has passed by this worker's own clock it counts as lost too.
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { repeat, type Repeater } from '../lib/repeat.js';
import type { WorkerDisk, WorkerIdentity, WorkerRegistry } from './ports.js';

export interface PresenceOptions {
  readonly registry: WorkerRegistry;
  readonly identity: WorkerIdentity;
  readonly leaseMs: number;
  readonly clock: Clock;
  readonly log: Logger;
  /** Stops every run this worker has: their jobs may be running elsewhere already. */
  readonly onLeaseLost: (reason: string) => Promise<void> | void;
  /** The last disk measurement, reported with each heartbeat. */
  readonly disk?: () => WorkerDisk | undefined;
}

export interface Presence {
  start(): Promise<void>;
  /** One heartbeat now (the timer's work; tests call it directly). */
  beat(): Promise<void>;
  stop(): Promise<void>;
}

export function createPresence(options: PresenceOptions): Presence {
  const { registry, identity, leaseMs, clock, log } = options;
  let beats: Repeater | undefined;
  let leaseUntil = 0;

  const lost = async (reason: string) => {
    log.error(
      { worker: identity.id, reason },
      'this worker lost its lease: stopping its runs (their jobs go to other workers), then registering again',
    );
    await options.onLeaseLost(reason);
    const now = clock.now();
    await registry.register(identity, now, leaseMs);
    leaseUntil = now + leaseMs;
  };

  const beat = async () => {
    const now = clock.now();
    try {
      const held = await registry.heartbeat(identity.id, now, leaseMs, options.disk?.());
      if (held) leaseUntil = now + leaseMs;
      else await lost('the lease had passed when this worker renewed it');
    } catch (error) {
      if (now > leaseUntil)
        await lost(`the lease passed while the database could not be reached (${(error as Error).message})`).catch(
          () => undefined,
        );
      else log.warn({ err: error }, 'heartbeat failed; retrying at the next beat');
    }
  };

  return {
    async start() {
      const now = clock.now();
      await registry.register(identity, now, leaseMs);
      leaseUntil = now + leaseMs;
      beats = repeat(clock, Math.max(50, Math.floor(leaseMs / 3)), beat);
    },
    beat,
    async stop() {
      await beats?.stop();
      await registry
        .stopped(identity.id, clock.now())
        .catch((error: unknown) =>
          log.warn({ err: error }, 'could not mark this worker stopped; its lease simply runs out'),
        );
    },
  };
}
