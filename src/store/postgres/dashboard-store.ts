/**
 * The dashboard's reads (one aggregate query each) and the disk sample history on PostgreSQL:
 * the twins of `store/sqlite/dashboard-store.ts`. Samples are thinned as each one is recorded —
 * every sample of the last day, the first of each hour for 30 days, the first of each day before
 * that — with recorders taking turns (a table lock) so samples written at once by several callers
 * or workers are thinned as if written one after another.
 */
import type { DashboardReads, DiskSamples } from '../../dashboard/ports.js';
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
import { inTransaction, type Pool } from './pool.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

const THIN = `DELETE FROM disk_samples WHERE measured_at >= $1 AND measured_at < $2 AND measured_at NOT IN (
  SELECT min(measured_at) FROM disk_samples WHERE measured_at >= $1 AND measured_at < $2 GROUP BY measured_at / $3::bigint)`;

export function createPgDiskSamples(pool: Pool): DiskSamples {
  // No history cache as on SQLite: another worker may record a sample, and a year is ~1,100 rows.
  return {
    async record(sample) {
      await inTransaction(pool, async (client) => {
        // One recorder at a time: a sample thinned by a concurrent, uncommitted one would survive.
        await client.query('LOCK TABLE disk_samples IN SHARE ROW EXCLUSIVE MODE');
        await client.query(
          `INSERT INTO disk_samples (measured_at, free_bytes, total_bytes, caches_bytes, worktrees_bytes, attic_bytes, transcripts_bytes, database_bytes, detail)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (measured_at) DO UPDATE SET free_bytes = excluded.free_bytes, total_bytes = excluded.total_bytes, caches_bytes = excluded.caches_bytes,
             worktrees_bytes = excluded.worktrees_bytes, attic_bytes = excluded.attic_bytes, transcripts_bytes = excluded.transcripts_bytes,
             database_bytes = excluded.database_bytes, detail = excluded.detail`,
          [
            sample.measuredAt,
            sample.freeBytes,
            sample.totalBytes,
            sample.kinds.caches,
            sample.kinds.worktrees,
            sample.kinds.attic,
            sample.kinds.transcripts,
            sample.kinds.database,
            JSON.stringify({ byAgent: sample.byAgent, byRepository: sample.byRepository }),
          ],
        );
        // Ages count from the newest sample, which is this one unless samples arrived out of order.
        const { rows } = await client.query<{ now: number }>('SELECT max(measured_at) AS now FROM disk_samples');
        const now = rows[0]!.now;
        await client.query(THIN, [now - 30 * DAY, now - DAY, HOUR]);
        await client.query(THIN, [0, now - 30 * DAY, DAY]);
      });
    },
    async latest() {
      const { rows } = await pool.query<SampleRow>('SELECT * FROM disk_samples ORDER BY measured_at DESC LIMIT 1');
      return rows[0] && toSample(rows[0]);
    },
    async history(since) {
      const { rows } = await pool.query<DiskPointRow>(
        `SELECT measured_at AS at, caches_bytes + worktrees_bytes + attic_bytes + transcripts_bytes + database_bytes AS used, free_bytes AS free
         FROM disk_samples WHERE measured_at >= $1 ORDER BY measured_at`,
        [since],
      );
      return rows.map(toDiskPoint);
    },
  };
}

export function createPgDashboardReads(pool: Pool): DashboardReads {
  const all = async <Row extends object>(sql: string, params: unknown[] = []): Promise<Row[]> =>
    (await pool.query<Row>(sql, params)).rows;
  return {
    async recentRuns(limit) {
      const rows = await all<RunSummaryRow>(
        'SELECT id, agent, repo, issue, started_at, finished_at, outcome, cost_usd, session, prompt_kind, isolation FROM runs ORDER BY id DESC LIMIT $1',
        [limit],
      );
      return rows.map(toRunSummary);
    },
    async runsSince(since) {
      const rows = await all<AgentRunsRow>(
        'SELECT agent, count(*) AS runs, coalesce(sum(cost_usd), 0) AS cost FROM runs WHERE started_at >= $1 GROUP BY agent ORDER BY agent COLLATE "C"',
        [since],
      );
      return rows.map(toAgentRuns);
    },
    async sessionCounts() {
      const rows = await all<SessionCountsRow>(
        `SELECT agent, count(*) FILTER (WHERE state = 'active') AS active, count(*) FILTER (WHERE state = 'closed') AS closed,
                min(last_used_at) FILTER (WHERE state = 'active') AS oldest
         FROM sessions GROUP BY agent ORDER BY agent COLLATE "C"`,
      );
      return rows.map(toSessionCounts);
    },
    async deliveriesSince(since) {
      const rows = await all<OutcomeCountRow>(
        'SELECT outcome, count(*) AS n FROM deliveries WHERE received_at >= $1 GROUP BY outcome',
        [since],
      );
      return toOutcomeCounts(rows);
    },
    async skipsSince(since, limit) {
      const rows = await all<SkipCountRow>(
        'SELECT agent, reason, count(*) AS n FROM routing_skips WHERE at >= $1 GROUP BY agent, reason ORDER BY n DESC, agent COLLATE "C" LIMIT $2',
        [since, limit],
      );
      return rows.map(toSkipCount);
    },
    async pausesAt(now) {
      const rows = await all<KeyPauseRow>(
        'SELECT work_key, until, reason FROM key_pauses WHERE until > $1 ORDER BY until',
        [now],
      );
      return rows.map(toKeyPause);
    },
    async lastPoll() {
      const rows = await all<{ at: string | null }>('SELECT max(polled_at COLLATE "C") AS at FROM poll_cursors');
      return rows[0]?.at ?? undefined;
    },
    async eventsOfJob(jobId) {
      const rows = await all<AnsweredEventRow>(
        'SELECT e.id, e.type, e.delivery_id, e.received_at, je.trigger FROM job_events je JOIN events e ON e.id = je.event_id WHERE je.job_id = $1 ORDER BY e.id',
        [jobId],
      );
      return rows.map(toAnsweredEvent);
    },
  };
}
