/**
 * `DeliveryRetention` on SQLite: one transaction, through the group committer, that deletes old
 * deliveries and what hangs off them (see the port for what stays). Bodies are stored once per
 * distinct content (`body_of`, migration 3); before a delivery holding a body is deleted, the
 * body moves to the oldest delivery kept that refers to it, and the others are pointed there.
 */
import type { DeliveryRetention, RetentionReport } from '../../intake/ports.js';
import type { GroupCommitter } from './group-commit.js';
import type { Db } from './open-database.js';

/** Events older than the cutoff, dispatched, and answered by no queued or running job. */
const SPENT_EVENTS = `SELECT e.id FROM events e
  WHERE e.received_at < @cutoff AND e.dispatched_at IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM job_events je JOIN jobs j ON j.id = je.job_id WHERE je.event_id = e.id AND j.state IN ('queued', 'running'))`;

export function createSqliteDeliveryRetention(db: Db, committer: GroupCommitter): DeliveryRetention {
  db.exec('CREATE TEMP TABLE IF NOT EXISTS retention_doomed (seq INTEGER PRIMARY KEY)');
  const statements = {
    deleteSkips: db.prepare(`DELETE FROM routing_skips WHERE event_id IN (${SPENT_EVENTS})`),
    detachEvents: db.prepare(`DELETE FROM job_events WHERE event_id IN (${SPENT_EVENTS})`),
    deleteEvents: db.prepare(`DELETE FROM events WHERE id IN (${SPENT_EVENTS})`),
    deleteJobs: db.prepare(
      `DELETE FROM jobs WHERE state IN ('succeeded', 'failed', 'cancelled') AND coalesce(finished_at, created_at) < @cutoff
         AND NOT EXISTS (SELECT 1 FROM job_events WHERE job_id = jobs.id)`,
    ),
    clearDoomed: db.prepare('DELETE FROM temp.retention_doomed'),
    markDoomed: db.prepare(
      `INSERT INTO temp.retention_doomed (seq) SELECT seq FROM deliveries
         WHERE received_at < @cutoff AND (event_id IS NULL OR NOT EXISTS (SELECT 1 FROM events WHERE id = deliveries.event_id))`,
    ),
    orphanedBodies: db.prepare<[], { holder: string; heir: string }>(
      `SELECT d.delivery_id AS holder,
              (SELECT r.delivery_id FROM deliveries r WHERE r.body_of = d.delivery_id AND r.seq NOT IN (SELECT seq FROM temp.retention_doomed) ORDER BY r.seq LIMIT 1) AS heir
         FROM deliveries d WHERE d.seq IN (SELECT seq FROM temp.retention_doomed) AND d.body_of IS NULL AND heir IS NOT NULL`,
    ),
    inherit: db.prepare<{ holder: string; heir: string }>(
      'UPDATE deliveries SET body = (SELECT body FROM deliveries WHERE delivery_id = @holder), body_of = NULL WHERE delivery_id = @heir',
    ),
    repoint: db.prepare<{ holder: string; heir: string }>(
      'UPDATE deliveries SET body_of = @heir WHERE body_of = @holder AND delivery_id <> @heir',
    ),
    deleteDoomed: db.prepare('DELETE FROM deliveries WHERE seq IN (SELECT seq FROM temp.retention_doomed)'),
  };

  const sweep = (cutoff: number): RetentionReport => {
    statements.deleteSkips.run({ cutoff });
    statements.detachEvents.run({ cutoff });
    const events = statements.deleteEvents.run({ cutoff }).changes;
    const jobs = statements.deleteJobs.run({ cutoff }).changes;
    statements.clearDoomed.run();
    statements.markDoomed.run({ cutoff });
    for (const move of statements.orphanedBodies.all()) {
      statements.inherit.run(move);
      statements.repoint.run(move);
    }
    const deliveries = statements.deleteDoomed.run().changes;
    statements.clearDoomed.run();
    return { deliveries, events, jobs };
  };

  return {
    deleteDeliveriesBefore: (cutoff) => committer.submit(() => sweep(cutoff)),
  };
}
