/**
 * Housekeeping's storage on SQLite (docs/decisions.md §24): the cleanup queue, session rows by repository and
 * idleness, dispatch pauses, sweep records and the audit trail. Writes go through the group
 * committer like every other writer.
 */
import type {
  RecordRetention,
  AuditLog,
  CleanupQueue,
  DispatchPauses,
  HousekeepingSessions,
  SweepRecords,
} from '../../housekeeping/ports.js';
import type { WorkKey } from '../../core/work-key.js';
import { toAuditEntry, toSweep, toTask, type AuditRow, type SweepRow, type TaskRow } from '../rows/housekeeping.js';
import { toSession, type SessionRow } from '../rows/sessions.js';
import type { GroupCommitter } from './group-commit.js';
import type { Db } from './open-database.js';

/**
 * Whether a queued or running job touches the keys of `repo` and `issues` (a JSON array, NULL for
 * the whole repository), of `agent` only unless it is NULL — SQL expressions, so one test serves a
 * question about given keys and the claim of a task's own.
 */
const busy = (repo: string, issues: string, agent: string) =>
  `EXISTS (SELECT 1 FROM jobs j WHERE j.repo = ${repo} AND j.state IN ('queued', 'running')
             AND (${agent} IS NULL OR j.agent = ${agent})
             AND (${issues} IS NULL OR j.issue IN (SELECT value FROM json_each(${issues}))))`;

export function createSqliteCleanupQueue(db: Db, committer: GroupCommitter): CleanupQueue {
  const q = {
    // The oldest due task with no queued or running job on its keys (issues NULL: the whole
    // repository), found by the database: a backlog of waiting tasks is not read row by row.
    nextFree: db.prepare<[number], TaskRow>(
      `SELECT c.* FROM cleanup_tasks c
        WHERE c.state = 'queued' AND c.not_before <= ? AND NOT ${busy('c.repo', 'c.issues', 'NULL')}
        ORDER BY c.id
        LIMIT 1`,
    ),
    busy: db.prepare<{ repo: string; issues: string | null; agent: string | null }, { busy: number }>(
      `SELECT ${busy('@repo', '@issues', '@agent')} AS busy`,
    ),
    claim: db.prepare<[number]>(
      `UPDATE cleanup_tasks SET state = 'running', attempts = attempts + 1 WHERE id = ? AND state = 'queued'`,
    ),
    get: db.prepare<[number], TaskRow>('SELECT * FROM cleanup_tasks WHERE id = ?'),
    finish: db.prepare(
      `UPDATE cleanup_tasks SET state = @state, finished_at = @finishedAt, result = @result, error = @error, not_before = @notBefore WHERE id = @id`,
    ),
    requeue: db.prepare(`UPDATE cleanup_tasks SET state = 'queued' WHERE state = 'running'`),
    list: db.prepare<[number], TaskRow>('SELECT * FROM cleanup_tasks ORDER BY id DESC LIMIT ?'),
    after: db.prepare<[number, number], TaskRow>('SELECT * FROM cleanup_tasks WHERE id > ? ORDER BY id LIMIT ?'),
    lastId: db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM cleanup_tasks'),
    pending: db.prepare<[], { n: number }>(
      `SELECT count(*) AS n FROM cleanup_tasks WHERE state IN ('queued', 'running')`,
    ),
  };
  return {
    async claimNext(now) {
      // Most calls find nothing to do (a kick per stored event): a read answers them without a
      // write transaction, whose commit would wait for the next WAL fsync.
      if (!q.nextFree.get(now)) return undefined;
      return committer.submit(() => {
        const row = q.nextFree.get(now);
        if (!row) return undefined;
        q.claim.run(row.id);
        return toTask(q.get.get(row.id)!);
      });
    },
    finish(id, finish, now) {
      return committer.submit(() => {
        const retry = finish.state === 'retry';
        q.finish.run({
          id,
          state: retry ? 'queued' : finish.state,
          finishedAt: retry ? null : now,
          result: 'result' in finish && finish.result !== undefined ? JSON.stringify(finish.result) : null,
          error: finish.state === 'done' ? null : finish.error,
          notBefore: retry ? finish.notBefore : now,
        });
      });
    },
    requeueInterrupted() {
      return committer.submit(() => q.requeue.run().changes);
    },
    async keysBusy(repo, issues, agent) {
      return Boolean(q.busy.get({ repo, issues: issues ? JSON.stringify(issues) : null, agent: agent ?? null })?.busy);
    },
    async list(limit) {
      return q.list.all(limit).map(toTask);
    },
    async after(afterId, limit) {
      return q.after.all(afterId, limit).map(toTask);
    },
    async lastId() {
      return q.lastId.get()?.id ?? 0;
    },
    async pending() {
      return q.pending.get()?.n ?? 0;
    },
  };
}

export function createSqliteHousekeepingSessions(db: Db, committer: GroupCommitter): HousekeepingSessions {
  const q = {
    ofRepo: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE repo = ? ORDER BY last_used_at'),
    ofIssue: db.prepare<[string, number], SessionRow>(
      'SELECT * FROM sessions WHERE repo = ? AND issue = ? ORDER BY agent',
    ),
    idle: db.prepare<[number, number], SessionRow>(
      'SELECT * FROM sessions WHERE last_used_at < ? ORDER BY last_used_at LIMIT ?',
    ),
    named: db.prepare<[string], { session_id: string }>(
      'SELECT session_id FROM sessions WHERE session_id IN (SELECT value FROM json_each(?))',
    ),
    delete: db.prepare<[string, string, number]>('DELETE FROM sessions WHERE agent = ? AND repo = ? AND issue = ?'),
  };
  return {
    ofRepo: async (repo) => q.ofRepo.all(repo).map(toSession),
    ofIssue: async (repo, issue) => q.ofIssue.all(repo, issue).map(toSession),
    idleSince: async (before, limit) => q.idle.all(before, limit).map(toSession),
    named: async (ids) => new Set(q.named.all(JSON.stringify(ids)).map((row) => row.session_id)),
    delete(key: WorkKey) {
      return committer.submit(() => {
        q.delete.run(key.agent, key.repo, key.issue);
      });
    },
  };
}

export function createSqliteDispatchPauses(db: Db, committer: GroupCommitter): DispatchPauses {
  const q = {
    pause: db.prepare<[string, string, number]>(
      'INSERT INTO dispatch_pauses (scope, reason, at) VALUES (?, ?, ?) ON CONFLICT (scope) DO UPDATE SET reason = excluded.reason, at = excluded.at',
    ),
    resume: db.prepare<[string]>('DELETE FROM dispatch_pauses WHERE scope = ?'),
    resumeAll: db.prepare('DELETE FROM dispatch_pauses'),
    breakerAll: db.prepare('DELETE FROM key_pauses'),
    breakerAgent: db.prepare<[string]>(`DELETE FROM key_pauses WHERE work_key LIKE ? ESCAPE '\\'`),
    breakerKey: db.prepare<[string]>('DELETE FROM key_pauses WHERE work_key = ?'),
    list: db.prepare<[], { scope: string; reason: string; at: number }>(
      'SELECT scope, reason, at FROM dispatch_pauses ORDER BY scope',
    ),
  };
  return {
    pause(scope, reason, at) {
      return committer.submit(() => {
        q.pause.run(scope, reason, at);
      });
    },
    resume(scope) {
      return committer.submit(() => {
        if (scope === '*') return { pauses: q.resumeAll.run().changes, breakerPauses: q.breakerAll.run().changes };
        const pauses = q.resume.run(scope).changes;
        if (scope.startsWith('agent:'))
          return { pauses, breakerPauses: q.breakerAgent.run(`${likeEscape(scope.slice('agent:'.length))}:%`).changes };
        return { pauses, breakerPauses: q.breakerKey.run(scope.slice('key:'.length)).changes };
      });
    },
    list: async () => q.list.all(),
  };
}

function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function createSqliteSweepRecords(db: Db, committer: GroupCommitter): SweepRecords {
  const q = {
    start: db.prepare<[string, number, number]>('INSERT INTO sweeps (trigger, dry_run, started_at) VALUES (?, ?, ?)'),
    finish: db.prepare<[number, string, number]>('UPDATE sweeps SET finished_at = ?, report = ? WHERE id = ?'),
    list: db.prepare<[number], SweepRow>('SELECT * FROM sweeps ORDER BY id DESC LIMIT ?'),
  };
  return {
    start: (trigger, dryRun, at) =>
      committer.submit(() => Number(q.start.run(trigger, dryRun ? 1 : 0, at).lastInsertRowid)),
    finish(id, at, report) {
      return committer.submit(() => {
        q.finish.run(at, JSON.stringify(report), id);
      });
    },
    async list(limit) {
      return q.list.all(limit).map(toSweep);
    },
  };
}

export function createSqliteAuditLog(db: Db, committer: GroupCommitter): AuditLog {
  const q = {
    insert: db.prepare(
      'INSERT INTO audit (at, source, action, params, status, result) VALUES (@at, @source, @action, @params, @status, @result)',
    ),
    list: db.prepare<[number], AuditRow>('SELECT * FROM audit ORDER BY id DESC LIMIT ?'),
  };
  return {
    record(entry) {
      return committer.submit(() => {
        q.insert.run({
          ...entry,
          params: JSON.stringify(entry.params ?? null),
          result: JSON.stringify(entry.result ?? null),
        });
      });
    },
    async list(limit) {
      return q.list.all(limit).map(toAuditEntry);
    },
  };
}

export function createSqliteRecordRetention(db: Db, committer: GroupCommitter): RecordRetention {
  const q = {
    deliveries: db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM deliveries WHERE received_at < ?'),
    runs: db.prepare<[number], { n: number }>(
      'SELECT count(*) AS n FROM runs WHERE started_at < ? AND finished_at IS NOT NULL',
    ),
    tasks: db.prepare<[number], { n: number }>(
      `SELECT count(*) AS n FROM cleanup_tasks WHERE state IN ('done', 'failed') AND finished_at < ?`,
    ),
    deleteRuns: db.prepare<[number]>('DELETE FROM runs WHERE started_at < ? AND finished_at IS NOT NULL'),
    deleteTasks: db.prepare<[number]>(
      `DELETE FROM cleanup_tasks WHERE state IN ('done', 'failed') AND finished_at < ?`,
    ),
  };
  return {
    async countBefore(cutoff) {
      return {
        deliveries: q.deliveries.get(cutoff)?.n ?? 0,
        runs: q.runs.get(cutoff)?.n ?? 0,
        cleanupTasks: q.tasks.get(cutoff)?.n ?? 0,
      };
    },
    deleteRunsBefore(cutoff) {
      return committer.submit(() => ({
        runs: q.deleteRuns.run(cutoff).changes,
        cleanupTasks: q.deleteTasks.run(cutoff).changes,
      }));
    },
  };
}
