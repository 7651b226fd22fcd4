/**
 * `claude-hooks milestones [OWNER/NAME#N] [--json] [--pause | --resume]`: every milestone on one
 * line each, or one milestone whole, read straight from the store like `jobs` and `runs` (the
 * service need not run) and decided as the service decides it — which is why it reads the whole
 * configuration: the `milestones:` settings and which agents implement stories (decisions.md
 * §57). `--pause` and `--resume` are admin actions like `pause`: through the running service's
 * admin API, or on the data dir when no service holds it (`admin-commands.ts`), audited either
 * way. A pause stops new stories of the milestone from starting; the ones in flight finish.
 */
import type { Config } from '../config/types.js';
import { loadMilestoneReport, loadMilestoneReports, milestoneReads } from '../dashboard/milestone-reads.js';
import { systemClock } from '../lib/clock.js';
import { findMilestone, parseMilestoneName } from '../milestones/names.js';
import { milestoneName, pauseNote } from '../milestones/report.js';
import { runAdmin } from './admin-commands.js';
import type { CliIo, OptionValues } from './commands.js';
import { withDataDirStore } from './data-dir-store.js';
import { formatMilestone, formatMilestoneTable } from './print-milestones.js';

export const MILESTONES_HELP = `Reads the store (the data dir's database, or PostgreSQL with store: postgres); the service need
not run. It reads the whole configuration, as the service does: the milestones: settings and the
agents decide what is in flight and what starts next.

  OWNER/NAME#N     show one milestone (tracking issue N): each story with its status and what it
                   waits on, what starts next, the critical path and the waves
  --json           JSON instead of text
  --pause          stop new stories of milestone OWNER/NAME#N from starting (those in flight finish)
  --resume         let them start again

--pause and --resume are admin actions: like \`claude-hooks pause\`, they go through the running
service's admin API when one holds the data dir (adminToken), or work on the data dir directly when
none does, and are audited.`;

export async function runMilestones(
  config: Config,
  values: OptionValues,
  io: CliIo,
  positionals: readonly string[],
): Promise<number> {
  const named = positionals[0];
  const action = values.pause === true ? 'pause' : values.resume === true ? 'resume' : undefined;
  if (values.pause === true && values.resume === true) return usage(io, '--pause and --resume go one at a time');
  const parsed = named === undefined ? undefined : parseMilestoneName(named);
  if (named !== undefined && parsed === undefined)
    return usage(io, `"${named}" is not a milestone: name it as OWNER/NAME#N (N the tracking issue)`);
  if (action !== undefined) {
    if (parsed === undefined) return usage(io, `--${action} needs the milestone: OWNER/NAME#N`);
    return pauseMilestone(config, action, parsed, io);
  }
  const json = values.json === true;
  return withDataDirStore(
    config,
    async (store) => {
      const reads = milestoneReads(store, config);
      if (parsed === undefined) {
        const reports = await loadMilestoneReports(reads);
        io.stdout.write(json ? `${JSON.stringify(reports, null, 2)}\n` : formatMilestoneTable(reports));
        return 0;
      }
      const found = await findMilestone(store.milestones, parsed.repo, parsed.tracking);
      const report = found.ok ? await loadMilestoneReport(reads, found.milestone) : undefined;
      if (!report) {
        io.stderr.write(`${found.ok ? `no milestone ${milestoneName(found.milestone)}` : found.message}\n`);
        return 1;
      }
      io.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatMilestone(report));
      return 0;
    },
    io,
  );
}

async function pauseMilestone(
  config: Config,
  action: 'pause' | 'resume',
  named: { readonly repo: string; readonly tracking: number },
  io: CliIo,
): Promise<number> {
  const paused = action === 'pause';
  return runAdmin(
    config,
    io,
    {
      action: `milestone ${action}`,
      method: 'POST',
      path: `/admin/milestones/${encodeURIComponent(named.repo)}/${named.tracking}/${action}`,
      body: {},
    },
    async ({ store }) => {
      const found = await findMilestone(store.milestones, named.repo, named.tracking);
      if (!found.ok) return { status: found.reason === 'not-found' ? 404 : 400, body: { error: found.message } };
      await store.milestones.setPaused(found.milestone.repo, found.milestone.tracking, paused, systemClock.now());
      return {
        status: 200,
        body: {
          milestone: milestoneName(found.milestone),
          paused,
          note: pauseNote(paused),
        },
      };
    },
  );
}

function usage(io: CliIo, message: string): number {
  io.stderr.write(`${message}\n`);
  return 2;
}
