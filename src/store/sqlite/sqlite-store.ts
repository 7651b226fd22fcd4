/**
 * The embedded store: one SQLite file under the data dir, one group committer shared by every
 * writer, and the repositories the rest of the service reads and writes through their ports.
 */
import { join } from 'node:path';
import type { Store } from '../ports.js';
import type { EventListener } from '../../core/stored-event.js';
import type { Clock } from '../../lib/clock.js';
import { createSqliteDashboardReads, createSqliteDiskSamples } from './dashboard-store.js';
import { createSqliteDeliveryHistory, createSqliteDeliveryStore } from './delivery-store.js';
import { createSqliteJobStore } from './job-store.js';
import { createSqliteMilestoneStore } from './milestone-store.js';
import { createSqlitePollCursors } from './poll-cursors.js';
import { createSqlitePullWatchStore } from './pull-store.js';
import { createSqliteRunRecords, createSqliteSessionStore } from './session-store.js';
import { createSingleWorkerRegistry } from '../../workers/single-worker.js';
import { startCheckpointer } from './checkpointer.js';
import {
  createSqliteAuditLog,
  createSqliteRecordRetention,
  createSqliteCleanupQueue,
  createSqliteDispatchPauses,
  createSqliteHousekeepingSessions,
  createSqliteSweepRecords,
} from './housekeeping-store.js';
import { createGroupCommitter, type GroupCommitter } from './group-commit.js';
import { openDatabase, type Db } from './open-database.js';

export const DATABASE_FILE = 'claude-hooks.sqlite';

/**
 * The SQLite store is a `Store` and nothing more: its connection and group committer stay inside
 * (docs/decisions.md §27), reached only by the store's own tests through `sqliteInternals`.
 */
export type SqliteStore = Store & { readonly kind: 'sqlite' };

/** What the store's own tests reach under the ports. Nothing outside `store/sqlite/` may use it. */
export interface SqliteInternals {
  readonly db: Db;
  readonly file: string;
  readonly committer: GroupCommitter;
}

const internals = new WeakMap<Store, SqliteInternals>();

export function sqliteInternals(store: Store): SqliteInternals {
  const found = internals.get(store);
  if (!found) throw new Error(`not a SQLite store (${store.kind} at ${store.location})`);
  return found;
}

export interface SqliteStoreOptions {
  readonly dataDir: string;
  readonly clock: Clock;
  readonly dedupWindowMs: number;
  /** Told when a background WAL checkpoint fails. */
  readonly onCheckpointError?: (message: string) => void;
}

export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const file = join(options.dataDir, DATABASE_FILE);
  const db = openDatabase(file);
  const committer = createGroupCommitter(db, { syncFile: `${file}-wal` });
  const checkpointer = startCheckpointer(file, { onError: options.onCheckpointError });
  const listeners: EventListener[] = [];
  const deliveries = createSqliteDeliveryStore({
    db,
    committer,
    clock: options.clock,
    dedupWindowMs: options.dedupWindowMs,
    onEvent: (stored) => {
      for (const listener of listeners) listener(stored);
    },
  });
  const store: SqliteStore = {
    kind: 'sqlite',
    location: file,
    deliveries,
    deliveryHistory: createSqliteDeliveryHistory(db),
    jobs: createSqliteJobStore(db, committer),
    pollCursors: createSqlitePollCursors(db, committer),
    sessions: createSqliteSessionStore(db, committer),
    runs: createSqliteRunRecords(db, committer),
    dashboard: createSqliteDashboardReads(db),
    diskSamples: createSqliteDiskSamples(db, committer),
    cleanup: createSqliteCleanupQueue(db, committer),
    housekeepingSessions: createSqliteHousekeepingSessions(db, committer),
    pauses: createSqliteDispatchPauses(db, committer),
    sweeps: createSqliteSweepRecords(db, committer),
    audit: createSqliteAuditLog(db, committer),
    recordRetention: createSqliteRecordRetention(db, committer),
    workers: createSingleWorkerRegistry(),
    milestones: createSqliteMilestoneStore(db, committer),
    pulls: createSqlitePullWatchStore(db, committer),
    readiness: {
      name: 'databaseWritable',
      async run() {
        await committer.submit(() => db.prepare('SELECT 1').get());
        db.exec('BEGIN IMMEDIATE; ROLLBACK');
        return { ok: true, detail: 'SQLite takes writes', internal: file };
      },
    },
    onEvent: (listener) => {
      listeners.push(listener);
    },
    // One process: its dispatcher already knows every job change it made.
    onJobsChanged: () => undefined,
    async close() {
      await committer.drain();
      await committer.close();
      await checkpointer.stop();
      if (db.open) {
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
      }
    },
  };
  internals.set(store, { db, file, committer });
  return store;
}
