import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSamplePayload, loadSamplePayloads, type SampleOptions } from '../../../test/support/payloads.js';
import type { ForgeEvent, RepoRef } from '../../core/events.js';
import { readDeliveryHeaders } from './headers.js';
import { normalise, type NormaliseInput } from './normalise.js';

type EventOf<T extends ForgeEvent['type']> = Extract<ForgeEvent, { type: T }>;

/** A captured delivery through the headers and `normalise`, as the intake runs it. */
function eventFromSample<T extends ForgeEvent['type']>(
  name: string,
  type: T,
  options: SampleOptions & { forgeUrl?: string } = {},
): EventOf<T> {
  const sample = loadSamplePayload(name, options);
  const headers = readDeliveryHeaders(sample.headers);
  assert.ok(headers.ok, `headers of ${name}: ${JSON.stringify(headers)}`);
  const { forge, eventType } = headers.value;
  return expectEvent(
    { forge, eventType, body: JSON.parse(sample.body.toString('utf8')), forgeUrl: options.forgeUrl },
    type,
  );
}

function expectEvent<T extends ForgeEvent['type']>(input: NormaliseInput, type: T): EventOf<T> {
  const result = normalise(input);
  assert.ok(result.ok, `expected an event, got ${JSON.stringify(result)}`);
  assert.equal(result.value.kind, 'event', `expected an event, got ${JSON.stringify(result.value)}`);
  const { event } = result.value as { event: ForgeEvent };
  assert.equal(event.type, type);
  return event as EventOf<T>;
}

function sampleBody(name: string): Record<string, unknown> {
  return JSON.parse(loadSamplePayload(name).body.toString('utf8')) as Record<string, unknown>;
}

const GOGITS_HELLO_WORLD: RepoRef = {
  host: 'try.gitea.io',
  owner: 'gogits',
  name: 'hello-world',
  fullName: 'gogits/hello-world',
  cloneUrl: 'http://try.gitea.io/gogits/hello-world.git',
  defaultBranch: 'master',
  private: true,
};
const UNKNWON = { login: 'unknwon', id: 1 };

describe('normalise, on the captured Gitea deliveries', () => {
  it('turns every captured delivery into an event', () => {
    const samples = loadSamplePayloads();

    const outcomes = samples.map((sample) => {
      const headers = readDeliveryHeaders(sample.headers);
      assert.ok(headers.ok);
      return normalise({
        forge: headers.value.forge,
        eventType: headers.value.eventType,
        body: JSON.parse(sample.body.toString('utf8')),
      });
    });

    assert.equal(samples.length, 8);
    for (const [index, outcome] of outcomes.entries()) {
      assert.ok(outcome.ok && outcome.value.kind === 'event', `${samples[index]?.name}: ${JSON.stringify(outcome)}`);
    }
  });

  it('reads a branch deletion (gitea-delete-branch)', () => {
    const event = eventFromSample('gitea-delete-branch', 'ref_deleted');

    assert.deepEqual(event, {
      forge: 'gitea',
      repo: GOGITS_HELLO_WORLD,
      actor: UNKNWON,
      type: 'ref_deleted',
      refType: 'branch',
      ref: 'feature',
      fingerprint: 'try.gitea.io/gogits/hello-world:ref_deleted:branch:feature',
    });
  });

  it('reads an opened issue (gitea-issues-opened)', () => {
    const event = eventFromSample('gitea-issues-opened', 'issue');

    assert.equal(event.action, 'opened');
    assert.deepEqual(event.repo, GOGITS_HELLO_WORLD);
    assert.deepEqual(event.actor, UNKNWON);
    assert.deepEqual(event.issue, {
      number: 1,
      title: 'Problem',
      body: 'Found a bug',
      author: UNKNWON,
      state: 'open',
      isPull: false,
      labels: [],
      assignees: [],
      updatedAt: '2017-12-09T01:30:43Z',
      createdAt: '2017-12-09T01:30:43Z',
    });
    assert.equal(event.fingerprint, 'try.gitea.io/gogits/hello-world:issue:1:opened');
  });

  it('reads a comment on an issue (gitea-issue_comment-created)', () => {
    const event = eventFromSample('gitea-issue_comment-created', 'comment');

    assert.equal(event.action, 'created');
    assert.equal(event.issue.number, 1);
    assert.equal(event.issue.isPull, false);
    assert.equal(event.pull, undefined);
    assert.deepEqual(event.comment, {
      id: 43,
      body: 'Got it',
      author: UNKNWON,
      createdAt: '2017-12-09T01:30:43Z',
      updatedAt: '2017-12-09T01:39:10Z',
      htmlUrl: 'http://try.gitea.io/gogits/hello-world/issues/1#issuecomment-43',
    });
    assert.equal(event.fingerprint, 'try.gitea.io/gogits/hello-world:comment:43:2017-12-09T01:39:10.000Z');
  });

  it('reads a comment in a PR conversation (gitea-issue_comment-created-on-pr, event type pull_request_comment)', () => {
    const event = eventFromSample('gitea-issue_comment-created-on-pr', 'comment');

    assert.equal(event.issue.number, 2);
    assert.equal(event.issue.isPull, true);
    assert.equal(event.comment.id, 45);
    assert.equal(event.comment.body, 'run gofmt');
    // A 2018 capture: Go's zero time stands in for the comment's timestamps.
    assert.equal(event.comment.updatedAt, '0001-01-01T00:00:00Z');
  });

  it('tells a 2018 PR comment from its non-null issue.pull_request, when the event type says only issue_comment', () => {
    const body = sampleBody('gitea-issue_comment-created-on-pr');

    const event = expectEvent({ forge: 'gitea', eventType: 'issue_comment', body }, 'comment');

    assert.equal(event.issue.isPull, true);
  });

  it('carries the PR of a comment on one when the payload sends it (current Gitea: is_pull, pull_request)', () => {
    const body = {
      ...sampleBody('gitea-issue_comment-created'),
      is_pull: true,
      pull_request: sampleBody('gitea-pull_request-synchronized').pull_request,
    };

    const event = expectEvent({ forge: 'forgejo', eventType: 'issue_comment', body }, 'comment');

    assert.equal(event.issue.isPull, true);
    assert.equal(event.pull?.headSha, '788ed8d02d3b7fcfcf6386dbcbca696aa1d4dc25');
  });

  it('reads a merged PR (gitea-pull_request-closed-merged)', () => {
    const event = eventFromSample('gitea-pull_request-closed-merged', 'pull_request');

    assert.equal(event.action, 'closed');
    assert.deepEqual(event.repo, {
      host: 'gitea.com',
      owner: 'anbraten',
      name: 'test-repo',
      fullName: 'anbraten/test-repo',
      cloneUrl: 'https://gitea.com/anbraten/test-repo.git',
      defaultBranch: 'main',
      private: false,
    });
    assert.deepEqual(event.pull, {
      number: 1,
      title: 'Adjust file',
      body: '',
      author: { login: 'anbraten', id: 26907 },
      state: 'closed',
      merged: true,
      headRef: 'anbraten-patch-1',
      headSha: 'd555a5dd07f4d0148a58d4686ec381502ae6a2d4',
      baseRef: 'main',
      labels: [],
      assignees: [],
      requestedReviewers: [],
      updatedAt: '2023-12-05T18:35:31Z',
    });
    assert.equal(
      event.fingerprint,
      'gitea.com/anbraten/test-repo:pr:1:closed:merged:d555a5dd07f4d0148a58d4686ec381502ae6a2d4',
    );
  });

  it('reads a review request (gitea-pull_request-review_requested, event type pull_request_review_request)', () => {
    const event = eventFromSample('gitea-pull_request-review_requested', 'pull_request');

    assert.equal(event.action, 'review_requested');
    assert.equal(event.requestedReviewer, 'a_nice_user');
    assert.deepEqual(event.pull.requestedReviewers, ['a_nice_user']);
    assert.equal(event.pull.number, 7);
    assert.equal(event.pull.author.login, 'jony');
    // The capture is trimmed: its PR has no updated_at and no merged.
    assert.equal(event.pull.updatedAt, '');
    assert.equal(event.pull.merged, false);
  });

  it('reads a push to a PR branch (gitea-pull_request-synchronized, event type pull_request_sync)', () => {
    const event = eventFromSample('gitea-pull_request-synchronized', 'pull_request');

    assert.equal(event.action, 'synchronized');
    assert.equal(event.repo.host, '127.0.0.1:3000');
    assert.equal(event.repo.fullName, 'Test-CI/multi-line-secrets');
    assert.equal(event.pull.headSha, '788ed8d02d3b7fcfcf6386dbcbca696aa1d4dc25');
    assert.equal(event.pull.headRef, 'test-patch-1');
    assert.deepEqual(event.pull.labels, ['Kind/Bug', 'Kind/Security']);
    assert.equal(event.pull.updatedAt, '2024-02-22T01:42:03+01:00');
    assert.equal(
      event.fingerprint,
      '127.0.0.1:3000/test-ci/multi-line-secrets:pr:2:synchronized:788ed8d02d3b7fcfcf6386dbcbca696aa1d4dc25',
    );
  });

  it('reads an approval, the sender being the reviewer (gitea-pull_request_approved-reviewed)', () => {
    const event = eventFromSample('gitea-pull_request_approved-reviewed', 'review');

    assert.equal(event.state, 'approved');
    assert.deepEqual(event.review, {
      id: 0,
      body: 'juhu thats a great idea',
      author: { login: 'a_nice_user', id: 349 },
    });
    assert.deepEqual(event.actor, { login: 'a_nice_user', id: 349 });
    assert.equal(event.pull.number, 7);
    assert.equal(event.pull.headSha, '07977177c2cd7d46bad37b8472a9d50e7acb9d1f');
    // The capture's repository has no `private`: assumed private.
    assert.equal(event.repo.private, true);
  });

  it('reads the same captures from Forgejo headers as the same events', () => {
    for (const sample of loadSamplePayloads()) {
      const gitea = readDeliveryHeaders(sample.headers);
      const forgejo = readDeliveryHeaders(loadSamplePayload(sample.name, { forge: 'forgejo' }).headers);
      assert.ok(gitea.ok && forgejo.ok);
      const body = JSON.parse(sample.body.toString('utf8'));

      const fromGitea = normalise({ forge: gitea.value.forge, eventType: gitea.value.eventType, body });
      const fromForgejo = normalise({ forge: forgejo.value.forge, eventType: forgejo.value.eventType, body });

      assert.ok(
        fromGitea.ok && fromGitea.value.kind === 'event' && fromForgejo.ok && fromForgejo.value.kind === 'event',
      );
      assert.equal(fromForgejo.value.event.forge, 'forgejo');
      assert.deepEqual({ ...fromForgejo.value.event, forge: 'gitea' }, fromGitea.value.event, sample.name);
    }
  });
});

describe('normalise, on Forgejo/Gitea specifics', () => {
  it('takes the host from the configured forge URL when it is given, lower-cased', () => {
    const event = eventFromSample('gitea-delete-branch', 'ref_deleted', { forgeUrl: 'http://Try.Gitea.io' });

    assert.equal(event.repo.host, 'try.gitea.io');
    assert.equal(event.fingerprint, 'try.gitea.io/gogits/hello-world:ref_deleted:branch:feature');
  });

  it('builds the clone URL from the configured forge URL, its scheme and sub-path included', () => {
    const body = sampleBody('gitea-delete-branch');
    const repository = { ...(body.repository as object), clone_url: 'http://try.gitea.io/git/gogits/hello-world.git' };

    const event = expectEvent(
      { forge: 'gitea', eventType: 'delete', body: { ...body, repository }, forgeUrl: 'https://try.gitea.io/git/' },
      'ref_deleted',
    );

    assert.equal(event.repo.cloneUrl, 'https://try.gitea.io/git/gogits/hello-world.git');
  });

  const refs = [
    { ref: 'feature', refType: 'branch', expected: 'feature' },
    { ref: 'refs/heads/issue-7-fix', refType: 'branch', expected: 'issue-7-fix' },
    { ref: 'refs/tags/v1.2.0', refType: 'tag', expected: 'v1.2.0' },
    { ref: 'v1.2.0', refType: 'tag', expected: 'v1.2.0' },
  ];
  for (const { ref, refType, expected } of refs) {
    it(`names the deleted ${refType} '${ref}' by its short name '${expected}'`, () => {
      const body = { ...sampleBody('gitea-delete-branch'), ref, ref_type: refType };

      const event = expectEvent({ forge: 'forgejo', eventType: 'delete', body }, 'ref_deleted');

      assert.equal(event.ref, expected);
      assert.equal(event.refType, refType);
    });
  }

  it("falls back to 'main' when the repository names no default branch", () => {
    const body = sampleBody('gitea-delete-branch');
    const repository = { ...(body.repository as object), default_branch: null };

    const event = expectEvent({ forge: 'gitea', eventType: 'delete', body: { ...body, repository } }, 'ref_deleted');

    assert.equal(event.repo.defaultBranch, 'main');
  });

  const issueActions = [
    { eventType: 'issues', action: 'closed', expected: 'closed' },
    { eventType: 'issues', action: 'deleted', expected: 'deleted' },
    { eventType: 'issue_assign', action: 'assigned', expected: 'assigned' },
    { eventType: 'issue_assign', action: 'unassigned', expected: 'unassigned' },
    { eventType: 'issue_label', action: 'label_updated', expected: 'labelled' },
    { eventType: 'issue_label', action: 'label_cleared', expected: 'labelled' },
  ];
  for (const { eventType, action, expected } of issueActions) {
    it(`reads ${eventType} action '${action}' as an issue '${expected}'`, () => {
      const body = { ...sampleBody('gitea-issues-opened'), action };

      const event = expectEvent({ forge: 'gitea', eventType, body }, 'issue');

      assert.equal(event.action, expected);
      assert.equal(event.assignee, undefined, 'Gitea does not name the login (un)assigned');
    });
  }

  it('reads the assignees of a PR assigned on Gitea (pull_request_assign), which names no login', () => {
    const body = sampleBody('gitea-pull_request-synchronized');
    const assigned = {
      ...body,
      action: 'assigned',
      pull_request: { ...(body.pull_request as object), assignees: [{ login: 'dev' }, { login: 'bob' }] },
    };

    const event = expectEvent({ forge: 'gitea', eventType: 'pull_request_assign', body: assigned }, 'pull_request');

    assert.equal(event.action, 'assigned');
    assert.deepEqual(event.pull.assignees, ['dev', 'bob']);
    assert.equal(event.assignee, undefined);
  });

  it('reads the login a GitHub PR was assigned to, and the PR’s single assignee of old payloads', () => {
    const body = sampleBody('gitea-pull_request-synchronized');
    const github = { ...body, action: 'assigned', assignee: { login: 'dev' } };
    const old = {
      ...body,
      action: 'assigned',
      pull_request: { ...(body.pull_request as object), assignees: null, assignee: { login: 'dev' } },
    };

    const fromGithub = expectEvent({ forge: 'github', eventType: 'pull_request', body: github }, 'pull_request');
    const fromOld = expectEvent({ forge: 'gitea', eventType: 'pull_request_assign', body: old }, 'pull_request');

    assert.equal(fromGithub.assignee, 'dev');
    assert.deepEqual(fromOld.pull.assignees, ['dev']);
  });

  it('reads a review comment and a rejection by their event types', () => {
    const body = sampleBody('gitea-pull_request_approved-reviewed');

    const comment = expectEvent({ forge: 'gitea', eventType: 'pull_request_review_comment', body }, 'review');
    const rejection = expectEvent({ forge: 'gitea', eventType: 'pull_request_review_rejected', body }, 'review');

    assert.equal(comment.state, 'comment');
    assert.equal(rejection.state, 'changes_requested');
  });

  it('reads a merged PR closed on Forgejo as merged, and one closed unmerged as not', () => {
    const body = sampleBody('gitea-pull_request-closed-merged');
    const unmerged = { ...body, pull_request: { ...(body.pull_request as object), merged: false } };

    const merged = expectEvent({ forge: 'forgejo', eventType: 'pull_request', body }, 'pull_request');
    const closed = expectEvent({ forge: 'forgejo', eventType: 'pull_request', body: unmerged }, 'pull_request');

    assert.equal(merged.pull.merged, true);
    assert.equal(closed.pull.merged, false);
    assert.notEqual(merged.fingerprint, closed.fingerprint);
  });

  it('reads a push with its commit count', () => {
    const body = {
      ...sampleBody('gitea-delete-branch'),
      ref: 'refs/heads/main',
      before: 'a'.repeat(40),
      after: 'b'.repeat(40),
      commits: [{}, {}],
      total_commits: 3,
    };

    const event = expectEvent({ forge: 'gitea', eventType: 'push', body }, 'push');

    assert.deepEqual(
      { ref: event.ref, before: event.before, after: event.after, commitCount: event.commitCount },
      { ref: 'refs/heads/main', before: 'a'.repeat(40), after: 'b'.repeat(40), commitCount: 3 },
    );
  });

  it('reads a repository deletion, and ignores its creation', () => {
    const body = { ...sampleBody('gitea-delete-branch'), action: 'deleted' };

    const deleted = expectEvent({ forge: 'gitea', eventType: 'repository', body }, 'repository');
    const created = normalise({ forge: 'gitea', eventType: 'repository', body: { ...body, action: 'created' } });

    assert.equal(deleted.fingerprint, 'try.gitea.io/gogits/hello-world:repository:deleted');
    assert.deepEqual(created, {
      ok: true,
      value: { kind: 'ignored', reason: "action 'created' of event type 'repository' is not handled" },
    });
  });
});
