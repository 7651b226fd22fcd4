/**
 * The `cleanup_tasks`, `sweeps` and `audit` rows as both stores read them, and the one mapping
 * from each to housekeeping's records. `sweeps.dry_run` is the one column whose type differs:
 * BOOLEAN on PostgreSQL, 0 or 1 on SQLite.
 */
import type { AuditEntry, CleanupTask, SweepRecord } from '../../housekeeping/ports.js';

export interface TaskRow {
  id: number;
  event_id: number;
  repo: string;
  repo_ref: string;
  issues: string | null;
  task: string;
  state: CleanupTask['state'];
  attempts: number;
  created_at: number;
  finished_at: number | null;
  result: string | null;
  error: string | null;
}

export function toTask(row: TaskRow): CleanupTask {
  return {
    id: row.id,
    eventId: row.event_id,
    repo: row.repo,
    repoRef: JSON.parse(row.repo_ref) as CleanupTask['repoRef'],
    issues: row.issues ? (JSON.parse(row.issues) as number[]) : undefined,
    action: JSON.parse(row.task) as CleanupTask['action'],
    state: row.state,
    attempts: row.attempts,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    result: row.result === null ? undefined : (JSON.parse(row.result) as unknown),
    error: row.error,
  };
}

export interface SweepRow {
  id: number;
  trigger: string;
  dry_run: boolean | 0 | 1;
  started_at: number;
  finished_at: number | null;
  report: string | null;
}

export function toSweep(row: SweepRow): SweepRecord {
  return {
    id: row.id,
    trigger: row.trigger,
    dryRun: row.dry_run === true || row.dry_run === 1,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    report: row.report === null ? undefined : (JSON.parse(row.report) as unknown),
  };
}

export interface AuditRow {
  id: number;
  at: number;
  source: string;
  action: string;
  params: string;
  status: number;
  result: string;
}

export function toAuditEntry(row: AuditRow): AuditEntry & { readonly id: number } {
  return {
    id: row.id,
    at: row.at,
    source: row.source,
    action: row.action,
    params: JSON.parse(row.params) as unknown,
    status: row.status,
    result: JSON.parse(row.result) as unknown,
  };
}
