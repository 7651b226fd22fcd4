/**
 * One milestone's graph: the stories of a tracking issue, their upstream edges (the footer's ∪ the
 * forge's native dependencies), and the problems that keep stories from ever starting — a cycle,
 * an upstream that does not exist or was closed as not planned, the tracking issue named as an
 * upstream, a story claimed by another tree. A pure function of what the caller read from the
 * store and the forge (decisions.md §54); each problem names its stories, and its message says
 * what a person can do about it.
 *
 * Only edges into stories still to do count for problems: a done story's footer no longer decides
 * anything, so an edge added to it later cannot make a cycle that blocks the rest.
 */
import { cycleThrough, stronglyConnected } from './strongly-connected.js';

/** An issue's state as the milestone sees it: closed as not planned is not done. */
export type IssueState = 'open' | 'completed' | 'not-planned';

export interface OpenPull {
  readonly number: number;
  /** The pull request's head branch, the base a stacked story would start from. */
  readonly branch: string;
}

export interface StoryInput {
  readonly number: number;
  readonly title: string;
  readonly state: IssueState;
  /** The merged pull request that closed the story, if any. */
  readonly mergedPull?: number | undefined;
  /** The story's open, unmerged pull request, if any. */
  readonly openPull?: OpenPull | undefined;
  /** Whether the story is assigned or has a job running (or queued) for it. */
  readonly inProgress?: boolean | undefined;
  /** The tracking issue the story's own footer names, if any. */
  readonly tracking?: number | undefined;
  /** Upstream stories from the story's `## Dependencies` footer. */
  readonly footerUpstream: readonly number[];
  /** Upstream stories from the forge's native issue dependencies. */
  readonly forgeUpstream?: readonly number[] | undefined;
}

/** An issue outside the milestone that a story names as upstream. */
export interface OutsideIssue {
  readonly number: number;
  readonly title: string;
  readonly state: IssueState;
  readonly mergedPull?: number | undefined;
}

export interface GraphInput {
  readonly tracking: number;
  readonly stories: readonly StoryInput[];
  /** Every issue outside the milestone that a story names and that exists; one left out is missing. */
  readonly outside?: readonly OutsideIssue[];
  /** For a story another tracking issue also lists: those tracking issues. */
  readonly otherTrees?: ReadonlyMap<number, readonly number[]>;
}

export interface StoryNode extends StoryInput {
  /** Every upstream issue (footer ∪ forge), ascending; in the milestone or outside it. */
  readonly upstream: readonly number[];
  /** The milestone's stories that name this one as upstream, ascending. */
  readonly downstream: readonly number[];
}

interface ProblemBase {
  /** The stories the problem keeps from starting, ascending. */
  readonly stories: readonly number[];
  readonly message: string;
}

export type GraphProblem =
  | (ProblemBase & { readonly kind: 'cycle'; readonly cycle: readonly number[] })
  | (ProblemBase & { readonly kind: 'missing-upstream'; readonly story: number; readonly upstream: number })
  | (ProblemBase & { readonly kind: 'not-planned-upstream'; readonly story: number; readonly upstream: number })
  | (ProblemBase & { readonly kind: 'tracking-upstream'; readonly story: number })
  | (ProblemBase & { readonly kind: 'two-trees'; readonly story: number; readonly trees: readonly number[] });

export interface MilestoneGraph {
  readonly tracking: number;
  /** The stories by number, in ascending order. */
  readonly stories: ReadonlyMap<number, StoryNode>;
  readonly outside: ReadonlyMap<number, OutsideIssue>;
  /** Ordered by the first story each names, then by kind. */
  readonly problems: readonly GraphProblem[];
}

/** Done: closed as completed, or its pull request merged. */
export const isDone = (issue: { readonly state: IssueState; readonly mergedPull?: number | undefined }): boolean =>
  issue.state === 'completed' || issue.mergedPull !== undefined;

/** Still to do: neither done nor closed as not planned. */
export const isToDo = (issue: { readonly state: IssueState; readonly mergedPull?: number | undefined }): boolean =>
  issue.state === 'open' && issue.mergedPull === undefined;

export function buildGraph(input: GraphInput): MilestoneGraph {
  const inputs = new Map<number, StoryInput>();
  for (const story of [...input.stories].sort((a, b) => a.number - b.number)) {
    if (!inputs.has(story.number)) inputs.set(story.number, story);
  }
  const outside = new Map((input.outside ?? []).filter((i) => !inputs.has(i.number)).map((i) => [i.number, i]));
  const downstream = new Map<number, number[]>([...inputs.keys()].map((n) => [n, []]));
  const stories = new Map<number, StoryNode>();
  for (const story of inputs.values()) {
    const upstream = ascending([...story.footerUpstream, ...(story.forgeUpstream ?? [])]);
    for (const u of upstream) downstream.get(u)?.push(story.number);
    stories.set(story.number, nodeOf(story, upstream, downstream.get(story.number)!));
  }
  const graph = { tracking: input.tracking, stories, outside };
  const problems = [...cycles(graph), ...edgeProblems(graph), ...treeProblems(graph, input.otherTrees)];
  return { ...graph, problems: problems.sort(byFirstStory) };
}

/** Every node with the same fields in the same order: one shape, so the passes over them stay fast. */
function nodeOf(story: StoryInput, upstream: readonly number[], downstream: readonly number[]): StoryNode {
  return {
    number: story.number,
    title: story.title,
    state: story.state,
    mergedPull: story.mergedPull,
    openPull: story.openPull,
    inProgress: story.inProgress,
    tracking: story.tracking,
    footerUpstream: story.footerUpstream,
    forgeUpstream: story.forgeUpstream,
    upstream,
    downstream,
  };
}

type Structure = Omit<MilestoneGraph, 'problems'>;

function cycles(graph: Structure): GraphProblem[] {
  // Edges into stories still to do only: what a done story waited for no longer matters.
  const edges = new Map(
    [...graph.stories.values()].map((s) => [s.number, s.downstream.filter((d) => isToDo(graph.stories.get(d)!))]),
  );
  const next = (n: number) => edges.get(n)!;
  const problems: GraphProblem[] = [];
  for (const component of stronglyConnected(graph.stories.keys(), next)) {
    const start = component.reduce((a, b) => Math.min(a, b));
    if (component.length === 1 && !next(start).includes(start)) continue;
    const cycle = cycleThrough(start, new Set(component), next);
    problems.push({ kind: 'cycle', cycle, stories: ascending(component), message: cycleMessage(cycle, component) });
  }
  return problems;
}

function cycleMessage(cycle: readonly number[], component: readonly number[]): string {
  const path = [...cycle, cycle[0]!].map(ref).join(' → ');
  const onCycle = new Set(cycle);
  const others = ascending(component.filter((n) => !onCycle.has(n)));
  const loop = others.length > 0 ? ` (${list(others)} ${others.length === 1 ? 'is' : 'are'} in the same loop)` : '';
  return `${path} is a cycle${loop}: each story waits for the one before it, so none of them can start; remove one of these edges from a story's \`## Dependencies\` footer`;
}

function edgeProblems(graph: Structure): GraphProblem[] {
  const problems: GraphProblem[] = [];
  for (const story of graph.stories.values()) {
    if (!isToDo(story)) continue;
    for (const upstream of story.upstream) {
      const problem = edgeProblem(graph, story.number, upstream);
      if (problem) problems.push(problem);
    }
  }
  return problems;
}

function edgeProblem(graph: Structure, story: number, upstream: number): GraphProblem | undefined {
  const stories = [story];
  if (upstream === graph.tracking) {
    const message = `${ref(story)} names its own tracking issue ${ref(upstream)} as upstream, which closes only when its stories are done: remove it from ${ref(story)}'s footer (the tracking link is the \`Tracking: ${ref(upstream)}\` line)`;
    return { kind: 'tracking-upstream', story, stories, message };
  }
  const issue = graph.stories.get(upstream) ?? graph.outside.get(upstream);
  if (issue === undefined) {
    const message = `${ref(story)} depends on ${ref(upstream)}, which does not exist: correct ${ref(story)}'s \`## Dependencies\` footer`;
    return { kind: 'missing-upstream', story, upstream, stories, message };
  }
  if (issue.state === 'not-planned' && !isDone(issue)) {
    const message = `${ref(story)} depends on ${ref(upstream)}, which was closed as not planned: remove the edge from ${ref(story)}'s footer, or reopen ${ref(upstream)}`;
    return { kind: 'not-planned-upstream', story, upstream, stories, message };
  }
  return undefined;
}

function treeProblems(graph: Structure, otherTrees: GraphInput['otherTrees']): GraphProblem[] {
  const problems: GraphProblem[] = [];
  for (const story of graph.stories.values()) {
    if (!isToDo(story)) continue;
    const claims = [...(otherTrees?.get(story.number) ?? []), story.tracking ?? graph.tracking];
    const others = ascending(claims.filter((t) => t !== graph.tracking));
    if (others.length === 0) continue;
    const trees = ascending([graph.tracking, ...others]);
    const message = `${ref(story.number)} belongs to ${trees.length === 2 ? 'two' : trees.length} milestones, ${list(trees)}: take it out of all but one (its footer's \`Tracking:\` line names the one it belongs to)`;
    problems.push({ kind: 'two-trees', story: story.number, trees: others, stories: [story.number], message });
  }
  return problems;
}

const KIND_ORDER: Readonly<Record<GraphProblem['kind'], number>> = {
  cycle: 0,
  'two-trees': 1,
  'tracking-upstream': 2,
  'missing-upstream': 3,
  'not-planned-upstream': 4,
};

function byFirstStory(a: GraphProblem, b: GraphProblem): number {
  return (
    a.stories[0]! - b.stories[0]! ||
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    ('upstream' in a && 'upstream' in b ? a.upstream - b.upstream : 0)
  );
}

export const ref = (n: number): string => `#${n}`;

/** `#2`, `#2 and #3`, `#2, #3 and #5`. */
export function list(numbers: readonly number[]): string {
  const refs = numbers.map(ref);
  return refs.length <= 1 ? refs.join('') : `${refs.slice(0, -1).join(', ')} and ${refs.at(-1)}`;
}

const ascending = (numbers: readonly number[]): number[] => [...new Set(numbers)].sort((a, b) => a - b);
