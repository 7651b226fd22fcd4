/**
 * What each story of a milestone is waiting for, and which stories to start next (decisions.md
 * §54). A pure function of the graph and two settings: whether stacked starts are on, and the
 * most stories of the milestone in flight at once.
 *
 * A story is *done* when closed as completed or its pull request merged; *in progress* when it
 * has an open pull request or a job (the caller's `inProgress`); *blocked* when a graph problem
 * names it; *ready* when every upstream issue is done; *ready-stacked* (stacking on) when every
 * upstream is done but one, and that one is a story of the milestone with an open pull request
 * and no problem before it — the story starts from that pull request's branch; otherwise
 * *waiting* on the upstream issues not done yet. A story behind a problem's story is *stuck*: it
 * keeps its status (waiting) but is left out of the waves and the critical path.
 *
 * The plan covers the stories still to do and not stuck: the waves (wave 1 can run now; a story's
 * wave is one after its latest upstream's), the critical path (the longest chain of them; ties go
 * to the lower story number), and the hand-out order of the ready stories — longest chain of work
 * after them first, then by number — cut to the free places under the in-flight cap.
 */
import { type GraphProblem, isDone, isToDo, list, type MilestoneGraph, type OpenPull, ref } from './graph.js';
import { layersOf } from './layers.js';

export type StoryStatus =
  | { readonly kind: 'done'; readonly pull?: number | undefined }
  | { readonly kind: 'not-planned' }
  | { readonly kind: 'in-progress'; readonly pull?: OpenPull | undefined }
  | { readonly kind: 'blocked'; readonly by: readonly GraphProblem[] }
  | { readonly kind: 'ready' }
  | { readonly kind: 'ready-stacked'; readonly on: number; readonly base: OpenPull }
  | { readonly kind: 'waiting'; readonly on: readonly number[]; readonly notStacked?: string | undefined };

export interface ScheduleOptions {
  /** Whether a story may start on its one open upstream pull request's branch. */
  readonly stacking: boolean;
  /** The most stories of this milestone in progress at once (`Infinity` for no cap). */
  readonly maxInFlight: number;
}

export interface MilestoneSchedule {
  readonly statuses: ReadonlyMap<number, StoryStatus>;
  /** Stories by layer (see layers.ts), each ascending. */
  readonly layers: readonly (readonly number[])[];
  /** The recommended order of the work left: `waves[0]` is wave 1. */
  readonly waves: readonly (readonly number[])[];
  /** The longest chain of stories still to do, upstream first. */
  readonly criticalPath: readonly number[];
  /** Every ready story (stacked or not), in the order to start them. */
  readonly ready: readonly number[];
  /** The ready stories to start now: `ready` cut to the free places under the cap. */
  readonly next: readonly number[];
  readonly inFlight: number;
}

export function schedule(graph: MilestoneGraph, options: ScheduleOptions): MilestoneSchedule {
  const runnable = runnableStories(graph);
  const statuses = statusesOf(graph, options, runnable);
  const order = topologicalOrder(graph, runnable);
  const chain = chainLengths(graph, runnable, order);
  const inFlight = [...statuses.values()].filter((s) => s.kind === 'in-progress').length;
  const ready = [...statuses]
    .filter(([, s]) => s.kind === 'ready' || s.kind === 'ready-stacked')
    .map(([n]) => n)
    .sort((a, b) => (chain.get(b) ?? 0) - (chain.get(a) ?? 0) || a - b);
  const places = Math.max(0, options.maxInFlight - inFlight);
  return {
    statuses,
    layers: layersOf(graph),
    waves: wavesOf(graph, runnable, order),
    criticalPath: criticalPath(graph, runnable, chain),
    ready,
    next: ready.slice(0, places),
    inFlight,
  };
}

function statusesOf(
  graph: MilestoneGraph,
  options: ScheduleOptions,
  runnable: ReadonlySet<number>,
): Map<number, StoryStatus> {
  const problemsOf = new Map<number, GraphProblem[]>();
  for (const problem of graph.problems) {
    for (const n of problem.stories) problemsOf.set(n, [...(problemsOf.get(n) ?? []), problem]);
  }
  const statuses = new Map<number, StoryStatus>();
  for (const story of graph.stories.values()) {
    const problems = problemsOf.get(story.number) ?? [];
    statuses.set(story.number, statusOf(graph, story.number, problems, options.stacking ? runnable : undefined));
  }
  return statuses;
}

function statusOf(
  graph: MilestoneGraph,
  n: number,
  problems: readonly GraphProblem[],
  /** With stacking on, the stories a stacked start may build on: none behind a problem. */
  stackable: ReadonlySet<number> | undefined,
): StoryStatus {
  const story = graph.stories.get(n)!;
  if (isDone(story)) return { kind: 'done', pull: story.mergedPull };
  if (!isToDo(story)) return { kind: 'not-planned' };
  if (story.openPull !== undefined || story.inProgress === true) return { kind: 'in-progress', pull: story.openPull };
  if (problems.length > 0) return { kind: 'blocked', by: problems };
  const open = story.upstream.filter((u) => {
    const issue = graph.stories.get(u) ?? graph.outside.get(u);
    return issue === undefined || !isDone(issue);
  });
  if (open.length === 0) return { kind: 'ready' };
  if (stackable === undefined || !open.every((u) => stackable.has(u))) return { kind: 'waiting', on: open };
  const pulls = open.map((u) => graph.stories.get(u)?.openPull);
  if (!pulls.every((p) => p !== undefined)) return { kind: 'waiting', on: open };
  if (open.length === 1) return { kind: 'ready-stacked', on: open[0]!, base: pulls[0]! };
  const notStacked = `${list(open)} each have an open pull request, and a stacked start takes one base branch: ${ref(n)} waits until all but one of them merge`;
  return { kind: 'waiting', on: open, notStacked };
}

/**
 * The stories still to do that no problem names and that no such story stands before. A story a
 * problem names stays out even when already in progress, so a cycle of stories in progress
 * cannot make the plan circular.
 */
function runnableStories(graph: MilestoneGraph): Set<number> {
  const seen = new Set(graph.problems.flatMap((p) => p.stories));
  const stuck = [...seen];
  for (let i = 0; i < stuck.length; i++) {
    for (const d of graph.stories.get(stuck[i]!)!.downstream) {
      if (seen.has(d) || !isToDo(graph.stories.get(d)!)) continue;
      seen.add(d);
      stuck.push(d);
    }
  }
  return new Set([...graph.stories.values()].filter((s) => isToDo(s) && !seen.has(s.number)).map((s) => s.number));
}

/** The runnable stories in an order where each comes after its runnable upstream (Kahn, lowest number first). */
function topologicalOrder(graph: MilestoneGraph, runnable: ReadonlySet<number>): number[] {
  const waitingFor = new Map<number, number>();
  for (const n of runnable) waitingFor.set(n, upstreamWithin(graph, n, runnable).length);
  const order = [...runnable].filter((n) => waitingFor.get(n) === 0).sort((a, b) => a - b);
  for (let i = 0; i < order.length; i++) {
    for (const d of graph.stories.get(order[i]!)!.downstream) {
      if (!runnable.has(d)) continue;
      const left = waitingFor.get(d)! - 1;
      waitingFor.set(d, left);
      if (left === 0) order.push(d);
    }
  }
  return order;
}

const upstreamWithin = (graph: MilestoneGraph, n: number, within: ReadonlySet<number>): number[] =>
  graph.stories.get(n)!.upstream.filter((u) => within.has(u) && u !== n);

function wavesOf(graph: MilestoneGraph, runnable: ReadonlySet<number>, order: readonly number[]): number[][] {
  const waveOf = new Map<number, number>();
  for (const n of order) {
    waveOf.set(
      n,
      upstreamWithin(graph, n, runnable).reduce((wave, u) => Math.max(wave, waveOf.get(u)! + 1), 0),
    );
  }
  const waves: number[][] = [];
  for (const n of [...order].sort((a, b) => a - b)) (waves[waveOf.get(n)!] ??= []).push(n);
  return waves;
}

/** For each runnable story, the number of stories on the longest runnable chain that starts with it. */
function chainLengths(
  graph: MilestoneGraph,
  runnable: ReadonlySet<number>,
  order: readonly number[],
): Map<number, number> {
  const chain = new Map<number, number>();
  for (const n of [...order].reverse()) {
    const after = graph.stories.get(n)!.downstream.filter((d) => runnable.has(d) && d !== n);
    chain.set(n, 1 + after.reduce((longest, d) => Math.max(longest, chain.get(d)!), 0));
  }
  return chain;
}

function criticalPath(
  graph: MilestoneGraph,
  runnable: ReadonlySet<number>,
  chain: ReadonlyMap<number, number>,
): number[] {
  let start: number | undefined;
  for (const [n, length] of [...chain].sort((a, b) => a[0] - b[0])) {
    if (start === undefined || length > chain.get(start)!) start = n;
  }
  const path: number[] = [];
  for (let n = start; n !== undefined; ) {
    path.push(n);
    const want = chain.get(n)! - 1;
    n = graph.stories.get(n)!.downstream.find((d) => runnable.has(d) && chain.get(d) === want);
  }
  return path;
}
