/**
 * The rows the dashboard's reads and the disk sample history come back as, in both stores, and the
 * one mapping from each to the dashboard's view of it. Aggregates (`count`, `sum`) arrive as
 * numbers in both dialects (see `postgres/pool.ts`).
 */
import type {
  AgentRunsToday,
  AnsweredEvent,
  DiskPoint,
  DiskSample,
  KeyPause,
  RunSummary,
  SessionCounts,
  SkipCount,
} from '../../dashboard/ports.js';

export interface SampleRow {
  measured_at: number;
  free_bytes: number;
  total_bytes: number;
  caches_bytes: number;
  worktrees_bytes: number;
  attic_bytes: number;
  transcripts_bytes: number;
  database_bytes: number;
  detail: string;
}

export function toSample(row: SampleRow): DiskSample {
  const detail = JSON.parse(row.detail) as { byAgent?: Record<string, number>; byRepository?: Record<string, number> };
  return {
    measuredAt: row.measured_at,
    freeBytes: row.free_bytes,
    totalBytes: row.total_bytes,
    kinds: {
      caches: row.caches_bytes,
      worktrees: row.worktrees_bytes,
      attic: row.attic_bytes,
      transcripts: row.transcripts_bytes,
      database: row.database_bytes,
    },
    byAgent: detail.byAgent ?? {},
    byRepository: detail.byRepository ?? {},
  };
}

export interface DiskPointRow {
  at: number;
  used: number;
  free: number;
}

export const toDiskPoint = (row: DiskPointRow): DiskPoint => ({ at: row.at, usedBytes: row.used, freeBytes: row.free });

export interface RunSummaryRow {
  id: number;
  agent: string;
  repo: string;
  issue: number;
  started_at: number;
  finished_at: number | null;
  outcome: string | null;
  cost_usd: number;
  session: 'new' | 'resumed' | null;
  prompt_kind: 'full' | 'delta' | null;
  isolation: 'bwrap' | 'none' | null;
}

export function toRunSummary(row: RunSummaryRow): RunSummary {
  return {
    id: row.id,
    agent: row.agent,
    repo: row.repo,
    issue: row.issue,
    startedAt: row.started_at,
    finishedAt: row.finished_at ?? undefined,
    outcome: row.outcome ?? undefined,
    costUsd: row.cost_usd,
    session: row.session ?? undefined,
    promptKind: row.prompt_kind ?? undefined,
    isolation: row.isolation ?? undefined,
  };
}

export interface AgentRunsRow {
  agent: string;
  runs: number;
  cost: number;
}

export const toAgentRuns = (row: AgentRunsRow): AgentRunsToday => ({
  agent: row.agent,
  runs: row.runs,
  costUsd: row.cost,
});

export interface SessionCountsRow {
  agent: string;
  active: number;
  closed: number;
  oldest: number | null;
}

export const toSessionCounts = (row: SessionCountsRow): SessionCounts => ({
  agent: row.agent,
  active: row.active,
  closed: row.closed,
  oldestActiveAt: row.oldest ?? undefined,
});

export interface OutcomeCountRow {
  outcome: string;
  n: number;
}

export const toOutcomeCounts = (rows: readonly OutcomeCountRow[]): Readonly<Record<string, number>> =>
  Object.fromEntries(rows.map((r) => [r.outcome, r.n]));

export interface SkipCountRow {
  agent: string;
  reason: string;
  n: number;
}

export const toSkipCount = (row: SkipCountRow): SkipCount => ({ agent: row.agent, reason: row.reason, count: row.n });

export interface KeyPauseRow {
  work_key: string;
  until: number;
  reason: string;
}

/** The agent is the work key's part before the first colon (`agent:host/owner/name#issue`). */
export const toKeyPause = (row: KeyPauseRow): KeyPause => ({
  key: row.work_key,
  agent: row.work_key.slice(0, row.work_key.indexOf(':')),
  until: row.until,
  reason: row.reason,
});

export interface AnsweredEventRow {
  id: number;
  type: string;
  delivery_id: string;
  received_at: number;
  trigger: string;
}

export const toAnsweredEvent = (row: AnsweredEventRow): AnsweredEvent => ({
  id: row.id,
  type: row.type,
  deliveryId: row.delivery_id,
  receivedAt: row.received_at,
  trigger: row.trigger,
});
