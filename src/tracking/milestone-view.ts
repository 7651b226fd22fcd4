/**
 * One milestone as the store has it, decided: its graph (the stories, their upstream issues
 * outside it, the problems) and its schedule (statuses, layers, waves, critical path, what
 * starts next). Built from the store alone, with no forge round trip (decisions.md §55), so the
 * driver rebuilds it on every change and a reader — the CLI, the dashboard, the admin API — gets
 * the same answer the driver acted on.
 *
 * A story is in flight when it has an open pull request (its row), a queued or running job of an
 * implementer on its key, or a `ready` event recorded and not routed yet — read in that order:
 * routing turns the event into the job in one commit, so reading the events first and the jobs
 * second cannot miss both.
 */
import { type RepoRef, repoKey } from '../core/events.js';
import { buildGraph, type MilestoneGraph, type OutsideIssue, type StoryInput } from '../milestones/graph.js';
import type { MilestoneRecord, MilestoneStore, StoryRecord } from '../milestones/ports.js';
import { type MilestoneSchedule, schedule } from '../milestones/schedule.js';
import type { JobsInFlight, MilestoneSettings } from './ports.js';

/** How many unrouted events and active jobs one rebuild reads: far more than a queue holds at once. */
const PENDING_EVENTS = 1000;
const ACTIVE_JOBS = 5000;

export interface MilestoneView {
  readonly repo: string;
  readonly milestone: MilestoneRecord;
  readonly stories: readonly StoryRecord[];
  /** Whether stacked starts are on: the tracking issue's `<label>/stacked`, else the configuration. */
  readonly stacking: boolean;
  /** Stories counted in flight because of a job or an event not routed yet (an open pull request is in the graph). */
  readonly working: ReadonlySet<number>;
  readonly graph: MilestoneGraph;
  readonly plan: MilestoneSchedule;
}

export interface ViewDeps {
  readonly milestones: MilestoneStore;
  readonly jobs: JobsInFlight;
  /** The names of the implementer agents: their jobs on a story's key are its work. */
  readonly implementers: readonly string[];
  readonly settings: Pick<MilestoneSettings, 'stacking' | 'maxInFlight'>;
}

/** The milestone of `tracking` in `repo` (a repository key or a `RepoRef`), or undefined when the store knows none. */
export async function milestoneView(
  deps: ViewDeps,
  repo: string | RepoRef,
  tracking: number,
): Promise<MilestoneView | undefined> {
  const key = typeof repo === 'string' ? repo.toLowerCase() : repoKey(repo);
  const milestone = await deps.milestones.getMilestone(key, tracking);
  if (milestone === undefined) return undefined;
  const stories = await deps.milestones.storiesOf(key, tracking);
  const numbers = new Set(stories.map((s) => s.number));
  const named = [...new Set(stories.flatMap((s) => s.upstream))].filter((n) => !numbers.has(n));
  const outside = named.length === 0 ? [] : await deps.milestones.issuesOf(key, named);
  const working = await storiesAtWork(deps, key, numbers);
  const graph = buildGraph({
    tracking,
    stories: stories.map((story) => storyInput(story, working.has(story.number))),
    outside: outside.map(outsideIssue),
  });
  const stacking = milestone.stacking ?? deps.settings.stacking;
  const plan = schedule(graph, { stacking, maxInFlight: deps.settings.maxInFlight });
  return { repo: key, milestone, stories, stacking, working, graph, plan };
}

/** The milestones of the store (all, or one repository's), each decided. */
export async function milestoneViews(deps: ViewDeps, repo?: string): Promise<MilestoneView[]> {
  const views: MilestoneView[] = [];
  for (const m of await deps.milestones.listMilestones(repo?.toLowerCase())) {
    const view = await milestoneView(deps, m.repo, m.tracking);
    if (view) views.push(view);
  }
  return views;
}

async function storiesAtWork(deps: ViewDeps, repo: string, stories: ReadonlySet<number>): Promise<Set<number>> {
  const working = new Set<number>();
  for (const { event } of await deps.jobs.undispatchedEvents(PENDING_EVENTS)) {
    if (event.type === 'issue' && event.action === 'ready' && repoKey(event.repo) === repo)
      working.add(event.issue.number);
  }
  const implementers = new Set(deps.implementers);
  for (const job of await deps.jobs.listJobs({ states: ['queued', 'running'], limit: ACTIVE_JOBS })) {
    if (job.key.repo === repo && implementers.has(job.key.agent)) working.add(job.key.issue);
  }
  return new Set([...working].filter((n) => stories.has(n)));
}

function storyInput(story: StoryRecord, working: boolean): StoryInput {
  return {
    number: story.number,
    title: story.title,
    state: story.state,
    mergedPull: story.mergedPull,
    openPull: story.openPull,
    inProgress: working,
    tracking: story.tracking,
    footerUpstream: story.upstream,
  };
}

const outsideIssue = (issue: StoryRecord): OutsideIssue => ({
  number: issue.number,
  title: issue.title,
  state: issue.state,
  mergedPull: issue.mergedPull,
});
