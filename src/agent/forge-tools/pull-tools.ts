/**
 * The pull-request tools: the dev's `open_pull_request` and `request_review`, the reviewer's
 * `submit_review`. The PR's head is always the worktree's branch — the agent names only the base,
 * which must be a plain branch name of the run's repository: by default the default branch, or
 * for a stacked story its upstream story's branch (`ctx.defaultBase`). A review is requested only
 * of the run's own PR and only from the configured reviewers; a review is submitted only on the
 * run's own PR (`ctx.issue`).
 */
import { tool } from '@anthropic-ai/claude-agent-sdk';
import { z } from 'zod';
import { ForgeApiError } from '../../forge/client.js';
import { branchNameRefusal, reviewerRefusal, reviewTarget } from './confinement.js';
import { erased, guarded, type AnyTool, type ToolContext } from './tool-context.js';
import { failure, forgeFailure, forgeMessage, success, type ToolResult } from './tool-result.js';

export function openPullRequestTool(ctx: ToolContext): AnyTool {
  const shape = {
    title: z.string().min(1),
    body: z.string().describe('Markdown; say which issue it closes, e.g. "Closes #12"'),
    base: z
      .string()
      .min(1)
      .optional()
      .describe(
        ctx.defaultBase === ctx.repo.defaultBranch
          ? `Branch to merge into; ${ctx.repo.defaultBranch} when omitted, or the branch of the story this one stacks on`
          : `Branch to merge into; ${ctx.defaultBase} when omitted: the branch of the story this one stacks on (it is retargeted at ${ctx.repo.defaultBranch} when that story merges)`,
      ),
  };
  const description = `Open a pull request from this worktree's branch${ctx.branch === undefined ? '' : ` (${ctx.branch})`} in ${ctx.repo.fullName}. Push the branch first.`;
  return erased(
    tool('open_pull_request', description, shape, async (args) => {
      const head = ctx.branch;
      if (head === undefined)
        return failure(
          'Opening the pull request failed: this worktree is not on a branch, so there is no head to open it from.',
        );
      const base = args.base ?? ctx.defaultBase;
      const odd = branchNameRefusal(base);
      if (odd !== undefined)
        return failure(
          `Opening the pull request failed: the base ${odd} Name the branch to merge into, e.g. ${ctx.repo.defaultBranch}.`,
        );
      if (base === head)
        return failure(
          `Opening the pull request failed: the base ${JSON.stringify(base)} is this worktree's own branch; name the branch to merge into, e.g. ${ctx.repo.defaultBranch}.`,
        );
      try {
        const pull = await ctx.client.createPull(ctx.repo.fullName, { head, base, title: args.title, body: args.body });
        ctx.openedPull = pull.number;
        ctx.onChange({
          kind: 'pull',
          number: pull.number,
          url: pull.htmlUrl,
          summary: `opened PR #${pull.number} (${head} → ${base})`,
        });
        return success(`Opened pull request #${pull.number} (${head} → ${base}): ${pull.htmlUrl}`);
      } catch (error) {
        if (error instanceof ForgeApiError && error.status === 409) return alreadyOpen(ctx, head, base, error);
        return forgeFailure(`Opening the pull request ${head} → ${base}`, error);
      }
    }),
  );
}

/**
 * Asks configured reviewers (`ctx.reviewers`, nobody else) to review the run's own PR (see
 * `reviewTarget`), never an arbitrary number.
 */
export function requestReviewTool(ctx: ToolContext): AnyTool {
  const who = ctx.reviewers.length === 0 ? 'nobody is configured' : `only ${ctx.reviewers.join(', ')}`;
  const shape = {
    reviewers: z.array(z.string().min(1)).min(1).describe(`Forge logins: ${who}`),
    pull: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "This run's own PR; the PR opened in this run (or the open PR from this worktree's branch) when omitted",
      ),
  };
  return erased(
    tool('request_review', `Ask reviewers (${who}) to review this run's own pull request.`, shape, async (args) => {
      const refusal = reviewerRefusal(ctx, args.reviewers);
      if (refusal !== undefined) return failure(refusal);
      const target = await reviewTarget(ctx, args.pull).catch((error: unknown) =>
        forgeFailure("Looking up the pull requests of this worktree's branch", error),
      );
      if (typeof target !== 'number') return typeof target === 'string' ? failure(target) : target;
      const number = target;
      return guarded(`Requesting a review of #${number}`, async () => {
        await ctx.client.requestReviewers(ctx.repo.fullName, number, args.reviewers);
        ctx.onChange({
          kind: 'review-request',
          number,
          url: undefined,
          summary: `requested a review of #${number} from ${args.reviewers.join(', ')}`,
        });
        return success(`Requested a review of #${number} from ${args.reviewers.join(', ')}.`);
      });
    }),
  );
}

export function submitReviewTool(ctx: ToolContext): AnyTool {
  const shape = {
    event: z.enum(['APPROVED', 'REQUEST_CHANGES', 'COMMENT']),
    body: z.string().describe("The review's summary; required for REQUEST_CHANGES and COMMENT"),
    comments: z
      .array(
        z.object({
          path: z.string().min(1),
          line: z.number().int().positive().describe('Line number in the new version of the file'),
          body: z.string().min(1),
        }),
      )
      .optional()
      .describe('Comments on lines of the diff'),
  };
  return erased(
    tool('submit_review', `Submit a review of pull request #${ctx.issue}.`, shape, (args) =>
      guarded(`Submitting the review of #${ctx.issue}`, async () => {
        const review = await ctx.client.submitReview(ctx.repo.fullName, ctx.issue, {
          event: args.event,
          body: args.body,
          comments: args.comments ?? [],
        });
        ctx.onChange({
          kind: 'review',
          number: ctx.issue,
          url: review.htmlUrl || undefined,
          summary: `reviewed #${ctx.issue}: ${args.event}`,
        });
        return success(
          `Submitted a ${args.event} review of #${ctx.issue}${review.htmlUrl === '' ? '' : `: ${review.htmlUrl}`}`,
        );
      }),
    ),
  );
}

/** 409: name the open PR (number and link) when the forge will say which it is. */
async function alreadyOpen(ctx: ToolContext, head: string, base: string, error: ForgeApiError): Promise<ToolResult> {
  const existing = await ctx.client.findOpenPull(ctx.repo.fullName, base, head).catch(() => undefined);
  const which = existing === undefined ? 'a pull request' : `pull request #${existing.number} (${existing.htmlUrl})`;
  return failure(
    `Opening the pull request failed (HTTP 409): ${which} from ${head} into ${base} is already open; push to ${head} to update it. The forge said: ${forgeMessage(error.body)}`,
  );
}
