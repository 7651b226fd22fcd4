/**
 * Structured JSON logs (pino). The root logger is made once in the composition root and handed
 * down; modules take child loggers carrying their context (delivery, job, agent, repo, issue).
 *
 * Redaction is twofold. By path, a secret is hidden wherever a caller puts it under a known name —
 * including a `secret` field inside an old Forgejo payload. By value, with the service's
 * `Redactor`, every secret the service knows is replaced in the finished line, whatever field or
 * message carries it (an error quoting an API key, a URL with a password in it).
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import type { Redactor } from './redactor.js';

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
  /** Replaces every known secret value in each line before it is written; none when omitted (tests that do not care). */
  readonly redactor?: Pick<Redactor, 'redact'>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const { redactor } = options;
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'claude-hooks' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // The whole serialised line, children's included: no field name or nesting escapes it.
      ...(redactor ? { hooks: { streamWrite: (line: string) => redactor.redact(line) } } : {}),
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}

/** A logger that discards everything, for tests that do not read logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
