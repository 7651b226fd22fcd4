/** Whether croner reads a cron expression: the config checks `housekeeping.sweepCron` with it. */
import { Cron } from 'croner';

/** A problem with a cron expression, in words, or undefined when croner reads it. */
export function cronProblem(pattern: string): string | undefined {
  try {
    new Cron(pattern, { paused: true }).stop();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
