/**
 * Dispatch's storage (`JobStore`) on PostgreSQL, the twin of the SQLite one — the per-key mailbox
 * (at most one queued and one running job per key, held by partial unique indexes), label sets,
 * pauses, windows — for several workers sharing the queue:
 * - routing (and a requeue) takes an advisory lock, so two workers never race to make a key's
 *   queued job, and locks that job (FOR UPDATE) so a claim cannot start it while events join it;
 * - a claim with limits takes another advisory lock and counts the running jobs in the same
 *   transaction, so the global, per-repository and per-agent limits hold across workers;
 * - the runnable window skips jobs being claimed right now (SKIP LOCKED) and leaves a key to the
 *   live worker that last ran it (warm worktree) until the job has waited `affinityWaitMs`;
 * - `requeueInterrupted` takes back only the running jobs of workers whose lease is gone.
 * Job changes other workers should schedule on are NOTIFYed in their transaction. The queue's
 * rules — where work goes, whether a claim passes, what a job's row becomes — are decided by
 * `queue/job-rules.ts` on what is read here, under these locks.
 */
import type { RepoRef } from '../../core/events.js';
import type { JobState } from '../../core/job-state.js';
import type { ClaimLimits, Job, JobStore, RoutingDecision } from '../../queue/ports.js';
import {
  afterInterruption,
  afterRun,
  cancelQueued,
  claim,
  meetsFollowUp,
  placeWork,
  requeues,
  settle,
  takesCancelRequest,
  type ClaimFacts,
  type JobChange,
} from '../../queue/job-rules.js';
import { workKeyString, type WorkKey } from '../../core/work-key.js';
import { toJob, toStoredEvent, type EventRow, type JobRow } from '../rows/jobs.js';
import { notifyInTransaction, type NotificationChannels } from './notifications.js';
import { inTransaction, type Pool, type PoolClient } from './pool.js';

/**
 * Advisory locks (single key) across workers: routing and requeues (both make a key's queued
 * job), and claims (count, then start) — which cleanup claims take too, so a job and a cleanup
 * task of one key can never both start because each saw the other not yet started.
 */
const ROUTING_LOCK = 0x63687234;
export const CLAIM_LOCK = 0x63686335;
const UNIQUE_VIOLATION = '23505';

/**
 * A running cleanup task (`c`) touches the key of `repo` and `issue` (SQL expressions): the same
 * test when a job is listed as runnable and when it is claimed.
 */
const cleanupCovers = (repo: string, issue: string) =>
  `c.state = 'running' AND c.repo = ${repo} AND (c.issues IS NULL OR ${issue} IN (SELECT value::int FROM jsonb_array_elements_text(c.issues::jsonb)))`;

export interface PgJobStoreOptions {
  /** This worker's id (the `workers` row); without one, no affinity and claims name no worker. */
  readonly workerId?: string;
  /** How long a job waits for the live worker that last ran its key (default 30 s). */
  readonly affinityWaitMs?: number;
  /** Where to announce job changes to other workers; none: not announced. */
  readonly channels?: NotificationChannels;
}

const JOB_COLUMNS = `j.id, j.agent, j.repo, j.issue, j.work_key, j.repo_ref, j.state, j.attempts, j.not_before, j.created_at, j.started_at, j.finished_at, j.error,
  (SELECT string_agg(je.event_id::text, ',' ORDER BY je.event_id) FROM job_events je WHERE je.job_id = j.id) AS event_ids`;

type Db = Pool | PoolClient;

export function createPgJobStore(pool: Pool, options: PgJobStoreOptions = {}): JobStore {
  const workerId = options.workerId ?? null;
  const affinityWaitMs = options.affinityWaitMs ?? 30_000;
  const channels = options.channels;

  const notifyJobs = async (client: PoolClient) => {
    if (channels) await notifyInTransaction(client, channels.jobs, channels.token);
  };

  const getJob = async (db: Db, id: number, lock = false): Promise<Job | undefined> => {
    // FOR UPDATE cannot sit beside the aggregate: lock the row first, then read it.
    if (lock) await db.query('SELECT id FROM jobs WHERE id = $1 FOR UPDATE', [id]);
    const { rows } = await db.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.id = $1`, [id]);
    return rows[0] && toJob(rows[0]);
  };

  const jobs = async (db: Db, where: string, params: unknown[]): Promise<Job[]> =>
    (await db.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs j ${where}`, params)).rows.map(toJob);

  const setState = async (client: PoolClient, change: JobChange) => {
    await client.query(
      'UPDATE jobs SET state = $2, attempts = $3, not_before = $4, started_at = $5, finished_at = $6, error = $7 WHERE id = $1',
      [change.id, change.state, change.attempts, change.notBefore, change.startedAt, change.finishedAt, change.error],
    );
  };

  /** The key's queued job, if any, locked for this transaction. */
  const queuedJobOf = async (client: PoolClient, key: WorkKey): Promise<number | undefined> => {
    const { rows } = await client.query<{ id: number }>(
      `SELECT id FROM jobs WHERE work_key = $1 AND state = 'queued' FOR UPDATE`,
      [workKeyString(key)],
    );
    return rows[0]?.id;
  };

  /** Writes `change` to `key`'s job as `settle` says, reading (and locking) the key's queued job when the change may meet it. */
  const write = async (client: PoolClient, key: WorkKey, change: JobChange) => {
    const followUp = meetsFollowUp(change) ? await queuedJobOf(client, key) : undefined;
    const writes = settle(change, followUp);
    if (writes.absorb !== undefined) {
      await client.query(
        `INSERT INTO job_events (job_id, event_id, trigger) SELECT $1, event_id, trigger FROM job_events WHERE job_id = $2 ON CONFLICT DO NOTHING`,
        [change.id, writes.absorb],
      );
      await client.query('DELETE FROM jobs WHERE id = $1', [writes.absorb]);
    }
    await setState(client, writes.job);
  };

  /** The job that takes in new work for `key`, as `placeWork` says: its queued job, locked for this transaction, or a new one. */
  const queuedJobFor = async (client: PoolClient, key: WorkKey, repoRef: RepoRef, now: number): Promise<number> => {
    for (;;) {
      const placement = placeWork(await queuedJobOf(client, key), now);
      if (placement.kind === 'join') return placement.jobId;
      const inserted = await client.query<{ id: number }>(
        `INSERT INTO jobs (agent, repo, issue, work_key, repo_ref, state, not_before, created_at) VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7)
         ON CONFLICT (work_key) WHERE state = 'queued' DO NOTHING RETURNING id`,
        [
          key.agent,
          key.repo,
          key.issue,
          workKeyString(key),
          JSON.stringify(repoRef),
          placement.notBefore,
          placement.createdAt,
        ],
      );
      if (inserted.rows[0]) return inserted.rows[0].id;
      // Another transaction made one meanwhile: take it (or, if it started already, try again).
    }
  };

  const route = async (client: PoolClient, eventId: number, decision: RoutingDecision, now: number) => {
    if (decision.kind === 'skip') {
      await client.query('INSERT INTO routing_skips (event_id, agent, reason, at) VALUES ($1, $2, $3, $4)', [
        eventId,
        decision.agent,
        decision.reason,
        now,
      ]);
      return;
    }
    if (decision.kind === 'cleanup') {
      await client.query(
        `INSERT INTO cleanup_tasks (event_id, repo, repo_ref, issues, task, state, not_before, created_at) VALUES ($1, $2, $3, $4, $5, 'queued', $6, $6)`,
        [
          eventId,
          decision.repo,
          JSON.stringify(decision.repoRef),
          decision.issues ? JSON.stringify(decision.issues) : null,
          JSON.stringify(decision.action),
          now,
        ],
      );
      return;
    }
    const jobId = await queuedJobFor(client, decision.key, decision.repoRef, now);
    await client.query(
      'INSERT INTO job_events (job_id, event_id, trigger) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [jobId, eventId, decision.trigger],
    );
  };

  /** What a claim decides on, read after its locks: the running jobs of all workers — of the key, overall, of its repo and agent — and whether a cleanup of the key runs. */
  const claimFacts = async (client: PoolClient, job: Job): Promise<ClaimFacts> => {
    const { rows } = await client.query<{
      key_running: number;
      total: number;
      repo: number;
      agent: number;
      cleaning: boolean;
    }>(
      `SELECT count(*) FILTER (WHERE work_key = $1)::int AS key_running, count(*)::int AS total, count(*) FILTER (WHERE repo = $2)::int AS repo, count(*) FILTER (WHERE agent = $3)::int AS agent,
              EXISTS (SELECT 1 FROM cleanup_tasks c WHERE ${cleanupCovers('$2', '$4')}) AS cleaning
         FROM jobs WHERE state = 'running'`,
      [workKeyString(job.key), job.key.repo, job.key.agent, job.key.issue],
    );
    const row = rows[0]!;
    return {
      running: { key: row.key_running, total: row.total, repo: row.repo, agent: row.agent },
      cleanupRunning: row.cleaning,
    };
  };

  const claimJob = async (
    client: PoolClient,
    id: number,
    now: number,
    limits?: ClaimLimits,
  ): Promise<Job | undefined> => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [CLAIM_LOCK]);
    // Waits for a routing transaction adding events to it. The lock takes a queued job only — the
    // claim's first rule (`claim` answers 'not-queued' to any other), applied here as well so a
    // job that moved on is neither locked nor read further.
    const locked = await client.query(`SELECT id FROM jobs WHERE id = $1 AND state = 'queued' FOR UPDATE`, [id]);
    if (!locked.rowCount) return undefined;
    const job = (await getJob(client, id))!;
    const claimed = claim(job, await claimFacts(client, job), now, limits);
    if (!claimed.ok) return undefined;
    const change = claimed.value;
    await client.query(
      'UPDATE jobs SET state = $2, attempts = $3, started_at = $4, finished_at = $5, worker_id = $6 WHERE id = $1',
      [change.id, change.state, change.attempts, change.startedAt, change.finishedAt, workerId],
    );
    return getJob(client, id);
  };

  // Runnable: as SQLite — the claim rules (`claim` in queue/job-rules.ts: one running job per
  // key, none under a running cleanup), the due time and pauses as a filter, kept in SQL so a
  // scheduling pass reads only the jobs it could start (docs/decisions.md §17) — plus affinity: a
  // key last run by another worker that is alive waits for it until the job has waited
  // affinityWaitMs. $6 is this worker (NULL: no affinity).
  const runnableSql = `
    WITH candidates AS (
      SELECT j.id FROM jobs j
       WHERE j.state = 'queued' AND j.not_before <= $1 AND j.id > $2
         AND NOT (j.repo = ANY($3::text[])) AND NOT (j.agent = ANY($4::text[]))
         AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.work_key = j.work_key AND r.state = 'running')
         AND NOT EXISTS (SELECT 1 FROM key_pauses p WHERE p.work_key = j.work_key AND p.until > $1)
         AND NOT EXISTS (SELECT 1 FROM dispatch_pauses d WHERE d.scope IN ('*', 'agent:' || j.agent, 'key:' || j.work_key))
         AND NOT EXISTS (SELECT 1 FROM cleanup_tasks c WHERE ${cleanupCovers('j.repo', 'j.issue')})
         AND ($6::text IS NULL OR greatest(j.created_at, j.not_before) + $7 <= $1 OR NOT EXISTS (
               SELECT 1 FROM workers w
                WHERE w.id = (SELECT l.worker_id FROM jobs l WHERE l.work_key = j.work_key AND l.worker_id IS NOT NULL ORDER BY l.id DESC LIMIT 1)
                  AND w.id <> $6 AND w.lease_until >= $1 AND w.stopped_at IS NULL))
       ORDER BY j.id
       LIMIT $5
       FOR UPDATE OF j SKIP LOCKED)
    SELECT ${JOB_COLUMNS} FROM jobs j JOIN candidates c ON c.id = j.id ORDER BY j.id`;

  return {
    async undispatchedEvents(limit) {
      const { rows } = await pool.query<EventRow>(
        'SELECT id, delivery_id, received_at, event FROM events WHERE dispatched_at IS NULL ORDER BY id LIMIT $1',
        [limit],
      );
      return rows.map(toStoredEvent);
    },

    async getEvents(ids) {
      if (ids.length === 0) return [];
      const { rows } = await pool.query<EventRow>(
        'SELECT id, delivery_id, received_at, event FROM events WHERE id = ANY($1::bigint[]) ORDER BY id',
        [[...ids]],
      );
      return rows.map(toStoredEvent);
    },

    async commitRouting(batch, now) {
      await inTransaction(pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [ROUTING_LOCK]);
        let queued = false;
        for (const { eventId, decisions, labels } of batch) {
          const marked = await client.query(
            'UPDATE events SET dispatched_at = $1 WHERE id = $2 AND dispatched_at IS NULL',
            [now, eventId],
          );
          if (!marked.rowCount) continue; // routed already
          if (labels) {
            await client.query(
              `INSERT INTO label_sets (repo, issue, labels, event_id) VALUES ($1, $2, $3, $4)
               ON CONFLICT (repo, issue) DO UPDATE SET labels = excluded.labels, event_id = excluded.event_id WHERE excluded.event_id > label_sets.event_id`,
              [labels.repo, labels.issue, JSON.stringify(labels.labels), eventId],
            );
          }
          for (const decision of decisions) {
            await route(client, eventId, decision, now);
            if (decision.kind === 'work') queued = true;
          }
        }
        if (queued) await notifyJobs(client);
      });
    },

    async labelSets(issues) {
      if (issues.length === 0) return [];
      const { rows } = await pool.query<{ repo: string; issue: number; labels: string }>(
        'SELECT repo, issue, labels FROM label_sets WHERE (repo, issue) IN (SELECT * FROM unnest($1::text[], $2::int[]))',
        [issues.map((i) => i.repo), issues.map((i) => i.issue)],
      );
      const found = new Map(rows.map((r) => [`${r.repo}#${r.issue}`, r.labels]));
      return issues.flatMap(({ repo, issue }) => {
        const labels = found.get(`${repo}#${issue}`);
        return labels === undefined ? [] : [{ repo, issue, labels: JSON.parse(labels) as string[] }];
      });
    },

    async runnableJobs(now, window) {
      const params = [
        now,
        window?.afterId ?? 0,
        [...(window?.skipRepos ?? [])],
        [...(window?.skipAgents ?? [])],
        window?.limit ?? null,
        workerId,
        affinityWaitMs,
      ];
      return (await pool.query<JobRow>(runnableSql, params)).rows.map(toJob);
    },

    async runningJobs() {
      return jobs(pool, `WHERE j.state = 'running' ORDER BY j.id`, []);
    },

    async startJob(id, now, limits) {
      try {
        return await inTransaction(pool, (client) => claimJob(client, id, now, limits));
      } catch (error) {
        // The key's running job was started by another transaction after our check.
        if ((error as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
        throw error;
      }
    },

    async finishJob(id, finish, now) {
      await inTransaction(pool, async (client) => {
        // Back to queued meets routing on the key's queued job: take routing's lock first.
        if (requeues(finish)) await client.query('SELECT pg_advisory_xact_lock($1)', [ROUTING_LOCK]);
        // A job that moved on — re-queued because this worker's lease passed, perhaps running on
        // another worker now — is no longer this worker's to finish.
        const owner = await client.query<{ state: string; worker_id: string | null }>(
          'SELECT state, worker_id FROM jobs WHERE id = $1 FOR UPDATE',
          [id],
        );
        if (owner.rows[0]?.state !== 'running' || owner.rows[0].worker_id !== workerId) return;
        const job = (await getJob(client, id))!;
        await write(client, job.key, afterRun(job, finish, now));
        await notifyJobs(client);
      });
    },

    async requeueInterrupted(now, options) {
      return inTransaction(pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [ROUTING_LOCK]);
        const gone = await client.query<{ id: number; cancel_request: string | null }>(
          `SELECT j.id, j.cancel_request FROM jobs j WHERE j.state = 'running'
             AND NOT EXISTS (SELECT 1 FROM workers w WHERE w.id = j.worker_id AND w.lease_until >= $1 AND w.stopped_at IS NULL)
             AND NOT (j.id = ANY($2::bigint[]))
           ORDER BY j.id FOR UPDATE SKIP LOCKED`,
          [now, [...(options?.runningHere ?? [])]],
        );
        const requeued: Job[] = [];
        for (const { id, cancel_request: cancelRequest } of gone.rows) {
          const job = (await getJob(client, id))!;
          const change = afterInterruption(
            job,
            cancelRequest,
            now,
            'interrupted: the process running it stopped (or its worker lease passed); queued again',
          );
          await write(client, job.key, change);
          if (change.state === 'queued') requeued.push((await getJob(client, id))!);
        }
        if (gone.rows.length > 0) await notifyJobs(client);
        return requeued;
      });
    },

    async holdsJob(id, now) {
      const { rows } = await pool.query(
        `SELECT 1 FROM jobs j JOIN workers w ON w.id = j.worker_id
          WHERE j.id = $1 AND j.state = 'running' AND j.worker_id = $2 AND w.lease_until >= $3 AND w.stopped_at IS NULL`,
        [id, workerId, now],
      );
      return rows.length === 1;
    },

    async countStartsSince(key, since) {
      const { rows } = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM jobs WHERE work_key = $1 AND started_at >= $2',
        [workKeyString(key), since],
      );
      return rows[0]?.n ?? 0;
    },

    async nextWakeAt(now) {
      const { rows } = await pool.query<{ job: number | null; pause: number | null }>(
        `SELECT (SELECT min(not_before) FROM jobs WHERE state = 'queued' AND not_before > $1) AS job,
                (SELECT min(p.until) FROM key_pauses p WHERE p.until > $1 AND EXISTS (SELECT 1 FROM jobs j WHERE j.work_key = p.work_key AND j.state = 'queued')) AS pause`,
        [now],
      );
      const candidates = [rows[0]?.job, rows[0]?.pause].filter((x): x is number => typeof x === 'number');
      return candidates.length > 0 ? Math.min(...candidates) : undefined;
    },

    async listJobs(query) {
      const states = query.states ?? [];
      const where = states.length > 0 ? 'WHERE j.state = ANY($2::text[])' : '';
      return jobs(
        pool,
        `${where} ORDER BY j.id DESC LIMIT $1`,
        states.length > 0 ? [query.limit ?? 100, [...states]] : [query.limit ?? 100],
      );
    },

    async countByState() {
      const { rows } = await pool.query<{ state: JobState; n: number }>(
        'SELECT state, count(*)::int AS n FROM jobs GROUP BY state',
      );
      return Object.fromEntries(rows.map((r) => [r.state, r.n]));
    },

    async tripKey(key, until, reason, now) {
      const { rowCount } = await pool.query(
        `INSERT INTO key_pauses (work_key, until, reason) VALUES ($1, $2, $3)
         ON CONFLICT (work_key) DO UPDATE SET until = excluded.until, reason = excluded.reason WHERE key_pauses.until <= $4`,
        [workKeyString(key), until, reason, now],
      );
      return rowCount === 1;
    },

    async pauseKey(key, until, reason) {
      await pool.query(
        'INSERT INTO key_pauses (work_key, until, reason) VALUES ($1, $2, $3) ON CONFLICT (work_key) DO UPDATE SET until = excluded.until, reason = excluded.reason',
        [workKeyString(key), until, reason],
      );
    },

    async cancelQueued(id, reason, now) {
      return inTransaction(pool, async (client) => {
        const change = cancelQueued(await getJob(client, id, true), reason, now);
        if (!change) return false;
        await setState(client, change);
        return true;
      });
    },

    async requestCancel(id, reason) {
      return inTransaction(pool, async (client) => {
        const { rows } = await client.query<{ state: JobState }>('SELECT state FROM jobs WHERE id = $1 FOR UPDATE', [
          id,
        ]);
        if (!takesCancelRequest(rows[0]?.state)) return false;
        await client.query('UPDATE jobs SET cancel_request = $1 WHERE id = $2', [reason, id]);
        await notifyJobs(client);
        return true;
      });
    },

    async cancelRequests(ids) {
      const { rows } = await pool.query<{ id: number; cancel_request: string }>(
        "SELECT id, cancel_request FROM jobs WHERE id = ANY($1::bigint[]) AND state = 'running' AND cancel_request IS NOT NULL",
        [ids],
      );
      return rows.map((row) => ({ id: Number(row.id), reason: row.cancel_request }));
    },

    async getJob(id) {
      return getJob(pool, id);
    },

    async pausedUntil(key, now) {
      const { rows } = await pool.query<{ until: number; reason: string }>(
        'SELECT until, reason FROM key_pauses WHERE work_key = $1 AND until > $2',
        [workKeyString(key), now],
      );
      return rows[0];
    },
  };
}
