/**
 * What `config check` warns about, said again in the service's log at start-up: a service started
 * by a supervisor is seldom checked by hand, and its log is where an operator looks.
 */
import type { Config } from '../config/types.js';
import type { Logger } from '../lib/logger.js';

export function logConfigWarnings(config: Config, log: Logger): void {
  for (const { key, source } of config.secretsInFile ?? [])
    log.warn(
      { key, source },
      'a secret is written in the config file itself: write { env: NAME } or { file: PATH } instead (claude-hooks config check lists them)',
    );
  for (const { key, now, source } of config.renamedKeys ?? [])
    log.warn({ key, now, source }, `${key} is now ${now}: rename the key; the old name is still read, for now`);
}
