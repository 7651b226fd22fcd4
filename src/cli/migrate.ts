/**
 * `claude-hooks migrate`: brings the configured store's schema up to date (PostgreSQL; SQLite
 * migrates itself when the service starts), or, with `--from sqlite:<data dir>`, copies an
 * existing SQLite installation into PostgreSQL — the configured `store: { postgres: … }`, else the
 * database named by `DATABASE_URL`, so the copy can be made before the configuration is switched.
 */
import { resolve } from 'node:path';
import type { StoreConfig, StoreLocation } from '../config/types.js';
import { DataDirLockedError, lockDataDir } from '../lib/data-dir-lock.js';
import { Secret } from '../lib/secret.js';
import { importSqliteDataDir, ImportRefusedError, migrateStore, type ImportReport } from '../store/migrate-store.js';
import type { CliIo } from './commands.js';

export const MIGRATE_HELP = `Without --from: applies the PostgreSQL schema migrations that have not run yet (under an advisory
lock, so it is safe while workers start) and prints the schema version. With store: sqlite there
is nothing to do: the embedded store migrates itself when the service starts.

  --from sqlite:DIR  copy the SQLite installation in data dir DIR into PostgreSQL: every delivery
                     (with its body), event, job, session, run and record, ids kept, in one
                     transaction. The target is store.postgres.url, else $DATABASE_URL. Refused
                     while a service holds DIR, and when the target already holds deliveries or
                     jobs. Jobs left running go back to the queue.`;

export async function runMigrate(where: StoreLocation, values: { readonly from?: string }, io: CliIo): Promise<number> {
  if (values.from !== undefined) return importFrom(where, values.from, io);
  const outcome = await migrateStore(where.store);
  if (outcome.kind === 'sqlite') {
    io.stdout.write(
      `the store is SQLite (${where.dataDir}): it migrates itself when the service starts (schema version ${outcome.version}); nothing to do\n`,
    );
    return 0;
  }
  const applied = outcome.applied.length === 0 ? 'already up to date' : `applied ${outcome.applied.join(', ')}`;
  io.stdout.write(`PostgreSQL at ${outcome.location}: schema version ${outcome.version} (${applied})\n`);
  return 0;
}

async function importFrom(where: StoreLocation, from: string, io: CliIo): Promise<number> {
  const match = /^sqlite:(.+)$/.exec(from);
  if (!match) {
    io.stderr.write(`--from must be sqlite:<data dir>, e.g. --from sqlite:./data (got "${from}")\n`);
    return 2;
  }
  const target = importTarget(where.store, io.env);
  if (!target) {
    io.stderr.write(
      'nowhere to copy to: set DATABASE_URL, or store: { postgres: { url: { env: DATABASE_URL } } } in the configuration\n',
    );
    return 1;
  }
  const dataDir = resolve(io.cwd, match[1]!);
  let lock: ReturnType<typeof lockDataDir>;
  try {
    lock = lockDataDir(dataDir);
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    io.stderr.write(
      `refusing to copy ${dataDir}: a claude-hooks service (pid ${error.pid}) holds it and is still writing to it; stop it first, then run this again\n`,
    );
    return 1;
  }
  try {
    const report = await importSqliteDataDir(target, dataDir, { now: Date.now() });
    printReport(io, dataDir, report);
    return 0;
  } catch (error) {
    if (!(error instanceof ImportRefusedError)) throw error;
    io.stderr.write(`refusing to copy ${dataDir}: ${error.message}\n`);
    return 1;
  } finally {
    lock.release();
  }
}

function importTarget(store: StoreConfig, env: CliIo['env']): StoreConfig | undefined {
  if (store.kind === 'postgres') return store;
  const url = env.DATABASE_URL;
  if (url === undefined || url === '') return undefined;
  return {
    kind: 'postgres',
    url: new Secret(url, { env: 'DATABASE_URL' }),
    maxConnections: undefined,
    affinityWaitMs: 30_000,
    leaseSeconds: 30,
  };
}

function printReport(io: CliIo, dataDir: string, report: ImportReport): void {
  const width = Math.max(...report.counts.map((c) => c.table.length));
  io.stdout.write(`copied ${dataDir} into PostgreSQL in one transaction:\n`);
  for (const { table, rows } of report.counts) io.stdout.write(`  ${table.padEnd(width)}  ${rows}\n`);
  const { jobs, cleanupTasks, mergedFollowUps } = report.requeued;
  if (jobs + cleanupTasks > 0)
    io.stdout.write(
      `back in the queue (they were running when the service stopped): ${jobs} jobs, ${cleanupTasks} cleanup tasks${mergedFollowUps > 0 ? ` (${mergedFollowUps} queued follow-ups merged into them)` : ''}\n`,
    );
  io.stdout.write(
    'next: set store: { postgres: { url: { env: DATABASE_URL } } } in the configuration and start the service\n',
  );
}
