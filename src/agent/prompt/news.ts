/**
 * What is new for a resumed session: the forge's view of the thread (read since the cursor) merged
 * with the job's events, by comment id and review id, minus what the cursor says was shown and
 * what the agent did itself. The forge is the authority (it has the latest text, and what a missed
 * delivery never brought); an event adds only what the forge's answer lacks (a comment the forge
 * did not list yet). Pure: `compose.ts` reads, this decides.
 */
import type { PullReviewState } from '../../forge/client.js';
import type { CommentRef, ForgeEvent, PullRef, ReviewState } from '../../core/events.js';
import { issueOfBranch } from '../../core/pull-of.js';
import type { StoredEvent } from '../../core/stored-event.js';
import type { SessionCursor } from '../../sessions/cursor.js';
import type { Thread, ThreadReview } from './thread.js';
import type { PromptRequest } from './types.js';

export type NewsItem =
  | { readonly kind: 'comment'; readonly comment: CommentRef }
  | { readonly kind: 'edited-comment'; readonly comment: CommentRef }
  | { readonly kind: 'review'; readonly review: ThreadReview }
  | {
      readonly kind: 'push';
      readonly pushers: readonly string[];
      readonly before: string | null;
      readonly after: string;
    }
  | { readonly kind: 'state'; readonly from: string; readonly to: string; readonly merged: boolean }
  | { readonly kind: 'labels'; readonly added: readonly string[]; readonly removed: readonly string[] }
  | { readonly kind: 'description'; readonly by: string }
  | { readonly kind: 'assigned'; readonly assignee: string; readonly by: string }
  /** Housekeeping retargeted a stacked PR onto the base of the PR it was stacked on, which merged. */
  | {
      readonly kind: 'retargeted';
      readonly pull: number;
      readonly headRef: string;
      readonly from: string;
      readonly to: string;
      readonly mergedPull: number;
    };

export interface NewsInput {
  readonly thread: Thread;
  readonly cursor: SessionCursor;
  /** The job's events; only those after the cursor and about this issue count. */
  readonly events: readonly StoredEvent[];
  readonly agentLogin: string;
  readonly workspace: PromptRequest['workspace'];
}

export interface News {
  readonly items: readonly NewsItem[];
  /** Every comment considered (shown or not): the cursor advances over them. */
  readonly comments: readonly CommentRef[];
}

export function findNews(input: NewsInput): News {
  const events = relevantEvents(input);
  const comments = mergeComments(input.thread.comments, events);
  const mine = (login: string): boolean => login.toLowerCase() === input.agentLogin.toLowerCase();
  const items: NewsItem[] = [
    ...commentNews(comments, input.cursor).filter((item) => !mine(item.comment.author.login)),
    ...reviewNews(input.thread, events, input.cursor).filter(
      (item) => !mine(item.review.author.login) || item.review.state === 'requested',
    ),
    ...pushNews(input, events, mine),
    ...stateNews(input.thread, input.cursor),
    ...labelNews(input.thread, input.cursor),
    ...eventNews(events, mine),
  ];
  return { items, comments };
}

/**
 * Events after the cursor about this issue or PR (or a push to its head branch). For an issue, its
 * own PR's events count too (a PR whose head is `issue-<N>-…`): routing gives the review of dev's
 * PR to dev's session for issue N, so the review must reach that session's delta.
 */
function relevantEvents(input: NewsInput): ForgeEvent[] {
  const number = input.thread.issue.number;
  const headRef = input.thread.pull?.ref.headRef;
  const ownPull = (pull: PullRef | undefined): boolean =>
    !input.thread.issue.isPull && pull !== undefined && issueOfBranch(pull.headRef) === number;
  const about = (event: ForgeEvent): boolean => {
    switch (event.type) {
      case 'issue':
        return event.issue.number === number;
      case 'comment':
        return event.issue.number === number || ownPull(event.pull);
      case 'pull_request':
      case 'review':
        return event.pull.number === number || ownPull(event.pull);
      case 'push':
        return headRef !== undefined && event.ref === `refs/heads/${headRef}`;
      default:
        return false;
    }
  };
  return input.events
    .filter((stored) => stored.id > input.cursor.lastEventId && about(stored.event))
    .map((stored) => stored.event);
}

function mergeComments(fromForge: readonly CommentRef[], events: readonly ForgeEvent[]): CommentRef[] {
  const byId = new Map(fromForge.map((comment) => [comment.id, comment]));
  for (const event of events) {
    if (event.type === 'comment' && !byId.has(event.comment.id)) byId.set(event.comment.id, event.comment);
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

const time = (value: string | null): number => (value === null ? Number.NEGATIVE_INFINITY : Date.parse(value));

function commentNews(
  comments: readonly CommentRef[],
  cursor: SessionCursor,
): Array<NewsItem & { comment: CommentRef }> {
  return comments.flatMap((comment): Array<NewsItem & { comment: CommentRef }> => {
    if (comment.id > cursor.lastCommentId) return [{ kind: 'comment', comment }];
    if (time(comment.updatedAt) > time(cursor.lastCommentUpdatedAt)) return [{ kind: 'edited-comment', comment }];
    return [];
  });
}

const EVENT_REVIEW_STATES: Readonly<Record<ReviewState, PullReviewState>> = {
  approved: 'approved',
  changes_requested: 'changes_requested',
  comment: 'comment',
};

/**
 * The forge's reviews after the cursor, plus reviews and review requests that only events carry
 * (Gitea's review payloads have no review id, so they are matched by reviewer).
 */
function reviewNews(
  thread: Thread,
  events: readonly ForgeEvent[],
  cursor: SessionCursor,
): Array<NewsItem & { review: ThreadReview }> {
  const fromForge = (thread.pull?.reviews ?? []).filter(
    (review) => review.id > cursor.lastReviewId && review.state !== 'pending',
  );
  const listed = (login: string, requested: boolean): boolean =>
    fromForge.some(
      (review) =>
        review.author.login.toLowerCase() === login.toLowerCase() && (review.state === 'requested') === requested,
    );
  const extra: ThreadReview[] = [];
  for (const event of events) {
    if (
      event.type === 'review' &&
      (event.review.id > cursor.lastReviewId || event.review.id === 0) &&
      !fromForge.some((review) => review.id === event.review.id) &&
      !listed(event.review.author.login, false)
    ) {
      extra.push({
        id: event.review.id,
        author: event.review.author,
        state: EVENT_REVIEW_STATES[event.state],
        body: event.review.body,
        submittedAt: '',
        commitId: event.pull.headSha,
        comments: [],
      });
    }
    const reviewer =
      event.type === 'pull_request' && event.action === 'review_requested' ? event.requestedReviewer : undefined;
    if (
      reviewer !== undefined &&
      !listed(reviewer, true) &&
      !extra.some((review) => review.state === 'requested' && review.author.login === reviewer)
    ) {
      extra.push({
        id: 0,
        author: { login: reviewer, id: 0 },
        state: 'requested',
        body: '',
        submittedAt: '',
        commitId: '',
        comments: [],
      });
    }
  }
  return [...fromForge, ...extra].map((review) => ({ kind: 'review', review }));
}

/**
 * A head that moved is news unless the agent moved it: known from the events' pushers, or — when
 * no event says who pushed — from the agent's own branch being exactly at the new head.
 */
function pushNews(input: NewsInput, events: readonly ForgeEvent[], mine: (login: string) => boolean): NewsItem[] {
  const pull = input.thread.pull;
  if (pull === undefined || input.cursor.headSha === null || pull.ref.headSha === input.cursor.headSha) return [];
  const pushers = [
    ...new Set(
      events.flatMap((event) =>
        (event.type === 'pull_request' && event.action === 'synchronized') || event.type === 'push'
          ? [event.actor.login]
          : [],
      ),
    ),
  ];
  const others = pushers.filter((login) => !mine(login));
  if (pushers.length > 0 && others.length === 0) return [];
  const { workspace } = input;
  if (
    pushers.length === 0 &&
    workspace.branch === pull.ref.headRef &&
    workspace.head === pull.ref.headSha &&
    !workspace.remoteMoved
  )
    return [];
  return [{ kind: 'push', pushers: others, before: input.cursor.headSha, after: pull.ref.headSha }];
}

function stateNews(thread: Thread, cursor: SessionCursor): NewsItem[] {
  if (cursor.issueState === null || thread.issue.state === cursor.issueState) return [];
  return [{ kind: 'state', from: cursor.issueState, to: thread.issue.state, merged: thread.pull?.ref.merged === true }];
}

function labelNews(thread: Thread, cursor: SessionCursor): NewsItem[] {
  const before = new Set(cursor.labels);
  const now = new Set(thread.issue.labels);
  const added = [...now].filter((label) => !before.has(label));
  const removed = [...before].filter((label) => !now.has(label));
  return added.length === 0 && removed.length === 0 ? [] : [{ kind: 'labels', added, removed }];
}

/** The service's own event (never the forge's): whoever the actor, it is news. */
function retargetNews(event: ForgeEvent): Extract<NewsItem, { kind: 'retargeted' }> | undefined {
  if (event.type !== 'pull_request' || event.action !== 'retargeted' || !event.retargeted) return undefined;
  const { pull, retargeted } = event;
  return {
    kind: 'retargeted',
    pull: pull.number,
    headRef: pull.headRef,
    from: retargeted.from,
    to: pull.baseRef,
    mergedPull: retargeted.mergedPull,
  };
}

/** What only an event tells: that the title or description was edited, assignments, and a stacked PR retargeted. */
function eventNews(events: readonly ForgeEvent[], mine: (login: string) => boolean): NewsItem[] {
  const items: NewsItem[] = [];
  for (const event of events) {
    const retargeted = retargetNews(event);
    if (retargeted && !items.some((item) => item.kind === 'retargeted' && item.mergedPull === retargeted.mergedPull))
      items.push(retargeted);
    if (mine(event.actor.login) || (event.type !== 'issue' && event.type !== 'pull_request')) continue;
    if (event.action === 'edited' && !items.some((item) => item.kind === 'description'))
      items.push({ kind: 'description', by: event.actor.login });
    const assignee = event.action === 'assigned' ? (event.type === 'issue' ? event.assignee : undefined) : undefined;
    if (assignee !== undefined && !items.some((item) => item.kind === 'assigned' && item.assignee === assignee))
      items.push({ kind: 'assigned', assignee, by: event.actor.login });
  }
  return items;
}
