/**
 * Sessions (one per work key) and run records on PostgreSQL: the twins of
 * `store/sqlite/session-store.ts`. Each write is one statement, committed before its promise
 * resolves, so `started` is durable before the runner goes on. Several workers may write the same
 * key's row: `started` is one upsert and `finished` one relative update, never read-modify-write.
 */
import { systemClock, type Clock } from '../../lib/clock.js';
import type { WorkKey } from '../../core/work-key.js';
import type { RunRecords, SessionStore } from '../../sessions/ports.js';
import { blockedColumn, toRun, toSession, type RunRow, type SessionRow } from '../rows/sessions.js';
import type { Pool } from './pool.js';

export const SESSION_COLUMNS =
  'agent, repo, issue, session_id, worktree, created_at, last_used_at, run_count, cost_usd, state, cursor, forgotten_reason';

const keyParams = (key: WorkKey): [string, string, number] => [key.agent, key.repo, key.issue];
const BY_KEY = 'agent = $1 AND repo = $2 AND issue = $3';

export function createPgSessionStore(pool: Pool): SessionStore {
  const execute = async (sql: string, params: unknown[]): Promise<void> => {
    await pool.query(sql, params);
  };
  return {
    async get(key) {
      const { rows } = await pool.query<SessionRow>(
        `SELECT ${SESSION_COLUMNS} FROM sessions WHERE ${BY_KEY}`,
        keyParams(key),
      );
      return rows[0] && toSession(rows[0]);
    },
    started(key, started) {
      // The same id keeps its cursor, creation time and forgotten reason; a new id resets them.
      return execute(
        `INSERT INTO sessions AS s (agent, repo, issue, session_id, worktree, created_at, last_used_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (agent, repo, issue) DO UPDATE SET
           cursor = CASE WHEN s.session_id IS NOT DISTINCT FROM excluded.session_id THEN s.cursor ELSE NULL END,
           created_at = CASE WHEN s.session_id IS NOT DISTINCT FROM excluded.session_id THEN s.created_at ELSE excluded.created_at END,
           forgotten_reason = CASE WHEN s.session_id IS NOT DISTINCT FROM excluded.session_id THEN s.forgotten_reason ELSE NULL END,
           session_id = excluded.session_id, worktree = excluded.worktree, last_used_at = excluded.last_used_at`,
        [...keyParams(key), started.sessionId, started.worktree, started.at],
      );
    },
    finished(key, finished) {
      return execute(
        `UPDATE sessions SET run_count = run_count + 1, cost_usd = cost_usd + $5, last_used_at = $6, cursor = coalesce($7::text, cursor)
         WHERE ${BY_KEY} AND session_id = $4`,
        [
          ...keyParams(key),
          finished.sessionId,
          finished.costUsd,
          finished.at,
          finished.cursor ? JSON.stringify(finished.cursor) : null,
        ],
      );
    },
    forget(key, reason) {
      return execute(`UPDATE sessions SET session_id = NULL, cursor = NULL, forgotten_reason = $4 WHERE ${BY_KEY}`, [
        ...keyParams(key),
        reason,
      ]);
    },
    close(key) {
      return execute(`UPDATE sessions SET state = 'closed' WHERE ${BY_KEY}`, keyParams(key));
    },
    reopen(key) {
      return execute(`UPDATE sessions SET state = 'active' WHERE ${BY_KEY}`, keyParams(key));
    },
    async list(query = {}) {
      const { rows } = await pool.query<SessionRow>(
        `SELECT ${SESSION_COLUMNS} FROM sessions WHERE ($1::text IS NULL OR agent = $1) ORDER BY last_used_at DESC LIMIT $2`,
        [query.agent ?? null, query.limit ?? 100],
      );
      return rows.map(toSession);
    },
  };
}

const RUN_COLUMNS =
  'id, job_id, agent, repo, issue, attempt, started_at, finished_at, session_id, session, resume_fallback, prompt_kind, prompt_bytes, prompt, turns, tokens, cost_usd, outcome, error, tool_calls, changes, status_comment_id, isolation, blocked, processes, leftovers_ended';

export interface PgRunRecordsOptions {
  /** This worker: runs it starts name it, and `unfinished` leaves out the runs of live workers. */
  readonly workerId?: string;
  /** The clock worker leases are written with (the system's by default). */
  readonly clock?: Clock;
}

export function createPgRunRecords(pool: Pool, options: PgRunRecordsOptions = {}): RunRecords {
  const execute = async (sql: string, params: unknown[]): Promise<void> => {
    await pool.query(sql, params);
  };
  const cost = async (sql: string, params: unknown[]): Promise<number> => {
    const { rows } = await pool.query<{ cost: number | null }>(sql, params);
    return rows[0]?.cost ?? 0;
  };
  return {
    async start(run) {
      const { rows } = await pool.query<{ id: number }>(
        'INSERT INTO runs (job_id, agent, repo, issue, attempt, started_at, worker_id, isolation) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id',
        [
          run.jobId,
          run.key.agent,
          run.key.repo,
          run.key.issue,
          run.attempt,
          run.startedAt,
          options.workerId ?? null,
          run.isolation ?? null,
        ],
      );
      return rows[0]!.id;
    },
    finish(id, finish) {
      return execute(
        `UPDATE runs SET finished_at = $2, session_id = $3, session = $4, resume_fallback = $5, prompt_kind = $6, prompt_bytes = $7, prompt = $8,
           turns = $9, tokens = $10, cost_usd = $11, outcome = $12, error = $13, tool_calls = $14, changes = $15, status_comment_id = $16,
           isolation = $17, blocked = $18
         WHERE id = $1`,
        [
          id,
          finish.finishedAt,
          finish.sessionId ?? null,
          finish.session,
          finish.resumeFallback ?? null,
          finish.prompt?.kind ?? null,
          finish.prompt?.bytes ?? null,
          finish.prompt?.text ?? null,
          finish.turns,
          JSON.stringify(finish.tokens),
          finish.costUsd,
          finish.outcome,
          finish.error ?? null,
          JSON.stringify(finish.toolCalls),
          JSON.stringify(finish.changes),
          finish.statusCommentId ?? null,
          finish.isolation,
          blockedColumn(finish.blocked),
        ],
      );
    },
    statusComment(id, commentId) {
      return execute('UPDATE runs SET status_comment_id = $2 WHERE id = $1', [id, commentId]);
    },
    async unfinished() {
      // With several workers, a live worker's run is not an orphan: only those of workers gone.
      const { rows } = await pool.query<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM runs r WHERE outcome IS NULL
           AND NOT EXISTS (SELECT 1 FROM workers w WHERE w.id = r.worker_id AND w.lease_until >= $1 AND w.stopped_at IS NULL)
         ORDER BY id`,
        [(options.clock ?? systemClock).now()],
      );
      return rows.map(toRun);
    },
    interrupted(id, at, error) {
      return execute(
        "UPDATE runs SET finished_at = $2, outcome = 'interrupted', error = $3 WHERE id = $1 AND outcome IS NULL",
        [id, at, error],
      );
    },
    processes(id, processes) {
      return execute('UPDATE runs SET processes = $2 WHERE id = $1', [id, JSON.stringify(processes)]);
    },
    leftoversEnded(id, count) {
      return execute('UPDATE runs SET leftovers_ended = $2 WHERE id = $1', [id, count]);
    },
    async leftoversUnchecked() {
      const { rows } = await pool.query<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM runs WHERE outcome = 'interrupted' AND processes IS NOT NULL AND leftovers_ended IS NULL ORDER BY id`,
      );
      return rows.map(toRun);
    },
    async get(id) {
      const { rows } = await pool.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, [id]);
      return rows[0] && toRun(rows[0]);
    },
    async list(query = {}) {
      const { rows } = await pool.query<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM runs WHERE ($1::text IS NULL OR agent = $1) ORDER BY id DESC LIMIT $2`,
        [query.agent ?? null, query.limit ?? 50],
      );
      return rows.map(toRun);
    },
    costSince(agent, since) {
      return cost('SELECT sum(cost_usd) AS cost FROM runs WHERE agent = $1 AND started_at >= $2', [agent, since]);
    },
  };
}
