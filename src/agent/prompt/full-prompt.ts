/**
 * The full prompt, for a new session: the agent's role and skill, the repository, the whole
 * thread (issue or PR, every comment, labels, assignees, linked PRs; for a PR its diff stat and
 * reviews with their code comments), what started this run (the job's events the thread does not
 * show, in the delta's words: docs/decisions.md §52), the workspace, the conventions and how to
 * answer.
 */
import type { AgentConfig } from '../../config/types.js';
import type { RepoRef } from '../../core/events.js';
import { answerSection, conventionsFor, roleLine } from './conventions.js';
import { commentBlock, commentHeading, diffStatLine, reviewBlock, who, workspaceSection } from './format.js';
import type { NewsItem } from './news.js';
import { newsText } from './news-text.js';
import type { Thread } from './thread.js';
import type { PromptRequest } from './types.js';
import { inlineUntrusted, quoteUntrusted, UNTRUSTED_NOTICE } from './untrusted.js';

export interface FullPromptInput {
  readonly agent: AgentConfig;
  readonly skill: string;
  readonly repo: RepoRef;
  readonly thread: Thread;
  readonly workspace: PromptRequest['workspace'];
  /** What woke the run that the thread does not show (`findWaking`); none by default. */
  readonly woke?: readonly NewsItem[];
}

export function fullPrompt(input: FullPromptInput): string {
  const { agent, repo, thread } = input;
  const noun = thread.issue.isPull ? 'pull request' : 'issue';
  return [
    roleLine(agent, `${noun} #${thread.issue.number} of ${repo.fullName}`),
    UNTRUSTED_NOTICE,
    `## Your skill\n${input.skill.trim()}`,
    ...(input.workspace.projectInstructions ? [projectSection(input.workspace.projectInstructions, repo)] : []),
    `## Repository\n${repo.fullName} on ${repo.host} (default branch ${repo.defaultBranch}).`,
    threadSection(thread, agent.login),
    ...(thread.pull === undefined ? [] : [pullSection(thread, agent.login)]),
    ...(thread.linkedPulls.length === 0 ? [] : [linkedPullsSection(thread)]),
    commentsSection(thread, agent.login),
    ...(input.woke === undefined || input.woke.length === 0 ? [] : [wokeSection(input.woke, thread, agent.login)]),
    workspaceSection(input.workspace),
    conventionsFor(agent),
    answerSection(),
  ].join('\n\n');
}

/**
 * CLAUDE.md as the default branch has it — changed only by people with write access, through
 * review — so it is given as the project's own instructions, not fenced as a stranger's text.
 */
function projectSection(instructions: string, repo: RepoRef): string {
  return `## The project's instructions (CLAUDE.md on ${repo.defaultBranch})\n${instructions.trim()}`;
}

function threadSection(thread: Thread, you: string): string {
  const { issue } = thread;
  const merged = thread.pull?.ref.merged === true ? ' (merged)' : '';
  const names = (list: readonly string[]): string =>
    list.length === 0 ? 'none' : list.map((name) => inlineUntrusted(name)).join(', ');
  return [
    `## ${issue.isPull ? 'Pull request' : 'Issue'} #${issue.number}: ${inlineUntrusted(issue.title)}`,
    `Opened by ${who(issue.author.login, you)}; state: ${issue.state}${merged}; labels: ${names(issue.labels)}; assignees: ${names(issue.assignees)}.`,
    quoteUntrusted(issue.body, { author: issue.author.login, kind: `${issue.isPull ? 'pull request' : 'issue'} body` }),
  ].join('\n');
}

function pullSection(thread: Thread, you: string): string {
  const pull = thread.pull;
  if (pull === undefined) return '';
  const lines = [
    '## The change',
    `Head ${inlineUntrusted(pull.ref.headRef)} at ${pull.ref.headSha} into base ${inlineUntrusted(pull.ref.baseRef)}: ${diffStatLine(pull.diff)}.`,
  ];
  if (pull.forIssue !== undefined) lines.push(`It is the pull request for issue #${pull.forIssue}.`);
  if (pull.ref.requestedReviewers.length > 0)
    lines.push(`Reviews requested from: ${pull.ref.requestedReviewers.map((login) => who(login, you)).join(', ')}.`);
  const reviews = pull.reviews.filter((review) => review.state !== 'requested' && review.state !== 'pending');
  lines.push('', `## Reviews (${reviews.length})`);
  if (reviews.length === 0) lines.push('No reviews yet.');
  for (const review of reviews) lines.push(reviewBlock(review, you));
  return lines.join('\n');
}

function linkedPullsSection(thread: Thread): string {
  const lines = thread.linkedPulls.map((pull) => {
    const state = pull.merged ? 'merged' : pull.state;
    return `- #${pull.number} ${inlineUntrusted(pull.title)}: ${inlineUntrusted(pull.headRef)} into ${inlineUntrusted(pull.baseRef)}, ${state}, by @${pull.author.login}`;
  });
  return ['## Pull requests for this issue', ...lines].join('\n');
}

function commentsSection(thread: Thread, you: string): string {
  if (thread.comments.length === 0) return '## Comments\nNo comments yet.';
  return [
    `## Comments (${thread.comments.length}, oldest first)`,
    ...thread.comments.map((comment) => commentBlock(comment, commentHeading(comment, you))),
  ].join('\n\n');
}

/**
 * The events that woke this run and that the thread above does not show: a new session must hear
 * of a retarget, a label or a review exactly as a resumed one would.
 */
function wokeSection(items: readonly NewsItem[], thread: Thread, you: string): string {
  return [
    '## What started this run',
    ...items.map((item) => newsText(item, { you, thread, descriptionShown: true })),
  ].join('\n\n');
}
