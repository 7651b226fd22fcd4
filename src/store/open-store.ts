/**
 * The one way into the store from outside `store/`: `openStore` opens the implementation the
 * configuration names — SQLite under the data dir (the default) or PostgreSQL — and hands back
 * only its ports. No caller sees a driver, a connection or SQL; a test in `boundaries.test.ts`
 * keeps it that way.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StoreConfig } from '../config/types.js';
import type { Clock } from '../lib/clock.js';
import type { Store } from './ports.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import { DATABASE_FILE, openSqliteStore } from './sqlite/sqlite-store.js';

export interface OpenStoreOptions {
  /** The worker's own data dir: SQLite keeps its file there; with PostgreSQL it holds only worktrees and transcripts. */
  readonly dataDir: string;
  readonly clock: Clock;
  /** A change seen again within this window (same fingerprint, new delivery id) is a duplicate. */
  readonly dedupWindowMs: number;
  /** Which worker this is (PostgreSQL: the holder of its running jobs and leases). */
  readonly workerId?: string;
  /** PostgreSQL only: a schema of its own (tests); the database's search path otherwise. */
  readonly schema?: string;
  /** Told when a background task of the store fails (SQLite: a WAL checkpoint). */
  readonly onBackgroundError?: (message: string) => void;
  /**
   * PostgreSQL only: told when a connection fails outside a query — which one (`pool`, or `listen`
   * for notifications) and why. The store reconnects by itself; this is for the log.
   */
  readonly onConnectionError?: (fault: { readonly connection: 'pool' | 'listen'; readonly error: Error }) => void;
}

export async function openStore(config: StoreConfig, options: OpenStoreOptions): Promise<Store> {
  if (config.kind === 'sqlite') {
    return openSqliteStore({
      dataDir: options.dataDir,
      clock: options.clock,
      dedupWindowMs: options.dedupWindowMs,
      onCheckpointError: options.onBackgroundError,
    });
  }
  // Not a literal on purpose: `workerId` and `affinityWaitMs` are read by the PostgreSQL store
  // once its job store claims with them (docs/decisions.md §26).
  const postgres = {
    url: config.url.reveal(),
    schema: options.schema,
    clock: options.clock,
    dedupWindowMs: options.dedupWindowMs,
    maxConnections: config.maxConnections,
    workerId: options.workerId,
    affinityWaitMs: config.affinityWaitMs,
    timeouts: {
      connectTimeoutMs: config.connectTimeoutSeconds === undefined ? undefined : config.connectTimeoutSeconds * 1000,
      statementTimeoutMs:
        config.statementTimeoutSeconds === undefined ? undefined : config.statementTimeoutSeconds * 1000,
    },
    onConnectionError: options.onConnectionError,
  };
  return openPostgresStore(postgres);
}

/**
 * Whether there is a store to read yet. SQLite: the data dir's database file exists (a read
 * command must not create one); PostgreSQL: always (opening it says whether it answers).
 */
export function storeExists(config: StoreConfig, dataDir: string): boolean {
  return config.kind === 'postgres' || existsSync(join(dataDir, DATABASE_FILE));
}

/** The files the store keeps on this machine's disk (the dashboard's "database" share); none for PostgreSQL. */
export function storeFiles(config: StoreConfig, dataDir: string): string[] {
  if (config.kind === 'postgres') return [];
  const file = join(dataDir, DATABASE_FILE);
  return [file, `${file}-wal`, `${file}-shm`];
}
