import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PullReview } from '../../forge/client.js';
import type {
  CommentEvent,
  CommentRef,
  ForgeEvent,
  IssueEvent,
  IssueRef,
  PullEvent,
  PullRef,
  RepoRef,
  ReviewEvent,
  UserRef,
} from '../../core/events.js';
import type { StoredEvent } from '../../core/stored-event.js';
import type { SessionCursor } from '../../sessions/cursor.js';
import { rebaseEvent } from '../../housekeeping/rebase-request.js';
import { planEvent, readyEvent } from '../../tracking/milestone-events.js';
import { findNews, findWaking, type NewsInput } from './news.js';
import type { Thread } from './thread.js';

const repo: RepoRef = {
  host: 'forge.test',
  owner: 'acme',
  name: 'app',
  fullName: 'acme/app',
  cloneUrl: 'http://forge.test/acme/app.git',
  defaultBranch: 'main',
  private: false,
};
const user = (login: string): UserRef => ({ login, id: login.length });
const issue: IssueRef = {
  number: 7,
  title: 'Crash',
  body: 'It crashes',
  author: user('alice'),
  state: 'open',
  isPull: true,
  labels: [],
  assignees: [],
  updatedAt: '2024-05-01T10:00:00Z',
};
const pull: PullRef = {
  number: 7,
  title: 'Crash',
  body: '',
  author: user('alice'),
  state: 'open',
  merged: false,
  headRef: 'issue-3-crash',
  headSha: 'b'.repeat(40),
  baseRef: 'main',
  labels: [],
  requestedReviewers: [],
  assignees: [],
  updatedAt: '2024-05-01T10:00:00Z',
};
const comment = (id: number, login: string, body: string, updatedAt = '2024-05-01T10:05:00Z'): CommentRef => ({
  id,
  body,
  author: user(login),
  createdAt: '2024-05-01T10:05:00Z',
  updatedAt,
  htmlUrl: '',
});
const review = (id: number, login: string, state: PullReview['state']): PullReview & { comments: [] } => ({
  id,
  author: user(login),
  state,
  body: state === 'requested' ? '' : 'ok',
  submittedAt: '2024-05-01T10:06:00Z',
  commitId: pull.headSha,
  comments: [],
});

const cursor: SessionCursor = {
  lastEventId: 10,
  lastCommentId: 20,
  lastCommentUpdatedAt: '2024-05-01T10:00:00Z',
  lastReviewId: 5,
  headSha: pull.headSha,
  issueState: 'open',
  labels: [],
};

const base = { forge: 'forgejo' as const, repo, fingerprint: 'f' };
const stored = (id: number, event: ForgeEvent): StoredEvent => ({ id, deliveryId: `d${id}`, receivedAt: 0, event });
const edited = (by: string): ForgeEvent => ({ ...base, type: 'pull_request', action: 'edited', actor: user(by), pull });
const commented = (c: CommentRef, number = 7): ForgeEvent => ({
  ...base,
  type: 'comment',
  action: 'created',
  actor: c.author,
  issue: { ...issue, number },
  comment: c,
});
const reviewed = (by: string): ForgeEvent => ({
  ...base,
  type: 'review',
  state: 'approved',
  actor: user(by),
  pull,
  review: { id: 0, body: 'lgtm', author: user(by) },
});
const reviewRequested = (reviewer: string): ForgeEvent => ({
  ...base,
  type: 'pull_request',
  action: 'review_requested',
  actor: user('alice'),
  pull,
  requestedReviewer: reviewer,
});

const threadOf = (overrides: Partial<Thread> = {}): Thread => ({
  issue,
  pull: { ref: pull, diff: { changedFiles: 1, additions: 1, deletions: 0 }, reviews: [], forIssue: 3 },
  comments: [],
  linkedPulls: [],
  ...overrides,
});
/** dev's issue 3, whose own PR is #9 (head `issue-3-crash`). */
const onIssue: Partial<Thread> = { issue: { ...issue, number: 3, isPull: false }, pull: undefined };
const labelled = (by: string, labels: string[], subject: 'pull' | 'issue' = 'pull', number = 7): ForgeEvent =>
  subject === 'pull'
    ? { ...base, type: 'pull_request', action: 'labelled', actor: user(by), pull: { ...pull, number, labels } }
    : {
        ...base,
        type: 'issue',
        action: 'labelled',
        actor: user(by),
        issue: { ...issue, number, isPull: false, labels },
      };

function news(overrides: { thread?: Partial<Thread>; events?: StoredEvent[] } = {}) {
  const thread = threadOf(overrides.thread);
  const input: NewsInput = {
    thread,
    cursor,
    events: overrides.events ?? [],
    agentLogin: 'dev-bot',
    workspace: { branch: 'issue-3-crash', head: pull.headSha, remoteMoved: false },
  };
  return findNews(input).items;
}

describe('findNews', () => {
  it('shows an edit of the description once: an event at or before the cursor was shown already', () => {
    assert.deepEqual(news({ events: [stored(11, edited('alice')), stored(12, edited('alice'))] }), [
      { kind: 'description', by: 'alice' },
    ]);
    assert.deepEqual(news({ events: [stored(10, edited('alice'))] }), []);
  });

  it('shows a comment the forge did not list yet, from its event, and does not show it twice when the forge has it too', () => {
    const late = comment(21, 'bob', 'from the event');

    assert.deepEqual(news({ events: [stored(11, commented(late))] }), [{ kind: 'comment', comment: late }]);
    assert.deepEqual(
      news({
        thread: { comments: [{ ...late, body: 'as the forge has it now' }] },
        events: [stored(11, commented(late))],
      }),
      [{ kind: 'comment', comment: { ...late, body: 'as the forge has it now' } }],
    );
  });

  it("shows a review of the issue's own PR (head `issue-<N>-…`) in the issue's delta, and not a review of another PR", () => {
    const onIssue = { issue: { ...issue, number: 3, isPull: false }, pull: undefined };
    const ownPull = { ...pull, number: 9 };
    const review = (headRef: string): ForgeEvent => ({
      ...base,
      type: 'review',
      state: 'changes_requested',
      actor: user('rev'),
      pull: { ...ownPull, headRef },
      review: { id: 0, body: 'tabs too', author: user('rev') },
    });

    assert.deepEqual(
      news({ thread: onIssue, events: [stored(11, review('issue-3-crash'))] }).map(
        (item) => item.kind === 'review' && [item.review.author.login, item.review.body],
      ),
      [['rev', 'tabs too']],
    );
    assert.deepEqual(news({ thread: onIssue, events: [stored(11, review('issue-4-other'))] }), []);
  });

  it('shows a stacked PR retargeted by housekeeping in the delta of the issue the PR belongs to, though the service is the actor', () => {
    const onIssue = { issue: { ...issue, number: 3, isPull: false }, pull: undefined };
    const retargeted = rebaseEvent({
      forge: 'forgejo',
      repo,
      pull: { ...pull, number: 9, baseRef: 'issue-2-base' },
      merged: { number: 8, head: 'issue-2-base', base: 'main' },
    });

    const items = news({ thread: onIssue, events: [stored(11, retargeted), stored(12, retargeted)] });

    assert.deepEqual(items, [
      { kind: 'retargeted', pull: 9, headRef: 'issue-3-crash', from: 'issue-2-base', to: 'main', mergedPull: 8 },
    ]);
  });

  it('ignores events about another issue', () => {
    assert.deepEqual(news({ events: [stored(11, commented(comment(21, 'bob', 'elsewhere'), 8))] }), []);
  });

  it("shows labels set on the issue's own PR in the issue's delta: the issue's thread does not show them", () => {
    const items = news({ thread: onIssue, events: [stored(11, labelled('alice', ['ready'], 'pull', 9))] });

    assert.deepEqual(items, [{ kind: 'labels', added: [], removed: [], now: ['ready'], pull: 9 }]);
  });

  it('shows a Gitea assignment (the payload names nobody) as assigning the agent when the new set holds it', () => {
    const assigned: ForgeEvent = {
      ...base,
      type: 'issue',
      action: 'assigned',
      actor: user('alice'),
      issue: { ...issue, isPull: false, assignees: ['carol', 'Dev-Bot'] },
    };

    assert.deepEqual(news({ thread: { issue: { ...issue, isPull: false } }, events: [stored(11, assigned)] }), [
      { kind: 'assigned', assignee: 'Dev-Bot', by: 'alice' },
    ]);
  });

  it('tells an edit from a new comment by the cursor: an old id updated after the newest time shown', () => {
    const items = news({
      thread: {
        comments: [
          comment(20, 'bob', 'same', '2024-05-01T10:00:00Z'),
          comment(19, 'bob', 'changed', '2024-05-01T10:00:01+00:00'),
          comment(21, 'bob', 'new'),
        ],
      },
    });

    assert.deepEqual(
      items.map((item) => [item.kind, 'comment' in item ? item.comment.id : 0]),
      [
        ['edited-comment', 19],
        ['comment', 21],
      ],
    );
  });

  it("matches a Gitea review event (no review id) to the forge's review by its reviewer, and keeps it when the forge has none yet", () => {
    const listed = review(6, 'bob', 'approved');

    assert.deepEqual(
      news({
        thread: {
          pull: { ref: pull, diff: { changedFiles: 0, additions: 0, deletions: 0 }, reviews: [listed], forIssue: 3 },
        },
        events: [stored(11, reviewed('bob'))],
      }),
      [{ kind: 'review', review: listed }],
    );
    const fromEvent = news({ events: [stored(11, reviewed('bob'))] });
    assert.equal(fromEvent.length, 1);
    assert.equal(fromEvent[0]?.kind === 'review' && fromEvent[0].review.body, 'lgtm');
  });

  it('shows a review request once, whether the forge lists it or only an event says so', () => {
    const requested = review(6, 'review-bot', 'requested');

    assert.equal(
      news({
        thread: {
          pull: { ref: pull, diff: { changedFiles: 0, additions: 0, deletions: 0 }, reviews: [requested], forIssue: 3 },
        },
        events: [stored(11, reviewRequested('review-bot'))],
      }).length,
      1,
    );
    assert.equal(
      news({ events: [stored(11, reviewRequested('review-bot')), stored(12, reviewRequested('review-bot'))] }).length,
      1,
    );
  });

  it("shows a moved head when no event says who pushed and the agent's own branch is not at it", () => {
    const moved = { ...pull, headSha: 'c'.repeat(40) };
    const thread = {
      pull: { ref: moved, diff: { changedFiles: 0, additions: 0, deletions: 0 }, reviews: [], forIssue: 3 },
    };

    assert.deepEqual(news({ thread }), [{ kind: 'push', pushers: [], before: pull.headSha, after: moved.headSha }]);
  });
});

describe('findWaking: what woke a run that starts a new session', () => {
  const waking = (overrides: { thread?: Partial<Thread>; events?: ForgeEvent[] } = {}) =>
    findWaking({
      thread: threadOf(overrides.thread),
      events: (overrides.events ?? []).map((event, index) => stored(index + 1, event)),
      agentLogin: 'dev-bot',
    });

  it('says a stacked PR was retargeted, though the service is the actor and the session has no cursor', () => {
    const retargeted = rebaseEvent({
      forge: 'forgejo',
      repo,
      pull: { ...pull, number: 9, baseRef: 'issue-2-base' },
      merged: { number: 8, head: 'issue-2-base', base: 'main' },
    });

    assert.deepEqual(waking({ thread: onIssue, events: [retargeted, retargeted] }).items, [
      { kind: 'retargeted', pull: 9, headRef: 'issue-3-crash', from: 'issue-2-base', to: 'main', mergedPull: 8 },
    ]);
  });

  it('says a story was handed out by its milestone, and an issue is to be planned, though the service made up both events', () => {
    const onIssue3 = { issue: { ...issue, number: 3, isPull: false }, pull: undefined };
    const ready = readyEvent({
      forge: 'forgejo',
      repo,
      story: { number: 3, title: 'Crash' },
      tracking: 1,
      upstream: [2],
      base: { branch: 'issue-2-base', pull: 8 },
      at: Date.parse('2024-05-01T10:00:00Z'),
    });
    const labelled: IssueEvent = {
      ...base,
      type: 'issue',
      action: 'labelled',
      actor: user('alice'),
      issue: { ...issue, number: 3, isPull: false, labels: ['plan'] },
    };

    assert.deepEqual(waking({ thread: onIssue3, events: [ready, ready] }).items, [
      { kind: 'ready', tracking: 1, upstream: [2], base: { branch: 'issue-2-base', pull: 8 } },
    ]);
    assert.deepEqual(
      waking({ thread: onIssue3, events: [planEvent(labelled, 'plan')] }).items.filter((item) => item.kind === 'plan'),
      [{ kind: 'plan', by: 'alice', label: 'plan' }],
    );
  });

  it('does not repeat a comment the thread lists, shows one it does not (and counts it as seen), never the agent’s own', () => {
    const listed = comment(21, 'bob', 'in the thread');
    const onOwnPull = comment(22, 'carol', 'on the PR');
    const own = comment(23, 'dev-bot', 'mine');
    const ownPullComment: ForgeEvent = { ...(commented(onOwnPull, 9) as CommentEvent), pull: { ...pull, number: 9 } };

    const woke = waking({
      thread: { ...onIssue, comments: [listed] },
      events: [commented(listed, 3), ownPullComment, commented(own, 3)],
    });

    assert.deepEqual(woke.items, [{ kind: 'comment', comment: onOwnPull }]);
    assert.deepEqual(
      woke.comments.map((c) => c.id),
      [21, 22, 23],
    );
  });

  it("does not repeat a review the PR's thread lists; shows a review of the issue's own PR in the issue's prompt", () => {
    const listed = review(6, 'bob', 'approved');
    const prThread = {
      pull: { ref: pull, diff: { changedFiles: 0, additions: 0, deletions: 0 }, reviews: [listed], forIssue: 3 },
    };
    const ownPullReview: ForgeEvent = { ...(reviewed('bob') as ReviewEvent), pull: { ...pull, number: 9 } };

    assert.deepEqual(waking({ thread: prThread, events: [reviewed('bob')] }).items, []);
    assert.deepEqual(
      waking({ thread: onIssue, events: [ownPullReview] }).items.map(
        (item) => item.kind === 'review' && [item.review.author.login, item.review.state, item.review.body],
      ),
      [['bob', 'approved', 'lgtm']],
    );
  });

  it('shows a review request only when the thread does not name the reviewer already', () => {
    const named = { pull: { ...threadOf().pull!, ref: { ...pull, requestedReviewers: ['review-bot'] } } };

    assert.deepEqual(waking({ thread: named, events: [reviewRequested('review-bot')] }).items, []);
    assert.deepEqual(
      waking({ events: [reviewRequested('review-bot')] }).items.map(
        (item) => item.kind === 'review' && item.review.state,
      ),
      ['requested'],
    );
  });

  it('says which labels changed: against a set an earlier event carried, else the set as the forge has it now', () => {
    const now = { issue: { ...issue, labels: ['bug', 'ready'] } };

    assert.deepEqual(waking({ thread: now, events: [labelled('alice', ['bug', 'ready'])] }).items, [
      { kind: 'labels', added: [], removed: [], now: ['bug', 'ready'] },
    ]);
    assert.deepEqual(
      waking({ thread: now, events: [edited('bob'), labelled('alice', ['bug', 'ready'])] }).items.filter(
        (item) => item.kind === 'labels',
      ),
      [{ kind: 'labels', added: ['bug', 'ready'], removed: [] }],
    );
    assert.deepEqual(waking({ thread: now, events: [labelled('dev-bot', ['bug', 'ready'])] }).items, []);
  });

  it('says who assigned the agent, who edited the description, and who closed the issue while it is still closed', () => {
    const closed = {
      issue: { ...issue, isPull: false, state: 'closed' as const, assignees: ['dev-bot'] },
      pull: undefined,
    };
    const on = (action: 'assigned' | 'edited' | 'closed' | 'reopened', by: string): ForgeEvent => ({
      ...base,
      type: 'issue',
      action,
      actor: user(by),
      issue: { ...closed.issue, number: 7 },
    });

    assert.deepEqual(
      waking({ thread: closed, events: [on('assigned', 'alice'), on('edited', 'bob'), on('closed', 'carol')] }).items,
      [
        { kind: 'state', from: 'open', to: 'closed', merged: false },
        { kind: 'assigned', assignee: 'dev-bot', by: 'alice' },
        { kind: 'description', by: 'bob' },
      ],
    );
    assert.deepEqual(
      waking({ thread: { ...closed, issue: { ...closed.issue, state: 'open' } }, events: [on('closed', 'carol')] })
        .items,
      [],
    );
  });

  it('says someone else pushed to the PR, from the first push it woke on to the head now; not a push by the agent', () => {
    const pushed = (by: string): ForgeEvent => ({
      ...base,
      type: 'push',
      actor: user(by),
      ref: 'refs/heads/issue-3-crash',
      before: 'a'.repeat(40),
      after: pull.headSha,
      commitCount: 1,
    });

    assert.deepEqual(waking({ events: [pushed('alice')] }).items, [
      { kind: 'push', pushers: ['alice'], before: 'a'.repeat(40), after: pull.headSha },
    ]);
    assert.deepEqual(waking({ events: [pushed('dev-bot')] }).items, []);
  });

  it("does not take an edit of the issue's own PR for an edit of the issue", () => {
    const prEdited: ForgeEvent = { ...(edited('bob') as PullEvent), pull: { ...pull, number: 9 } };

    assert.deepEqual(waking({ thread: onIssue, events: [prEdited] }).items, []);
    assert.deepEqual(news({ thread: onIssue, events: [stored(11, prEdited)] }), []);
  });

  it('ignores events about another issue', () => {
    assert.deepEqual(
      waking({ events: [commented(comment(21, 'bob', 'elsewhere'), 8), labelled('alice', ['x'], 'issue', 8)] }).items,
      [],
    );
  });
});
