/** Each event's routing on PostgreSQL: when, and per agent the job it joined or the recorded reason why not. */
import type { EventRouting } from '../../intake/ports.js';
import { toEventRoutings, type JobDecisionRow, type RoutedEventRow, type SkipDecisionRow } from '../rows/deliveries.js';
import type { Pool } from './pool.js';

export function routingReader(pool: Pool): (eventIds: readonly number[]) => Promise<Map<number, EventRouting>> {
  return async (eventIds) => {
    if (eventIds.length === 0) return new Map();
    const ids = [...eventIds];
    const events = await pool.query<RoutedEventRow>(
      'SELECT id, dispatched_at FROM events WHERE id = ANY($1::bigint[])',
      [ids],
    );
    const jobs = await pool.query<JobDecisionRow>(
      `SELECT je.event_id, j.agent, j.id AS job_id, je.trigger, j.state FROM job_events je JOIN jobs j ON j.id = je.job_id
        WHERE je.event_id = ANY($1::bigint[]) ORDER BY j.id`,
      [ids],
    );
    const skips = await pool.query<SkipDecisionRow>(
      'SELECT event_id, agent, reason FROM routing_skips WHERE event_id = ANY($1::bigint[]) ORDER BY id',
      [ids],
    );
    return toEventRoutings(events.rows, jobs.rows, skips.rows);
  };
}
