import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PullReview } from '../../forge/client.js';
import type { CommentRef, ForgeEvent, IssueRef, PullRef, RepoRef, UserRef } from '../../core/events.js';
import type { StoredEvent } from '../../core/stored-event.js';
import type { SessionCursor } from '../../sessions/cursor.js';
import { rebaseEvent } from '../../housekeeping/rebase-request.js';
import { findNews, type NewsInput } from './news.js';
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

function news(overrides: { thread?: Partial<Thread>; events?: StoredEvent[] } = {}) {
  const thread: Thread = {
    issue,
    pull: { ref: pull, diff: { changedFiles: 1, additions: 1, deletions: 0 }, reviews: [], forIssue: 3 },
    comments: [],
    linkedPulls: [],
    ...overrides.thread,
  };
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
