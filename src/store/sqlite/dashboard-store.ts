/**
 * The dashboard's reads (one aggregate query each) and the disk sample history on SQLite.
 * Samples are thinned as each one is recorded: every sample of the last day, the first of each
 * hour for 30 days, the first of each day before that.
 */
import type { DashboardReads, DiskPoint, DiskSamples } from '../../dashboard/ports.js';
import {
  toAgentRuns,
  toAnsweredEvent,
  toDiskPoint,
  toKeyPause,
  toOutcomeCounts,
  toRunSummary,
  toSample,
  toSessionCounts,
  toSkipCount,
  type AgentRunsRow,
  type AnsweredEventRow,
  type DiskPointRow,
  type KeyPauseRow,
  type OutcomeCountRow,
  type RunSummaryRow,
  type SampleRow,
  type SessionCountsRow,
  type SkipCountRow,
} from '../rows/dashboard.js';
import type { GroupCommitter } from './group-commit.js';
import type { Db } from './open-database.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

export function createSqliteDiskSamples(db: Db, committer: GroupCommitter): DiskSamples {
  const q = {
    insert: db.prepare(
      `INSERT OR REPLACE INTO disk_samples (measured_at, free_bytes, total_bytes, caches_bytes, worktrees_bytes, attic_bytes, transcripts_bytes, database_bytes, detail)
       VALUES (@measuredAt, @freeBytes, @totalBytes, @caches, @worktrees, @attic, @transcripts, @database, @detail)`,
    ),
    thin: db.prepare<{ from: number; to: number; bucket: number }>(
      `DELETE FROM disk_samples WHERE measured_at >= @from AND measured_at < @to AND measured_at NOT IN (
         SELECT min(measured_at) FROM disk_samples WHERE measured_at >= @from AND measured_at < @to GROUP BY measured_at / CAST(@bucket AS INTEGER))`,
    ),
    latest: db.prepare<[], SampleRow>('SELECT * FROM disk_samples ORDER BY measured_at DESC LIMIT 1'),
    history: db.prepare<[], DiskPointRow>(
      `SELECT measured_at AS at, caches_bytes + worktrees_bytes + attic_bytes + transcripts_bytes + database_bytes AS used, free_bytes AS free
       FROM disk_samples ORDER BY measured_at`,
    ),
  };
  // The history changes only when a sample is recorded (every few minutes), and the thinning keeps
  // it to about 1,100 rows a year: read it once, serve it from memory until the next sample.
  let points: DiskPoint[] | undefined;
  return {
    async record(sample) {
      await committer.submit(() => {
        q.insert.run({
          measuredAt: sample.measuredAt,
          freeBytes: sample.freeBytes,
          totalBytes: sample.totalBytes,
          ...sample.kinds,
          detail: JSON.stringify({ byAgent: sample.byAgent, byRepository: sample.byRepository }),
        });
        const now = sample.measuredAt;
        q.thin.run({ from: now - 30 * DAY, to: now - DAY, bucket: HOUR });
        q.thin.run({ from: 0, to: now - 30 * DAY, bucket: DAY });
      });
      points = undefined;
    },
    async latest() {
      const row = q.latest.get();
      return row && toSample(row);
    },
    async history(since) {
      points ??= q.history.all().map(toDiskPoint);
      const from = points.findIndex((p) => p.at >= since);
      return from < 0 ? [] : points.slice(from);
    },
  };
}

export function createSqliteDashboardReads(db: Db): DashboardReads {
  const q = {
    recent: db.prepare<[number], RunSummaryRow>(
      'SELECT id, agent, repo, issue, started_at, finished_at, outcome, cost_usd, session, prompt_kind, isolation FROM runs ORDER BY id DESC LIMIT ?',
    ),
    // Without INDEXED BY the planner walks runs_agent_started (all 10,000 rows) to save a sort of
    // three agents: 0.7 ms instead of 0.05.
    runs: db.prepare<[number], AgentRunsRow>(
      'SELECT agent, count(*) AS runs, coalesce(sum(cost_usd), 0) AS cost FROM runs INDEXED BY runs_started WHERE started_at >= ? GROUP BY agent ORDER BY agent',
    ),
    sessions: db.prepare<[], SessionCountsRow>(
      `SELECT agent, sum(state = 'active') AS active, sum(state = 'closed') AS closed,
              min(CASE WHEN state = 'active' THEN last_used_at END) AS oldest
       FROM sessions GROUP BY agent ORDER BY agent`,
    ),
    deliveries: db.prepare<[number], OutcomeCountRow>(
      'SELECT outcome, count(*) AS n FROM deliveries WHERE received_at >= ? GROUP BY outcome',
    ),
    skips: db.prepare<[number, number], SkipCountRow>(
      'SELECT agent, reason, count(*) AS n FROM routing_skips WHERE at >= ? GROUP BY agent, reason ORDER BY n DESC, agent LIMIT ?',
    ),
    pauses: db.prepare<[number], KeyPauseRow>(
      'SELECT work_key, until, reason FROM key_pauses WHERE until > ? ORDER BY until',
    ),
    lastPoll: db.prepare<[], { at: string | null }>('SELECT max(polled_at) AS at FROM poll_cursors'),
    events: db.prepare<[number], AnsweredEventRow>(
      'SELECT e.id, e.type, e.delivery_id, e.received_at, je.trigger FROM job_events je JOIN events e ON e.id = je.event_id WHERE je.job_id = ? ORDER BY e.id',
    ),
  };
  return {
    async recentRuns(limit) {
      return q.recent.all(limit).map(toRunSummary);
    },
    async runsSince(since) {
      return q.runs.all(since).map(toAgentRuns);
    },
    async sessionCounts() {
      return q.sessions.all().map(toSessionCounts);
    },
    async deliveriesSince(since) {
      return toOutcomeCounts(q.deliveries.all(since));
    },
    async skipsSince(since, limit) {
      return q.skips.all(since, limit).map(toSkipCount);
    },
    async pausesAt(now) {
      return q.pauses.all(now).map(toKeyPause);
    },
    async lastPoll() {
      return q.lastPoll.get()?.at ?? undefined;
    },
    async eventsOfJob(jobId) {
      return q.events.all(jobId).map(toAnsweredEvent);
    },
  };
}
