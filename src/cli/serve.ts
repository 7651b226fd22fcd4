/** `claude-hooks serve`: the service until a signal; the first drains, a second exits at once. */
import type { Config } from '../config/types.js';
import { startService } from '../main.js';
import { logConfigWarnings } from './config-warnings.js';
import { serviceLogging } from './service-logging.js';

/** Signals this close together are one signal delivered twice (terminal and npm), not a second request. */
const ONE_SIGNAL_MS = 1000;

export async function serve(config: Config): Promise<number> {
  // One redactor for every string that leaves the service: the log's lines, and (through
  // `startService`) run records, job errors and status comments.
  const { redactor, log } = serviceLogging(config);
  logConfigWarnings(config, log);
  const service = await startService({
    config,
    log,
    redactor,
    env: process.env,
    announce: (text: string) => process.stdout.write(`${text}\n`),
  });
  return new Promise<number>((resolve) => {
    let stoppingSince: number | undefined;
    const stop = (signal: NodeJS.Signals) => {
      if (stoppingSince !== undefined) {
        // One Ctrl-C under `npm start` arrives twice, from the terminal and forwarded by npm: a
        // second signal means "exit now" only when a person could have sent it.
        if (Date.now() - stoppingSince < ONE_SIGNAL_MS) return;
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      stoppingSince = Date.now();
      log.info({ signal }, 'shutting down: finishing in-flight work (send the signal again to exit at once)');
      service.close().then(
        () => {
          log.info('stopped');
          log.flush();
          resolve(0);
        },
        (error: unknown) => {
          log.error({ err: error }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
