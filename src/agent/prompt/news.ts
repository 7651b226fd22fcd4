/**
 * What is new for a resumed session: the forge's view of the thread (read since the cursor) merged
 * with the job's events, by comment id and review id, minus what the cursor says was shown and
 * what the agent did itself. The forge is the authority (it has the latest text, and what a missed
 * delivery never brought); an event adds only what the forge's answer lacks (a comment the forge
 * did not list yet). Pure: `compose.ts` reads, this decides.
 *
 * A new session reads the whole thread, but the thread does not say what woke the run: `findWaking`
 * gives the job's events that the full prompt's thread does not show, as the same news items
 * (docs/decisions.md §52).
 */
import type { PullReviewState } from '../../forge/client.js';
import type {
  CommentRef,
  FailedCheck,
  ForgeEvent,
  IssueEvent,
  PullEvent,
  PullRef,
  ReviewState,
} from '../../core/events.js';
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
  | {
      readonly kind: 'labels';
      readonly added: readonly string[];
      readonly removed: readonly string[];
      /**
       * The set a label event left, when nothing says what it was before (Gitea's label events
       * carry the whole set, and a new session has no cursor to compare with).
       */
      readonly now?: readonly string[];
      /** Set when the labels are those of the issue's own pull request, not of the thread. */
      readonly pull?: number;
    }
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
    }
  /** The story's milestone hands it over: its upstream stories are done (stacked: all but `base`'s). */
  | {
      readonly kind: 'ready';
      readonly tracking: number;
      readonly upstream: readonly number[];
      readonly base?: { readonly branch: string; readonly pull: number };
    }
  /** Someone put the plan label on the issue: it is to be planned as a milestone. */
  | { readonly kind: 'plan'; readonly by: string; readonly label: string }
  /** Required checks failed on the head of the agent's PR (the pull watch's event): fix them, attempt `attempt` of `cap`. */
  | {
      readonly kind: 'checks-failed';
      readonly pull: number;
      readonly headRef: string;
      readonly sha: string;
      readonly attempt: number;
      readonly cap: number;
      readonly failed: readonly FailedCheck[];
    }
  /** The agent's PR no longer merges onto its base, which moved (the pull watch's event): rebase. */
  | {
      readonly kind: 'conflicted';
      readonly pull: number;
      readonly headRef: string;
      readonly base: string;
      readonly baseSha: string;
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
  const events = relevantEvents(input.thread, input.events, input.cursor.lastEventId);
  const comments = mergeComments(input.thread.comments, events);
  const mine = isAgent(input.agentLogin);
  const items: NewsItem[] = [
    ...commentNews(comments, input.cursor).filter((item) => !mine(item.comment.author.login)),
    ...reviewNews(input.thread, events, input.cursor).filter(
      (item) => !mine(item.review.author.login) || item.review.state === 'requested',
    ),
    ...pushNews(input, events, mine),
    ...stateNews(input.thread, input.cursor),
    ...labelNews(input.thread, input.cursor),
    // The thread's own labels come from the cursor; the issue's own PR's, only from events.
    ...eventLabelNews(events, mine, { thread: input.thread.issue.number, current: undefined }),
    ...eventNews(events, input.thread, input.agentLogin),
  ];
  return { items, comments };
}

export interface WakingInput {
  /** The whole thread, as the full prompt shows it. */
  readonly thread: Thread;
  /** The job's events: what woke the run. */
  readonly events: readonly StoredEvent[];
  readonly agentLogin: string;
}

/**
 * What woke a run that starts a new session: the job's events about this thread that the full
 * prompt's thread does not already show, as news — a comment the forge did not list (or one on
 * the issue's own PR), a review the thread has no place for, a push by someone else, a state or
 * label change, an edit, an assignment, a stacked PR retargeted. A comment or review the thread
 * holds is not repeated, and nothing the agent did itself is news (docs/decisions.md §52).
 */
export function findWaking(input: WakingInput): News {
  const { thread } = input;
  const events = relevantEvents(thread, input.events, 0);
  const comments = mergeComments(thread.comments, events);
  const mine = isAgent(input.agentLogin);
  const listed = new Set(thread.comments.map((comment) => comment.id));
  const requested = new Set((thread.pull?.ref.requestedReviewers ?? []).map((login) => login.toLowerCase()));
  const items: NewsItem[] = [
    ...comments
      .filter((comment) => !listed.has(comment.id) && !mine(comment.author.login))
      .map((comment): NewsItem => ({ kind: 'comment', comment })),
    ...eventReviews(shownReviews(thread), events, 0, thread.ownPullReviews).flatMap((review): NewsItem[] => {
      const shown =
        review.state === 'requested' ? requested.has(review.author.login.toLowerCase()) : mine(review.author.login);
      return shown ? [] : [{ kind: 'review', review }];
    }),
    ...eventPushNews(thread, events, mine),
    ...eventStateNews(thread, events, mine),
    ...eventLabelNews(events, mine, { thread: thread.issue.number, current: thread.issue.labels }),
    ...eventNews(events, thread, input.agentLogin),
  ];
  return { items, comments };
}

const isAgent =
  (agentLogin: string) =>
  (login: string): boolean =>
    login.toLowerCase() === agentLogin.toLowerCase();

/**
 * Events after `afterEventId` (the cursor's; 0 for a new session) about this issue or PR (or a
 * push to its head branch). For an issue, its own PR's events count too (a PR whose head is `issue-<N>-…`): routing gives the review of dev's
 * PR to dev's session for issue N, so the review must reach that session's delta.
 */
function relevantEvents(thread: Thread, events: readonly StoredEvent[], afterEventId: number): ForgeEvent[] {
  const number = thread.issue.number;
  const headRef = thread.pull?.ref.headRef;
  const ownPull = (pull: PullRef | undefined): boolean =>
    !thread.issue.isPull && pull !== undefined && issueOfBranch(pull.headRef) === number;
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
  return events.filter((stored) => stored.id > afterEventId && about(stored.event)).map((stored) => stored.event);
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
 * (`eventReviews`).
 */
function reviewNews(
  thread: Thread,
  events: readonly ForgeEvent[],
  cursor: SessionCursor,
): Array<NewsItem & { review: ThreadReview }> {
  const fromForge = (thread.pull?.reviews ?? []).filter(
    (review) => review.id > cursor.lastReviewId && review.state !== 'pending',
  );
  return [...fromForge, ...eventReviews(fromForge, events, cursor.lastReviewId, thread.ownPullReviews)].map(
    (review) => ({
      kind: 'review',
      review,
    }),
  );
}

/**
 * The review an event tells of, as the forge lists it: by its id, or — Gitea's payloads carry
 * none — the latest review by the same reviewer with the same verdict and text.
 */
function asListed(
  listed: readonly ThreadReview[],
  event: Extract<ForgeEvent, { type: 'review' }>,
): ThreadReview | undefined {
  if (event.review.id > 0) return listed.find((review) => review.id === event.review.id);
  const state = EVENT_REVIEW_STATES[event.state];
  return listed
    .filter(
      (review) =>
        review.author.login.toLowerCase() === event.review.author.login.toLowerCase() &&
        review.state === state &&
        review.body.trim() === event.review.body.trim(),
    )
    .at(-1);
}

/**
 * Reviews and review requests that only events carry: not among the forge's (Gitea's review
 * payloads have no review id, so they are matched by reviewer).
 */
function eventReviews(
  fromForge: readonly ThreadReview[],
  events: readonly ForgeEvent[],
  afterReviewId: number,
  ownPull: readonly ThreadReview[] = [],
): ThreadReview[] {
  const listed = (login: string, requested: boolean): boolean =>
    fromForge.some(
      (review) =>
        review.author.login.toLowerCase() === login.toLowerCase() && (review.state === 'requested') === requested,
    );
  const extra: ThreadReview[] = [];
  for (const event of events) {
    if (
      event.type === 'review' &&
      (event.review.id > afterReviewId || event.review.id === 0) &&
      !fromForge.some((review) => review.id === event.review.id) &&
      !listed(event.review.author.login, false)
    ) {
      // The review as the forge lists it, with its id and line comments, when the prompt read it.
      extra.push(
        asListed(ownPull, event) ?? {
          id: event.review.id,
          author: event.review.author,
          state: EVENT_REVIEW_STATES[event.state],
          body: event.review.body,
          submittedAt: '',
          commitId: event.pull.headSha,
          comments: [],
        },
      );
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
  return extra;
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

/**
 * The pull watch's own events (never the forge's): whoever the actor, they are news. The failed
 * checks of one head, told in several events as they came, are one item, each check once.
 */
function addPullWatchNews(items: NewsItem[], event: ForgeEvent): void {
  if (event.type !== 'pull_request') return;
  const { pull } = event;
  if (event.action === 'checks_failed' && event.checks) {
    const { checks } = event;
    const index = items.findIndex((item) => item.kind === 'checks-failed' && item.sha === checks.sha);
    const earlier = items[index];
    if (earlier?.kind === 'checks-failed') {
      const known = new Set(earlier.failed.map((check) => check.context));
      items[index] = { ...earlier, failed: [...earlier.failed, ...checks.failed.filter((c) => !known.has(c.context))] };
      return;
    }
    items.push({
      kind: 'checks-failed',
      pull: pull.number,
      headRef: pull.headRef,
      sha: checks.sha,
      attempt: checks.attempt,
      cap: checks.cap,
      failed: checks.failed,
    });
  }
  if (event.action === 'conflicted' && event.conflict) {
    const { conflict } = event;
    if (items.some((item) => item.kind === 'conflicted' && item.baseSha === conflict.baseSha)) return;
    items.push({ kind: 'conflicted', pull: pull.number, headRef: pull.headRef, ...conflict });
  }
}

/** The milestone driver's own events (never the forge's): whoever the actor, they are news, once each. */
function milestoneNews(event: ForgeEvent): NewsItem | undefined {
  if (event.type !== 'issue') return undefined;
  if (event.action === 'ready' && event.ready) {
    const { tracking, upstream = [], base } = event.ready;
    return { kind: 'ready', tracking, upstream, ...(base ? { base } : {}) };
  }
  if (event.action === 'plan' && event.plan) return { kind: 'plan', by: event.actor.login, label: event.plan.label };
  return undefined;
}

/**
 * What only an event tells: that the title or description was edited (this thread's: an edit of
 * the issue's own PR is not), assignments, a stacked PR retargeted, and a story handed out or an
 * issue to plan by its milestone.
 */
function eventNews(events: readonly ForgeEvent[], thread: Thread, agentLogin: string): NewsItem[] {
  const mine = isAgent(agentLogin);
  const items: NewsItem[] = [];
  for (const event of events) {
    const retargeted = retargetNews(event);
    if (retargeted && !items.some((item) => item.kind === 'retargeted' && item.mergedPull === retargeted.mergedPull))
      items.push(retargeted);
    const milestone = milestoneNews(event);
    if (milestone && !items.some((item) => item.kind === milestone.kind)) items.push(milestone);
    addPullWatchNews(items, event);
    if (mine(event.actor.login) || (event.type !== 'issue' && event.type !== 'pull_request')) continue;
    if (
      event.action === 'edited' &&
      subjectOf(event) === thread.issue.number &&
      !items.some((item) => item.kind === 'description')
    )
      items.push({ kind: 'description', by: event.actor.login });
    const assignee = event.action === 'assigned' ? assigneeOf(event, agentLogin) : undefined;
    if (assignee !== undefined && !items.some((item) => item.kind === 'assigned' && item.assignee === assignee))
      items.push({ kind: 'assigned', assignee, by: event.actor.login });
  }
  return items;
}

/**
 * Who an assignment assigned: the login the payload names, or — Gitea names none, only the set
 * after it — the agent, when the set holds it (routing reads it the same way).
 */
function assigneeOf(event: IssueEvent | PullEvent, agentLogin: string): string | undefined {
  if (event.assignee !== undefined) return event.assignee;
  const assignees = event.type === 'issue' ? event.issue.assignees : event.pull.assignees;
  return assignees.find((login) => login.toLowerCase() === agentLogin.toLowerCase());
}

/** The reviews a full prompt lists: every one the forge has, but those requested or in progress. */
const shownReviews = (thread: Thread): readonly ThreadReview[] =>
  (thread.pull?.reviews ?? []).filter((review) => review.state !== 'pending');

/**
 * A push to the PR's head by someone else, from the events alone (a new session has no head to
 * compare with): from the first push's old head to the head the forge has now.
 */
function eventPushNews(thread: Thread, events: readonly ForgeEvent[], mine: (login: string) => boolean): NewsItem[] {
  const pull = thread.pull;
  if (pull === undefined) return [];
  const pushes = events.filter(
    (event) =>
      ((event.type === 'pull_request' && event.action === 'synchronized') || event.type === 'push') &&
      !mine(event.actor.login),
  );
  if (pushes.length === 0) return [];
  const first = pushes.find((event) => event.type === 'push');
  return [
    {
      kind: 'push',
      pushers: [...new Set(pushes.map((event) => event.actor.login))],
      before: first?.type === 'push' ? first.before : null,
      after: pull.ref.headSha,
    },
  ];
}

/** The last close or reopen by someone else, when the thread is still in the state it left. */
function eventStateNews(thread: Thread, events: readonly ForgeEvent[], mine: (login: string) => boolean): NewsItem[] {
  const last = events.findLast(
    (event) =>
      (event.type === 'issue' || event.type === 'pull_request') &&
      (event.action === 'closed' || event.action === 'reopened') &&
      subjectOf(event) === thread.issue.number &&
      !mine(event.actor.login),
  );
  if (last === undefined || (last.type !== 'issue' && last.type !== 'pull_request')) return [];
  const to = last.action === 'closed' ? 'closed' : 'open';
  if (to !== thread.issue.state) return [];
  return [
    {
      kind: 'state',
      from: to === 'closed' ? 'open' : 'closed',
      to,
      merged: last.type === 'pull_request' && last.pull.merged,
    },
  ];
}

/**
 * Label changes by someone else, from the events' label sets, for each subject: the thread itself
 * (`current`: its labels as the forge has them now, which outrank any event's) and the issue's own
 * PR (labelled there, the work comes to the issue's session; its thread does not show the PR's
 * labels). The change is from the set an earlier event of the job carried to the set now; with no
 * earlier set, the set as it is now.
 */
function eventLabelNews(
  events: readonly ForgeEvent[],
  mine: (login: string) => boolean,
  subjects: { readonly thread: number; readonly current: readonly string[] | undefined },
): NewsItem[] {
  const others = [
    ...new Set(
      events.flatMap((event) => {
        const subject = subjectOf(event);
        return labelled(event) && subject !== undefined && subject !== subjects.thread ? [subject] : [];
      }),
    ),
  ];
  return [
    ...(subjects.current === undefined ? [] : labelChange(subjects.thread, events, mine, subjects.current)),
    ...others.flatMap((pull) => labelChange(pull, events, mine, undefined).map((item) => ({ ...item, pull }))),
  ];
}

function labelChange(
  subject: number,
  events: readonly ForgeEvent[],
  mine: (login: string) => boolean,
  current: readonly string[] | undefined,
): Array<Extract<NewsItem, { kind: 'labels' }>> {
  let before: readonly string[] | undefined;
  let after: readonly string[] | undefined;
  for (const event of events) {
    const set = subjectOf(event) === subject ? labelsOf(event) : undefined;
    if (set === undefined) continue;
    if (labelled(event) && !mine(event.actor.login)) after = set;
    else if (after === undefined) before = set;
  }
  if (after === undefined) return [];
  const now = current ?? after;
  if (before === undefined) return [{ kind: 'labels', added: [], removed: [], now }];
  const had = new Set(before);
  const has = new Set(now);
  const added = now.filter((label) => !had.has(label));
  const removed = before.filter((label) => !has.has(label));
  return added.length === 0 && removed.length === 0 ? [] : [{ kind: 'labels', added, removed }];
}

const labelled = (event: ForgeEvent): boolean =>
  (event.type === 'issue' || event.type === 'pull_request') && event.action === 'labelled';

/** The issue or PR number an event is about (not the issue a PR belongs to). */
function subjectOf(event: ForgeEvent): number | undefined {
  if (event.type === 'issue' || event.type === 'comment') return event.issue.number;
  if (event.type === 'pull_request' || event.type === 'review') return event.pull.number;
  return undefined;
}

/** The label set an event carries for its issue or PR. */
function labelsOf(event: ForgeEvent): readonly string[] | undefined {
  if (event.type === 'issue' || event.type === 'comment') return event.issue.labels;
  if (event.type === 'pull_request' || event.type === 'review') return event.pull.labels;
  return undefined;
}
