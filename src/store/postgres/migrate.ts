/**
 * Applies the PostgreSQL migrations that have not run yet, under a transaction-scoped advisory
 * lock: two workers starting together migrate once (the second waits, then finds nothing to do).
 */
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { inTransaction, type Pool } from './pool.js';

/** The advisory lock key of schema migrations ("claude-hooks migrate", as a stable 32-bit id). */
const MIGRATION_LOCK = 0x63686d31;

export interface MigrateReport {
  /** Versions applied by this call (1-based); empty when the schema was current. */
  readonly applied: readonly number[];
  readonly version: number;
}

export async function migratePostgres(
  pool: Pool,
  schema?: string,
  migrations: readonly string[] = POSTGRES_MIGRATIONS,
): Promise<MigrateReport> {
  return inTransaction(pool, async (client) => {
    // The lock is per database; a schema of its own (tests) gets its own key.
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK, schema ?? '']);
    if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
    );
    const { rows } = await client.query<{ version: number }>(
      'SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations',
    );
    const current = rows[0]!.version;
    if (current > migrations.length) {
      throw new Error(
        `the database schema is at version ${current}, newer than this claude-hooks knows (${migrations.length}): upgrade claude-hooks`,
      );
    }
    const applied: number[] = [];
    for (let version = current + 1; version <= migrations.length; version++) {
      await client.query(migrations[version - 1]!);
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version, Date.now()]);
      applied.push(version);
    }
    return { applied, version: migrations.length };
  });
}
