/**
 * The sweeper's schedule: a cron expression (`housekeeping.sweepCron`) read by croner, never by a
 * home-made parser. `protect` skips a tick while the previous sweep still runs.
 *
 * Every worker keeps the schedule, because each has its own disk (worktrees, caches, the attic,
 * transcripts) that only it can sweep. The worker that leads the sweeper runs every task; any
 * other runs only the disk tasks, so the database's tasks run once per tick for the whole fleet.
 * With one worker (SQLite) it always leads.
 */
import { Cron } from 'croner';
import type { Logger } from '../lib/logger.js';
import type { Sweeper } from './sweeper.js';

export interface SweepSchedule {
  /** When the next sweep runs, if ever. */
  next(): Date | null;
  stop(): void;
}

export interface ScheduleOptions {
  /** Whether this worker leads the sweeper now; always, by default. */
  readonly leads?: () => boolean;
  /** This worker's id, named in the trigger of a disk-only sweep. */
  readonly worker?: string;
}

export function scheduleSweeps(
  pattern: string,
  sweeper: Sweeper,
  log: Logger,
  options: ScheduleOptions = {},
): SweepSchedule {
  const job = new Cron(pattern, { protect: true, unref: true }, async () => {
    const leads = options.leads?.() ?? true;
    try {
      await sweeper.sweep(
        leads
          ? { trigger: 'schedule' }
          : { trigger: `schedule, disk of worker ${options.worker ?? '?'}`, diskOnly: true },
      );
    } catch (error) {
      log.error({ err: error }, 'scheduled sweep failed');
    }
  });
  return { next: () => job.nextRun(), stop: () => job.stop() };
}
