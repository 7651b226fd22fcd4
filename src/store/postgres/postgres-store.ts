/**
 * The store on PostgreSQL, for several workers sharing one database: a pool, the schema migrated
 * at open under an advisory lock, the same ports as the SQLite store, and events committed by any
 * worker told to every worker's listeners (LISTEN/NOTIFY), and so are job changes.
 *
 * A database that fails or stalls costs a delay, never the process: every connection has its
 * timeouts and keepalive (`connection-settings.ts`), a connection that fails is reported to
 * `onConnectionError` and replaced, a query on it fails (intake answers 503, the loops retry),
 * and `/readyz` says so within its own deadline.
 */
import type { Clock } from '../../lib/clock.js';
import type { EventListener } from '../../core/stored-event.js';
import type { Store } from '../ports.js';
import { createPgDashboardReads, createPgDiskSamples } from './dashboard-store.js';
import { createPgDeliveryHistory, createPgDeliveryStore } from './delivery-store.js';
import {
  createPgAuditLog,
  createPgCleanupQueue,
  createPgDispatchPauses,
  createPgHousekeepingSessions,
  createPgRecordRetention,
  createPgSweepRecords,
} from './housekeeping-store.js';
import { createPgJobStore } from './job-store.js';
import { migratePostgres } from './migrate.js';
import { createPgMilestoneStore } from './milestone-store.js';
import { DEFAULT_STATEMENT_TIMEOUT_MS, type ConnectionTimeouts } from './connection-settings.js';
import { notificationChannels, startEventNotifications } from './notifications.js';
import { createPgPollCursors } from './poll-cursors.js';
import { createPool, redactUrl, type Pool } from './pool.js';
import { createPgPullWatchStore } from './pull-store.js';
import { createPgReadiness } from './readiness.js';
import { createPgTranscriptStore } from './transcript-store.js';
import { createPgWorkerRegistry } from './worker-registry.js';
import { createPgRunRecords, createPgSessionStore } from './session-store.js';

export interface PostgresStoreOptions {
  readonly url: string;
  /** A schema of its own (tests); the database's default search path otherwise. */
  readonly schema?: string;
  readonly clock: Clock;
  readonly dedupWindowMs: number;
  /** Pool size (default 10). */
  readonly maxConnections?: number;
  /** This worker's id (its `workers` row): claims name it, and claiming prefers it for keys it ran. */
  readonly workerId?: string;
  /** How long a queued job waits for the live worker that last ran its key (default 30 s). */
  readonly affinityWaitMs?: number;
  /** Connect timeout (default 5 s) and statement timeout (default 30 s) of every connection. */
  readonly timeouts?: ConnectionTimeouts;
  /** How long `/readyz`'s database check waits for an answer (default 2 s). */
  readonly readinessTimeoutMs?: number;
  /** Told when a connection fails outside a query (a query on it fails and says so itself); the store reconnects by itself. */
  readonly onConnectionError?: (fault: PgConnectionFault) => void;
}

export interface PgConnectionFault {
  /** `pool`: a pooled connection; `listen`: the one that waits for notifications (lost, or failed to come back). */
  readonly connection: 'pool' | 'listen';
  readonly error: Error;
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const timeouts = {
    connectTimeoutMs: options.timeouts?.connectTimeoutMs,
    statementTimeoutMs: options.timeouts?.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
  };
  const onError = (connection: PgConnectionFault['connection']) => (error: Error) =>
    options.onConnectionError?.({ connection, error });
  try {
    await migrate(options, onError('pool'));
  } catch (error) {
    throw new Error(`cannot open the PostgreSQL store at ${redactUrl(options.url)}: ${(error as Error).message}`);
  }
  const pool = createPool({
    url: options.url,
    schema: options.schema,
    max: options.maxConnections,
    timeouts,
    onError: onError('pool'),
  });
  const listeners: EventListener[] = [];
  const tell: EventListener = (stored) => {
    for (const listener of listeners) listener(stored);
  };
  const jobListeners: Array<() => void> = [];
  const tellJobs = () => {
    for (const listener of jobListeners) listener();
  };
  // The schema the tables live in names the channels, so installations sharing a database (each
  // on its own search path) do not hear each other.
  const { rows } = await pool.query<{ schema: string }>('SELECT current_schema() AS schema');
  const channels = notificationChannels(options.schema ?? rows[0]?.schema ?? undefined);
  const deliveries = createPgDeliveryStore({
    pool,
    clock: options.clock,
    dedupWindowMs: options.dedupWindowMs,
    channels,
    onEvent: tell,
  });
  let notifications: { stop(): Promise<void> };
  try {
    notifications = await startEventNotifications({
      url: options.url,
      schema: options.schema,
      pool,
      channels,
      onEvent: tell,
      onJobsChanged: tellJobs,
      timeouts,
      onError: onError('listen'),
    });
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(`cannot listen for notifications on ${redactUrl(options.url)}: ${(error as Error).message}`);
  }
  return {
    kind: 'postgres',
    location: redactUrl(options.url) + (options.schema ? ` (schema ${options.schema})` : ''),
    deliveries,
    deliveryHistory: createPgDeliveryHistory(pool),
    jobs: createPgJobStore(pool, { workerId: options.workerId, affinityWaitMs: options.affinityWaitMs, channels }),
    pollCursors: createPgPollCursors(pool),
    sessions: createPgSessionStore(pool),
    runs: createPgRunRecords(pool, { workerId: options.workerId, clock: options.clock }),
    dashboard: createPgDashboardReads(pool),
    diskSamples: createPgDiskSamples(pool),
    cleanup: createPgCleanupQueue(pool, { workerId: options.workerId, clock: options.clock }),
    housekeepingSessions: createPgHousekeepingSessions(pool),
    pauses: createPgDispatchPauses(pool),
    sweeps: createPgSweepRecords(pool),
    audit: createPgAuditLog(pool),
    recordRetention: createPgRecordRetention(pool),
    workers: createPgWorkerRegistry(pool),
    milestones: createPgMilestoneStore(pool),
    pulls: createPgPullWatchStore(pool),
    transcripts: createPgTranscriptStore(pool),
    readiness: createPgReadiness(pool, { location: redactUrl(options.url), timeoutMs: options.readinessTimeoutMs }),
    onEvent: (listener) => {
      listeners.push(listener);
    },
    onJobsChanged: (listener) => {
      jobListeners.push(listener);
    },
    async close() {
      await notifications.stop();
      await pool.end();
    },
  };
}

/**
 * Migrations run on a connection of their own without a statement timeout: one may rightly take
 * longer than a query of the service, and so may a second worker's wait for the first's lock.
 */
async function migrate(options: PostgresStoreOptions, onError: (error: Error) => void): Promise<void> {
  const pool: Pool = createPool({
    url: options.url,
    schema: options.schema,
    max: 1,
    applicationName: 'claude-hooks migrate',
    timeouts: { connectTimeoutMs: options.timeouts?.connectTimeoutMs },
    onError,
  });
  try {
    await migratePostgres(pool, options.schema);
  } finally {
    await pool.end().catch(() => undefined);
  }
}
