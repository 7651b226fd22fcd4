/**
 * Dev's answers to review comments (decisions.md §59, docs/until-merged.md "Review comments"):
 * `answer_review_comment` says in the pull request's conversation that one line comment of a
 * review is fixed or answered, and `readOutstanding` tells at the end of a run which are neither.
 *
 * Both look only at **the run's own pull request** (`ownPulls`: the one this run opened, or the
 * open PR of the worktree's branch that dev's user opened), so a comment id from anywhere else —
 * another PR, an issue comment, a number the model made up — is refused. The answer ends with the
 * service's hidden marker (`answer-marker.ts`); whatever marker the agent's text carried is
 * removed first, so its text cannot mark another comment answered.
 */
import { tool } from '@anthropic-ai/claude-agent-sdk';
import { z } from 'zod';
import { submittedReviews, type ReviewComment } from '../../forge/client.js';
import { answerMarker, withoutAnswerMarkers, type Resolution } from '../status/answer-marker.js';
import {
  linkOf,
  outstandingReviewComments,
  whereOf,
  type OutstandingReviewComment,
  type ReviewWithComments,
} from '../status/outstanding.js';
import { ownPulls, sameLogin } from './confinement.js';
import { erased, guarded, type AnyTool, type ToolContext } from './tool-context.js';
import { failure, success } from './tool-result.js';
import { MAX_BODY_CHARS } from './write-checks.js';

const RESOLUTIONS = ['fixed', 'answered'] as const satisfies readonly Resolution[];

export function answerReviewCommentTool(ctx: ToolContext): AnyTool {
  const shape = {
    comment_id: z
      .number()
      .int()
      .positive()
      .describe('The review comment\'s id (a prompt shows it as "review comment <id>")'),
    body: z.string().min(1).describe('Your answer, Markdown: what you changed, or why you did not'),
    resolution: z
      .enum(RESOLUTIONS)
      .describe('fixed: the code is changed and pushed; answered: you explain why it stays as it is'),
  };
  const description =
    "Answer one line comment of a review of this run's own pull request: posts your answer in the pull request's conversation, saying where the comment is. Answer every review comment: fixed (push the change first) or answered (say why not).";
  return erased(
    tool('answer_review_comment', description, shape, (args) =>
      guarded(`Answering review comment ${args.comment_id}`, async () => {
        if (args.body.length > MAX_BODY_CHARS)
          return failure(
            `Answering review comment ${args.comment_id} refused: the answer is ${args.body.length} characters long; at most ${MAX_BODY_CHARS} are allowed.`,
          );
        const answer = withoutAnswerMarkers(ctx.redact(args.body)).trim();
        if (answer === '')
          return failure(
            `Answering review comment ${args.comment_id} refused: the answer says nothing once the service's markers (<!-- claude-hooks:answers … -->) are removed.`,
          );
        const found = await findReviewComment(ctx, args.comment_id);
        if (typeof found === 'string') return failure(found);
        const { pull, comment } = found;
        const posted = await ctx.client.createComment(
          ctx.repo.fullName,
          pull,
          answerBody(comment, args.resolution, answer),
        );
        ctx.onChange({
          kind: 'comment',
          number: posted.id,
          url: posted.htmlUrl,
          summary: `answered review comment ${comment.id} on #${pull} (${args.resolution})`,
        });
        return success(
          `Answered review comment ${comment.id} on #${pull} as ${args.resolution} (comment ${posted.id}): ${posted.htmlUrl}`,
        );
      }),
    ),
  );
}

/**
 * The review comments of the run's own pull request still waiting for an answer; undefined when
 * the run has no open pull request of its own. Reads the PR's reviews, their line comments and its
 * conversation with the agent's client: a forge error is the caller's to handle.
 */
export async function readOutstanding(ctx: ToolContext): Promise<OutstandingReviewComment[] | undefined> {
  const pulls = await ownPulls(ctx);
  if (pulls.length === 0) return undefined;
  const perPull = await Promise.all(
    pulls.map(async (pull) => {
      const [reviews, conversation] = await Promise.all([
        reviewsOf(ctx, pull),
        ctx.client.listIssueComments(ctx.repo.fullName, pull),
      ]);
      return outstandingReviewComments({ reviews, conversation, author: ctx.login });
    }),
  );
  return perPull.flat();
}

/** The comment `id` on one of the run's own PRs, or why it may not be answered. */
async function findReviewComment(
  ctx: ToolContext,
  id: number,
): Promise<{ pull: number; comment: ReviewComment } | string> {
  const pulls = await ownPulls(ctx);
  if (pulls.length === 0)
    return `Answering review comment ${id} failed: this run has no open pull request of its own${ctx.branch === undefined ? '' : ` (none is open from this worktree's branch ${ctx.branch})`}.`;
  for (const pull of pulls) {
    const comment = (await reviewsOf(ctx, pull)).flatMap((review) => review.comments).find((c) => c.id === id);
    if (comment === undefined) continue;
    if (sameLogin(comment.author.login, ctx.login))
      return `Answering review comment ${id} refused: it is your own comment on #${pull}; answer the comments others made.`;
    return { pull, comment };
  }
  const which = pulls.map((pull) => `#${pull}`).join(', ');
  return `Answering review comment ${id} refused: it is not a line comment of a submitted review of this run's own pull request (${which}). Use the id a review comment is shown with.`;
}

/** The PR's submitted reviews, each with its line comments. */
async function reviewsOf(
  ctx: ToolContext,
  pull: number,
): Promise<(ReviewWithComments & { comments: ReviewComment[] })[]> {
  const reviews = submittedReviews(await ctx.client.listPullReviews(ctx.repo.fullName, pull));
  return Promise.all(
    reviews.map(async (review) => ({
      state: review.state,
      comments: await ctx.client.listReviewComments(ctx.repo.fullName, pull, review.id),
    })),
  );
}

/**
 * The answer as posted: where the review comment is, whose it is and what dev did, the agent's
 * text (its own markers removed), and the service's marker last. The reviewer's login goes
 * without its `@`: an answer must not mention, and so wake, anyone (the reviewer agent included).
 */
function answerBody(comment: ReviewComment, resolution: Resolution, answer: string): string {
  const where = whereOf(comment).replace(/[`\r\n]/g, ' ');
  const url = linkOf(comment);
  const link = url === undefined ? '' : ` ([review comment](${url.replace(/[()<>\s]/g, encodeURIComponent)}))`;
  const what = resolution === 'fixed' ? 'Fixed' : 'Answered';
  return [
    `**${what}:** review comment ${comment.id} by ${comment.author.login.replace(/@/g, '')} on \`${where}\`${link}`,
    '',
    answer,
    '',
    answerMarker(comment.id, resolution),
  ].join('\n');
}
