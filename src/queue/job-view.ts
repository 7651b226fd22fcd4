/**
 * The operator's view of jobs (CLI `claude-hooks jobs`, `GET /api/jobs`): queued, running and
 * recent jobs with their key, the events they answer, attempts, state and timings.
 */
import type { ForgeEvent } from '../core/events.js';
import { formatTable } from '../lib/format-table.js';
import type { JobState } from '../core/job-state.js';
import type { JobQuery, JobStore } from './ports.js';
import { workKeyString } from '../core/work-key.js';

export interface JobView {
  readonly id: number;
  readonly key: string;
  readonly agent: string;
  readonly repo: string;
  readonly issue: number;
  readonly state: JobState;
  readonly attempts: number;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly notBefore: string;
  readonly error: string | null;
  readonly events: ReadonlyArray<{ readonly id: number; readonly summary: string }>;
}

export async function listJobViews(store: JobStore, query: JobQuery): Promise<JobView[]> {
  const jobs = await store.listJobs(query);
  const events = new Map(
    (await store.getEvents([...new Set(jobs.flatMap((j) => j.eventIds))])).map((e) => [e.id, e.event]),
  );
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return jobs.map((job) => ({
    id: job.id,
    key: workKeyString(job.key),
    agent: job.key.agent,
    repo: job.key.repo,
    issue: job.key.issue,
    state: job.state,
    attempts: job.attempts,
    createdAt: new Date(job.createdAt).toISOString(),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    notBefore: new Date(job.notBefore).toISOString(),
    error: job.error,
    events: job.eventIds.map((id) => ({ id, summary: summarise(events.get(id)) })),
  }));
}

export function summarise(event: ForgeEvent | undefined): string {
  if (!event) return '(event missing)';
  const by = `by ${event.actor.login}`;
  switch (event.type) {
    case 'issue':
      return `issue #${event.issue.number} ${event.action} ${by}`;
    case 'comment':
      return `comment ${event.action} on #${event.issue.number} ${by}`;
    case 'pull_request':
      return `PR #${event.pull.number} ${event.action} ${by}`;
    case 'review':
      return `review (${event.state}) on PR #${event.pull.number} ${by}`;
    case 'ref_deleted':
      return `${event.refType} ${event.ref} deleted ${by}`;
    case 'push':
      return `push to ${event.ref} ${by}`;
    case 'repository':
      return `repository ${event.action} ${by}`;
    case 'check':
      return `check ${event.state} on ${event.sha.slice(0, 10)} ${by}`;
  }
}

export function formatJobTable(views: readonly JobView[]): string {
  if (views.length === 0) return 'no jobs\n';
  const rows = views.map((v) => [
    String(v.id),
    v.state,
    v.key,
    String(v.attempts),
    v.startedAt ?? `waits since ${v.createdAt}`,
    v.events.map((e) => e.summary).join('; ') + (v.error ? `  [${v.error}]` : ''),
  ]);
  return formatTable(['id', 'state', 'key', 'tries', 'started', 'events'], rows);
}
