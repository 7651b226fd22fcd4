/**
 * PostgreSQL for tests: the server named by CLAUDE_HOOKS_TEST_DATABASE_URL (`.ci/run` sets it),
 * a fresh schema per store, dropped afterwards. Without the variable, PostgreSQL tests are
 * skipped — and say so loudly, once per file, so a green run never hides that they did not run.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.CLAUDE_HOOKS_TEST_DATABASE_URL;

/** The `skip` option for a PostgreSQL test: false when the database is there, else the reason. */
export function postgresSkip(): string | false {
  if (TEST_DATABASE_URL) return false;
  return SKIP_REASON;
}

const SKIP_REASON =
  'SKIPPED: CLAUDE_HOOKS_TEST_DATABASE_URL is not set, so the PostgreSQL tests did not run (.ci/run sets it)';
let warned = false;
if (!TEST_DATABASE_URL && !warned) {
  warned = true;
  process.stderr.write(`\n*** ${SKIP_REASON} ***\n\n`);
}

/** A fresh schema name (`t_<hex>`) for one store under test. */
export function freshSchemaName(prefix = 't'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Runs `work` on a connection of its own to the test database (in `schema`, when given), then closes it. */
export async function withClient<T>(schema: string | undefined, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: TEST_DATABASE_URL,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  if (!TEST_DATABASE_URL) return;
  await withClient(undefined, (client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
}

/** Creates an empty schema (for code that works in the search path's schema, e.g. via the URL). */
export async function createSchema(schema: string): Promise<void> {
  if (!TEST_DATABASE_URL) return;
  await withClient(undefined, (client) => client.query(`CREATE SCHEMA ${schema}`));
}

/** Runs one query in `schema` and returns its rows (assertions about what a PostgreSQL store holds). */
export async function queryIn<T extends pg.QueryResultRow>(
  schema: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return withClient(schema, async (client) => (await client.query<T>(sql, params)).rows);
}

/** The test database URL with `schema` first on its search path (for a process that takes only a URL). */
export function urlInSchema(schema: string): string {
  const url = new URL(TEST_DATABASE_URL ?? 'postgres://unset');
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}
