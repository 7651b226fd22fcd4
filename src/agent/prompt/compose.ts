/**
 * `createPromptComposer({ forge })`: the prompt builder. A request without a cursor reads the whole
 * thread and composes the full prompt, with the job's events that the thread does not show; with a
 * cursor it reads only what the forge has that is new since it (comments updated since
 * `lastCommentUpdatedAt`, reviews after `lastReviewId`), merges that with the job's events and
 * composes the delta. Reading the forge every time, rather than
 * trusting the events, is what makes a missed or late webhook delivery show up anyway.
 *
 * `begin` reads the forge at once and composes later, when the worktree (branch, head, whether
 * the remote moved) is known: the runner reads the thread while the worktree is acquired.
 */
import { advanceCursor } from './advance-cursor.js';
import { deltaPrompt } from './delta-prompt.js';
import { fullPrompt } from './full-prompt.js';
import { findNews, findWaking } from './news.js';
import { issueOfBranch } from '../../core/pull-of.js';
import { readOwnPullReviews, readThread, type Thread, type ThreadReader } from './thread.js';
import type { ComposedPrompt, PromptComposer, PromptKind, PromptRequest, PromptWorkspace } from './types.js';
import type { SessionCursor } from '../../sessions/cursor.js';

export interface PromptComposerDeps {
  /** The forge as the agent's own user (the Gitea client satisfies it). */
  readonly forge: ThreadReader;
}

export function createPromptComposer(deps: PromptComposerDeps): Required<PromptComposer> {
  const begin = (request: Omit<PromptRequest, 'workspace'>) => {
    const { cursor } = request;
    const thread = read(deps.forge, request, cursor);
    // Awaited by the returned function; a run that ends before composing must not leave it unhandled.
    thread.catch(() => undefined);
    return async (workspace: PromptWorkspace): Promise<ComposedPrompt> => {
      const full = { ...request, workspace };
      return cursor === undefined ? composeFull(full, await thread) : composeDelta(full, await thread, cursor);
    };
  };
  return {
    begin,
    compose: (request) => begin(request)(request.workspace),
  };
}

/**
 * The whole thread for a full prompt; only what changed since the cursor for a delta. For an
 * issue whose own PR a job's event reviews, that PR's reviews with their line comments too.
 */
async function read(
  forge: ThreadReader,
  request: Omit<PromptRequest, 'workspace'>,
  cursor: SessionCursor | undefined,
): Promise<Thread> {
  const repo = request.repo.fullName;
  const reviewed = ownPullsReviewed(request);
  const [thread, ownPullReviews] = await Promise.all([
    cursor === undefined
      ? readThread(forge, repo, request.issue, { linkedPulls: true })
      : readThread(forge, repo, request.issue, {
          commentsSince: cursor.lastCommentUpdatedAt,
          reviewsAfter: cursor.lastReviewId,
          linkedPulls: false,
        }),
    reviewed.length === 0 ? [] : readOwnPullReviews(forge, repo, reviewed),
  ]);
  return thread.issue.isPull || ownPullReviews.length === 0 ? thread : { ...thread, ownPullReviews };
}

/** The PRs of the issue's own `issue-<N>-…` branches that the job's review events are about. */
function ownPullsReviewed(request: Omit<PromptRequest, 'workspace'>): number[] {
  const numbers = new Set<number>();
  for (const { event } of request.events)
    if (
      event.type === 'review' &&
      event.pull.number !== request.issue &&
      issueOfBranch(event.pull.headRef) === request.issue
    )
      numbers.add(event.pull.number);
  return [...numbers];
}

/**
 * The whole thread, and after it what woke the run that the thread does not show: the job's
 * events reach a new session's prompt as they would reach a resumed one's (decisions.md §52).
 */
function composeFull(request: PromptRequest, thread: Thread): ComposedPrompt {
  const woke = findWaking({ thread, events: request.events, agentLogin: request.agent.login });
  const text = fullPrompt({
    agent: request.agent,
    skill: request.skill,
    repo: request.repo,
    thread,
    workspace: request.workspace,
    woke: woke.items,
  });
  return composed('full', text, advanceCursor(undefined, thread, woke.comments, request.events), false);
}

function composeDelta(request: PromptRequest, thread: Thread, cursor: SessionCursor): ComposedPrompt {
  const news = findNews({
    thread,
    cursor,
    events: request.events,
    agentLogin: request.agent.login,
    workspace: request.workspace,
  });
  const text = deltaPrompt({
    agent: request.agent,
    repoName: request.repo.fullName,
    thread,
    items: news.items,
    workspace: request.workspace,
  });
  return composed('delta', text, advanceCursor(cursor, thread, news.comments, request.events), news.items.length === 0);
}

function composed(kind: PromptKind, text: string, cursor: SessionCursor, empty: boolean): ComposedPrompt {
  return { kind, text, bytes: Buffer.byteLength(text, 'utf8'), cursor, empty };
}
