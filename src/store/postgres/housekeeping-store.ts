/**
 * Housekeeping's storage on PostgreSQL (docs/decisions.md §25): the cleanup queue, session rows by repository
 * and idleness, dispatch pauses, sweep records and the audit trail — the twins of
 * `store/sqlite/housekeeping-store.ts`. Several workers share the cleanup queue: a task is claimed
 * in one transaction that skips rows another worker holds (`FOR UPDATE SKIP LOCKED`), so each
 * task runs once.
 */
import { systemClock, type Clock } from '../../lib/clock.js';
import type {
  AuditLog,
  CleanupQueue,
  DispatchPauses,
  HousekeepingSessions,
  RecordRetention,
  SweepRecords,
} from '../../housekeeping/ports.js';
import { toAuditEntry, toSweep, toTask, type AuditRow, type SweepRow, type TaskRow } from '../rows/housekeeping.js';
import { toSession, type SessionRow } from '../rows/sessions.js';
import { CLAIM_LOCK } from './job-store.js';
import { inTransaction, type Pool } from './pool.js';
import { SESSION_COLUMNS } from './session-store.js';

const TASK_COLUMNS =
  'id, event_id, repo, repo_ref, issues, task, state, attempts, created_at, finished_at, result, error';

export function createPgCleanupQueue(
  pool: Pool,
  options: { readonly workerId?: string; readonly clock?: Clock } = {},
): CleanupQueue {
  return {
    claimNext(now) {
      return inTransaction(pool, async (client) => {
        // Serialised with job claims (see job-store.ts), so neither starts beside the other.
        await client.query('SELECT pg_advisory_xact_lock($1)', [CLAIM_LOCK]);
        // The oldest due task with no queued or running job on its keys (issues NULL: the whole repository).
        const { rows } = await client.query<{ id: number }>(
          `SELECT c.id FROM cleanup_tasks c
            WHERE c.state = 'queued' AND c.not_before <= $1
              AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.repo = c.repo AND j.state IN ('queued', 'running')
                                AND (c.issues IS NULL OR j.issue IN (SELECT value::int FROM json_array_elements_text(c.issues::json))))
            ORDER BY c.id
            LIMIT 1
            FOR UPDATE OF c SKIP LOCKED`,
          [now],
        );
        if (!rows[0]) return undefined;
        const claimed = await client.query<TaskRow>(
          `UPDATE cleanup_tasks SET state = 'running', attempts = attempts + 1, worker_id = $2 WHERE id = $1 RETURNING ${TASK_COLUMNS}`,
          [rows[0].id, options.workerId ?? null],
        );
        return toTask(claimed.rows[0]!);
      });
    },
    async finish(id, finish, now) {
      const retry = finish.state === 'retry';
      await pool.query(
        'UPDATE cleanup_tasks SET state = $2, finished_at = $3, result = $4, error = $5, not_before = $6 WHERE id = $1',
        [
          id,
          retry ? 'queued' : finish.state,
          retry ? null : now,
          'result' in finish && finish.result !== undefined ? JSON.stringify(finish.result) : null,
          finish.state === 'done' ? null : finish.error,
          retry ? finish.notBefore : now,
        ],
      );
    },
    async requeueInterrupted() {
      // Only the tasks of workers gone: a live worker's running task is its own business.
      const { rowCount } = await pool.query(
        `UPDATE cleanup_tasks c SET state = 'queued', worker_id = NULL WHERE state = 'running'
           AND NOT EXISTS (SELECT 1 FROM workers w WHERE w.id = c.worker_id AND w.lease_until >= $1 AND w.stopped_at IS NULL)`,
        [(options.clock ?? systemClock).now()],
      );
      return rowCount ?? 0;
    },
    async keysBusy(repo, issues, agent) {
      const { rows } = await pool.query<{ busy: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM jobs j WHERE j.repo = $1 AND j.state IN ('queued', 'running')
                          AND ($2::text IS NULL OR j.agent = $2)
                          AND ($3::int[] IS NULL OR j.issue = ANY ($3::int[]))) AS busy`,
        [repo, agent ?? null, issues ? [...issues] : null],
      );
      return rows[0]?.busy ?? false;
    },
    async after(afterId, limit) {
      const { rows } = await pool.query<TaskRow>(
        `SELECT ${TASK_COLUMNS} FROM cleanup_tasks WHERE id > $1 ORDER BY id LIMIT $2`,
        [afterId, limit],
      );
      return rows.map(toTask);
    },
    async lastId() {
      const { rows } = await pool.query<{ id: number | null }>('SELECT max(id) AS id FROM cleanup_tasks');
      return Number(rows[0]?.id ?? 0);
    },
    async list(limit) {
      const { rows } = await pool.query<TaskRow>(
        `SELECT ${TASK_COLUMNS} FROM cleanup_tasks ORDER BY id DESC LIMIT $1`,
        [limit],
      );
      return rows.map(toTask);
    },
    async pending() {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*) AS n FROM cleanup_tasks WHERE state IN ('queued', 'running')`,
      );
      return rows[0]?.n ?? 0;
    },
  };
}

export function createPgHousekeepingSessions(pool: Pool): HousekeepingSessions {
  const sessions = async (sql: string, params: unknown[]) =>
    (await pool.query<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions ${sql}`, params)).rows.map(toSession);
  return {
    ofRepo: (repo) => sessions('WHERE repo = $1 ORDER BY last_used_at', [repo]),
    ofIssue: (repo, issue) => sessions('WHERE repo = $1 AND issue = $2 ORDER BY agent COLLATE "C"', [repo, issue]),
    idleSince: (before, limit) => sessions('WHERE last_used_at < $1 ORDER BY last_used_at LIMIT $2', [before, limit]),
    async named(ids) {
      const { rows } = await pool.query<{ session_id: string }>(
        'SELECT session_id FROM sessions WHERE session_id = ANY($1::text[])',
        [ids],
      );
      return new Set(rows.map((row) => row.session_id));
    },
    async delete(key) {
      await pool.query('DELETE FROM sessions WHERE agent = $1 AND repo = $2 AND issue = $3', [
        key.agent,
        key.repo,
        key.issue,
      ]);
    },
  };
}

export function createPgDispatchPauses(pool: Pool): DispatchPauses {
  return {
    async pause(scope, reason, at) {
      await pool.query(
        'INSERT INTO dispatch_pauses (scope, reason, at) VALUES ($1, $2, $3) ON CONFLICT (scope) DO UPDATE SET reason = excluded.reason, at = excluded.at',
        [scope, reason, at],
      );
    },
    resume(scope) {
      return inTransaction(pool, async (client) => {
        const count = async (sql: string, params: unknown[] = []) => (await client.query(sql, params)).rowCount ?? 0;
        if (scope === '*')
          return {
            pauses: await count('DELETE FROM dispatch_pauses'),
            breakerPauses: await count('DELETE FROM key_pauses'),
          };
        const pauses = await count('DELETE FROM dispatch_pauses WHERE scope = $1', [scope]);
        if (scope.startsWith('agent:')) {
          return {
            pauses,
            breakerPauses: await count(`DELETE FROM key_pauses WHERE work_key LIKE $1 ESCAPE '\\'`, [
              `${likeEscape(scope.slice('agent:'.length))}:%`,
            ]),
          };
        }
        return {
          pauses,
          breakerPauses: await count('DELETE FROM key_pauses WHERE work_key = $1', [scope.slice('key:'.length)]),
        };
      });
    },
    async list() {
      const { rows } = await pool.query<{ scope: string; reason: string; at: number }>(
        'SELECT scope, reason, at FROM dispatch_pauses ORDER BY scope COLLATE "C"',
      );
      return rows;
    },
  };
}

function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function createPgSweepRecords(pool: Pool): SweepRecords {
  return {
    async start(trigger, dryRun, at) {
      const { rows } = await pool.query<{ id: number }>(
        'INSERT INTO sweeps (trigger, dry_run, started_at) VALUES ($1, $2, $3) RETURNING id',
        [trigger, dryRun, at],
      );
      return rows[0]!.id;
    },
    async finish(id, at, report) {
      await pool.query('UPDATE sweeps SET finished_at = $2, report = $3 WHERE id = $1', [
        id,
        at,
        JSON.stringify(report),
      ]);
    },
    async list(limit) {
      const { rows } = await pool.query<SweepRow>(
        'SELECT id, trigger, dry_run, started_at, finished_at, report FROM sweeps ORDER BY id DESC LIMIT $1',
        [limit],
      );
      return rows.map(toSweep);
    },
  };
}

export function createPgAuditLog(pool: Pool): AuditLog {
  return {
    async record(entry) {
      await pool.query(
        'INSERT INTO audit (at, source, action, params, status, result) VALUES ($1, $2, $3, $4, $5, $6)',
        [
          entry.at,
          entry.source,
          entry.action,
          JSON.stringify(entry.params ?? null),
          entry.status,
          JSON.stringify(entry.result ?? null),
        ],
      );
    },
    async list(limit) {
      const { rows } = await pool.query<AuditRow>(
        'SELECT id, at, source, action, params, status, result FROM audit ORDER BY id DESC LIMIT $1',
        [limit],
      );
      return rows.map(toAuditEntry);
    },
  };
}

const OLD_RUNS = 'FROM runs WHERE started_at < $1 AND finished_at IS NOT NULL';
const OLD_TASKS = `FROM cleanup_tasks WHERE state IN ('done', 'failed') AND finished_at < $1`;

export function createPgRecordRetention(pool: Pool): RecordRetention {
  return {
    async countBefore(cutoff) {
      const { rows } = await pool.query<{ deliveries: number; runs: number; tasks: number }>(
        `SELECT (SELECT count(*) FROM deliveries WHERE received_at < $1) AS deliveries, (SELECT count(*) ${OLD_RUNS}) AS runs, (SELECT count(*) ${OLD_TASKS}) AS tasks`,
        [cutoff],
      );
      const row = rows[0]!;
      return { deliveries: row.deliveries, runs: row.runs, cleanupTasks: row.tasks };
    },
    deleteRunsBefore(cutoff) {
      return inTransaction(pool, async (client) => ({
        runs: (await client.query(`DELETE ${OLD_RUNS}`, [cutoff])).rowCount ?? 0,
        cleanupTasks: (await client.query(`DELETE ${OLD_TASKS}`, [cutoff])).rowCount ?? 0,
      }));
    },
  };
}
