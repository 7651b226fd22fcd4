import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { issueRef, pullRef, REPO, user } from '../../test/support/events.js';
import type { TimelineEntry } from '../forge/client.js';
import { reconcileEvents } from './reconcile-events.js';

const ctx = { forge: 'forgejo', repo: REPO, since: '2026-11-01T09:00:00Z' } as const;
const alice = user('alice');
const T1 = '2026-11-01T10:00:01Z';
const T2 = '2026-11-01T10:00:02Z';
const T3 = '2026-11-01T10:00:03Z';
const old = { createdAt: '2026-10-01T00:00:00Z' };
const fingerprints = (events: ReturnType<typeof reconcileEvents>) =>
  events.map((event) => event.fingerprint.replace('forge.test/acme/widget:', ''));

describe('reconcileEvents', () => {
  it('builds each assignment on the assignees as they were then, not as they are now', () => {
    const issue = issueRef(7, { ...old, assignees: ['boss', 'dev'], updatedAt: T2 });
    const timeline: TimelineEntry[] = [
      { kind: 'assignee', at: T1, actor: alice, assignee: 'dev', removed: false },
      { kind: 'assignee', at: T2, actor: alice, assignee: 'boss', removed: false },
    ];

    const events = reconcileEvents(ctx, { issue, timeline, reviews: [] });

    assert.deepEqual(fingerprints(events), [
      'issue:7:assigned:2026-11-01T10:00:01.000Z:dev',
      'issue:7:assigned:2026-11-01T10:00:02.000Z:boss,dev',
    ]);
  });

  it('puts back a label removed later, and makes one event of the labels one request added', () => {
    const issue = issueRef(7, { ...old, labels: ['bug'], updatedAt: T2 });
    const timeline: TimelineEntry[] = [
      { kind: 'label', at: T1, actor: alice, label: 'bug', removed: false },
      { kind: 'label', at: T1, actor: alice, label: 'agent/dev', removed: false },
      { kind: 'label', at: T2, actor: alice, label: 'agent/dev', removed: true },
    ];

    const events = reconcileEvents(ctx, { issue, timeline, reviews: [] });

    assert.deepEqual(fingerprints(events), [
      'issue:7:labelled:2026-11-01T10:00:01.000Z:agent%2Fdev,bug',
      'issue:7:labelled:2026-11-01T10:00:02.000Z:bug',
    ]);
  });

  it('leaves a change newer than the issue it read for the next poll', () => {
    const issue = issueRef(7, { ...old, assignees: ['dev'], updatedAt: T1 });
    const timeline: TimelineEntry[] = [{ kind: 'assignee', at: T3, actor: alice, assignee: 'boss', removed: false }];

    assert.deepEqual(reconcileEvents(ctx, { issue, timeline, reviews: [] }), []);
  });

  it('names a Gitea review by the PR as it was when reviewed, without the review id the webhook lacks', () => {
    const issue = issueRef(9, { ...old, isPull: true, updatedAt: T3 });
    const pull = pullRef(9, { headSha: 'new-head', updatedAt: T3 });
    const review = {
      id: 55,
      state: 'changes_requested',
      body: 'Add a test',
      author: user('reviewer'),
      commitId: 'old-head',
      submittedAt: T2,
    } as const;

    const events = reconcileEvents(ctx, {
      issue,
      pull,
      timeline: [{ kind: 'review', at: T2, actor: user('reviewer'), reviewId: 55 }],
      reviews: [review],
    });

    assert.deepEqual(fingerprints(events), ['review:9:reviewer:changes_requested:2026-11-01T10:00:02.000Z:old-head']);
    assert.equal(events[0]?.actor.login, 'reviewer');
  });

  it('skips a review submitted before the poll’s lower bound', () => {
    const issue = issueRef(9, { ...old, isPull: true, updatedAt: T3 });
    const review = {
      id: 55,
      state: 'approved',
      body: '',
      author: user('reviewer'),
      commitId: 'abc',
      submittedAt: '2026-11-01T08:00:00Z',
    } as const;

    assert.deepEqual(reconcileEvents(ctx, { issue, pull: pullRef(9), timeline: [], reviews: [review] }), []);
  });

  it('gives the events in the order they happened, the opening first', () => {
    const issue = issueRef(7, { createdAt: T1, updatedAt: T3, labels: ['bug'], assignees: ['dev'] });
    const timeline: TimelineEntry[] = [
      { kind: 'label', at: T2, actor: alice, label: 'bug', removed: false },
      { kind: 'assignee', at: T3, actor: alice, assignee: 'dev', removed: false },
    ];

    const events = reconcileEvents(ctx, { issue, timeline: [timeline[1]!, timeline[0]!], reviews: [] });

    assert.deepEqual(
      events.map((e) => (e.type === 'issue' ? e.action : e.type)),
      ['opened', 'labelled', 'assigned'],
    );
  });
});
