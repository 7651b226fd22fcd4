/**
 * The store on PostgreSQL, for several workers sharing one database: a pool, the schema migrated
 * at open under an advisory lock, the same ports as the SQLite store, and events committed by any
 * worker told to every worker's listeners (LISTEN/NOTIFY).
 */
import type { Clock } from '../../lib/clock.js';
import type { EventListener } from '../../intake/ports.js';
import type { Store } from '../ports.js';
import { createPgDashboardReads, createPgDiskSamples } from './dashboard-store.js';
import { createPgDeliveryHistory, createPgDeliveryStore } from './delivery-store.js';
import { createPgAuditLog, createPgCleanupQueue, createPgDispatchPauses, createPgHousekeepingSessions, createPgRecordRetention, createPgSweepRecords } from './housekeeping-store.js';
import { createPgJobStore } from './job-store.js';
import { migratePostgres } from './migrate.js';
import { startEventNotifications } from './notifications.js';
import { createPgPollCursors } from './poll-cursors.js';
import { createPool, redactUrl } from './pool.js';
import { createPgRunRecords, createPgSessionStore } from './session-store.js';

export interface PostgresStoreOptions {
  readonly url: string;
  /** A schema of its own (tests); the database's default search path otherwise. */
  readonly schema?: string;
  readonly clock: Clock;
  readonly dedupWindowMs: number;
  /** Pool size (default 10). */
  readonly maxConnections?: number;
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const pool = createPool({ url: options.url, schema: options.schema, max: options.maxConnections });
  try {
    await migratePostgres(pool, options.schema);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(`cannot open the PostgreSQL store at ${redactUrl(options.url)}: ${(error as Error).message}`);
  }
  const listeners: EventListener[] = [];
  const tell: EventListener = (stored) => {
    for (const listener of listeners) listener(stored);
  };
  // Each part is made on first use (helper pg-rest's worktree): the parts another helper writes
  // still throw "not implemented yet" when made, and must not stop the others being tested. The
  // integrator reconciles this with the eager assembly once every part exists.
  const deliveries = once(() => createPgDeliveryStore({ pool, clock: options.clock, dedupWindowMs: options.dedupWindowMs, onEvent: tell }));
  const deliveryHistory = once(() => createPgDeliveryHistory(pool));
  const jobs = once(() => createPgJobStore(pool));
  const pollCursors = once(() => createPgPollCursors(pool));
  const sessions = once(() => createPgSessionStore(pool));
  const runs = once(() => createPgRunRecords(pool));
  const dashboard = once(() => createPgDashboardReads(pool));
  const diskSamples = once(() => createPgDiskSamples(pool));
  const cleanup = once(() => createPgCleanupQueue(pool));
  const housekeepingSessions = once(() => createPgHousekeepingSessions(pool));
  const pauses = once(() => createPgDispatchPauses(pool));
  const sweeps = once(() => createPgSweepRecords(pool));
  const audit = once(() => createPgAuditLog(pool));
  const recordRetention = once(() => createPgRecordRetention(pool));
  let notifications: Promise<{ stop(): Promise<void> }> | undefined;
  return {
    kind: 'postgres',
    location: redactUrl(options.url) + (options.schema ? ` (schema ${options.schema})` : ''),
    get deliveries() { return deliveries(); },
    get deliveryHistory() { return deliveryHistory(); },
    get jobs() { return jobs(); },
    get pollCursors() { return pollCursors(); },
    get sessions() { return sessions(); },
    get runs() { return runs(); },
    get dashboard() { return dashboard(); },
    get diskSamples() { return diskSamples(); },
    get cleanup() { return cleanup(); },
    get housekeepingSessions() { return housekeepingSessions(); },
    get pauses() { return pauses(); },
    get sweeps() { return sweeps(); },
    get audit() { return audit(); },
    get recordRetention() { return recordRetention(); },
    readiness: {
      name: 'databaseWritable',
      async run() {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query('CREATE TEMP TABLE IF NOT EXISTS readiness_probe (x int) ON COMMIT DROP');
          await client.query('ROLLBACK');
        } finally {
          client.release();
        }
        return { ok: true, detail: redactUrl(options.url) };
      },
    },
    onEvent: (listener) => {
      listeners.push(listener);
      if (notifications) return;
      notifications = startEventNotifications({ url: options.url, schema: options.schema, pool, onEvent: tell });
      // A failure to listen surfaces at close, not as an unhandled rejection.
      notifications.catch(() => undefined);
    },
    async close() {
      if (notifications) await (await notifications).stop();
      await pool.end();
    },
  };
}

/** `make`'s value, made on the first call and kept. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
