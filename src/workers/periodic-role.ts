/**
 * A leader role that does one piece of work at start and then every `intervalMs`, one at a time,
 * until stopped (recovery of a dead worker's jobs, for instance). A failing round is logged and
 * the next one tries again.
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { repeat, type Repeater } from '../lib/repeat.js';
import type { LeaderRole } from './leadership.js';

export interface PeriodicRoleOptions {
  readonly name: string;
  readonly intervalMs: number;
  readonly clock: Clock;
  readonly log: Logger;
}

export function periodicRole(options: PeriodicRoleOptions, work: () => Promise<void>): LeaderRole {
  const { name, intervalMs, clock, log } = options;
  const guarded = () =>
    work().catch((error: unknown) =>
      log.warn({ err: error, role: name }, 'a leader round failed; the next one tries again'),
    );
  let rounds: Repeater | undefined;
  return {
    name,
    async start() {
      rounds = repeat(clock, intervalMs, guarded);
      await rounds.round();
    },
    async stop() {
      await rounds?.stop();
      rounds = undefined;
    },
  };
}
