import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { deliveryHeaders, loadSamplePayload } from '../../../test/support/payloads.js';
import type { CommentEvent, PullEvent, RepoRef } from '../../core/events.js';
import { canonicalTime, fingerprintOf, type UnfingerprintedEvent } from './fingerprint.js';
import { readDeliveryHeaders } from './headers.js';
import { normalise } from './normalise.js';

/** Headers and body through the intake's two steps; the event's fingerprint. */
function fingerprintOfDelivery(headers: Record<string, string>, body: Buffer): string {
  const read = readDeliveryHeaders(headers);
  assert.ok(read.ok);
  const result = normalise({
    forge: read.value.forge,
    eventType: read.value.eventType,
    body: JSON.parse(body.toString('utf8')),
  });
  assert.ok(result.ok && result.value.kind === 'event', JSON.stringify(result));
  return result.value.event.fingerprint;
}

function commentDelivery(changes: (body: Record<string, any>) => void): {
  headers: Record<string, string>;
  body: Buffer;
} {
  const sample = loadSamplePayload('gitea-issue_comment-created');
  const json = JSON.parse(sample.body.toString('utf8')) as Record<string, any>;
  changes(json);
  const body = Buffer.from(JSON.stringify(json, null, 2));
  return {
    headers: deliveryHeaders({
      forge: 'gitea',
      deliveryId: randomUUID(),
      event: sample.event,
      eventType: sample.eventType,
      body,
    }),
    body,
  };
}

const REPO: RepoRef = {
  host: 'forge.example.com',
  owner: 'Acme',
  name: 'Widgets',
  fullName: 'Acme/Widgets',
  cloneUrl: 'https://forge.example.com/Acme/Widgets.git',
  defaultBranch: 'main',
  private: false,
};
const ALICE = { login: 'alice', id: 2 };
const BASE = { forge: 'forgejo', repo: REPO, actor: ALICE } as const;
const ISSUE = {
  number: 7,
  title: 't',
  body: 'b',
  author: ALICE,
  state: 'open',
  isPull: false,
  labels: ['b', 'a'],
  assignees: ['carol', 'bob'],
  updatedAt: '2026-01-02T03:04:05Z',
} as const;
const PULL = {
  number: 9,
  title: 't',
  body: 'b',
  author: ALICE,
  state: 'open',
  merged: false,
  headRef: 'issue-7',
  headSha: 'abc123',
  baseRef: 'main',
  labels: ['z', 'y'],
  assignees: [],
  requestedReviewers: [],
  updatedAt: '2026-01-02T03:04:05+00:00',
} as const;
const COMMENT = {
  id: 42,
  body: 'hi',
  author: ALICE,
  createdAt: '2026-01-02T03:04:05Z',
  updatedAt: '2026-01-02T03:04:05Z',
  htmlUrl: 'https://forge.example.com/Acme/Widgets/issues/7#issuecomment-42',
};

describe('fingerprintOf', () => {
  it('gives a replayed delivery of a comment the fingerprint of the original', () => {
    const sample = loadSamplePayload('gitea-issue_comment-created');
    const replay = deliveryHeaders({
      forge: 'gitea',
      deliveryId: 'another-uuid',
      event: sample.event,
      eventType: sample.eventType,
      body: sample.body,
    });

    const original = fingerprintOfDelivery(sample.headers, sample.body);
    const replayed = fingerprintOfDelivery(replay, sample.body);

    assert.notEqual(replay['x-gitea-delivery'], sample.headers['x-gitea-delivery']);
    assert.equal(replayed, original);
  });

  it('gives an edit of the comment a fingerprint of its own', () => {
    const created = commentDelivery(() => {});
    const edited = commentDelivery((body) => {
      body.action = 'edited';
      body.comment.body = 'Got it, thanks';
      body.comment.updated_at = '2017-12-09T01:45:00Z';
    });

    assert.notEqual(
      fingerprintOfDelivery(edited.headers, edited.body),
      fingerprintOfDelivery(created.headers, created.body),
    );
  });

  it('gives the same instant the same fingerprint however the offset is written', () => {
    const spellings = [
      '2017-12-09T01:39:10Z',
      '2017-12-09T01:39:10+00:00',
      '2017-12-09T01:39:10.000Z',
      '2017-12-09T02:39:10+01:00',
    ];

    const fingerprints = spellings.map((updatedAt) => {
      const delivery = commentDelivery((body) => {
        body.comment.updated_at = updatedAt;
      });
      return fingerprintOfDelivery(delivery.headers, delivery.body);
    });

    assert.deepEqual(new Set(fingerprints).size, 1, fingerprints.join('\n'));
  });

  it('gives an event built from REST API results the fingerprint of the webhook event for the same change', () => {
    const delivery = loadSamplePayload('gitea-issue_comment-created', { forge: 'forgejo' });
    const fromWebhook = fingerprintOfDelivery(delivery.headers, delivery.body);
    const fromPoller: Omit<CommentEvent, 'fingerprint'> = {
      forge: 'forgejo',
      repo: {
        host: 'try.gitea.io',
        owner: 'gogits',
        name: 'hello-world',
        fullName: 'gogits/hello-world',
        cloneUrl: '',
        defaultBranch: 'master',
        private: true,
      },
      actor: { login: 'unknwon', id: 1 },
      type: 'comment',
      action: 'created',
      issue: {
        number: 1,
        title: 'Problem',
        body: '',
        author: { login: 'unknwon', id: 1 },
        state: 'open',
        isPull: false,
        labels: [],
        assignees: [],
        updatedAt: '2017-12-09T01:39:10+00:00',
      },
      comment: {
        id: 43,
        body: 'Got it',
        author: { login: 'unknwon', id: 1 },
        createdAt: '2017-12-09T01:30:43+00:00',
        updatedAt: '2017-12-09T01:39:10+00:00',
        htmlUrl: '',
      },
    };

    assert.equal(fingerprintOf(fromPoller), fromWebhook);
  });

  const table: { name: string; event: UnfingerprintedEvent; expected: string }[] = [
    {
      name: 'a comment',
      event: { ...BASE, type: 'comment', action: 'edited', issue: ISSUE, comment: COMMENT },
      expected: 'forge.example.com/acme/widgets:comment:42:2026-01-02T03:04:05.000Z',
    },
    {
      name: 'an opened issue',
      event: { ...BASE, type: 'issue', action: 'opened', issue: ISSUE },
      expected: 'forge.example.com/acme/widgets:issue:7:opened',
    },
    {
      name: 'an assignment naming the assignee',
      event: { ...BASE, type: 'issue', action: 'assigned', issue: ISSUE, assignee: 'bob' },
      expected: 'forge.example.com/acme/widgets:issue:7:assigned:2026-01-02T03:04:05.000Z:bob',
    },
    {
      name: 'an assignment naming no one (Gitea)',
      event: { ...BASE, type: 'issue', action: 'unassigned', issue: ISSUE },
      expected: 'forge.example.com/acme/widgets:issue:7:unassigned:2026-01-02T03:04:05.000Z:bob,carol',
    },
    {
      name: 'a label change',
      event: { ...BASE, type: 'issue', action: 'labelled', issue: { ...ISSUE, labels: ['kind/bug', 'a b'] } },
      expected: 'forge.example.com/acme/widgets:issue:7:labelled:2026-01-02T03:04:05.000Z:a%20b,kind%2Fbug',
    },
    {
      name: 'a story handed out by its milestone, whatever the time',
      event: { ...BASE, type: 'issue', action: 'ready', issue: ISSUE, ready: { tracking: 1, upstream: [2] } },
      expected: 'forge.example.com/acme/widgets:issue:7:ready:1:default',
    },
    {
      name: 'a story handed out to start stacked on a pull request',
      event: {
        ...BASE,
        type: 'issue',
        action: 'ready',
        issue: { ...ISSUE, updatedAt: '2026-03-01T00:00:00Z' },
        ready: { tracking: 1, base: { branch: 'issue-2-spike', pull: 12 } },
      },
      expected: 'forge.example.com/acme/widgets:issue:7:ready:1:12',
    },
    {
      name: 'an opened issue seen again later, after it changed (the poller)',
      event: { ...BASE, type: 'issue', action: 'opened', issue: { ...ISSUE, updatedAt: '2026-03-01T00:00:00Z' } },
      expected: 'forge.example.com/acme/widgets:issue:7:opened',
    },
    {
      name: 'an opened PR',
      event: { ...BASE, type: 'pull_request', action: 'opened', pull: PULL },
      expected: 'forge.example.com/acme/widgets:pr:9:opened',
    },
    {
      name: 'an opened PR seen again later, after a push to it (the poller)',
      event: { ...BASE, type: 'pull_request', action: 'opened', pull: { ...PULL, headSha: 'def456' } },
      expected: 'forge.example.com/acme/widgets:pr:9:opened',
    },
    {
      name: 'a push to a PR',
      event: { ...BASE, type: 'pull_request', action: 'synchronized', pull: PULL },
      expected: 'forge.example.com/acme/widgets:pr:9:synchronized:abc123',
    },
    {
      name: 'a merged PR',
      event: { ...BASE, type: 'pull_request', action: 'closed', pull: { ...PULL, state: 'closed', merged: true } },
      expected: 'forge.example.com/acme/widgets:pr:9:closed:merged:abc123',
    },
    {
      name: 'a PR closed unmerged',
      event: { ...BASE, type: 'pull_request', action: 'closed', pull: { ...PULL, state: 'closed' } },
      expected: 'forge.example.com/acme/widgets:pr:9:closed:unmerged:abc123',
    },
    {
      name: 'a review request',
      event: { ...BASE, type: 'pull_request', action: 'review_requested', pull: PULL, requestedReviewer: 'rev' },
      expected: 'forge.example.com/acme/widgets:pr:9:review_requested:rev:2026-01-02T03:04:05.000Z',
    },
    {
      name: 'an edited PR',
      event: { ...BASE, type: 'pull_request', action: 'edited', pull: PULL },
      expected: 'forge.example.com/acme/widgets:pr:9:edited:2026-01-02T03:04:05.000Z',
    },
    {
      name: 'a PR assigned naming no one (Gitea)',
      event: { ...BASE, type: 'pull_request', action: 'assigned', pull: { ...PULL, assignees: ['dev', 'bob'] } },
      expected: 'forge.example.com/acme/widgets:pr:9:assigned:2026-01-02T03:04:05.000Z:bob,dev',
    },
    {
      name: 'a PR assigned naming the assignee (GitHub)',
      event: { ...BASE, type: 'pull_request', action: 'assigned', pull: PULL, assignee: 'dev' },
      expected: 'forge.example.com/acme/widgets:pr:9:assigned:2026-01-02T03:04:05.000Z:dev',
    },
    {
      name: 'a relabelled PR',
      event: { ...BASE, type: 'pull_request', action: 'labelled', pull: PULL },
      expected: 'forge.example.com/acme/widgets:pr:9:labelled:2026-01-02T03:04:05.000Z:y,z',
    },
    {
      name: 'a review with an id (GitHub)',
      event: {
        ...BASE,
        type: 'review',
        state: 'approved',
        pull: PULL,
        review: { id: 5, body: '', author: { login: 'rev', id: 3 } },
      },
      expected: 'forge.example.com/acme/widgets:review:9:rev:approved:5',
    },
    {
      name: 'a review without one (Gitea)',
      event: {
        ...BASE,
        type: 'review',
        state: 'changes_requested',
        pull: PULL,
        review: { id: 0, body: '', author: { login: 'rev', id: 3 } },
      },
      expected: 'forge.example.com/acme/widgets:review:9:rev:changes_requested:2026-01-02T03:04:05.000Z:abc123',
    },
    {
      name: 'a deleted branch',
      event: { ...BASE, type: 'ref_deleted', refType: 'branch', ref: 'issue-7' },
      expected: 'forge.example.com/acme/widgets:ref_deleted:branch:issue-7',
    },
    {
      name: 'a push',
      event: { ...BASE, type: 'push', ref: 'refs/heads/main', before: 'a1', after: 'b2', commitCount: 1 },
      expected: 'forge.example.com/acme/widgets:push:refs/heads/main:a1:b2',
    },
    {
      name: 'a deleted repository',
      event: { ...BASE, type: 'repository', action: 'deleted' },
      expected: 'forge.example.com/acme/widgets:repository:deleted',
    },
  ];
  for (const { name, event, expected } of table) {
    it(`names ${name}`, () => {
      assert.equal(fingerprintOf(event), expected);
    });
  }

  it('ignores who delivered the event and which forge kind said it', () => {
    const event: Omit<PullEvent, 'fingerprint'> = { ...BASE, type: 'pull_request', action: 'opened', pull: PULL };

    assert.equal(
      fingerprintOf({ ...event, forge: 'gitea', actor: { login: 'someone-else', id: 9 } }),
      fingerprintOf(event),
    );
  });

  it('tells two pushes to a PR apart by their head', () => {
    const event: Omit<PullEvent, 'fingerprint'> = { ...BASE, type: 'pull_request', action: 'synchronized', pull: PULL };

    assert.notEqual(fingerprintOf({ ...event, pull: { ...PULL, headSha: 'def456' } }), fingerprintOf(event));
  });
});

describe('canonicalTime', () => {
  const cases = [
    { input: '2024-02-22T01:42:03+01:00', expected: '2024-02-22T00:42:03.000Z' },
    { input: '2024-02-22T00:42:03Z', expected: '2024-02-22T00:42:03.000Z' },
    { input: '2024-02-22T00:42:03.000+00:00', expected: '2024-02-22T00:42:03.000Z' },
    { input: '0001-01-01T00:00:00Z', expected: '0001-01-01T00:00:00.000Z' },
    { input: '', expected: '' },
    { input: 'not a time', expected: 'not a time' },
  ];
  for (const { input, expected } of cases) {
    it(`writes '${input}' as '${expected}'`, () => {
      assert.equal(canonicalTime(input), expected);
    });
  }
});
