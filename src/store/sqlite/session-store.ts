/**
 * Sessions (one per work key) and run records on SQLite. Writes go through the group committer,
 * so `started` is on disk before the runner goes on: a crash mid-run still leaves the session
 * id to resume.
 */
import type { WorkKey } from '../../core/work-key.js';
import type { RunIsolation, RunRecords, SessionState, SessionStore } from '../../sessions/ports.js';
import { blockedColumn, toRun, toSession, type RunRow, type SessionRow } from '../rows/sessions.js';
import type { GroupCommitter } from './group-commit.js';
import type { Db } from './open-database.js';

type KeyParams = [string, string, number];
const keyParams = (key: WorkKey): KeyParams => [key.agent, key.repo, key.issue];

export function createSqliteSessionStore(db: Db, committer: GroupCommitter): SessionStore {
  const q = {
    get: db.prepare<KeyParams, SessionRow>('SELECT * FROM sessions WHERE agent = ? AND repo = ? AND issue = ?'),
    started: db.prepare(
      `INSERT INTO sessions (agent, repo, issue, session_id, worktree, created_at, last_used_at)
       VALUES (@agent, @repo, @issue, @sessionId, @worktree, @at, @at)
       ON CONFLICT (agent, repo, issue) DO UPDATE SET
         cursor = CASE WHEN session_id IS excluded.session_id THEN cursor ELSE NULL END,
         created_at = CASE WHEN session_id IS excluded.session_id THEN created_at ELSE excluded.created_at END,
         session_id = excluded.session_id, worktree = excluded.worktree, last_used_at = excluded.last_used_at,
         forgotten_reason = CASE WHEN session_id IS excluded.session_id THEN forgotten_reason ELSE NULL END`,
    ),
    finished: db.prepare(
      `UPDATE sessions SET run_count = run_count + 1, cost_usd = cost_usd + @costUsd, last_used_at = @at,
         cursor = coalesce(@cursor, cursor)
       WHERE agent = @agent AND repo = @repo AND issue = @issue AND session_id = @sessionId`,
    ),
    forget: db.prepare<[string, ...KeyParams]>(
      'UPDATE sessions SET session_id = NULL, cursor = NULL, forgotten_reason = ? WHERE agent = ? AND repo = ? AND issue = ?',
    ),
    setState: db.prepare<[SessionState, ...KeyParams]>(
      'UPDATE sessions SET state = ? WHERE agent = ? AND repo = ? AND issue = ?',
    ),
    list: db.prepare<[string | null, string | null, number], SessionRow>(
      'SELECT * FROM sessions WHERE (? IS NULL OR agent = ?) ORDER BY last_used_at DESC LIMIT ?',
    ),
  };
  return {
    async get(key) {
      const row = q.get.get(...keyParams(key));
      return row && toSession(row);
    },
    started(key, started) {
      return committer.submit(() => {
        q.started.run({ ...key, ...started });
      });
    },
    finished(key, finished) {
      return committer.submit(() => {
        q.finished.run({
          ...key,
          sessionId: finished.sessionId,
          costUsd: finished.costUsd,
          at: finished.at,
          cursor: finished.cursor ? JSON.stringify(finished.cursor) : null,
        });
      });
    },
    forget(key, reason) {
      return committer.submit(() => {
        q.forget.run(reason, ...keyParams(key));
      });
    },
    close(key) {
      return committer.submit(() => {
        q.setState.run('closed', ...keyParams(key));
      });
    },
    reopen(key) {
      return committer.submit(() => {
        q.setState.run('active', ...keyParams(key));
      });
    },
    async list(query = {}) {
      const agent = query.agent ?? null;
      return q.list.all(agent, agent, query.limit ?? 100).map(toSession);
    },
  };
}

export function createSqliteRunRecords(db: Db, committer: GroupCommitter): RunRecords {
  const q = {
    insert: db.prepare<[number, string, string, number, number, number, RunIsolation | null]>(
      'INSERT INTO runs (job_id, agent, repo, issue, attempt, started_at, isolation) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    finish: db.prepare(
      `UPDATE runs SET finished_at = @finishedAt, session_id = @sessionId, session = @session, resume_fallback = @resumeFallback,
         prompt_kind = @promptKind, prompt_bytes = @promptBytes, prompt = @prompt, turns = @turns, tokens = @tokens, cost_usd = @costUsd,
         outcome = @outcome, error = @error, tool_calls = @toolCalls, changes = @changes, status_comment_id = @statusCommentId,
         isolation = @isolation, blocked = @blocked
       WHERE id = @id`,
    ),
    statusComment: db.prepare<[number, number]>('UPDATE runs SET status_comment_id = ? WHERE id = ?'),
    unfinished: db.prepare<[], RunRow>('SELECT * FROM runs WHERE outcome IS NULL ORDER BY id'),
    interrupted: db.prepare<[number, string, number]>(
      "UPDATE runs SET finished_at = ?, outcome = 'interrupted', error = ? WHERE id = ? AND outcome IS NULL",
    ),
    processes: db.prepare<[string, number]>('UPDATE runs SET processes = ? WHERE id = ?'),
    leftoversEnded: db.prepare<[number, number]>('UPDATE runs SET leftovers_ended = ? WHERE id = ?'),
    leftoversUnchecked: db.prepare<[], RunRow>(
      "SELECT * FROM runs WHERE outcome = 'interrupted' AND processes IS NOT NULL AND leftovers_ended IS NULL ORDER BY id",
    ),
    get: db.prepare<[number], RunRow>('SELECT * FROM runs WHERE id = ?'),
    list: db.prepare<[string | null, string | null, number], RunRow>(
      'SELECT * FROM runs WHERE (? IS NULL OR agent = ?) ORDER BY id DESC LIMIT ?',
    ),
    costSince: db.prepare<[string, number], { cost: number | null }>(
      'SELECT sum(cost_usd) AS cost FROM runs WHERE agent = ? AND started_at >= ?',
    ),
  };
  return {
    start(run) {
      return committer.submit(() =>
        Number(
          q.insert.run(
            run.jobId,
            run.key.agent,
            run.key.repo,
            run.key.issue,
            run.attempt,
            run.startedAt,
            run.isolation ?? null,
          ).lastInsertRowid,
        ),
      );
    },
    finish(id, finish) {
      return committer.submit(() => {
        q.finish.run({
          id,
          finishedAt: finish.finishedAt,
          sessionId: finish.sessionId ?? null,
          session: finish.session,
          resumeFallback: finish.resumeFallback ?? null,
          promptKind: finish.prompt?.kind ?? null,
          promptBytes: finish.prompt?.bytes ?? null,
          prompt: finish.prompt?.text ?? null,
          turns: finish.turns,
          tokens: JSON.stringify(finish.tokens),
          costUsd: finish.costUsd,
          outcome: finish.outcome,
          error: finish.error ?? null,
          toolCalls: JSON.stringify(finish.toolCalls),
          changes: JSON.stringify(finish.changes),
          statusCommentId: finish.statusCommentId ?? null,
          isolation: finish.isolation,
          blocked: blockedColumn(finish.blocked),
        });
      });
    },
    statusComment(id, commentId) {
      return committer.submit(() => void q.statusComment.run(commentId, id));
    },
    async unfinished() {
      return q.unfinished.all().map(toRun);
    },
    interrupted(id, at, error) {
      return committer.submit(() => void q.interrupted.run(at, error, id));
    },
    processes(id, processes) {
      return committer.submit(() => void q.processes.run(JSON.stringify(processes), id));
    },
    leftoversEnded(id, count) {
      return committer.submit(() => void q.leftoversEnded.run(count, id));
    },
    async leftoversUnchecked() {
      return q.leftoversUnchecked.all().map(toRun);
    },
    async get(id) {
      const row = q.get.get(id);
      return row && toRun(row);
    },
    async list(query = {}) {
      const agent = query.agent ?? null;
      return q.list.all(agent, agent, query.limit ?? 50).map(toRun);
    },
    async costSince(agent, since) {
      return q.costSince.get(agent, since)?.cost ?? 0;
    },
  };
}
