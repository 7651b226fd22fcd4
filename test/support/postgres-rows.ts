/**
 * What PostgreSQL tests read or set up beside a store's ports, over a connection of their own:
 * row counts and body sizes of a test schema (the twin of `storeRows`), and worker rows (their
 * leases decide affinity and recovery; the worker registry that writes them is not a store port
 * these tests cover).
 */
import type { StoreRows } from './store-rows.js';
import { withClient } from './postgres.js';

export function pgStoreRows(schema: string): Promise<StoreRows> {
  return withClient(schema, async (client) => {
    const count = async (table: string) =>
      Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
    return {
      deliveries: await count('deliveries'),
      events: await count('events'),
      jobs: await count('jobs'),
      jobEvents: await count('job_events'),
      routingSkips: await count('routing_skips'),
      bodyBytes: Number(
        (await client.query<{ n: string }>('SELECT coalesce(sum(length(body)), 0) AS n FROM deliveries')).rows[0]!.n,
      ),
    };
  });
}

export interface TestWorker {
  readonly id: string;
  readonly leaseUntil: number;
  readonly stoppedAt?: number;
}

/** Registers (or updates) a worker and its lease, as a worker's heartbeat would. */
export function putWorker(schema: string, worker: TestWorker): Promise<void> {
  return withClient(schema, async (client) => {
    await client.query(
      `INSERT INTO workers (id, host, pid, data_dir, started_at, heartbeat_at, lease_until, stopped_at) VALUES ($1, 'test', 1, '/tmp', 0, 0, $2, $3)
       ON CONFLICT (id) DO UPDATE SET lease_until = excluded.lease_until, stopped_at = excluded.stopped_at`,
      [worker.id, worker.leaseUntil, worker.stoppedAt ?? null],
    );
  });
}
