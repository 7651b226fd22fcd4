/**
 * How every connection to PostgreSQL guards against a database that fails or stops answering
 * (fault injection: a connection reset took the whole fleet down, a stall hung intake and `/readyz`):
 * - opening a connection gives up after `connectTimeoutMs`; waiting for a free one in the pool,
 *   after as long as one statement may hold it and a connection takes to open (a bound, not a
 *   limit a healthy but busy pool should meet: a burst of writes may queue for seconds);
 * - PostgreSQL cancels a statement that runs longer than `statementTimeoutMs` and ends a session
 *   that sits idle in a transaction as long (a worker that vanished mid-transaction must not hold
 *   its locks), and the client stops waiting for an answer a second after that — the server may
 *   not be there to cancel anything;
 * - TCP keepalive is always on, so a peer that vanished without a word is noticed by the kernel.
 */
import type pg from 'pg';

export interface ConnectionTimeouts {
  /** Default 5 s. */
  readonly connectTimeoutMs?: number;
  /** Default: none (schema migrations and imports may rightly take long); the service's pool sets it. */
  readonly statementTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
/** How much longer than the server's own limit the client waits for an answer. */
const ANSWER_GRACE_MS = 1_000;
const KEEPALIVE_INITIAL_DELAY_MS = 10_000;

/** How long a query may wait for a free connection in the pool; no bound without a statement timeout. */
export function poolWaitMs(timeouts: ConnectionTimeouts = {}): number {
  const statement = timeouts.statementTimeoutMs ?? 0;
  if (statement <= 0) return 0;
  return Math.ceil(statement) + ANSWER_GRACE_MS + (timeouts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
}

/** The `pg` client settings for `url` under `timeouts`. */
export function connectionConfig(url: string, timeouts: ConnectionTimeouts = {}): pg.ClientConfig {
  const statement = timeouts.statementTimeoutMs ?? 0;
  return {
    connectionString: url,
    connectionTimeoutMillis: timeouts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
    ...(statement > 0
      ? {
          statement_timeout: Math.ceil(statement),
          idle_in_transaction_session_timeout: Math.ceil(statement),
          query_timeout: Math.ceil(statement) + ANSWER_GRACE_MS,
        }
      : {}),
  };
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** SQLSTATEs of a server going away: admin or crash shutdown, cannot connect now, idle-in-transaction timeout. */
const SERVER_GONE = new Set(['57P01', '57P02', '57P03', '25P03']);
/** What `pg` says when a connection broke or an answer never came. */
const DRIVER_MESSAGES =
  /^(Query read timeout|Connection terminated|timeout expired|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed)/;

/**
 * Whether `error` says the connection itself failed (reset, refused, timed out, the server shut
 * down) rather than the statement: such a connection is not asked anything more, not even ROLLBACK.
 */
export function isConnectionFault(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_GONE.has(code) || code.startsWith('08')))
    return true;
  return DRIVER_MESSAGES.test(error.message);
}
