/**
 * Dispatch's storage (`JobStore`) on SQLite: the per-key mailbox (at most one queued and one
 * running job per work key, enforced by partial unique indexes), the events each job answers,
 * routing skips, circuit-breaker pauses. Every state change goes through `assertTransition`.
 */
import { assertTransition, type JobState } from '../../core/job-state.js';
import type { Job, JobStore } from '../../queue/ports.js';
import { workKeyString } from '../../core/work-key.js';
import { toJob, toStoredEvent, withinLimits, type EventRow, type JobRow, type RunningCounts } from '../rows/jobs.js';
import type { GroupCommitter } from './group-commit.js';
import type { Db } from './open-database.js';

const JOB_COLUMNS = `j.*, (SELECT group_concat(event_id) FROM (SELECT event_id FROM job_events WHERE job_id = j.id ORDER BY event_id)) AS event_ids`;

export function createSqliteJobStore(db: Db, committer: GroupCommitter): JobStore {
  const q = {
    requestCancel: db.prepare<[string, number]>(`UPDATE jobs SET cancel_request = ? WHERE id = ? AND state = 'running'`),
    cancelRequests: db.prepare<[string], { id: number; cancel_request: string }>(
      `SELECT id, cancel_request FROM jobs WHERE id IN (SELECT value FROM json_each(?)) AND state = 'running' AND cancel_request IS NOT NULL`,
    ),
    undispatched: db.prepare<[number], EventRow>('SELECT id, delivery_id, received_at, event FROM events WHERE dispatched_at IS NULL ORDER BY id LIMIT ?'),
    markDispatched: db.prepare<[number, number]>('UPDATE events SET dispatched_at = ? WHERE id = ? AND dispatched_at IS NULL'),
    queuedFor: db.prepare<[string], { id: number }>(`SELECT id FROM jobs WHERE work_key = ? AND state = 'queued'`),
    insertJob: db.prepare(
      `INSERT INTO jobs (agent, repo, issue, work_key, repo_ref, state, not_before, created_at) VALUES (@agent, @repo, @issue, @workKey, @repoRef, 'queued', @now, @now)`,
    ),
    insertCleanup: db.prepare(
      `INSERT INTO cleanup_tasks (event_id, repo, repo_ref, issues, task, state, not_before, created_at) VALUES (@eventId, @repo, @repoRef, @issues, @task, 'queued', @now, @now)`,
    ),
    attach: db.prepare<[number, number, string]>('INSERT OR IGNORE INTO job_events (job_id, event_id, trigger) VALUES (?, ?, ?)'),
    skip: db.prepare<[number, string, string, number]>('INSERT INTO routing_skips (event_id, agent, reason, at) VALUES (?, ?, ?, ?)'),
    job: db.prepare<[number], JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.id = ?`),
    // A negative LIMIT is no limit. Saturated repos and agents are left out here, so a pass over
    // thousands of queued jobs reads only the few it can start (docs/decisions.md §17).
    runnable: db.prepare<{ now: number; afterId: number; skipRepos: string; skipAgents: string; limit: number }, JobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs j
        WHERE j.state = 'queued' AND j.not_before <= @now AND j.id > @afterId
          AND j.repo NOT IN (SELECT value FROM json_each(@skipRepos))
          AND j.agent NOT IN (SELECT value FROM json_each(@skipAgents))
          AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.work_key = j.work_key AND r.state = 'running')
          AND NOT EXISTS (SELECT 1 FROM key_pauses p WHERE p.work_key = j.work_key AND p.until > @now)
          AND NOT EXISTS (SELECT 1 FROM dispatch_pauses d WHERE d.scope IN ('*', 'agent:' || j.agent, 'key:' || j.work_key))
          AND NOT EXISTS (SELECT 1 FROM cleanup_tasks c WHERE c.state = 'running' AND c.repo = j.repo
                            AND (c.issues IS NULL OR j.issue IN (SELECT value FROM json_each(c.issues))))
        ORDER BY j.id
        LIMIT @limit`,
    ),
    labelSet: db.prepare<[string, number], { labels: string }>('SELECT labels FROM label_sets WHERE repo = ? AND issue = ?'),
    saveLabelSet: db.prepare<[string, number, string, number]>(
      `INSERT INTO label_sets (repo, issue, labels, event_id) VALUES (?, ?, ?, ?)
       ON CONFLICT (repo, issue) DO UPDATE SET labels = excluded.labels, event_id = excluded.event_id WHERE excluded.event_id > label_sets.event_id`,
    ),
    runningFor: db.prepare<[string], { id: number }>(`SELECT id FROM jobs WHERE work_key = ? AND state = 'running'`),
    runningCounts: db.prepare<{ repo: string; agent: string }, RunningCounts>(
      `SELECT count(*) AS total, coalesce(sum(repo = @repo), 0) AS repo, coalesce(sum(agent = @agent), 0) AS agent FROM jobs WHERE state = 'running'`,
    ),
    // `j.*` carries the cancel request too.
    running: db.prepare<[], JobRow & { cancel_request: string | null }>(`SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.state = 'running' ORDER BY j.id`),
    setState: db.prepare(
      `UPDATE jobs SET state = @state, attempts = @attempts, not_before = @notBefore, started_at = @startedAt, finished_at = @finishedAt, error = @error WHERE id = @id`,
    ),
    moveEvents: db.prepare<[number, number]>('UPDATE OR IGNORE job_events SET job_id = ? WHERE job_id = ?'),
    deleteJob: db.prepare<[number]>('DELETE FROM jobs WHERE id = ?'),
    startsSince: db.prepare<[string, number], { n: number }>('SELECT count(*) AS n FROM jobs WHERE work_key = ? AND started_at >= ?'),
    // Without INDEXED BY the planner walks every queued job through jobs_state: O(queue) per pass.
    nextWake: db.prepare<[number], { at: number | null }>(`SELECT min(not_before) AS at FROM jobs INDEXED BY jobs_queued_not_before WHERE state = 'queued' AND not_before > ?`),
    nextPauseEnd: db.prepare<[number], { at: number | null }>(
      `SELECT min(p.until) AS at FROM key_pauses p WHERE p.until > ? AND EXISTS (SELECT 1 FROM jobs j WHERE j.work_key = p.work_key AND j.state = 'queued')`,
    ),
    pause: db.prepare<[string, number, string]>('INSERT INTO key_pauses (work_key, until, reason) VALUES (?, ?, ?) ON CONFLICT (work_key) DO UPDATE SET until = excluded.until, reason = excluded.reason'),
    countByState: db.prepare<[], { state: JobState; n: number }>('SELECT state, count(*) AS n FROM jobs GROUP BY state'),
    pausedUntil: db.prepare<[string, number], { until: number; reason: string }>('SELECT until, reason FROM key_pauses WHERE work_key = ? AND until > ?'),
  };

  const getJob = (id: number): Job | undefined => {
    const row = q.job.get(id);
    return row && toJob(row);
  };

  const transition = (job: Job, to: JobState, changes: Partial<{ attempts: number; notBefore: number; startedAt: number | null; finishedAt: number | null; error: string | null }>) => {
    assertTransition(job.id, job.state, to);
    q.setState.run({
      id: job.id,
      state: to,
      attempts: changes.attempts ?? job.attempts,
      notBefore: changes.notBefore ?? job.notBefore,
      startedAt: changes.startedAt === undefined ? job.startedAt : changes.startedAt,
      finishedAt: changes.finishedAt === undefined ? job.finishedAt : changes.finishedAt,
      error: changes.error === undefined ? job.error : changes.error,
    });
  };

  /** Back to queued; if the key already has a queued follow-up, its events join this job instead. */
  const requeue = (job: Job, notBefore: number, error: string | null, attempts = job.attempts) => {
    const followUp = q.queuedFor.get(workKeyString(job.key));
    if (followUp) {
      q.moveEvents.run(job.id, followUp.id);
      q.deleteJob.run(followUp.id);
    }
    transition(job, 'queued', { notBefore, startedAt: null, error, attempts });
  };

  return {
    async undispatchedEvents(limit) {
      return q.undispatched.all(limit).map(toStoredEvent);
    },

    async getEvents(ids) {
      if (ids.length === 0) return [];
      const rows = db.prepare<number[], EventRow>(`SELECT id, delivery_id, received_at, event FROM events WHERE id IN (${ids.map(() => '?').join(',')}) ORDER BY id`).all(...ids);
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
              q.insertCleanup.run({ eventId, repo: decision.repo, repoRef: JSON.stringify(decision.repoRef), issues: decision.issues ? JSON.stringify(decision.issues) : null, task: JSON.stringify(decision.action), now });
              continue;
            }
            const workKey = workKeyString(decision.key);
            const jobId =
              q.queuedFor.get(workKey)?.id ??
              Number(
                q.insertJob.run({ agent: decision.key.agent, repo: decision.key.repo, issue: decision.key.issue, workKey, repoRef: JSON.stringify(decision.repoRef), now }).lastInsertRowid,
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
        if (job?.state !== 'queued') return undefined;
        if (q.runningFor.get(workKeyString(job.key))) return undefined;
        if (limits && !withinLimits(q.runningCounts.get({ repo: job.key.repo, agent: job.key.agent })!, limits)) return undefined;
        transition(job, 'running', { attempts: job.attempts + 1, startedAt: now, finishedAt: null });
        return getJob(id);
      });
    },

    finishJob(id, finish, now) {
      return committer.submit(() => {
        const job = getJob(id);
        if (!job) return;
        if (finish.state === 'retry') requeue(job, finish.notBefore, finish.error);
        else if (finish.state === 'waiting') requeue(job, finish.notBefore, `waiting: ${finish.reason}`, Math.max(0, job.attempts - 1));
        else transition(job, finish.state, { finishedAt: now, error: finish.state === 'succeeded' ? null : finish.error });
      });
    },

    requeueInterrupted(now, options) {
      const here = new Set(options?.runningHere ?? []);
      return committer.submit(() => {
        const requeued: Job[] = [];
        for (const row of q.running.all()) {
          if (here.has(row.id)) continue;
          const job = toJob(row);
          // Someone asked to cancel it: it ends cancelled instead of running again.
          if (row.cancel_request !== null) {
            transition(job, 'cancelled', { finishedAt: now, error: row.cancel_request });
            continue;
          }
          requeue(job, now, 'interrupted: the service stopped while this job ran');
          requeued.push(job);
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
      const candidates = [q.nextWake.get(now)?.at, q.nextPauseEnd.get(now)?.at].filter((x): x is number => typeof x === 'number');
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
        const job = getJob(id);
        if (job?.state !== 'queued') return false;
        transition(job, 'cancelled', { finishedAt: now, error: reason });
        return true;
      });
    },

    requestCancel(id, reason) {
      return committer.submit(() => q.requestCancel.run(reason, id).changes > 0);
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

