/**
 * A leader role that does one piece of work at start and then every `intervalMs`, one at a time,
 * until stopped (recovery of a dead worker's jobs, for instance). A failing round is logged and
 * the next one tries again.
 */
import type { Logger } from '../lib/logger.js';
import type { LeaderRole } from './leadership.js';

export function periodicRole(name: string, intervalMs: number, work: () => Promise<void>, log: Logger): LeaderRole {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const round = () => {
    running ??= work()
      .catch((error: unknown) => log.warn({ err: error, role: name }, 'a leader round failed; the next one tries again'))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  return {
    name,
    async start() {
      await round();
      timer = setInterval(() => void round(), intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
