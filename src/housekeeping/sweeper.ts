/**
 * The sweeper (docs/decisions.md §24, §35): runs the named tasks of `sweep-tasks.ts` in order — all of
 * them, or one — on a schedule or on demand, records the sweep (start, end, per-task report) for
 * the dashboard, and never lets one task's failure stop the others. One sweep at a time: a sweep
 * asked for while one runs waits for it.
 */
import type { Config } from '../config/types.js';
import type { Clock } from '../lib/clock.js';
import { DISK_TASKS, SWEEP_TASKS, TASKS, type SweepDeps, type SweepTaskName, type TaskReport } from './sweep-tasks.js';
import type { SweepRecords } from './ports.js';

export interface SweepReport {
  readonly id: number;
  readonly trigger: string;
  readonly dryRun: boolean;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly tasks: readonly TaskReport[];
}

export interface SweepOptions {
  readonly dryRun?: boolean;
  readonly task?: string;
  /** Who asked: `schedule`, `api`, `cli`. */
  readonly trigger?: string;
  /** Only the tasks on this worker's disk (`DISK_TASKS`): a worker that does not lead the sweeper. */
  readonly diskOnly?: boolean;
}

export interface Sweeper {
  sweep(options?: SweepOptions): Promise<SweepReport>;
}

export class UnknownSweepTaskError extends Error {
  readonly code = 'UNKNOWN_SWEEP_TASK';
}

export function createSweeper(deps: SweepDeps & { readonly sweeps: SweepRecords; readonly clock: Clock }): Sweeper {
  let last: Promise<unknown> = Promise.resolve();
  const sweepOnce = async (options: SweepOptions): Promise<SweepReport> => {
    const names = selected(options.task).filter((task) => !options.diskOnly || DISK_TASKS.includes(task));
    const dryRun = options.dryRun === true;
    const trigger = options.trigger ?? 'api';
    const startedAt = deps.clock.now();
    const id = await deps.sweeps.start(trigger, dryRun, startedAt);
    const tasks: TaskReport[] = [];
    for (const task of names) {
      const report: TaskReport = { task, found: 0, removed: 0, reclaimedBytes: 0, items: [], failures: [], notes: [] };
      try {
        await TASKS[task](deps, { now: deps.clock.now(), dryRun }, report);
      } catch (error) {
        report.failures.push({ what: `task ${task}`, reason: error instanceof Error ? error.message : String(error) });
      }
      for (const failure of report.failures)
        deps.log.warn({ task, what: failure.what, reason: failure.reason }, 'sweep task failure');
      tasks.push(report);
    }
    const finishedAt = deps.clock.now();
    await deps.sweeps.finish(id, finishedAt, { tasks });
    deps.log.info(
      {
        sweep: id,
        dryRun,
        trigger,
        removed: tasks.reduce((n, t) => n + t.removed, 0),
        failures: tasks.reduce((n, t) => n + t.failures.length, 0),
      },
      'sweep finished',
    );
    return { id, trigger, dryRun, startedAt, finishedAt, tasks };
  };
  return {
    sweep(options = {}) {
      // Validate before queueing behind a running sweep: a bad name is answered at once.
      selected(options.task);
      const next = last.then(() => sweepOnce(options));
      last = next.catch(() => undefined);
      return next;
    },
  };
}

function selected(task: string | undefined): readonly SweepTaskName[] {
  if (task === undefined) return SWEEP_TASKS;
  if (!(SWEEP_TASKS as readonly string[]).includes(task))
    throw new UnknownSweepTaskError(`unknown sweep task "${task}": the tasks are ${SWEEP_TASKS.join(', ')}`);
  return [task as SweepTaskName];
}

/** The ports a sweep reads and writes, picked from whatever holds them (the store, named as the store names them). */
export function sweepStorePorts(store: {
  readonly housekeepingSessions: SweepDeps['rows'];
  readonly cleanup: SweepDeps['queue'];
  readonly deliveries: SweepDeps['deliveries'];
  readonly recordRetention: SweepDeps['records'];
  readonly pulls: SweepDeps['pulls'];
  readonly sweeps: SweepRecords;
}) {
  return {
    rows: store.housekeepingSessions,
    queue: store.cleanup,
    deliveries: store.deliveries,
    records: store.recordRetention,
    pulls: store.pulls,
    sweeps: store.sweeps,
  };
}

/** The sweep's limits, from the configuration's `housekeeping` section. */
export function sweepLimits(config: Pick<Config, 'housekeeping'>): SweepDeps['limits'] {
  const day = 24 * 3600_000;
  const h = config.housekeeping;
  return {
    sessionTtlMs: h.sessionTtlDays * day,
    worktreeTtlMs: h.worktreeTtlDays * day,
    atticTtlMs: h.atticTtlDays * day,
    retentionMs: h.retentionDays * day,
    diskHighWaterBytes: h.diskHighWaterBytes,
  };
}
