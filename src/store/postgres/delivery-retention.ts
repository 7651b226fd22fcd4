/**
 * `DeliveryRetention` on PostgreSQL, the twin of the SQLite one: one transaction deletes old
 * deliveries and what hangs off them (see the port for what stays). Before a delivery holding a
 * body is deleted, the body moves to the oldest delivery kept that refers to it, and the others
 * are pointed there. An advisory lock keeps two workers from sweeping at once.
 */
import type { DeliveryRetention, RetentionReport } from '../../intake/ports.js';
import { inTransaction, type Pool } from './pool.js';

const RETENTION_LOCK = 0x63687233;

/** Events older than the cutoff, dispatched, and answered by no queued or running job. */
const SPENT_EVENTS = `SELECT e.id FROM events e
  WHERE e.received_at < $1 AND e.dispatched_at IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM job_events je JOIN jobs j ON j.id = je.job_id WHERE je.event_id = e.id AND j.state IN ('queued', 'running'))`;

export function createPgDeliveryRetention(pool: Pool): DeliveryRetention {
  return {
    deleteDeliveriesBefore: (cutoff) =>
      inTransaction(pool, async (client): Promise<RetentionReport> => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [RETENTION_LOCK]);
        await client.query('CREATE TEMP TABLE retention_spent (id BIGINT PRIMARY KEY) ON COMMIT DROP');
        await client.query(`INSERT INTO retention_spent (id) ${SPENT_EVENTS}`, [cutoff]);
        await client.query('DELETE FROM routing_skips WHERE event_id IN (SELECT id FROM retention_spent)');
        await client.query('DELETE FROM job_events WHERE event_id IN (SELECT id FROM retention_spent)');
        const events =
          (await client.query('DELETE FROM events WHERE id IN (SELECT id FROM retention_spent)')).rowCount ?? 0;
        const jobs =
          (
            await client.query(
              `DELETE FROM jobs WHERE state IN ('succeeded', 'failed', 'cancelled') AND coalesce(finished_at, created_at) < $1
                 AND NOT EXISTS (SELECT 1 FROM job_events WHERE job_id = jobs.id)`,
              [cutoff],
            )
          ).rowCount ?? 0;
        await client.query(
          'CREATE TEMP TABLE retention_doomed (seq BIGINT PRIMARY KEY, delivery_id TEXT NOT NULL, body_of TEXT) ON COMMIT DROP',
        );
        await client.query(
          `INSERT INTO retention_doomed (seq, delivery_id, body_of) SELECT seq, delivery_id, body_of FROM deliveries
             WHERE received_at < $1 AND (event_id IS NULL OR NOT EXISTS (SELECT 1 FROM events WHERE id = deliveries.event_id))`,
          [cutoff],
        );
        const moves = await client.query<{ holder: string; heir: string }>(
          `SELECT holder, heir FROM (
             SELECT d.delivery_id AS holder,
                    (SELECT r.delivery_id FROM deliveries r WHERE r.body_of = d.delivery_id AND r.seq NOT IN (SELECT seq FROM retention_doomed) ORDER BY r.seq LIMIT 1) AS heir
               FROM retention_doomed d WHERE d.body_of IS NULL) m
            WHERE heir IS NOT NULL`,
        );
        for (const { holder, heir } of moves.rows) {
          await client.query(
            'UPDATE deliveries SET body = (SELECT body FROM deliveries WHERE delivery_id = $1), body_of = NULL WHERE delivery_id = $2',
            [holder, heir],
          );
          await client.query('UPDATE deliveries SET body_of = $2 WHERE body_of = $1 AND delivery_id <> $2', [
            holder,
            heir,
          ]);
        }
        const deliveries =
          (await client.query('DELETE FROM deliveries WHERE seq IN (SELECT seq FROM retention_doomed)')).rowCount ?? 0;
        return { deliveries, events, jobs };
      }),
  };
}
