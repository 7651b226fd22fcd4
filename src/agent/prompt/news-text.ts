/**
 * How a news item reads, in a delta ("New since your last run") and in a full prompt ("What
 * started this run"): the same words in both, so what woke a run reads the same whether or not
 * its session could be resumed (docs/decisions.md §52). Text a forge user wrote is fenced or
 * quoted through `untrusted.ts`.
 */
import { issueOfBranch } from '../../core/pull-of.js';
import { checkLogPath } from '../check-logs.js';
import { commentBlock, commentHeading, reviewBlock, who } from './format.js';
import type { NewsItem } from './news.js';
import type { Thread } from './thread.js';
import { inlineUntrusted, quoteUntrusted } from './untrusted.js';

export interface NewsContext {
  /** The agent's login: its own name reads `you (@…)`. */
  readonly you: string;
  readonly thread: Thread;
  /**
   * Whether the prompt shows the thread's title and description already (a full prompt does): an
   * edit then only says who edited, instead of quoting the description a second time.
   */
  readonly descriptionShown: boolean;
}

export function newsText(item: NewsItem, context: NewsContext): string {
  const { you, thread } = context;
  const { issue } = thread;
  const noun = issue.isPull ? 'pull request' : 'issue';
  switch (item.kind) {
    case 'comment':
      return commentBlock(item.comment, commentHeading(item.comment, you, 'New comment'));
    case 'edited-comment':
      return commentBlock(
        item.comment,
        `### Comment ${item.comment.id} by ${who(item.comment.author.login, you)} was edited (${item.comment.updatedAt}); it now reads:`,
      );
    case 'review':
      return reviewBlock(item.review, you);
    case 'push': {
      const by = item.pushers.length === 0 ? 'Someone else' : item.pushers.map((login) => `@${login}`).join(', ');
      const head = inlineUntrusted(thread.pull?.ref.headRef ?? '');
      return `### ${by} pushed to ${head}\nThe head moved from ${item.before ?? 'unknown'} to ${item.after}.`;
    }
    case 'state':
      return `### The ${noun} was ${item.merged ? 'merged' : item.to === 'closed' ? 'closed' : 'reopened'}`;
    case 'labels': {
      const list = (names: readonly string[]): string =>
        names.length === 0 ? 'none' : names.map((name) => inlineUntrusted(name)).join(', ');
      const where = item.pull === undefined ? '' : ` on pull request #${item.pull}`;
      if (item.now !== undefined) return `### Labels changed${where}; they are now: ${list(item.now)}`;
      const parts = [
        ...(item.added.length > 0 ? [`added ${list(item.added)}`] : []),
        ...(item.removed.length > 0 ? [`removed ${list(item.removed)}`] : []),
      ];
      return `### Labels changed${where}: ${parts.join('; ')}`;
    }
    case 'description':
      if (context.descriptionShown)
        return `### @${item.by} edited the ${noun}; its title and description above are as they now read`;
      return [
        `### @${item.by} edited the ${noun}; its title is now ${inlineUntrusted(issue.title)} and its description reads:`,
        // The editor wrote (some of) what it says now; the quote names them.
        quoteUntrusted(issue.body, { author: item.by, kind: `${noun} body` }),
      ].join('\n');
    case 'assigned':
      return `### @${item.by} assigned ${who(item.assignee, you)}`;
    case 'retargeted': {
      const [head, from, to] = [item.headRef, item.from, item.to].map((name) => inlineUntrusted(name));
      return [
        `### The base PR #${item.mergedPull} was merged into ${to}: your PR #${item.pull} was retargeted to ${to}`,
        `Your pull request #${item.pull} was stacked on ${from}, the head of #${item.mergedPull}, which is now merged into ${to}; claude-hooks retargeted #${item.pull} to ${to}.`,
        `Rebase ${head} onto ${to} (dropping the commits merged with #${item.mergedPull}) and push it with --force-with-lease.`,
      ].join('\n');
    }
    case 'ready':
      return readyText(item);
    case 'checks-failed':
      return checksFailedText(item);
    case 'conflicted': {
      const [head, base] = [item.headRef, item.base].map((name) => inlineUntrusted(name));
      return [
        `### Your pull request #${item.pull} no longer merges onto ${base}`,
        `${base} moved (it is now at ${item.baseSha.slice(0, 12)}) and #${item.pull} conflicts with it. Rebase ${head} onto ${base}, resolve the conflicts keeping what both sides meant, run the checks you can, and push it with --force-with-lease.`,
      ].join('\n');
    }
    case 'plan':
      return [
        `### @${item.by} asked you to plan this issue (the label ${inlineUntrusted(item.label)})`,
        `Plan it as a milestone: this issue is the tracking issue. Open one story issue per unit of work with \`mcp__forge__create_issue\` (\`tracking: ${issue.number}\`, \`depends_on\`: the stories it builds on directly), then say the plan in a comment here and remove the label.`,
      ].join('\n');
  }
}

/**
 * Failed checks: each check's name and link, and the end of each failing job's log fenced as the
 * untrusted text it is (a log prints whatever the code under test and its dependencies print).
 */
function checksFailedText(item: Extract<NewsItem, { kind: 'checks-failed' }>): string {
  const head = inlineUntrusted(item.headRef);
  const lines = [
    `### Checks failed on your pull request #${item.pull} (head ${item.sha.slice(0, 12)}): fix attempt ${item.attempt} of ${item.cap}`,
  ];
  for (const check of item.failed) {
    const link = check.targetUrl === '' ? '' : ` (${inlineUntrusted(check.targetUrl)})`;
    const said = check.description === '' ? '' : `: ${inlineUntrusted(check.description)}`;
    lines.push(`- ${inlineUntrusted(check.context)}${link}${said}`);
    for (const job of check.jobs) {
      const cut = job.omitted > 0 ? `the last ${job.logTail.length} characters of its log` : 'its log';
      lines.push(
        `  Job ${inlineUntrusted(job.name)}${job.url === '' ? '' : ` (${inlineUntrusted(job.url)})`} — ${cut}; the whole log is at \`${checkLogPath(job.id)}\` in your worktree:`,
        quoteUntrusted(job.logTail, { author: 'ci', kind: `log of job ${job.id}` }),
      );
    }
  }
  lines.push(
    `Find why they fail, fix it on ${head}, run what you can of the checks locally, commit and push. If a failure is not this pull request's doing (a flaky test, a broken runner), do not change code for it: say so in a comment on #${item.pull}.`,
  );
  return lines.join('\n');
}

/** A story handed out by its milestone: what is done, and where to start. */
function readyText(item: Extract<NewsItem, { kind: 'ready' }>): string {
  const refs = (numbers: readonly number[]): string => numbers.map((n) => `#${n}`).join(', ');
  const milestone = `of the milestone #${item.tracking}`;
  if (item.base === undefined) {
    const done =
      item.upstream.length === 0
        ? 'it builds on no other story'
        : `its upstream stories ${refs(item.upstream)} are done`;
    return [
      `### This story ${milestone} is ready`,
      `This story is ready: ${done}; implement it, on its own branch from the default branch, and open its pull request.`,
    ].join('\n');
  }
  const branch = inlineUntrusted(item.base.branch);
  const on = issueOfBranch(item.base.branch);
  const others = item.upstream.filter((n) => n !== on);
  const done = others.length === 0 ? '' : ` Its other upstream stories ${refs(others)} are done.`;
  return [
    `### This story ${milestone} is ready to start, stacked on PR #${item.base.pull}`,
    `This story builds on pull request #${item.base.pull}, still in review.${done} Start from branch ${branch} of PR #${item.base.pull} and target it: cut your branch from ${branch} and open your pull request with base ${branch}. When #${item.base.pull} merges, your pull request is retargeted and you are asked to rebase.`,
  ].join('\n');
}
