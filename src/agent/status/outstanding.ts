/**
 * Which review comments on dev's pull request are still outstanding: a line comment of a submitted
 * review, by a person or the reviewer agent, that no comment dev's own forge user wrote in the
 * pull request's conversation marks as fixed or answered (`answer-marker.ts`). A pure function of
 * what the forge answers; the implementer's forge tools read it at the end of a run
 * (`agent/forge-tools/review-tools.ts`) and the status comment lists what it returns.
 */
import type { UserRef } from '../../core/events.js';
import type { PullReviewState } from '../../forge/client.js';
import { answeredIn } from './answer-marker.js';

/** A review comment the status comment names: who made it, where, and its page when the forge said. */
export interface OutstandingReviewComment {
  readonly id: number;
  readonly author: string;
  /** `path:line`, or the path alone for a comment on no line of the new file. */
  readonly where: string;
  readonly url: string | undefined;
}

/** A line comment as the forge client reads it; `htmlUrl` when the client reads the comment's page. */
export interface LineComment {
  readonly id: number;
  readonly author: UserRef;
  readonly path: string;
  readonly line: number;
  readonly htmlUrl?: string;
}

export interface ReviewWithComments {
  readonly state: PullReviewState;
  readonly comments: readonly LineComment[];
}

export interface OutstandingInput {
  /** The pull request's reviews, each with its line comments (`requested` and `pending` ones count for nothing). */
  readonly reviews: readonly ReviewWithComments[];
  /** The comments of the pull request's conversation, where dev's answers are. */
  readonly conversation: readonly { readonly author: UserRef; readonly body: string }[];
  /** Dev's forge login: the only author whose markers count, and whose own line comments need no answer. */
  readonly author: string;
}

/** The review comments no answer of `author`'s marks, oldest first. */
export function outstandingReviewComments(input: OutstandingInput): OutstandingReviewComment[] {
  const answered = new Set(
    input.conversation.filter((comment) => same(comment.author.login, input.author)).flatMap((c) => answeredIn(c.body)),
  );
  return input.reviews
    .filter((review) => SUBMITTED.has(review.state))
    .flatMap((review) => review.comments)
    .filter((comment) => !same(comment.author.login, input.author) && !answered.has(comment.id))
    .sort((a, b) => a.id - b.id)
    .map((comment) => ({
      id: comment.id,
      author: comment.author.login,
      where: whereOf(comment),
      url: linkOf(comment),
    }));
}

/** `src/login.ts:12`, or `src/login.ts` for a comment on a removed line. */
export const whereOf = (comment: Pick<LineComment, 'path' | 'line'>): string =>
  comment.line > 0 ? `${comment.path}:${comment.line}` : comment.path;

/** The comment's page on the forge, when the client read it and it is an http(s) address. */
export const linkOf = (comment: LineComment): string | undefined =>
  comment.htmlUrl !== undefined && /^https?:\/\//i.test(comment.htmlUrl) ? comment.htmlUrl : undefined;

const SUBMITTED: ReadonlySet<PullReviewState> = new Set(['approved', 'changes_requested', 'comment']);

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
