/**
 * The pieces full and delta prompts share: a comment, a review with its code comments, a diff
 * stat, the workspace. Everything a forge user wrote goes through `untrusted.ts`.
 */
import type { CommentRef } from '../../core/events.js';
import type { DiffStat, PullReviewState } from '../../forge/client.js';
import type { ThreadReview } from './thread.js';
import type { PromptRequest } from './types.js';
import { inlineUntrusted, quoteUntrusted } from './untrusted.js';

export function commentBlock(comment: CommentRef, heading: string): string {
  return `${heading}\n${quoteUntrusted(comment.body, { author: comment.author.login, kind: `comment ${comment.id}` })}`;
}

export const commentHeading = (comment: CommentRef, you: string, label = 'Comment'): string =>
  `### ${label} ${comment.id} by ${who(comment.author.login, you)}, ${comment.createdAt}${comment.updatedAt !== comment.createdAt ? ` (edited ${comment.updatedAt})` : ''}`;

const VERDICTS: Readonly<Record<PullReviewState, string>> = {
  approved: 'approved',
  changes_requested: 'requested changes',
  comment: 'commented',
  requested: 'was asked for a review',
  pending: 'has a review in progress',
};

export function reviewBlock(review: ThreadReview, you: string): string {
  const reviewer = who(review.author.login, you);
  if (review.state === 'requested') return `### Review requested from ${reviewer}`;
  const at = review.commitId === '' ? '' : ` on ${review.commitId.slice(0, 12)}`;
  const when = review.submittedAt === '' ? '' : `, ${review.submittedAt}`;
  const lines = [
    `### Review ${review.id === 0 ? '' : `${review.id} `}by ${reviewer}: ${VERDICTS[review.state]}${at}${when}`,
  ];
  if (review.body.trim() !== '')
    lines.push(quoteUntrusted(review.body, { author: review.author.login, kind: `review ${review.id}` }));
  for (const comment of review.comments) {
    const line = comment.line > 0 ? `:${comment.line}` : '';
    lines.push(
      `- on ${inlineUntrusted(comment.path)}${line}:`,
      quoteUntrusted(comment.body, { author: comment.author.login, kind: `review comment ${comment.id}` }),
    );
  }
  return lines.join('\n');
}

export const diffStatLine = (diff: DiffStat): string =>
  `${diff.changedFiles} file${diff.changedFiles === 1 ? '' : 's'} changed, +${diff.additions} −${diff.deletions}`;

export function workspaceSection(workspace: PromptRequest['workspace']): string {
  const where =
    workspace.branch === undefined
      ? `a detached head at ${workspace.head}`
      : `branch ${inlineUntrusted(workspace.branch)} at ${workspace.head}`;
  const lines = ['## Your workspace', `Your working directory is a git worktree of the repository, on ${where}.`];
  if (workspace.remoteMoved) lines.push(remoteMovedLine());
  return lines.join('\n');
}

export const remoteMovedLine = (): string =>
  'The remote moved under your local work: the branch on the forge has commits your local branch does not. Fetch and look at them before you push (rebase or merge; never force-push over them).';

/** `@alice`, or `you (@dev-bot)` for the agent itself. */
export const who = (login: string, you: string): string =>
  login.toLowerCase() === you.toLowerCase() ? `you (@${login})` : `@${login}`;
