/**
 * What keeps the planner's dependency edges on real work of the run's repository (decisions.md
 * §53): every number it names — an upstream story, a tracking issue, the story whose dependencies
 * it sets — must be an issue (not a pull request) that exists in the run's repository, and a story
 * it rewrites must be the run's issue, one this run opened, or a story of the run's issue (its
 * footer says `Tracking: #<run's issue>`). A refusal is a sentence the model can read.
 *
 * A two-story cycle (an upstream whose own footer names the story) is refused here, as the forge
 * refuses it natively; longer cycles are the milestone graph's to find and report.
 */
import type { IssueRef } from '../../core/events.js';
import { ForgeApiError } from '../../forge/client.js';
import { parseFooter } from '../../milestones/dependencies.js';
import type { ToolContext } from './tool-context.js';
import { MAX_DEPENDS_ON } from './write-checks.js';

export interface CheckedEdges {
  readonly upstream: readonly number[];
  readonly tracking: number | undefined;
  /** The upstream stories' titles, for the people reading the footer. */
  readonly titles: ReadonlyMap<number, string>;
}

/** The issue, or a refusal when it does not exist or is a pull request. */
export async function existingIssue(ctx: ToolContext, number: number, role: string): Promise<IssueRef | string> {
  let issue: IssueRef;
  try {
    issue = await ctx.client.getIssue(ctx.repo.fullName, number);
  } catch (error) {
    if (error instanceof ForgeApiError && error.status === 404)
      return `${role} #${number} does not exist in ${ctx.repo.fullName}`;
    throw error;
  }
  if (issue.isPull) return `${role} #${number} is a pull request, not an issue`;
  return issue;
}

/** Why the run may not rewrite `story`'s dependencies, or undefined when it may. */
export function storyRefusal(ctx: ToolContext, story: IssueRef): string | undefined {
  if (story.number === ctx.issue || ctx.openedIssues.includes(story.number)) return undefined;
  if (parseFooter(story.body).tracking === ctx.issue) return undefined;
  const opened = ctx.openedIssues.length === 0 ? '' : `, the issues it opened (${refs(ctx.openedIssues)})`;
  return `#${story.number} is not a story of this run: it may set the dependencies of #${ctx.issue}${opened}, and of the stories whose footer says "Tracking: #${ctx.issue}"`;
}

/**
 * `upstream` (each once) and `tracking` checked for `story` (undefined for an issue not opened
 * yet): each exists as an issue of the repository, none is the story, the tracking issue is no
 * upstream, and no upstream already depends on the story.
 */
export async function checkEdges(
  ctx: ToolContext,
  story: number | undefined,
  upstream: readonly number[],
  tracking: number | undefined,
): Promise<CheckedEdges | string> {
  const wanted = [...new Set(upstream)];
  if (wanted.length > MAX_DEPENDS_ON)
    return `a story may name at most ${MAX_DEPENDS_ON} upstream stories, not ${wanted.length}`;
  if (story !== undefined && (wanted.includes(story) || tracking === story))
    return `#${story} cannot depend on itself or track itself`;
  if (tracking !== undefined && wanted.includes(tracking))
    return `the tracking issue #${tracking} cannot also be an upstream story`;
  const [found, trackingIssue] = await Promise.all([
    Promise.all(wanted.map((number) => existingIssue(ctx, number, 'upstream story'))),
    tracking === undefined ? undefined : existingIssue(ctx, tracking, 'tracking issue'),
  ]);
  const refusal = [trackingIssue, ...found].find((issue): issue is string => typeof issue === 'string');
  if (refusal !== undefined) return refusal;
  const issues = found as IssueRef[];
  const cycle =
    story === undefined ? undefined : issues.find((issue) => parseFooter(issue.body).upstream.includes(story));
  if (cycle !== undefined) return `#${cycle.number} already depends on #${story}: the two would wait for each other`;
  return { upstream: wanted, tracking, titles: new Map(issues.map((issue) => [issue.number, issue.title])) };
}

export const refs = (numbers: readonly number[]): string =>
  numbers.length === 0 ? 'none' : numbers.map((n) => `#${n}`).join(', ');
