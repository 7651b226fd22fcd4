/**
 * The dashboard's view of housekeeping: the last sweep (from the sweep records) and the actions
 * the page offers on top of the job store's (run the sweeper, reset a key's session). Each action
 * is written to the same audit as the admin API's, with `dashboard` as its source.
 */
import type { Clock } from '../lib/clock.js';
import { formatBytes } from '../lib/format-bytes.js';
import type { Result } from '../lib/result.js';
import type { ResetRequest } from '../housekeeping/admin-schema.js';
import type { AuditLog, SweepRecords } from '../housekeeping/ports.js';
import type { ResetError, ResetReport } from '../housekeeping/reset.js';
import type { TaskReport } from '../housekeeping/sweep-tasks.js';
import type { SweepReport } from '../housekeeping/sweeper.js';
import type { ActionResult, DashboardActions, SweepHistory } from './ports.js';

export function sweepHistory(sweeps: Pick<SweepRecords, 'list'>): SweepHistory {
  return {
    async lastSweep() {
      const last = (await sweeps.list(20)).find((sweep) => !sweep.dryRun && sweep.finishedAt !== null);
      if (!last) return undefined;
      const tasks = ((last.report ?? {}) as { tasks?: readonly TaskReport[] }).tasks ?? [];
      return {
        startedAt: last.startedAt,
        reclaimedBytes: tasks.reduce((sum, task) => sum + task.reclaimedBytes, 0),
        failures: tasks.flatMap((task) =>
          task.failures.map((failure) => ({ target: `${task.task}: ${failure.what}`, reason: failure.reason })),
        ),
      };
    },
  };
}

export interface HousekeepingActionDeps {
  readonly sweep: () => Promise<SweepReport>;
  readonly reset: (request: ResetRequest) => Promise<Result<ResetReport, ResetError>>;
  readonly audit: Pick<AuditLog, 'record'>;
  readonly clock: Clock;
}

export function withHousekeeping(base: DashboardActions, deps: HousekeepingActionDeps): DashboardActions {
  const audited = async (action: string, params: unknown, run: () => Promise<ActionResult>): Promise<ActionResult> => {
    const result = await run().catch(
      (error: unknown): ActionResult => ({
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      }),
    );
    await deps.audit.record({
      at: deps.clock.now(),
      source: 'dashboard',
      action,
      params,
      status: result.ok ? 200 : 409,
      result: result.message,
    });
    return result;
  };
  return {
    ...base,
    runSweeper: () =>
      audited('sweep', {}, async () => {
        const report = await deps.sweep();
        const removed = report.tasks.reduce((sum, task) => sum + task.removed, 0);
        const reclaimed = report.tasks.reduce((sum, task) => sum + task.reclaimedBytes, 0);
        const failures = report.tasks.reduce((sum, task) => sum + task.failures.length, 0);
        return {
          ok: failures === 0,
          message: `sweep ${report.id}: ${removed} removed, ${formatBytes(reclaimed)} reclaimed, ${failures} failure(s)`,
        };
      }),
    resetSession: (key) =>
      audited('reset', { ...key, scope: 'session' }, async () => {
        // A work key's repo is `host/owner/name`; the reset selector is `owner/name`.
        const repo = key.repo.split('/').slice(1).join('/');
        const result = await deps.reset({ agent: key.agent, repo, issue: key.issue, scope: 'session' });
        if (!result.ok) return { ok: false, message: result.error.message };
        return {
          ok: true,
          message: `forgot ${result.value.sessions.length} session(s) of ${key.agent} on ${key.repo}#${key.issue}`,
        };
      }),
  };
}
