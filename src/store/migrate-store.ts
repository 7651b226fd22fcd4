/**
 * Schema work outside the service (`claude-hooks migrate`): bring the configured store's schema up
 * to date, and copy a SQLite installation into PostgreSQL. Like `open-store.ts`, the only way in
 * from outside `store/`; no driver type crosses it.
 */
import { join } from 'node:path';
import type { StoreConfig } from '../config/types.js';
import { importSqlite, ImportRefusedError, type ImportReport } from './postgres/import-sqlite.js';
import { migratePostgres } from './postgres/migrate.js';
import { createPool, redactUrl } from './postgres/pool.js';
import { MIGRATIONS } from './sqlite/migrations.js';
import { DATABASE_FILE } from './sqlite/sqlite-store.js';

export { ImportRefusedError, type ImportReport };

export type MigrateOutcome =
  /** SQLite migrates itself when the service opens it; nothing is done here. */
  | { readonly kind: 'sqlite'; readonly version: number }
  | {
      readonly kind: 'postgres';
      readonly location: string;
      readonly applied: readonly number[];
      readonly version: number;
    };

export interface SchemaOptions {
  /** PostgreSQL only: a schema of its own (tests). */
  readonly schema?: string;
}

export async function migrateStore(config: StoreConfig, options: SchemaOptions = {}): Promise<MigrateOutcome> {
  if (config.kind === 'sqlite') return { kind: 'sqlite', version: MIGRATIONS.length };
  const url = config.url.reveal();
  const pool = createPool({ url, schema: options.schema, max: 1, applicationName: 'claude-hooks migrate' });
  try {
    const report = await migratePostgres(pool, options.schema);
    return { kind: 'postgres', location: redactUrl(url), ...report };
  } finally {
    await pool.end();
  }
}

/**
 * Copies the SQLite store of `sqliteDataDir` into the configured PostgreSQL database, migrating its
 * schema first. The caller holds that data dir's lock. Refused (`ImportRefusedError`, nothing
 * written) when the store configured is not PostgreSQL, the SQLite schema is not this release's,
 * or the target already holds deliveries or jobs.
 */
export async function importSqliteDataDir(
  config: StoreConfig,
  sqliteDataDir: string,
  options: SchemaOptions & { readonly now: number },
): Promise<ImportReport> {
  if (config.kind !== 'postgres') {
    throw new ImportRefusedError(
      'the configured store is sqlite: set store: { postgres: { url: { env: DATABASE_URL } } } in the configuration to say where to copy to',
    );
  }
  const url = config.url.reveal();
  const pool = createPool({ url, schema: options.schema, max: 1, applicationName: 'claude-hooks migrate' });
  try {
    await migratePostgres(pool, options.schema);
    return await importSqlite(pool, join(sqliteDataDir, DATABASE_FILE), {
      now: options.now,
      transcriptsDir: join(sqliteDataDir, 'claude'),
    });
  } finally {
    await pool.end();
  }
}
