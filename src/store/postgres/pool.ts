/**
 * Connections to PostgreSQL: one pool per store, BIGINT and NUMERIC read as JavaScript numbers
 * (times are milliseconds, ids fit in 2^53), an optional schema put first on the search path (the
 * tests give each store a fresh schema), and the URL's password never in a message.
 *
 * Every pool and every connection it opens has an `error` listener: a connection that fails while
 * idle, or while checked out between two queries, emits an `error` event, and an unheard one
 * kills the process (fault injection: one reset took down every worker). The failure is reported to
 * `onError` and the connection dropped; the next query opens a new one.
 */
import pg from 'pg';
import { connectionConfig, isConnectionFault, poolWaitMs, type ConnectionTimeouts } from './connection-settings.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

const INT8 = 20;
const NUMERIC = 1700;

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

export interface PoolOptions {
  readonly url: string;
  /** A schema to work in (created when missing); the database's default otherwise. */
  readonly schema?: string;
  readonly max?: number;
  readonly applicationName?: string;
  readonly timeouts?: ConnectionTimeouts;
  /** Told, once per connection, when one fails outside a query (one that fails inside a query rejects it). */
  readonly onError?: (error: Error) => void;
}

export function createPool(options: PoolOptions): Pool {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new Error(`schema "${schema}" must be lower-case letters, digits and _`);
  const client = connectionConfig(options.url, options.timeouts);
  const pool = new pg.Pool({
    ...client,
    // The pool's own timeout bounds the wait for a free connection; opening one, the client's.
    connectionTimeoutMillis: poolWaitMs(options.timeouts),
    Client: connectingWithin(client.connectionTimeoutMillis ?? 0),
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'claude-hooks',
    types,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  const report = reportOnce(options.onError);
  // The pool hears an idle connection fail; the connection's own listener covers a checked-out one.
  pool.on('error', report);
  pool.on('connect', (client) => client.on('error', report));
  return pool;
}

/** A client that gives up opening its connection after `ms`, whatever the pool's options say. */
function connectingWithin(ms: number) {
  return class extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: ms });
    }
  };
}

/** The same failure reaches both listeners of an idle connection: it is reported once. */
function reportOnce(onError: ((error: Error) => void) | undefined): (error: Error) => void {
  const reported = new WeakSet<Error>();
  return (error) => {
    if (reported.has(error)) return;
    reported.add(error);
    onError?.(error);
  };
}

/**
 * Runs `work` in one transaction on one connection; rolled back when it throws. A connection
 * that failed or stopped answering is dropped instead of asked to roll back — its ROLLBACK would
 * wait as long again — and PostgreSQL ends the transaction with the session.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let result: T;
  try {
    await client.query('BEGIN');
    result = await work(client);
    await client.query('COMMIT');
  } catch (error) {
    // `true` drops the connection from the pool.
    client.release(!(await rolledBack(client, error)));
    throw error;
  }
  client.release();
  return result;
}

async function rolledBack(client: PoolClient, error: unknown): Promise<boolean> {
  if (isConnectionFault(error)) return false;
  return client.query('ROLLBACK').then(
    () => true,
    () => false,
  );
}

/** The URL as it may be shown: no password. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparseable database URL)';
  }
}
