/**
 * Connections to PostgreSQL: one pool per store, BIGINT and NUMERIC read as JavaScript numbers
 * (times are milliseconds, ids fit in 2^53), an optional schema put first on the search path (the
 * tests give each store a fresh schema), and the URL's password never in a message.
 */
import pg from 'pg';

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
}

export function createPool(options: PoolOptions): Pool {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`schema "${schema}" must be lower-case letters, digits and _`);
  return new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'claude-hooks',
    types,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
}

/** Runs `work` in one transaction on one connection; rolled back when it throws. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
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
