/**
 * Copies an existing SQLite installation into PostgreSQL (`claude-hooks migrate --from
 * sqlite:<data dir>`, docs/decisions.md §27): every table, ids kept, in one transaction — either the whole
 * history arrives or none of it does. The SQLite file is opened read-only; the caller holds the
 * data dir's lock, so no service writes to it meanwhile.
 *
 * What changes on the way: `dry_run` and the milestones' flags become booleans, and work a dead
 * process left `running` (jobs, cleanup tasks) goes back to the queue, as the SQLite service does
 * at start — a queued follow-up of an interrupted job is merged into it (the mailbox keeps one
 * queued job per key).
 */
import { projectsFolders, sessionsFolder } from '../../sessions/transcript-layout.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../sqlite/migrations.js';
import type { TranscriptEntry } from '../../sessions/transcript-store.js';
import { inTransaction, type Pool, type PoolClient } from './pool.js';
import { appendTranscriptEntries } from './transcript-store.js';

interface TableCopy {
  readonly table: string;
  /** The columns, as PostgreSQL names them; SQLite is read with `select` when it differs. */
  readonly columns: readonly string[];
  readonly select?: string;
  /** A `GENERATED ALWAYS AS IDENTITY` column whose values are kept (and whose sequence is moved past them). */
  readonly identity?: string;
  readonly convert?: (row: Record<string, unknown>) => Record<string, unknown>;
}

/** In foreign-key order: what a row refers to is copied before it. */
const TABLES: readonly TableCopy[] = [
  {
    table: 'deliveries',
    identity: 'seq',
    columns: [
      'seq',
      'delivery_id',
      'source',
      'forge',
      'event_type',
      'received_at',
      'headers',
      'body',
      'outcome',
      'reason',
      'fingerprint',
      'event_id',
      'body_sha256',
      'body_of',
    ],
    convert: (row) => ({ ...row, body: typeof row.body === 'string' ? Buffer.from(row.body) : row.body }),
  },
  {
    table: 'events',
    identity: 'id',
    columns: ['id', 'delivery_id', 'fingerprint', 'repo', 'type', 'event', 'received_at', 'dispatched_at'],
  },
  {
    table: 'jobs',
    identity: 'id',
    columns: [
      'id',
      'agent',
      'repo',
      'issue',
      'work_key',
      'repo_ref',
      'state',
      'attempts',
      'not_before',
      'created_at',
      'started_at',
      'finished_at',
      'error',
    ],
  },
  { table: 'job_events', columns: ['job_id', 'event_id', 'trigger'] },
  // SQLite's routing_skips has no id column: its rowid becomes the id.
  {
    table: 'routing_skips',
    identity: 'id',
    columns: ['id', 'event_id', 'agent', 'reason', 'at'],
    select: 'SELECT rowid AS id, event_id, agent, reason, at FROM routing_skips ORDER BY rowid',
  },
  { table: 'key_pauses', columns: ['work_key', 'until', 'reason'] },
  { table: 'poll_cursors', columns: ['repo', 'polled_at'] },
  { table: 'label_sets', columns: ['repo', 'issue', 'labels', 'event_id'] },
  {
    table: 'sessions',
    columns: [
      'agent',
      'repo',
      'issue',
      'session_id',
      'worktree',
      'created_at',
      'last_used_at',
      'run_count',
      'cost_usd',
      'state',
      'cursor',
      'forgotten_reason',
    ],
  },
  {
    table: 'runs',
    identity: 'id',
    columns: [
      'id',
      'job_id',
      'agent',
      'repo',
      'issue',
      'attempt',
      'started_at',
      'finished_at',
      'session_id',
      'session',
      'resume_fallback',
      'prompt_kind',
      'prompt_bytes',
      'prompt',
      'turns',
      'tokens',
      'cost_usd',
      'outcome',
      'error',
      'tool_calls',
      'changes',
      'status_comment_id',
      'isolation',
      'blocked',
    ],
  },
  {
    table: 'cleanup_tasks',
    identity: 'id',
    columns: [
      'id',
      'event_id',
      'repo',
      'repo_ref',
      'issues',
      'task',
      'state',
      'attempts',
      'not_before',
      'created_at',
      'finished_at',
      'result',
      'error',
    ],
  },
  { table: 'dispatch_pauses', columns: ['scope', 'reason', 'at'] },
  {
    table: 'sweeps',
    identity: 'id',
    columns: ['id', 'trigger', 'dry_run', 'started_at', 'finished_at', 'report'],
    convert: (row) => ({ ...row, dry_run: row.dry_run !== 0 && row.dry_run !== null }),
  },
  { table: 'audit', identity: 'id', columns: ['id', 'at', 'source', 'action', 'params', 'status', 'result'] },
  {
    table: 'disk_samples',
    columns: [
      'measured_at',
      'free_bytes',
      'total_bytes',
      'caches_bytes',
      'worktrees_bytes',
      'attic_bytes',
      'transcripts_bytes',
      'database_bytes',
      'detail',
    ],
  },
  {
    table: 'milestones',
    columns: ['repo', 'tracking', 'opted_in', 'paused', 'stacking', 'rendered_hash', 'problems_said', 'updated_at'],
    convert: (row) => ({
      ...row,
      opted_in: row.opted_in === 1,
      paused: row.paused === 1,
      stacking: row.stacking === null ? null : row.stacking === 1,
    }),
  },
  {
    table: 'milestone_issues',
    columns: [
      'repo',
      'issue',
      'tracking',
      'title',
      'state',
      'upstream',
      'merged_pull',
      'open_pull',
      'open_pull_branch',
      'updated_at',
    ],
  },
  { table: 'watched_pulls', columns: ['repo', 'number', 'head_sha', 'state', 'updated_at', 'record'] },
];

export const IMPORTED_TABLES: readonly string[] = TABLES.map((t) => t.table);

/** Rows per INSERT: well under PostgreSQL's 65,535 parameters, and a bounded number of bodies in memory. */
const BATCH_ROWS = 500;

export interface ImportReport {
  /** Rows copied, per table, in copy order. */
  readonly counts: ReadonlyArray<{ readonly table: string; readonly rows: number }>;
  /** Jobs and cleanup tasks that were `running` and went back to the queue; queued follow-ups merged into such a job. */
  readonly requeued: { readonly jobs: number; readonly cleanupTasks: number; readonly mergedFollowUps: number };
}

/** An import refused before anything was written, saying why and what to do. */
export class ImportRefusedError extends Error {
  readonly code = 'IMPORT_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'ImportRefusedError';
  }
}

export async function importSqlite(
  pool: Pool,
  sqliteFile: string,
  options: { readonly now: number; readonly transcriptsDir?: string },
): Promise<ImportReport> {
  const source = openReadOnly(sqliteFile);
  try {
    checkVersion(source, sqliteFile);
    return await inTransaction(pool, async (client) => {
      await refuseUnlessEmpty(client);
      const counts: Array<{ table: string; rows: number }> = [];
      for (const spec of TABLES) counts.push({ table: spec.table, rows: await copyTable(source, client, spec) });
      if (options.transcriptsDir)
        counts.push({
          table: 'transcript_entries',
          rows: await copyTranscripts(source, client, options.transcriptsDir),
        });
      const requeued = await requeueInterrupted(client, options.now);
      return { counts, requeued };
    });
  } finally {
    source.close();
  }
}

function openReadOnly(file: string): Database.Database {
  try {
    return new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new ImportRefusedError(`cannot open the SQLite database ${file} read-only: ${(error as Error).message}`);
  }
}

function checkVersion(db: Database.Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === MIGRATIONS.length) return;
  const fix =
    version < MIGRATIONS.length
      ? 'start this claude-hooks once on that data dir (it migrates its SQLite store at start), stop it, then import'
      : 'use the claude-hooks release that wrote it';
  throw new ImportRefusedError(
    `the SQLite database ${file} is at schema version ${version}, this claude-hooks imports version ${MIGRATIONS.length}: ${fix}`,
  );
}

async function refuseUnlessEmpty(client: PoolClient): Promise<void> {
  const { rows } = await client.query<{ deliveries: number; jobs: number }>(
    'SELECT (SELECT count(*) FROM deliveries) AS deliveries, (SELECT count(*) FROM jobs) AS jobs',
  );
  const { deliveries, jobs } = rows[0]!;
  if (deliveries > 0 || jobs > 0) {
    throw new ImportRefusedError(
      `the PostgreSQL database already holds ${deliveries} deliveries and ${jobs} jobs: an import goes into an empty database only (ids are kept, so two histories cannot be merged); point DATABASE_URL at a new database`,
    );
  }
}

async function copyTable(source: Database.Database, client: PoolClient, spec: TableCopy): Promise<number> {
  const select = spec.select ?? `SELECT ${spec.columns.join(', ')} FROM ${spec.table}`;
  const overriding = spec.identity ? ' OVERRIDING SYSTEM VALUE' : '';
  let batch: unknown[][] = [];
  let copied = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const width = spec.columns.length;
    const tuples = batch.map((_, r) => `(${spec.columns.map((_, c) => `$${r * width + c + 1}`).join(', ')})`);
    await client.query(
      `INSERT INTO ${spec.table} (${spec.columns.join(', ')})${overriding} VALUES ${tuples.join(', ')}`,
      batch.flat(),
    );
    copied += batch.length;
    batch = [];
  };
  for (const raw of source.prepare(select).iterate() as Iterable<Record<string, unknown>>) {
    const row = spec.convert ? spec.convert(raw) : raw;
    batch.push(spec.columns.map((column) => row[column] ?? null));
    if (batch.length >= BATCH_ROWS) await flush();
  }
  await flush();
  if (spec.identity) {
    // The next id handed out follows the copied ones (or starts at 1 when none were copied).
    await client.query(
      `SELECT setval(pg_get_serial_sequence('${spec.table}', '${spec.identity}'), COALESCE(MAX(${spec.identity}), 1), MAX(${spec.identity}) IS NOT NULL) FROM ${spec.table}`,
    );
  }
  return copied;
}

async function requeueInterrupted(client: PoolClient, now: number): Promise<ImportReport['requeued']> {
  await client.query(`
    INSERT INTO job_events (job_id, event_id, trigger)
    SELECT r.id, e.event_id, e.trigger
      FROM jobs r JOIN jobs q ON q.work_key = r.work_key AND q.state = 'queued' JOIN job_events e ON e.job_id = q.id
     WHERE r.state = 'running'
    ON CONFLICT DO NOTHING`);
  const merged = await client.query(
    `DELETE FROM jobs q USING jobs r WHERE q.work_key = r.work_key AND q.state = 'queued' AND r.state = 'running'`,
  );
  const jobs = await client.query(
    `UPDATE jobs SET state = 'queued', not_before = $1, started_at = NULL, error = 'interrupted: the service stopped while this job ran' WHERE state = 'running'`,
    [now],
  );
  const cleanup = await client.query(`UPDATE cleanup_tasks SET state = 'queued' WHERE state = 'running'`);
  return { jobs: jobs.rowCount ?? 0, cleanupTasks: cleanup.rowCount ?? 0, mergedFollowUps: merged.rowCount ?? 0 };
}

/**
 * The stored sessions' transcripts, from the data dir's `claude/sessions/<key>/projects/<cwd>/<session id>.jsonl`
 * (and `claude/projects/…`, where older releases kept them), with its subagents'
 * `<session id>/subagents/*.jsonl`, into `transcript_entries`, so a session resumes on any worker
 * after the move. A transcript that is gone is skipped: that session starts anew at its next run,
 * saying so, as it would have on SQLite.
 */
async function copyTranscripts(source: Database.Database, client: PoolClient, claudeDir: string): Promise<number> {
  const ids = (
    source.prepare('SELECT DISTINCT session_id FROM sessions WHERE session_id IS NOT NULL').all() as Array<{
      session_id: string;
    }>
  ).map((r) => r.session_id);
  const keys = existsSync(sessionsFolder(claudeDir)) ? readdirSync(sessionsFolder(claudeDir)) : [];
  const folders = projectsFolders(claudeDir, keys).flatMap((projects) =>
    existsSync(projects) ? readdirSync(projects).map((folder) => join(projects, folder)) : [],
  );
  let rows = 0;
  for (const id of ids) {
    if (!/^[0-9a-f-]{36}$/i.test(id)) continue;
    for (const folder of folders) {
      const main = join(folder, `${id}.jsonl`);
      if (!existsSync(main)) continue;
      rows += await copyTranscript(client, id, '', main);
      const subagents = join(folder, id, 'subagents');
      for (const file of existsSync(subagents) ? readdirSync(subagents).filter((f) => f.endsWith('.jsonl')) : []) {
        rows += await copyTranscript(client, id, `subagents/${file.slice(0, -'.jsonl'.length)}`, join(subagents, file));
      }
    }
  }
  return rows;
}

async function copyTranscript(client: PoolClient, sessionId: string, subpath: string, file: string): Promise<number> {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const entries = lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as TranscriptEntry];
    } catch {
      return []; // a line cut short by a crash: the runtime skips it too
    }
  });
  return appendTranscriptEntries(client, sessionId, subpath, entries);
}
