/**
 * The actions that exist before housekeeping lands, on the job store: cancel a queued job, pause
 * and resume a work key. Housekeeping's reset and sweep fill the optional `DashboardActions`.
 */
import type { Clock } from '../lib/clock.js';
import type { JobStore } from '../queue/ports.js';
import { workKeyString } from '../core/work-key.js';
import type { DashboardActions } from './ports.js';

export function jobStoreActions(
  jobs: Pick<JobStore, 'listJobs' | 'cancelQueued' | 'pauseKey' | 'pausedUntil'>,
  clock: Clock,
): DashboardActions {
  return {
    async cancelJob(jobId) {
      // The queue is bounded by the mailbox rule (one queued job per key), so this list is short.
      const queued = await jobs.listJobs({ states: ['queued'], limit: 100_000 });
      const job = queued.find((j) => j.id === jobId);
      if (!job)
        return {
          ok: false,
          message: `job ${jobId} is not queued (it started, ended or does not exist): only a queued job can be cancelled`,
        };
      if (!(await jobs.cancelQueued(jobId, 'cancelled from the dashboard', clock.now())))
        return { ok: false, message: `job ${jobId} started before it could be cancelled` };
      return { ok: true, message: `job ${jobId} (${workKeyString(job.key)}) was cancelled` };
    },
    async pauseKey(key, hours) {
      await jobs.pauseKey(key, clock.now() + hours * 3600_000, 'paused from the dashboard');
      return { ok: true, message: `${workKeyString(key)} is paused for ${hours} h` };
    },
    async resumeKey(key) {
      if (!(await jobs.pausedUntil(key, clock.now())))
        return { ok: false, message: `${workKeyString(key)} is not paused` };
      await jobs.pauseKey(key, clock.now(), 'resumed from the dashboard');
      return { ok: true, message: `${workKeyString(key)} was resumed` };
    },
  };
}
