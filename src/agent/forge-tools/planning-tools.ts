/**
 * The planner's tools for a milestone (docs/milestones.md): `create_issue` opens a story — with a
 * `## Dependencies` footer naming its upstream stories and its tracking issue, and the same edges
 * as the forge's own dependencies — and `set_dependencies` rewrites a story's footer and native
 * edges. The model is not trusted with any of it (decisions.md §53): titles and bodies pass the
 * redactor, may not carry the service's markers or its own footer, and are bounded; a run opens
 * at most `maxIssues` issues; every number is checked (`story-checks.ts`). The footer is written
 * by `renderFooter`, the format the milestone parser reads back.
 */
import { tool } from '@anthropic-ai/claude-agent-sdk';
import { z } from 'zod';
import { parseFooter, renderFooter } from '../../milestones/dependencies.js';
import { hasFooterSection, withFooter } from './footer-section.js';
import { describeNative, setNativeDependencies } from './native-dependencies.js';
import { checkEdges, existingIssue, refs, storyRefusal, type CheckedEdges } from './story-checks.js';
import { erased, guarded, type AnyTool, type ToolContext } from './tool-context.js';
import { failure, success, type ToolResult } from './tool-result.js';
import { MAX_BODY_CHARS, MAX_DEPENDS_ON, MAX_TITLE_CHARS, textRefusal } from './write-checks.js';

const issueNumbers = z.array(z.number().int().positive());

export function createIssueTool(ctx: ToolContext): AnyTool {
  const shape = {
    title: z.string().min(1).describe(`One line, at most ${MAX_TITLE_CHARS} characters`),
    body: z
      .string()
      .describe(`Markdown, at most ${MAX_BODY_CHARS} characters, without a Dependencies section (the tool writes it)`),
    labels: z.array(z.string().min(1)).optional().describe('Label names the repository has'),
    depends_on: issueNumbers
      .optional()
      .describe(
        `Issues of this repository the new story builds on (its direct upstream stories, at most ${MAX_DEPENDS_ON})`,
      ),
    tracking: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(`The tracking issue the story belongs to (usually #${ctx.issue})`),
  };
  const description = `Open a new issue in ${ctx.repo.fullName} — for example one story of a milestone. With depends_on or tracking, the tool ends the body with a "## Dependencies" footer naming them and sets the same dependencies on the forge. At most ${ctx.maxIssues} issues per run.`;
  return erased(
    tool('create_issue', description, shape, (args) =>
      guarded('Creating the issue', async () => {
        const title = ctx.redact(args.title);
        const body = ctx.redact(args.body);
        const refused = textRefusal('title', title, MAX_TITLE_CHARS) ?? ownFooterRefusal(body);
        if (refused !== undefined) return failure(`Creating the issue refused: ${refused}.`);
        if (ctx.openedIssues.length + ctx.openingIssues >= ctx.maxIssues)
          return failure(
            `Creating the issue refused: this run has opened ${ctx.openedIssues.length} issues (${refs(ctx.openedIssues)}), the most one run may (limits.maxIssuesPerRun). Say in a comment what is left to open.`,
          );
        // Held from here, before the first wait, so that calls made together cannot pass the cap together.
        ctx.openingIssues++;
        try {
          return await openStory(ctx, { title, body, labels: args.labels ?? [] }, args.depends_on ?? [], args.tracking);
        } finally {
          ctx.openingIssues--;
        }
      }),
    ),
  );
}

async function openStory(
  ctx: ToolContext,
  input: { title: string; body: string; labels: readonly string[] },
  upstream: readonly number[],
  tracking: number | undefined,
): Promise<ToolResult> {
  const edges = await checkEdges(ctx, undefined, upstream, tracking);
  if (typeof edges === 'string') return failure(`Creating the issue refused: ${edges}.`);
  // The model's text was bounded before; the footer adds at most MAX_DEPENDS_ON short lines.
  const body = withEdges(input.body, edges);
  const issue = await ctx.client.createIssue(ctx.repo.fullName, { ...input, body });
  ctx.openedIssues.push(issue.number);
  ctx.onChange({
    kind: 'issue',
    number: issue.number,
    url: issue.htmlUrl,
    summary: `opened issue #${issue.number} ${JSON.stringify(issue.title)}`,
  });
  const missing = input.labels.filter((name) => !issue.labels.includes(name));
  const notes = [
    missing.length === 0 ? '' : ` Not labelled (the repository has no such label): ${quoted(missing)}.`,
    edges.upstream.length === 0 && edges.tracking === undefined ? '' : ` ${footerNote(edges)}`,
    edges.upstream.length === 0
      ? ''
      : ` ${describeNative(await setNativeDependencies(ctx, issue.number, edges.upstream, true), issue.number, edges.upstream)}`,
  ];
  return success(`Opened issue #${issue.number}: ${issue.htmlUrl}.${notes.join('')}`);
}

/**
 * Rewrites one story's footer — its upstream stories, and its tracking issue when given (else
 * the one it names stays) — and makes the forge's dependencies match. Idempotent: the same call
 * again edits nothing and retries what failed.
 */
export function setDependenciesTool(ctx: ToolContext): AnyTool {
  const shape = {
    story: z.number().int().positive().describe('The story whose dependencies to set'),
    depends_on: issueNumbers.describe(
      `All of its direct upstream stories (issues of this repository, at most ${MAX_DEPENDS_ON}); [] for none`,
    ),
    tracking: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Its tracking issue; the one its footer names when omitted'),
  };
  const description = `Set the direct upstream stories of a story of ${ctx.repo.fullName} — #${ctx.issue}, an issue this run opened, or a story whose footer says "Tracking: #${ctx.issue}": rewrites its "## Dependencies" footer and the forge's dependencies to match.`;
  return erased(
    tool('set_dependencies', description, shape, (args) =>
      guarded(`Setting the dependencies of #${args.story}`, async () => {
        const refused = (why: string) => failure(`Setting the dependencies of #${args.story} refused: ${why}.`);
        const story = await existingIssue(ctx, args.story, 'story');
        if (typeof story === 'string') return refused(story);
        const notOurs = storyRefusal(ctx, story);
        if (notOurs !== undefined) return refused(notOurs);
        const tracking = args.tracking ?? parseFooter(story.body).tracking;
        const edges = await checkEdges(ctx, story.number, args.depends_on, tracking);
        if (typeof edges === 'string') return refused(edges);
        const body = withEdges(story.body, edges);
        const edited =
          body === story.body ? undefined : await ctx.client.editIssueBody(ctx.repo.fullName, story.number, body);
        const native = await setNativeDependencies(ctx, story.number, edges.upstream);
        const changed =
          edited !== undefined || (native.kind === 'set' && native.added.length + native.removed.length > 0);
        if (changed)
          ctx.onChange({
            kind: 'issue',
            number: story.number,
            url: edited?.htmlUrl,
            summary: `set the dependencies of #${story.number} to ${refs(edges.upstream)}`,
          });
        const footer = edited === undefined ? `The footer of #${story.number} already said so.` : footerNote(edges);
        const text = `${footer} ${describeNative(native, story.number, edges.upstream)}`;
        return native.kind === 'failed' ? failure(text) : success(text);
      }),
    ),
  );
}

/** `body` ending with the footer of `edges`, read back by the milestone parser to be sure it says just that. */
function withEdges(body: string, edges: CheckedEdges): string {
  if (edges.upstream.length === 0 && edges.tracking === undefined && !hasFooterSection(body)) return body;
  const footer = renderFooter({ upstream: edges.upstream, tracking: edges.tracking, titles: edges.titles });
  const written = withFooter(body, footer);
  const read = parseFooter(written);
  if (read.tracking !== edges.tracking || read.upstream.join() !== edges.upstream.join())
    throw new Error('the footer written would not read back as written (is the body too long for it?)');
  return written;
}

function ownFooterRefusal(body: string): string | undefined {
  return (
    textRefusal('body', body, MAX_BODY_CHARS) ??
    (hasFooterSection(body)
      ? 'the body has a Dependencies section of its own; name the upstream stories in depends_on and the tool writes it'
      : undefined)
  );
}

function footerNote(edges: CheckedEdges): string {
  const tracking = edges.tracking === undefined ? '' : `, tracked by #${edges.tracking}`;
  return `Its footer names the upstream stories ${refs(edges.upstream)}${tracking}.`;
}

const quoted = (names: readonly string[]): string => names.map((name) => JSON.stringify(name)).join(', ');
