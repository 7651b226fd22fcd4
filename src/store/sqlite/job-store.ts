/**
 * Dispatch's storage (`JobStore`) on SQLite: the per-key mailbox (at most one queued and one
 * running job per work key, enforced by partial unique indexes), the events each job answers,
 * routing skips, circuit-breaker pauses. The queue's rules — where work goes, whether a claim
 * passes, what a job's row becomes — are decided by `queue/job-rules.ts` on what is read here.
 */
import type { JobState } from '../../core/job-state.js';
import type { Job, JobStore } from '../../queue/ports.js';
import {
  afterInterruption,
  afterRun,
  cancelQueued,
  claim,
  meetsFollowUp,
  placeWork,
  settle,
  takesCancelRequest,
  type ClaimFacts,
  type JobChange,
} from '../../queue/job-rules.js';
import { workKeyString, type WorkKey } from '../../core/work-key.js';
import { toJob, toStoredEvent, type EventRow, type JobRow } from '../rows/jobs.js';
import type { GroupCommitter } from './group-commit.js';
import type { Db } from './open-database.js';

const JOB_COLUMNS = `j.*, (SELECT group_concat(event_id) FROM (SELECT event_id FROM job_events WHERE job_id = j.id ORDER BY event_id)) AS event_ids`;

/**
 * A running cleanup task (`c`) touches the key of `repo` and `issue` (SQL expressions): the same
 * test when a job is listed as runnable and when a claim reads its facts.
 */
const cleanupCovers = (repo: string, issue: string) =>
  `c.state = 'running' AND c.repo = ${repo} AND (c.issues IS NULL OR ${issue} IN (SELECT value FROM json_each(c.issues)))`;

export function createSqliteJobStore(db: Db, committer: GroupCommitter): JobStore {
  const q = {
    stateOf: db.prepare<[number], { state: JobState }>('SELECT state FROM jobs WHERE id = ?'),
    requestCancel: db.prepare<[string, number]>('UPDATE jobs SET cancel_request = ? WHERE id = ?'),
    cancelRequests: db.prepare<[string], { id: number; cancel_request: string }>(
      `SELECT id, cancel_request FROM jobs WHERE id IN (SELECT value FROM json_each(?)) AND state = 'running' AND cancel_request IS NOT NULL`,
    ),
    undispatched: db.prepare<[number], EventRow>(
      'SELECT id, delivery_id, received_at, event FROM events WHERE dispatched_at IS NULL ORDER BY id LIMIT ?',
    ),
    markDispatched: db.prepare<[number, number]>(
      'UPDATE events SET dispatched_at = ? WHERE id = ? AND dispatched_at IS NULL',
    ),
    queuedFor: db.prepare<[string], { id: number }>(`SELECT id FROM jobs WHERE work_key = ? AND state = 'queued'`),
    insertJob: db.prepare(
      `INSERT INTO jobs (agent, repo, issue, work_key, repo_ref, state, not_before, created_at) VALUES (@agent, @repo, @issue, @workKey, @repoRef, 'queued', @notBefore, @createdAt)`,
    ),
    insertCleanup: db.prepare(
      `INSERT INTO cleanup_tasks (event_id, repo, repo_ref, issues, task, state, not_before, created_at) VALUES (@eventId, @repo, @repoRef, @issues, @task, 'queued', @now, @now)`,
    ),
    attach: db.prepare<[number, number, string]>(
      'INSERT OR IGNORE INTO job_events (job_id, event_id, trigger) VALUES (?, ?, ?)',
    ),
    skip: db.prepare<[number, string, string, number]>(
      'INSERT INTO routing_skips (event_id, agent, reason, at) VALUES (?, ?, ?, ?)',
    ),
    job: db.prepare<[number], JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.id = ?`),
    // The claim rules (`claim` in queue/job-rules.ts: one running job per key, none under a
    // running cleanup) and the due time and pauses, as a filter: kept in SQL so a scheduling pass
    // reads only the jobs it could start. A negative LIMIT is no limit. Saturated repos and agents
    // are left out here, so a pass over thousands of queued jobs reads only the few it can start
    // (docs/decisions.md §17).
    runnable: db.prepare<
      { now: number; afterId: number; skipRepos: string; skipAgents: string; limit: number },
      JobRow
    >(
      `SELECT ${JOB_COLUMNS} FROM jobs j
        WHERE j.state = 'queued' AND j.not_before <= @now AND j.id > @afterId
          AND j.repo NOT IN (SELECT value FROM json_each(@skipRepos))
          AND j.agent NOT IN (SELECT value FROM json_each(@skipAgents))
          AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.work_key = j.work_key AND r.state = 'running')
          AND NOT EXISTS (SELECT 1 FROM key_pauses p WHERE p.work_key = j.work_key AND p.until > @now)
          AND NOT EXISTS (SELECT 1 FROM dispatch_pauses d WHERE d.scope IN ('*', 'agent:' || j.agent, 'key:' || j.work_key))
          AND NOT EXISTS (SELECT 1 FROM cleanup_tasks c WHERE ${cleanupCovers('j.repo', 'j.issue')})
        ORDER BY j.id
        LIMIT @limit`,
    ),
    labelSet: db.prepare<[string, number], { labels: string }>(
      'SELECT labels FROM label_sets WHERE repo = ? AND issue = ?',
    ),
    saveLabelSet: db.prepare<[string, number, string, number]>(
      `INSERT INTO label_sets (repo, issue, labels, event_id) VALUES (?, ?, ?, ?)
       ON CONFLICT (repo, issue) DO UPDATE SET labels = excluded.labels, event_id = excluded.event_id WHERE excluded.event_id > label_sets.event_id`,
    ),
    // What a claim decides on: the running jobs of the key, overall, of the repo and of the agent,
    // and whether a cleanup of the key runs.
    claimFacts: db.prepare<
      { workKey: string; repo: string; agent: string; issue: number },
      { key_running: number; total: number; repo: number; agent: number; cleaning: number }
    >(
      `SELECT coalesce(sum(work_key = @workKey), 0) AS key_running, count(*) AS total, coalesce(sum(repo = @repo), 0) AS repo, coalesce(sum(agent = @agent), 0) AS agent,
              EXISTS (SELECT 1 FROM cleanup_tasks c WHERE ${cleanupCovers('@repo', '@issue')}) AS cleaning
         FROM jobs WHERE state = 'running'`,
    ),
    // `j.*` carries the cancel request too.
    running: db.prepare<[], JobRow & { cancel_request: string | null }>(
      `SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.state = 'running' ORDER BY j.id`,
    ),
    setState: db.prepare(
      `UPDATE jobs SET state = @state, attempts = @attempts, not_before = @notBefore, started_at = @startedAt, finished_at = @finishedAt, error = @error WHERE id = @id`,
    ),
    moveEvents: db.prepare<[number, number]>('UPDATE OR IGNORE job_events SET job_id = ? WHERE job_id = ?'),
    deleteJob: db.prepare<[number]>('DELETE FROM jobs WHERE id = ?'),
    startsSince: db.prepare<[string, number], { n: number }>(
      'SELECT count(*) AS n FROM jobs WHERE work_key = ? AND started_at >= ?',
    ),
    // Without INDEXED BY the planner walks every queued job through jobs_state: O(queue) per pass.
    nextWake: db.prepare<[number], { at: number | null }>(
      `SELECT min(not_before) AS at FROM jobs INDEXED BY jobs_queued_not_before WHERE state = 'queued' AND not_before > ?`,
    ),
    nextPauseEnd: db.prepare<[number], { at: number | null }>(
      `SELECT min(p.until) AS at FROM key_pauses p WHERE p.until > ? AND EXISTS (SELECT 1 FROM jobs j WHERE j.work_key = p.work_key AND j.state = 'queued')`,
    ),
    pause: db.prepare<[string, number, string]>(
      'INSERT INTO key_pauses (work_key, until, reason) VALUES (?, ?, ?) ON CONFLICT (work_key) DO UPDATE SET until = excluded.until, reason = excluded.reason',
    ),
    countByState: db.prepare<[], { state: JobState; n: number }>(
      'SELECT state, count(*) AS n FROM jobs GROUP BY state',
    ),
    pausedUntil: db.prepare<[string, number], { until: number; reason: string }>(
      'SELECT until, reason FROM key_pauses WHERE work_key = ? AND until > ?',
    ),
  };

  const getJob = (id: number): Job | undefined => {
    const row = q.job.get(id);
    return row && toJob(row);
  };

  const claimFacts = (job: Job): ClaimFacts => {
    const row = q.claimFacts.get({
      workKey: workKeyString(job.key),
      repo: job.key.repo,
      agent: job.key.agent,
      issue: job.key.issue,
    })!;
    return {
      running: { key: row.key_running, total: row.total, repo: row.repo, agent: row.agent },
      cleanupRunning: row.cleaning === 1,
    };
  };

  /** Writes `change` to `key`'s job as `settle` says, reading the key's queued job when the change may meet it. */
  const write = (key: WorkKey, change: JobChange) => {
    const followUp = meetsFollowUp(change) ? q.queuedFor.get(workKeyString(key))?.id : undefined;
    const writes = settle(change, followUp);
    if (writes.absorb !== undefined) {
      q.moveEvents.run(change.id, writes.absorb);
      q.deleteJob.run(writes.absorb);
    }
    q.setState.run(writes.job);
  };

  return {
    async undispatchedEvents(limit) {
      return q.undispatched.all(limit).map(toStoredEvent);
    },

    async getEvents(ids) {
      if (ids.length === 0) return [];
      const rows = db
        .prepare<number[], EventRow>(
          `SELECT id, delivery_id, received_at, event FROM events WHERE id IN (${ids.map(() => '?').join(',')}) ORDER BY id`,
        )
        .all(...ids);
      return rows.map(toStoredEvent);
    },

    commitRouting(batch, now) {
      return committer.submit(() => {
        for (const { eventId, decisions, labels } of batch) {
          if (q.markDispatched.run(now, eventId).changes === 0) continue; // routed already
          if (labels) q.saveLabelSet.run(labels.repo, labels.issue, JSON.stringify(labels.labels), eventId);
          for (const decision of decisions) {
            if (decision.kind === 'skip') {
              q.skip.run(eventId, decision.agent, decision.reason, now);
              continue;
            }
            if (decision.kind === 'cleanup') {
              q.insertCleanup.run({
                eventId,
                repo: decision.repo,
                repoRef: JSON.stringify(decision.repoRef),
                issues: decision.issues ? JSON.stringify(decision.issues) : null,
                task: JSON.stringify(decision.action),
                now,
              });
              continue;
            }
            const workKey = workKeyString(decision.key);
            const placement = placeWork(q.queuedFor.get(workKey)?.id, now);
            const { agent, repo, issue } = decision.key;
            const jobId =
              placement.kind === 'join'
                ? placement.jobId
                : Number(
                    q.insertJob.run({
                      agent,
                      repo,
                      issue,
                      workKey,
                      repoRef: JSON.stringify(decision.repoRef),
                      notBefore: placement.notBefore,
                      createdAt: placement.createdAt,
                    }).lastInsertRowid,
                  );
            q.attach.run(jobId, eventId, decision.trigger);
          }
        }
      });
    },

    async labelSets(issues) {
      return issues.flatMap(({ repo, issue }) => {
        const row = q.labelSet.get(repo, issue);
        return row ? [{ repo, issue, labels: JSON.parse(row.labels) as string[] }] : [];
      });
    },

    async runnableJobs(now, window) {
      const rows = q.runnable.all({
        now,
        afterId: window?.afterId ?? 0,
        skipRepos: JSON.stringify(window?.skipRepos ?? []),
        skipAgents: JSON.stringify(window?.skipAgents ?? []),
        limit: window?.limit ?? -1,
      });
      return rows.map(toJob);
    },

    async runningJobs() {
      return q.running.all().map(toJob);
    },

    startJob(id, now, limits) {
      return committer.submit(() => {
        const job = getJob(id);
        if (!job) return undefined;
        const claimed = claim(job, claimFacts(job), now, limits);
        if (!claimed.ok) return undefined;
        q.setState.run(claimed.value);
        return getJob(id);
      });
    },

    finishJob(id, finish, now) {
      return committer.submit(() => {
        const job = getJob(id);
        if (!job) return;
        write(job.key, afterRun(job, finish, now));
      });
    },

    requeueInterrupted(now, options) {
      const here = new Set(options?.runningHere ?? []);
      return committer.submit(() => {
        const requeued: Job[] = [];
        for (const row of q.running.all()) {
          if (here.has(row.id)) continue;
          const job = toJob(row);
          const change = afterInterruption(
            job,
            row.cancel_request,
            now,
            'interrupted: the service stopped while this job ran',
          );
          write(job.key, change);
          if (change.state === 'queued') requeued.push(job);
        }
        return requeued.map((job) => getJob(job.id)).filter((job): job is Job => job !== undefined);
      });
    },

    async holdsJob(id) {
      // One process: a running job is this process's.
      return getJob(id)?.state === 'running';
    },

    async countStartsSince(key, since) {
      return q.startsSince.get(workKeyString(key), since)?.n ?? 0;
    },

    async nextWakeAt(now) {
      const candidates = [q.nextWake.get(now)?.at, q.nextPauseEnd.get(now)?.at].filter(
        (x): x is number => typeof x === 'number',
      );
      return candidates.length > 0 ? Math.min(...candidates) : undefined;
    },

    async listJobs(query) {
      const states = query.states ?? [];
      const where = states.length > 0 ? `WHERE j.state IN (${states.map(() => '?').join(',')})` : '';
      return db
        .prepare<unknown[], JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs j ${where} ORDER BY j.id DESC LIMIT ?`)
        .all(...states, query.limit ?? 100)
        .map(toJob);
    },

    async countByState() {
      const rows = q.countByState.all();
      return Object.fromEntries(rows.map((r) => [r.state, r.n]));
    },

    tripKey(key, until, reason, now) {
      return committer.submit(() => {
        if (q.pausedUntil.get(workKeyString(key), now)) return false;
        q.pause.run(workKeyString(key), until, reason);
        return true;
      });
    },

    pauseKey(key, until, reason) {
      return committer.submit(() => {
        q.pause.run(workKeyString(key), until, reason);
      });
    },

    cancelQueued(id, reason, now) {
      return committer.submit(() => {
        const change = cancelQueued(getJob(id), reason, now);
        if (!change) return false;
        q.setState.run(change);
        return true;
      });
    },

    requestCancel(id, reason) {
      return committer.submit(() => {
        if (!takesCancelRequest(q.stateOf.get(id)?.state)) return false;
        q.requestCancel.run(reason, id);
        return true;
      });
    },

    async cancelRequests(ids) {
      return q.cancelRequests.all(JSON.stringify(ids)).map((row) => ({ id: row.id, reason: row.cancel_request }));
    },

    async getJob(id) {
      return getJob(id);
    },

    async pausedUntil(key, now) {
      return q.pausedUntil.get(workKeyString(key), now);
    },
  };
}
