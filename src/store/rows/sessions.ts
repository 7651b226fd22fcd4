/**
 * A `sessions` row and a `runs` row as both stores read them, and the one mapping from each to its
 * domain record. The two dialects share the tables' names and columns; BIGINTs arrive as numbers
 * (see `postgres/pool.ts`) and JSON columns as TEXT in both, so one mapping serves both.
 */
import type { SessionCursor } from '../../sessions/cursor.js';
import {
  MAX_BLOCKED_HOSTS,
  type RunBlocked,
  type RunIsolation,
  type RunProcesses,
  type RunRecord,
  type SessionRecord,
  type SessionState,
} from '../../sessions/ports.js';

export interface SessionRow {
  agent: string;
  repo: string;
  issue: number;
  session_id: string | null;
  worktree: string;
  created_at: number;
  last_used_at: number;
  run_count: number;
  cost_usd: number;
  state: SessionState;
  cursor: string | null;
  forgotten_reason: string | null;
}

export function toSession(row: SessionRow): SessionRecord {
  return {
    key: { agent: row.agent, repo: row.repo, issue: row.issue },
    sessionId: row.session_id ?? undefined,
    worktree: row.worktree,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    runCount: row.run_count,
    costUsd: row.cost_usd,
    state: row.state,
    cursor: row.cursor === null ? undefined : (JSON.parse(row.cursor) as SessionCursor),
    forgottenReason: row.forgotten_reason ?? undefined,
  };
}

export interface RunRow {
  id: number;
  job_id: number;
  agent: string;
  repo: string;
  issue: number;
  attempt: number;
  started_at: number;
  finished_at: number | null;
  session_id: string | null;
  session: 'new' | 'resumed' | null;
  resume_fallback: string | null;
  prompt_kind: 'full' | 'delta' | null;
  prompt_bytes: number | null;
  prompt: string | null;
  turns: number | null;
  tokens: string | null;
  cost_usd: number;
  outcome: RunRecord['outcome'] | null;
  error: string | null;
  tool_calls: string | null;
  changes: string | null;
  status_comment_id: number | null;
  isolation: RunIsolation | null;
  blocked: string | null;
  processes: string | null;
  leftovers_ended: number | null;
}

export function toRun(row: RunRow): RunRecord {
  return {
    id: row.id,
    jobId: row.job_id,
    key: { agent: row.agent, repo: row.repo, issue: row.issue },
    attempt: row.attempt,
    startedAt: row.started_at,
    finishedAt: row.finished_at ?? undefined,
    durationMs: row.finished_at === null ? undefined : row.finished_at - row.started_at,
    sessionId: row.session_id ?? undefined,
    session: row.session ?? undefined,
    resumeFallback: row.resume_fallback ?? undefined,
    prompt:
      row.prompt_kind === null
        ? undefined
        : { kind: row.prompt_kind, bytes: row.prompt_bytes ?? 0, text: row.prompt ?? '' },
    turns: row.turns ?? undefined,
    tokens: row.tokens === null ? undefined : JSON.parse(row.tokens),
    costUsd: row.cost_usd,
    outcome: row.outcome ?? undefined,
    error: row.error ?? undefined,
    toolCalls: row.tool_calls === null ? undefined : JSON.parse(row.tool_calls),
    changes: row.changes === null ? undefined : JSON.parse(row.changes),
    statusCommentId: row.status_comment_id ?? undefined,
    isolation: row.isolation ?? undefined,
    blocked: row.blocked === null ? undefined : (JSON.parse(row.blocked) as RunBlocked),
    processes: row.processes === null ? undefined : (JSON.parse(row.processes) as RunProcesses),
    leftoversEnded: row.leftovers_ended ?? undefined,
  };
}

/**
 * The `blocked` column's JSON: the hosts deduplicated and cut to `MAX_BLOCKED_HOSTS`, so a record
 * stays small whatever a proxy reported.
 */
export function blockedColumn(blocked: RunBlocked): string {
  const hosts = [...new Set(blocked.hosts)].slice(0, MAX_BLOCKED_HOSTS);
  return JSON.stringify({ connections: blocked.connections, pushes: blocked.pushes, hosts });
}
