/** `claude-hooks serve`: the service until a signal; the first drains, a second exits at once. */
import type { Config } from '../config/types.js';
import { createLogger } from '../lib/logger.js';
import { startService } from '../main.js';

export async function serve(config: Config): Promise<number> {
  const log = createLogger({ level: config.logLevel });
  const service = await startService({ config, log, env: process.env, announce: (text) => process.stdout.write(`${text}\n`) });
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
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
