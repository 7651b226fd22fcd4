/**
 * The dashboard's reads (one aggregate query each) and the disk sample history on PostgreSQL:
 * the twins of `store/sqlite/dashboard-store.ts`. Samples are thinned as each one is recorded —
 * every sample of the last day, the first of each hour for 30 days, the first of each day before
 * that — with recorders taking turns (a table lock) so samples written at once by several callers
 * or workers are thinned as if written one after another.
 */
import type { DashboardReads, DiskSample, DiskSamples } from '../../dashboard/ports.js';
import { inTransaction, type Pool } from './pool.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

interface SampleRow {
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
      const { rows } = await pool.query<{ at: number; used: number; free: number }>(
        `SELECT measured_at AS at, caches_bytes + worktrees_bytes + attic_bytes + transcripts_bytes + database_bytes AS used, free_bytes AS free
         FROM disk_samples WHERE measured_at >= $1 ORDER BY measured_at`,
        [since],
      );
      return rows.map((r) => ({ at: r.at, usedBytes: r.used, freeBytes: r.free }));
    },
  };
}

function toSample(row: SampleRow): DiskSample {
  const detail = JSON.parse(row.detail) as { byAgent?: Record<string, number>; byRepository?: Record<string, number> };
  return {
    measuredAt: row.measured_at,
    freeBytes: row.free_bytes,
    totalBytes: row.total_bytes,
    kinds: { caches: row.caches_bytes, worktrees: row.worktrees_bytes, attic: row.attic_bytes, transcripts: row.transcripts_bytes, database: row.database_bytes },
    byAgent: detail.byAgent ?? {},
    byRepository: detail.byRepository ?? {},
  };
}

export function createPgDashboardReads(pool: Pool): DashboardReads {
  const all = async <Row extends object>(sql: string, params: unknown[] = []): Promise<Row[]> => (await pool.query<Row>(sql, params)).rows;
  return {
    async recentRuns(limit) {
      const rows = await all<{ id: number; agent: string; repo: string; issue: number; started_at: number; finished_at: number | null; outcome: string | null; cost_usd: number; session: 'new' | 'resumed' | null; prompt_kind: 'full' | 'delta' | null }>(
        'SELECT id, agent, repo, issue, started_at, finished_at, outcome, cost_usd, session, prompt_kind FROM runs ORDER BY id DESC LIMIT $1',
        [limit],
      );
      return rows.map((r) => ({
        id: r.id,
        agent: r.agent,
        repo: r.repo,
        issue: r.issue,
        startedAt: r.started_at,
        finishedAt: r.finished_at ?? undefined,
        outcome: r.outcome ?? undefined,
        costUsd: r.cost_usd,
        session: r.session ?? undefined,
        promptKind: r.prompt_kind ?? undefined,
      }));
    },
    async runsSince(since) {
      const rows = await all<{ agent: string; runs: number; cost: number }>(
        'SELECT agent, count(*) AS runs, coalesce(sum(cost_usd), 0) AS cost FROM runs WHERE started_at >= $1 GROUP BY agent ORDER BY agent COLLATE "C"',
        [since],
      );
      return rows.map((r) => ({ agent: r.agent, runs: r.runs, costUsd: r.cost }));
    },
    async sessionCounts() {
      const rows = await all<{ agent: string; active: number; closed: number; oldest: number | null }>(
        `SELECT agent, count(*) FILTER (WHERE state = 'active') AS active, count(*) FILTER (WHERE state = 'closed') AS closed,
                min(last_used_at) FILTER (WHERE state = 'active') AS oldest
         FROM sessions GROUP BY agent ORDER BY agent COLLATE "C"`,
      );
      return rows.map((r) => ({ agent: r.agent, active: r.active, closed: r.closed, oldestActiveAt: r.oldest ?? undefined }));
    },
    async deliveriesSince(since) {
      const rows = await all<{ outcome: string; n: number }>('SELECT outcome, count(*) AS n FROM deliveries WHERE received_at >= $1 GROUP BY outcome', [since]);
      return Object.fromEntries(rows.map((r) => [r.outcome, r.n]));
    },
    async skipsSince(since, limit) {
      const rows = await all<{ agent: string; reason: string; n: number }>(
        'SELECT agent, reason, count(*) AS n FROM routing_skips WHERE at >= $1 GROUP BY agent, reason ORDER BY n DESC, agent COLLATE "C" LIMIT $2',
        [since, limit],
      );
      return rows.map((r) => ({ agent: r.agent, reason: r.reason, count: r.n }));
    },
    async pausesAt(now) {
      const rows = await all<{ work_key: string; until: number; reason: string }>('SELECT work_key, until, reason FROM key_pauses WHERE until > $1 ORDER BY until', [now]);
      return rows.map((r) => ({ key: r.work_key, agent: r.work_key.slice(0, r.work_key.indexOf(':')), until: r.until, reason: r.reason }));
    },
    async lastPoll() {
      const rows = await all<{ at: string | null }>('SELECT max(polled_at COLLATE "C") AS at FROM poll_cursors');
      return rows[0]?.at ?? undefined;
    },
    async eventsOfJob(jobId) {
      const rows = await all<{ id: number; type: string; delivery_id: string; received_at: number; trigger: string }>(
        'SELECT e.id, e.type, e.delivery_id, e.received_at, je.trigger FROM job_events je JOIN events e ON e.id = je.event_id WHERE je.job_id = $1 ORDER BY e.id',
        [jobId],
      );
      return rows.map((r) => ({ id: r.id, type: r.type, deliveryId: r.delivery_id, receivedAt: r.received_at, trigger: r.trigger }));
    },
  };
}
