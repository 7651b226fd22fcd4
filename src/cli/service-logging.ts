/**
 * The redactor and the root logger of `claude-hooks serve`, made before anything else so that the
 * very first log line is already redacted. The redactor starts with every secret the
 * configuration holds; the service adds what it learns later (a generated webhook secret, a
 * run's own token) through `Redactor.add`.
 */
import type { DestinationStream } from 'pino';
import type { Config } from '../config/types.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { configSecrets } from '../config/config-secrets.js';
import { createRedactor, type Redactor } from '../lib/redactor.js';

export interface ServiceLogging {
  readonly redactor: Redactor;
  readonly log: Logger;
}

/** `destination`: stdout when omitted; tests pass a stream to read the lines back. */
export function serviceLogging(config: Config, destination?: DestinationStream): ServiceLogging {
  const redactor = createRedactor(configSecrets(config));
  return { redactor, log: createLogger({ level: config.logLevel, redactor, destination }) };
}
