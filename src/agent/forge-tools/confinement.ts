/**
 * What keeps a run's tools on the run's own work. The model reads text strangers wrote, so every
 * argument that names something on the forge — an issue or PR number, a reviewer, a base branch —
 * is checked here against what the run is about; a refusal is text the model can read (a
 * `string`), never a throw.
 */
import type { PullRef } from '../../core/events.js';
import type { ToolContext } from './tool-context.js';

export const sameLogin = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** The numbers `read_thread` may read: the run's issue or PR, and the PR this run opened. */
export function readableNumbers(ctx: ToolContext): number[] {
  return ctx.openedPull === undefined || ctx.openedPull === ctx.issue ? [ctx.issue] : [ctx.issue, ctx.openedPull];
}

/** Why `number` may not be read, or undefined when it may. */
export function readRefusal(ctx: ToolContext, number: number): string | undefined {
  if (readableNumbers(ctx).includes(number)) return undefined;
  const opened =
    ctx.openedPull === undefined || ctx.openedPull === ctx.issue
      ? ''
      : ` and #${ctx.openedPull} (the pull request it opened)`;
  return `Reading #${number} refused: this run may read only #${ctx.issue} (its own issue or pull request)${opened}.`;
}

/** Why `requested` may not be asked for a review (each must be a configured reviewer), or undefined. */
export function reviewerRefusal(ctx: ToolContext, requested: readonly string[]): string | undefined {
  if (ctx.reviewers.length === 0)
    return 'Requesting a review refused: no reviewer is configured (an agent with worktree: pr-head), so nobody may be asked.';
  const others = requested.filter((login) => !ctx.reviewers.some((reviewer) => sameLogin(reviewer, login)));
  if (others.length === 0) return undefined;
  return `Requesting a review refused: only ${ctx.reviewers.join(', ')} may be asked for a review, not ${others.join(', ')}.`;
}

/**
 * The run's own open PRs: the one this run opened, and every open PR from the worktree's branch
 * that is the run's issue itself or that the agent's user opened (in an earlier run). A PR from a
 * branch of the same name that someone else opened — a fork's, say — is not the run's.
 */
export async function ownPulls(ctx: ToolContext): Promise<number[]> {
  const own = new Set<number>();
  if (ctx.openedPull !== undefined) own.add(ctx.openedPull);
  if (ctx.branch === undefined) return [...own];
  for (const pull of await ctx.client.listPulls(ctx.repo.fullName, 'open')) {
    if (isOwnPull(ctx, pull)) own.add(pull.number);
  }
  return [...own].sort((a, b) => a - b);
}

function isOwnPull(ctx: ToolContext, pull: PullRef): boolean {
  return pull.headRef === ctx.branch && (pull.number === ctx.issue || sameLogin(pull.author.login, ctx.login));
}

/**
 * The PR `request_review` asks about: `wanted` when it is one of the run's own, else the one this
 * run opened, else the only open PR of the run's own; a string says why there is none.
 */
export async function reviewTarget(ctx: ToolContext, wanted: number | undefined): Promise<number | string> {
  if (wanted === undefined && ctx.openedPull !== undefined) return ctx.openedPull;
  if (wanted !== undefined && wanted === ctx.openedPull) return wanted;
  const own = await ownPulls(ctx);
  const none =
    ctx.branch === undefined
      ? 'this worktree is not on a branch'
      : `none is open from this worktree's branch ${ctx.branch}`;
  const which = own.length === 0 ? none : own.map((number) => `#${number}`).join(', ');
  if (wanted !== undefined)
    return own.includes(wanted)
      ? wanted
      : `Requesting a review of #${wanted} refused: this run may ask for reviews only of its own pull request (${which}).`;
  const [only, ...more] = own;
  if (only === undefined)
    return `Requesting a review failed: this run has no open pull request of its own (${which}); open one with open_pull_request first.`;
  if (more.length > 0)
    return `Requesting a review failed: this run has several open pull requests (${which}); say which with \`pull\`.`;
  return only;
}

/**
 * Why `name` is not a plain branch name (git's check-ref-format rules, and not a full ref such as
 * `refs/pull/3/head`), or undefined when it is one.
 */
export function branchNameRefusal(name: string): string | undefined {
  const problem = branchNameProblem(name);
  return problem === undefined ? undefined : `${JSON.stringify(name)} is not a branch name: ${problem}.`;
}

function branchNameProblem(name: string): string | undefined {
  if (name.length > 255) return 'it is longer than 255 characters';
  // Control characters, space and git's special characters; DEL and anything beyond ASCII too.
  if (/[^\x21-\x7e]|[~^:?*[\\]/.test(name))
    return 'it has a space, a control or non-ASCII character, or one of ~ ^ : ? * [ \\';
  if (name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.'))
    return 'it starts with "-" or "/", or ends with "/" or "."';
  if (name.includes('..') || name.includes('//') || name.includes('@{') || name === '@')
    return 'it has "..", "//" or "@{", or is "@"';
  if (name.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock')))
    return 'a part of it starts with "." or ends with ".lock"';
  if (/^(refs|heads|remotes|tags)\//i.test(name) || name === 'HEAD') return 'it names a ref, not a branch';
  return undefined;
}
