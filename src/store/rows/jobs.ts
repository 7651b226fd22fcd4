/**
 * A `jobs` row (with its events' ids, joined by commas, as `event_ids`) and an `events` row as both
 * stores read them, and the one mapping from each to the queue's records.
 */
import type { RepoRef } from '../../core/events.js';
import type { JobState } from '../../core/job-state.js';
import type { Job, StoredEvent } from '../../queue/ports.js';
import type { WorkKey } from '../../core/work-key.js';

export interface JobRow {
  id: number;
  agent: string;
  repo: string;
  issue: number;
  work_key: string;
  repo_ref: string;
  state: JobState;
  attempts: number;
  not_before: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
  event_ids: string | null;
}

export function toJob(row: JobRow): Job {
  return {
    id: row.id,
    key: { agent: row.agent, repo: row.repo, issue: row.issue } satisfies WorkKey,
    repoRef: JSON.parse(row.repo_ref) as RepoRef,
    state: row.state,
    attempts: row.attempts,
    notBefore: row.not_before,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: row.error,
    eventIds: row.event_ids ? row.event_ids.split(',').map(Number) : [],
  };
}

export interface EventRow {
  id: number;
  delivery_id: string;
  received_at: number;
  event: string;
}

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    id: row.id,
    deliveryId: row.delivery_id,
    receivedAt: row.received_at,
    event: JSON.parse(row.event) as StoredEvent['event'],
  };
}
