/**
 * The sweeper's schedule: a cron expression (`housekeeping.sweepCron`) read by croner, never by a
 * home-made parser. `protect` skips a tick while the previous sweep still runs.
 */
import { Cron } from 'croner';
import type { Logger } from '../lib/logger.js';
import type { Sweeper } from './sweeper.js';

export interface SweepSchedule {
  /** When the next sweep runs, if ever. */
  next(): Date | null;
  stop(): void;
}

export function scheduleSweeps(pattern: string, sweeper: Sweeper, log: Logger): SweepSchedule {
  const job = new Cron(pattern, { protect: true, unref: true }, async () => {
    try {
      await sweeper.sweep({ trigger: 'schedule' });
    } catch (error) {
      log.error({ err: error }, 'scheduled sweep failed');
    }
  });
  return { next: () => job.nextRun(), stop: () => job.stop() };
}
