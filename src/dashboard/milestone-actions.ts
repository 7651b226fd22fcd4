/**
 * The dashboard's milestone actions, on the milestones' store: pause a milestone (no new story of
 * it starts; the ones in flight finish) and resume it. The milestone's driver reads the pause from
 * the store, and is told to rebuild the milestone at once (`touched`). Each action is written to
 * the same audit as the admin API's, with `dashboard` as its source.
 */
import type { AuditLog } from '../housekeeping/ports.js';
import type { Clock } from '../lib/clock.js';
import type { MilestoneStore } from '../milestones/ports.js';
import { milestoneName } from '../milestones/report.js';
import type { ActionResult, DashboardActions, MilestoneKey } from './ports.js';

export interface MilestoneActionDeps {
  readonly milestones: Pick<MilestoneStore, 'getMilestone' | 'setPaused'>;
  readonly audit: Pick<AuditLog, 'record'>;
  readonly clock: Clock;
  /** Told of a pause or a resume once it is stored: the driver rebuilds the milestone at once. */
  readonly touched?: (repo: string, tracking: number) => void;
}

export function withMilestones(base: DashboardActions, deps: MilestoneActionDeps): DashboardActions {
  const setPaused = async (key: MilestoneKey, paused: boolean): Promise<ActionResult> => {
    const action = paused ? 'milestone pause' : 'milestone resume';
    const name = milestoneName(key);
    const result = await (async (): Promise<ActionResult> => {
      const milestone = await deps.milestones.getMilestone(key.repo, key.tracking);
      if (!milestone)
        return { ok: false, message: `no milestone ${name}: the service has not seen that tracking issue` };
      if (milestone.paused === paused)
        return { ok: false, message: `milestone ${name} is ${paused ? 'already' : 'not'} paused` };
      await deps.milestones.setPaused(key.repo, key.tracking, paused, deps.clock.now());
      deps.touched?.(key.repo, key.tracking);
      return {
        ok: true,
        message: paused
          ? `milestone ${name} is paused: no new story of it starts; the stories in flight finish`
          : `milestone ${name} was resumed: its ready stories start again`,
      };
    })().catch(
      (error: unknown): ActionResult => ({
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      }),
    );
    await deps.audit.record({
      at: deps.clock.now(),
      source: 'dashboard',
      action,
      params: { repo: key.repo, tracking: key.tracking },
      status: result.ok ? 200 : 409,
      result: result.message,
    });
    return result;
  };
  return {
    ...base,
    pauseMilestone: (key) => setPaused(key, true),
    resumeMilestone: (key) => setPaused(key, false),
  };
}
