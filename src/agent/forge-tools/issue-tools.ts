/**
 * The tools every role has on its own issue or PR — `comment`, `add_labels`, `remove_labels`,
 * `read_thread` (the planner's `create_issue` and `set_dependencies` are in `planning-tools.ts`).
 * A comment goes to the forge as the agent wrote it, but for the secrets the redactor replaces and
 * the service's answer markers (`answer_review_comment`'s, in `review-tools.ts`).
 */
import { tool } from '@anthropic-ai/claude-agent-sdk';
import { z } from 'zod';
import { readRefusal } from './confinement.js';
import { renderThread } from './render-thread.js';
import { erased, guarded, type AnyTool, type ToolContext } from './tool-context.js';
import { failure, success } from './tool-result.js';
import { isStatusComment } from '../../core/status-marker.js';
import { withoutAnswerMarkers } from '../status/answer-marker.js';

const labelNames = z.array(z.string().min(1)).min(1).describe('Label names, as the repository spells them');

export function commentTool(ctx: ToolContext): AnyTool {
  return erased(
    tool(
      'comment',
      `Post a comment on ${ctx.repo.fullName}#${ctx.issue} (the issue or pull request this run is about). Markdown.`,
      { body: z.string().min(1) },
      (args) =>
        guarded(`Commenting on #${ctx.issue}`, async () => {
          // The service finds, edits and removes its status comments by this marker: an agent's
          // comment that wore it would be taken for one (overwritten, removed, hidden from prompts).
          if (isStatusComment(args.body))
            return failure(
              `Commenting on #${ctx.issue} refused: a comment may not begin with the service's status marker (<!-- claude-hooks:status … -->).`,
            );
          // An answer marker is the service's to add (`answer_review_comment`): in a plain comment it
          // would mark a review comment answered that nobody answered.
          const body = withoutAnswerMarkers(ctx.redact(args.body));
          const comment = await ctx.client.createComment(ctx.repo.fullName, ctx.issue, body);
          ctx.onChange({
            kind: 'comment',
            number: comment.id,
            url: comment.htmlUrl,
            summary: `commented on #${ctx.issue}`,
          });
          return success(`Posted comment ${comment.id} on #${ctx.issue}: ${comment.htmlUrl}`);
        }),
    ),
  );
}

export function addLabelsTool(ctx: ToolContext): AnyTool {
  return erased(
    tool(
      'add_labels',
      `Add labels to #${ctx.issue}. Only labels the repository already has can be added.`,
      { labels: labelNames },
      (args) =>
        guarded(`Adding labels to #${ctx.issue}`, async () => {
          const now = await ctx.client.addLabels(ctx.repo.fullName, ctx.issue, args.labels);
          const missing = args.labels.filter((name) => !now.includes(name));
          const added = args.labels.filter((name) => now.includes(name));
          if (added.length === 0)
            return failure(
              `No label was added to #${ctx.issue}: the repository has no label named ${quoted(missing)}.`,
            );
          ctx.onChange({
            kind: 'labels',
            number: ctx.issue,
            url: undefined,
            summary: `labelled #${ctx.issue} ${quoted(added)}`,
          });
          const note = missing.length === 0 ? '' : ` Not added (the repository has no such label): ${quoted(missing)}.`;
          return success(`#${ctx.issue} now has the labels ${quoted(now)}.${note}`);
        }),
    ),
  );
}

export function removeLabelsTool(ctx: ToolContext): AnyTool {
  return erased(
    tool('remove_labels', `Remove labels from #${ctx.issue}.`, { labels: labelNames }, (args) =>
      guarded(`Removing labels from #${ctx.issue}`, async () => {
        const removed: string[] = [];
        const unknown: string[] = [];
        for (const name of args.labels) {
          const outcome = await ctx.client.removeLabel(ctx.repo.fullName, ctx.issue, name);
          (outcome === 'removed' ? removed : unknown).push(name);
        }
        if (removed.length === 0)
          return failure(
            `No label was removed from #${ctx.issue}: the repository has no label named ${quoted(unknown)}.`,
          );
        ctx.onChange({
          kind: 'labels',
          number: ctx.issue,
          url: undefined,
          summary: `removed ${quoted(removed)} from #${ctx.issue}`,
        });
        const note = unknown.length === 0 ? '' : ` The repository has no label named ${quoted(unknown)}.`;
        return success(`Removed ${quoted(removed)} from #${ctx.issue}.${note}`);
      }),
    ),
  );
}

/**
 * Reads only the run's own issue or PR, or the PR this run opened: any other number is refused
 * (a thread the agent was not asked about is text from strangers it has no reason to read).
 */
export function readThreadTool(ctx: ToolContext): AnyTool {
  const shape = {
    number: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(`#${ctx.issue} when omitted; the only other number allowed is a pull request this run opened`),
  };
  const description = `Read #${ctx.issue} of ${ctx.repo.fullName} (this run's issue or pull request), or a pull request this run opened, as it is now: its text and comments, and for a PR its branches and reviews.`;
  return erased(
    tool('read_thread', description, shape, (args) => {
      const number = args.number ?? ctx.issue;
      const refusal = readRefusal(ctx, number);
      if (refusal !== undefined) return Promise.resolve(failure(refusal));
      return guarded(`Reading #${number}`, async () => {
        const repo = ctx.repo.fullName;
        const [issue, comments] = await Promise.all([
          ctx.client.getIssue(repo, number),
          ctx.client.listIssueComments(repo, number),
        ]);
        if (!issue.isPull) return success(renderThread({ issue, comments }));
        const [pull, reviews] = await Promise.all([
          ctx.client.getPull(repo, number),
          ctx.client.listPullReviews(repo, number),
        ]);
        return success(renderThread({ issue, comments, pull, reviews }));
      });
    }),
  );
}

const quoted = (names: readonly string[]): string =>
  names.length === 0 ? '(none)' : names.map((name) => JSON.stringify(name)).join(', ');
