/**
 * Row counts and stored sizes of a store's database, read over a second, read-only connection:
 * what a test asserts about storage without the store handing out its SQL handle.
 */
import Database from 'better-sqlite3';

export interface StoreRows {
  readonly deliveries: number;
  readonly events: number;
  readonly jobs: number;
  readonly jobEvents: number;
  readonly routingSkips: number;
  /** Sum of the stored body lengths, in bytes. */
  readonly bodyBytes: number;
}

export function storeRows(file: string): StoreRows {
  const db = new Database(file, { readonly: true });
  try {
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return {
      deliveries: count('deliveries'),
      events: count('events'),
      jobs: count('jobs'),
      jobEvents: count('job_events'),
      routingSkips: count('routing_skips'),
      bodyBytes: (db.prepare('SELECT coalesce(sum(length(body)), 0) AS n FROM deliveries').get() as { n: number }).n,
    };
  } finally {
    db.close();
  }
}

/** One delivery's stored body and outcome, read over a second connection (what is on disk). */
export function storedDelivery(file: string, deliveryId: string): { body: Buffer; outcome: string } | undefined {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT body, outcome FROM deliveries WHERE delivery_id = ?').get(deliveryId) as
      | { body: Buffer; outcome: string }
      | undefined;
  } finally {
    db.close();
  }
}
