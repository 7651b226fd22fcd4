/**
 * Structured JSON logs (pino). The root logger is made once in the composition root and handed
 * down; modules take child loggers carrying their context (delivery, job, agent, repo, issue).
 *
 * Redaction is by path, so a secret is hidden wherever a caller puts it under a known name —
 * including a `secret` field inside an old Forgejo payload.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

export const REDACTED_PATHS = [
  // Explicit paths only: wildcards make the redaction of every log line several times slower
  // (measured by \`npm run bench -- intake\`). Secrets the service holds are \`Secret\`s, which
  // redact themselves wherever they are logged; these paths catch plain strings.
  'secret',
  'token',
  'password',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  'payload.secret',
  'payload.hook.secret',
  'body.secret',
  'env.CLAUDE_HOOKS_GIT_TOKEN',
  'lease.env.CLAUDE_HOOKS_GIT_TOKEN',
  'config.forge.webhookSecret',
  'config.adminToken',
];

export interface LoggerOptions {
  readonly level?: string;
  /** Where the JSON lines go; stdout when omitted. Tests pass a stream to read them back. */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'claude-hooks' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}

/** A logger that discards everything, for tests that do not read logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
