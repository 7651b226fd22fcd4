/**
 * The milestones as an operator reads them — the dashboard's section, `GET /api/milestones`,
 * `claude-hooks milestones` — each decided from the store by the driver's own code
 * (`tracking/milestone-view.ts`: the same graph, the same stories in flight, the same settings)
 * and reported (`milestones/report.ts`) — decisions.md §57. Nothing here writes.
 */
import type { MilestoneRecord } from '../milestones/ports.js';
import { type MilestoneReport, reportMilestone } from '../milestones/report.js';
import { milestoneView, type ViewDeps } from '../tracking/milestone-view.js';

/** What a report is read with: the store, the queue, the implementers and the `milestones:` settings. */
export type MilestoneReads = ViewDeps;

/** The report of one milestone the store knows; undefined when it knows it no more. */
export async function loadMilestoneReport(
  reads: MilestoneReads,
  milestone: Pick<MilestoneRecord, 'repo' | 'tracking'>,
): Promise<MilestoneReport | undefined> {
  const [decided, trackingIssue] = await Promise.all([
    milestoneView(reads, milestone.repo, milestone.tracking),
    reads.milestones.getStory(milestone.repo, milestone.tracking),
  ]);
  if (!decided) return undefined;
  return reportMilestone({ ...decided, maxInFlight: reads.settings.maxInFlight, trackingIssue });
}

/** Every milestone (or one repository's), by repository then tracking issue. */
export async function loadMilestoneReports(reads: MilestoneReads, repo?: string): Promise<MilestoneReport[]> {
  return reportsOf(reads, await reads.milestones.listMilestones(repo));
}

/**
 * The milestones whose tracking issue is open (or not known closed), at most `limit` of them, by
 * repository then tracking issue: the dashboard's, whose cost must not grow with every milestone
 * ever finished. A closed one costs one row read per repository, not its stories.
 */
export async function loadOpenMilestoneReports(
  reads: MilestoneReads,
  limit: number,
): Promise<{ readonly reports: MilestoneReport[]; readonly closed: number; readonly more: number }> {
  const milestones = await reads.milestones.listMilestones();
  const byRepo = new Map<string, number[]>();
  for (const m of milestones) byRepo.set(m.repo, [...(byRepo.get(m.repo) ?? []), m.tracking]);
  const trackingIssues = await Promise.all(
    [...byRepo].map(([repo, numbers]) => reads.milestones.issuesOf(repo, numbers)),
  );
  const closed = new Set(
    trackingIssues
      .flat()
      .filter((issue) => issue.state !== 'open' || issue.mergedPull !== undefined)
      .map((issue) => `${issue.repo}#${issue.number}`),
  );
  const open = milestones.filter((m) => !closed.has(`${m.repo}#${m.tracking}`));
  return {
    reports: await reportsOf(reads, open.slice(0, limit)),
    closed: milestones.length - open.length,
    more: Math.max(0, open.length - limit),
  };
}

async function reportsOf(reads: MilestoneReads, milestones: readonly MilestoneRecord[]): Promise<MilestoneReport[]> {
  const once = queueReadOnce(reads);
  const reports = await Promise.all(milestones.map((m) => loadMilestoneReport(once, m)));
  return reports.filter((report): report is MilestoneReport => report !== undefined);
}

/**
 * The same reads, with the queue read once for all the milestones of one answer: each
 * milestone's decision reads the events not routed yet, then the active jobs (in that order, so
 * none is missed); one snapshot of both serves them all, instead of two reads a milestone.
 */
function queueReadOnce(reads: MilestoneReads): MilestoneReads {
  const { jobs } = reads;
  let events: ReturnType<typeof jobs.undispatchedEvents> | undefined;
  let active: ReturnType<typeof jobs.listJobs> | undefined;
  let eventsLimit: number | undefined;
  let activeQuery: string | undefined;
  return {
    ...reads,
    jobs: {
      undispatchedEvents(limit) {
        if (events === undefined || eventsLimit !== limit) {
          eventsLimit = limit;
          events = jobs.undispatchedEvents(limit);
        }
        return events;
      },
      listJobs(query) {
        const key = JSON.stringify(query);
        if (active === undefined || activeQuery !== key) {
          activeQuery = key;
          active = jobs.listJobs(query);
        }
        return active;
      },
    },
  };
}

/**
 * The reads as the service's configuration makes them: the implementers are the agents whose
 * role is `implementer` (their jobs are a story's work), the settings are `milestones:`. The
 * driver is given the same (`service/milestones.ts`).
 */
export function milestoneReads(
  store: Pick<MilestoneReads, 'milestones' | 'jobs'>,
  config: {
    readonly agents: ReadonlyArray<{ readonly name: string; readonly role: string }>;
    readonly milestones: MilestoneReads['settings'];
  },
): MilestoneReads {
  return {
    milestones: store.milestones,
    jobs: store.jobs,
    implementers: config.agents.filter((agent) => agent.role === 'implementer').map((agent) => agent.name),
    settings: config.milestones,
  };
}
