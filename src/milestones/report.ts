/**
 * What an operator sees of one milestone — the dashboard's section, `claude-hooks milestones`,
 * `GET /api/milestones` — as one plain, JSON-ready report: its settings, its progress, what is
 * ready (in the order it would start), what is blocked and on what, what is in flight, the
 * critical path and the problems. A pure function of the milestone as the driver decided it —
 * its graph and its schedule, built from the store by the same code the driver acts on
 * (`tracking/milestone-view.ts`) — so what is shown is what is decided.
 *
 * Titles are kept as the forge has them: untrusted text, escaped by whoever renders them (the
 * dashboard's `html`, the terminal table's `escapeText`).
 */
import { isDone, type MilestoneGraph } from './graph.js';
import type { MilestoneRecord, StoryRecord } from './ports.js';
import type { MilestoneSchedule, StoryStatus } from './schedule.js';

/** A milestone as decided: its row, its graph and schedule, and the settings they were decided with. */
export interface DecidedMilestone {
  readonly milestone: MilestoneRecord;
  readonly graph: MilestoneGraph;
  readonly plan: MilestoneSchedule;
  /** Whether stacked starts are on (the tracking issue's word, else the configuration's). */
  readonly stacking: boolean;
  /** The cap of stories in flight the plan was cut to (`Infinity`: none). */
  readonly maxInFlight: number;
  /** The tracking issue's own row, when the store has it: its title, and whether it is closed. */
  readonly trackingIssue?: StoryRecord | undefined;
}

export type StoryState = 'done' | 'not-planned' | 'in-progress' | 'blocked' | 'ready' | 'ready-stacked' | 'waiting';

/** Where a stacked story starts: its upstream story's open pull request and branch. */
export interface StackedOn {
  readonly story: number;
  readonly pull: number;
  readonly branch: string;
}

export interface StoryReport {
  readonly number: number;
  readonly title: string;
  readonly status: StoryState;
  /** Its layer (0: no upstream story in the milestone). */
  readonly layer: number;
  /** Every upstream issue, in the milestone or outside it. */
  readonly upstream: readonly number[];
  /** Waiting: the upstream issues not done yet. */
  readonly on?: readonly number[];
  /** Done: the merged pull request; in progress: the open one. */
  readonly pull?: number;
  /** Ready, stacked. */
  readonly stackedOn?: StackedOn;
  /** Blocked: what each problem naming it says. */
  readonly problems?: readonly string[];
  /** Why a story that could have started stacked waits (two open upstream pull requests). */
  readonly note?: string;
}

export interface MilestoneReport {
  readonly repo: string;
  readonly tracking: number;
  readonly title: string | undefined;
  /** The tracking issue is closed (as far as the store knows). */
  readonly closed: boolean;
  readonly optedIn: boolean;
  readonly paused: boolean;
  /** Whether stacked starts are on: the tracking issue's word, else the configuration's. */
  readonly stacking: boolean;
  /** The cap of stories in flight; null: none. */
  readonly maxInFlight: number | null;
  readonly progress: {
    readonly done: number;
    readonly total: number;
    readonly inProgress: number;
    readonly ready: number;
    readonly waiting: number;
    readonly blocked: number;
    readonly notPlanned: number;
  };
  /** Every ready story (stacked or not), in the order the service starts them. */
  readonly ready: ReadonlyArray<{ readonly number: number; readonly title: string; readonly stackedOn?: StackedOn }>;
  /**
   * The ready stories that would start now: none while the milestone is paused or not opted in,
   * else as many as the cap leaves room for.
   */
  readonly next: readonly number[];
  /** Stories that cannot start yet: waiting on upstream issues, or blocked by a problem. */
  readonly blocked: ReadonlyArray<{
    readonly number: number;
    readonly title: string;
    readonly on: readonly number[];
    readonly problems: readonly string[];
    readonly note?: string;
  }>;
  readonly inFlight: ReadonlyArray<{ readonly number: number; readonly title: string; readonly pull?: number }>;
  readonly criticalPath: readonly number[];
  readonly waves: readonly (readonly number[])[];
  readonly problems: ReadonlyArray<{
    readonly kind: string;
    readonly stories: readonly number[];
    readonly message: string;
  }>;
  readonly stories: readonly StoryReport[];
  readonly updatedAt: number;
}

export function reportMilestone(decided: DecidedMilestone): MilestoneReport {
  const { milestone, graph, plan, trackingIssue } = decided;
  const layerOf = new Map(plan.layers.flatMap((layer, i) => layer.map((n) => [n, i] as const)));
  const stories = [...graph.stories.values()].map((story) =>
    storyReport(
      story.number,
      story.title,
      story.upstream,
      layerOf.get(story.number) ?? 0,
      plan.statuses.get(story.number)!,
    ),
  );
  const byNumber = new Map(stories.map((s) => [s.number, s]));
  const count = (...states: StoryState[]) => stories.filter((s) => states.includes(s.status)).length;
  const closed = trackingIssue !== undefined && !isOpen(trackingIssue);
  const starting = milestone.optedIn && !milestone.paused && !closed;
  return {
    repo: milestone.repo,
    tracking: milestone.tracking,
    title: trackingIssue?.title,
    closed,
    optedIn: milestone.optedIn,
    paused: milestone.paused,
    stacking: decided.stacking,
    maxInFlight: Number.isFinite(decided.maxInFlight) ? decided.maxInFlight : null,
    progress: {
      done: count('done'),
      total: stories.length,
      inProgress: count('in-progress'),
      ready: count('ready', 'ready-stacked'),
      waiting: count('waiting'),
      blocked: count('blocked'),
      notPlanned: count('not-planned'),
    },
    ready: plan.ready.map((n) => {
      const story = byNumber.get(n)!;
      return { number: n, title: story.title, ...(story.stackedOn ? { stackedOn: story.stackedOn } : {}) };
    }),
    next: starting ? plan.next : [],
    blocked: stories
      .filter((s) => s.status === 'waiting' || s.status === 'blocked')
      .map((s) => ({
        number: s.number,
        title: s.title,
        on: s.on ?? [],
        problems: s.problems ?? [],
        ...(s.note ? { note: s.note } : {}),
      })),
    inFlight: stories
      .filter((s) => s.status === 'in-progress')
      .map((s) => ({ number: s.number, title: s.title, ...(s.pull === undefined ? {} : { pull: s.pull }) })),
    criticalPath: plan.criticalPath,
    waves: plan.waves,
    problems: graph.problems.map((p) => ({ kind: p.kind, stories: p.stories, message: p.message })),
    stories,
    updatedAt: milestone.updatedAt,
  };
}

/** What a pause (or a resume) of a milestone does, as the API and the command line answer it. */
export function pauseNote(paused: boolean): string {
  return paused
    ? 'no new story of this milestone starts until it is resumed; the stories in flight finish'
    : 'its ready stories start again, within the cap of stories in flight';
}

/** `owner/name#12`: the milestone as people name it (the service works on one forge, so the host goes without saying). */
export function milestoneName(milestone: { readonly repo: string; readonly tracking: number }): string {
  return `${milestone.repo.split('/').slice(1).join('/')}#${milestone.tracking}`;
}

const isOpen = (issue: StoryRecord): boolean => issue.state === 'open' && !isDone(issue);

function storyReport(
  number: number,
  title: string,
  upstream: readonly number[],
  layer: number,
  status: StoryStatus,
): StoryReport {
  const base = { number, title, status: status.kind, layer, upstream };
  switch (status.kind) {
    case 'done':
      return { ...base, ...(status.pull === undefined ? {} : { pull: status.pull }) };
    case 'in-progress':
      return { ...base, ...(status.pull === undefined ? {} : { pull: status.pull.number }) };
    case 'blocked':
      return { ...base, problems: status.by.map((p) => p.message) };
    case 'ready-stacked':
      return { ...base, stackedOn: { story: status.on, pull: status.base.number, branch: status.base.branch } };
    case 'waiting':
      return { ...base, on: status.on, ...(status.notStacked ? { note: status.notStacked } : {}) };
    case 'ready':
    case 'not-planned':
      return base;
  }
}
