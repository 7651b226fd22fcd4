/**
 * A stored delivery's summary row and the rows its event's routing is read from, as both stores
 * read them, and the one mapping from those to what an operator sees (`claude-hooks deliveries`).
 */
import type { AgentDecision, DeliverySummary, EventRouting } from '../../intake/ports.js';

export interface SummaryRow {
  delivery_id: string;
  source: 'webhook' | 'poll';
  forge: DeliverySummary['forge'];
  event_type: string;
  received_at: number;
  outcome: DeliverySummary['outcome'];
  reason: string | null;
  event_id: number | null;
}

/** The events the summaries became, to read their routing for. */
export const eventIdsOf = (rows: readonly SummaryRow[]): number[] =>
  rows.flatMap((r) => (r.event_id === null ? [] : [r.event_id]));

export function toDeliverySummary(row: SummaryRow, routing: ReadonlyMap<number, EventRouting>): DeliverySummary {
  return {
    deliveryId: row.delivery_id,
    source: row.source,
    forge: row.forge,
    eventType: row.event_type,
    receivedAt: row.received_at,
    outcome: row.outcome,
    reason: row.reason,
    eventId: row.event_id,
    routing: row.event_id === null ? null : (routing.get(row.event_id) ?? null),
  };
}

export interface RoutedEventRow {
  id: number;
  dispatched_at: number | null;
}

/** A job an event joined, with the trigger that made it and where the job is now. */
export interface JobDecisionRow {
  event_id: number;
  agent: string;
  job_id: number;
  trigger: string;
  state: string;
}

/** An agent an event made no job for, and the recorded reason. */
export interface SkipDecisionRow {
  event_id: number;
  agent: string;
  reason: string;
}

/** Each event's routing: when, and per agent (jobs first, then skips, each in the order given) the job it joined or why not. */
export function toEventRoutings(
  events: readonly RoutedEventRow[],
  jobs: readonly JobDecisionRow[],
  skips: readonly SkipDecisionRow[],
): Map<number, EventRouting> {
  const result = new Map<number, { routedAt: number | null; decisions: AgentDecision[] }>();
  for (const e of events) result.set(e.id, { routedAt: e.dispatched_at, decisions: [] });
  for (const j of jobs)
    result
      .get(j.event_id)
      ?.decisions.push({ agent: j.agent, kind: 'job', jobId: j.job_id, trigger: j.trigger, state: j.state });
  for (const k of skips) result.get(k.event_id)?.decisions.push({ agent: k.agent, kind: 'skipped', reason: k.reason });
  return result;
}
