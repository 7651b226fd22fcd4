/** Each event's routing on PostgreSQL: when, and per agent the job it joined or the recorded reason why not. */
import type { AgentDecision, EventRouting } from '../../intake/ports.js';
import type { Pool } from './pool.js';

export function routingReader(pool: Pool): (eventIds: readonly number[]) => Promise<Map<number, EventRouting>> {
  return async (eventIds) => {
    const result = new Map<number, { routedAt: number | null; decisions: AgentDecision[] }>();
    if (eventIds.length === 0) return result;
    const ids = [...eventIds];
    const events = await pool.query<{ id: number; dispatched_at: number | null }>('SELECT id, dispatched_at FROM events WHERE id = ANY($1::bigint[])', [ids]);
    for (const e of events.rows) result.set(e.id, { routedAt: e.dispatched_at, decisions: [] });
    const jobs = await pool.query<{ event_id: number; agent: string; job_id: number; trigger: string; state: string }>(
      `SELECT je.event_id, j.agent, j.id AS job_id, je.trigger, j.state FROM job_events je JOIN jobs j ON j.id = je.job_id
        WHERE je.event_id = ANY($1::bigint[]) ORDER BY j.id`,
      [ids],
    );
    for (const j of jobs.rows) result.get(j.event_id)?.decisions.push({ agent: j.agent, kind: 'job', jobId: j.job_id, trigger: j.trigger, state: j.state });
    const skips = await pool.query<{ event_id: number; agent: string; reason: string }>(
      'SELECT event_id, agent, reason FROM routing_skips WHERE event_id = ANY($1::bigint[]) ORDER BY id',
      [ids],
    );
    for (const k of skips.rows) result.get(k.event_id)?.decisions.push({ agent: k.agent, kind: 'skipped', reason: k.reason });
    return result;
  };
}
