/**
 * `read_thread`'s answer: an issue or PR as plain text, every piece of text under its author's
 * name so the agent can tell people's words from each other. The service's status comments are
 * left out (counted): they are bookkeeping, not conversation. Forge text is data, quoted as the
 * prompt quotes it (`agent/prompt/untrusted.ts`): bodies, comments and reviews in
 * `<untrusted-…>` blocks naming their author, one-line values (title, labels, branches) in JSON
 * quotes, what the forge page hides removed (`cleanUntrusted`) — the tool's answer reaches the
 * model as directly as the prompt does.
 */
import type { PullReview } from '../../forge/client.js';
import type { CommentRef, IssueRef, PullRef } from '../../core/events.js';
import { inlineUntrusted, quoteUntrusted, UNTRUSTED_NOTICE } from '../prompt/untrusted.js';
import { isStatusComment } from '../../core/status-marker.js';

export interface Thread {
  readonly issue: IssueRef;
  readonly comments: readonly CommentRef[];
  readonly pull?: PullRef;
  readonly reviews?: readonly PullReview[];
}

export function renderThread(thread: Thread): string {
  const { issue, pull } = thread;
  const kind = issue.isPull ? 'Pull request' : 'Issue';
  const lines = [
    `${kind} #${issue.number}: ${inlineUntrusted(issue.title)}`,
    `State: ${pull?.merged === true ? 'merged' : issue.state} · author: ${issue.author.login} · labels: ${list(issue.labels)} · assignees: ${list(issue.assignees)}`,
  ];
  if (pull !== undefined)
    lines.push(
      `Branches: ${inlineUntrusted(pull.headRef)} → ${inlineUntrusted(pull.baseRef)} (head ${pull.headSha.slice(0, 12)}) · review requested from: ${list(pull.requestedReviewers)}`,
    );
  lines.push(
    '',
    UNTRUSTED_NOTICE,
    '',
    `Body (by ${issue.author.login}):`,
    quoteUntrusted(issue.body, { author: issue.author.login, kind: `${issue.isPull ? 'pull request' : 'issue'} body` }),
  );
  const comments = thread.comments.filter((comment) => !isStatusComment(comment.body));
  for (const comment of comments) {
    const edited = comment.updatedAt !== comment.createdAt ? `, edited ${comment.updatedAt}` : '';
    lines.push(
      '',
      `--- Comment ${comment.id} by ${comment.author.login} at ${comment.createdAt}${edited}:`,
      quoteUntrusted(comment.body, { author: comment.author.login, kind: `comment ${comment.id}` }),
    );
  }
  for (const review of thread.reviews ?? []) {
    const who = review.author.login === '' ? '(a team)' : review.author.login;
    lines.push(
      '',
      `--- Review ${review.id} by ${who}: ${review.state}${review.submittedAt === '' ? '' : ` at ${review.submittedAt}`}`,
    );
    if (review.body !== '') lines.push(quoteUntrusted(review.body, { author: who, kind: `review ${review.id}` }));
  }
  if (comments.length === 0 && (thread.reviews ?? []).length === 0) lines.push('', '(no comments yet)');
  const statuses = thread.comments.length - comments.length;
  if (statuses > 0) lines.push('', `(${statuses} status comment${statuses === 1 ? '' : 's'} of the service left out)`);
  return lines.join('\n');
}

const list = (items: readonly string[]): string =>
  items.length === 0 ? 'none' : items.map(inlineUntrusted).join(', ');
