import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { loadSamplePayload } from '../../../test/support/payloads.js';
import type { ForgeKind } from '../events.js';
import { normalise } from './normalise.js';
import { describeValue } from './payload-problem.js';

function sampleBody(name: string): Record<string, any> {
  return JSON.parse(loadSamplePayload(name).body.toString('utf8')) as Record<string, any>;
}

function without<T extends Record<string, any>>(body: T, path: string): T {
  const copy = structuredClone(body);
  const keys = path.split('.');
  const last = keys.pop() as string;
  let parent: Record<string, any> = copy;
  for (const key of keys) parent = parent[key];
  delete parent[last];
  return copy;
}

function withValue<T extends Record<string, any>>(body: T, path: string, value: unknown): T {
  const copy = structuredClone(body);
  const keys = path.split('.');
  const last = keys.pop() as string;
  let parent: Record<string, any> = copy;
  for (const key of keys) parent = parent[key];
  parent[last] = value;
  return copy;
}

const require = createRequire(import.meta.url);
const github = require('@octokit/webhooks-examples') as { name: string; examples: Record<string, any>[] }[];
const githubExample = (name: string, action: string): Record<string, any> => {
  const example = github.find((d) => d.name === name)?.examples.find((e) => e['action'] === action);
  assert.ok(example !== undefined, `${name} ${action}`);
  return example;
};

const pull = sampleBody('gitea-pull_request-synchronized');
const issue = sampleBody('gitea-issues-opened');
const comment = sampleBody('gitea-issue_comment-created');
const deletion = sampleBody('gitea-delete-branch');
const giteaReview = sampleBody('gitea-pull_request_approved-reviewed');

describe('normalise, on payloads that do not fit', () => {
  const cases: { name: string; forge: ForgeKind; eventType: string; body: unknown; field: string; message: string }[] = [
    { name: 'an array body', forge: 'gitea', eventType: 'push', body: [], field: '(body)', message: 'expected an object, got an array' },
    { name: 'a string body', forge: 'gitea', eventType: 'issues', body: 'hello', field: '(body)', message: 'expected an object, got a string ("hello")' },
    { name: 'a null body', forge: 'github', eventType: 'pull_request', body: null, field: '(body)', message: 'expected an object, got null' },
    { name: 'a PR without a head sha', forge: 'gitea', eventType: 'pull_request_sync', body: without(pull, 'pull_request.head.sha'), field: 'pull_request.head.sha', message: 'expected a string, got undefined' },
    { name: 'a PR in an unknown state', forge: 'gitea', eventType: 'pull_request', body: withValue(pull, 'pull_request.state', 'merged'), field: 'pull_request.state', message: 'expected one of "open", "closed", got a string ("merged")' },
    { name: 'an issue numbered by a string', forge: 'gitea', eventType: 'issues', body: withValue(issue, 'issue.number', '1'), field: 'issue.number', message: 'expected a number, got a string ("1")' },
    { name: 'a label without a name', forge: 'gitea', eventType: 'pull_request_sync', body: withValue(pull, 'pull_request.labels', [{ id: 8 }]), field: 'pull_request.labels[0].name', message: 'expected a string, got undefined' },
    { name: 'an issue payload without an action', forge: 'gitea', eventType: 'issues', body: without(issue, 'action'), field: 'action', message: 'expected a string, got undefined' },
    { name: 'a comment without an id', forge: 'gitea', eventType: 'issue_comment', body: without(comment, 'comment.id'), field: 'comment.id', message: 'expected a number, got undefined' },
    { name: 'a payload without a sender', forge: 'gitea', eventType: 'delete', body: without(deletion, 'sender'), field: 'sender', message: 'expected an object, got undefined' },
    { name: 'a deletion of an unknown kind of ref', forge: 'gitea', eventType: 'delete', body: withValue(deletion, 'ref_type', 'commit'), field: 'ref_type', message: 'expected one of "branch", "tag", got a string ("commit")' },
    { name: 'a Gitea review with a null review', forge: 'gitea', eventType: 'pull_request_review_approved', body: withValue(giteaReview, 'review', null), field: 'review', message: 'expected an object, got null' },
    // GitHub's header with a Gitea review shaped as a GitHub one would be: Gitea's review has no id.
    { name: "GitHub's pull_request_review header over a Gitea review", forge: 'github', eventType: 'pull_request_review', body: { ...giteaReview, action: 'submitted' }, field: 'review.id', message: 'expected a number, got undefined' },
  ];
  for (const { name, forge, eventType, body, field, message } of cases) {
    it(`names the field at fault in ${name}`, () => {
      const result = normalise({ forge, eventType, body });

      assert.deepEqual(result, { ok: false, error: { field, message } });
    });
  }

  it('refuses a repository whose host cannot be told, unless the forge host is configured', () => {
    const body = withValue(withValue(deletion, 'repository.html_url', ''), 'repository.clone_url', 'gogits/hello-world.git');

    const guessed = normalise({ forge: 'gitea', eventType: 'delete', body });
    const configured = normalise({ forge: 'gitea', eventType: 'delete', body, forgeHost: 'forge.example.com' });

    assert.ok(!guessed.ok);
    assert.equal(guessed.error.field, 'repository.html_url');
    assert.match(guessed.error.message, /configure the forge URL/);
    assert.ok(configured.ok && configured.value.kind === 'event');
    assert.equal(configured.value.event.repo.host, 'forge.example.com');
  });
});

describe('normalise, on event types and actions it does not act on', () => {
  const cases: { forge: ForgeKind; eventType: string; body: unknown; reason: string }[] = [
    { forge: 'gitea', eventType: 'release', body: {}, reason: "event type 'release' is not handled" },
    { forge: 'gitea', eventType: 'create', body: deletion, reason: "event type 'create' is not handled" },
    { forge: 'forgejo', eventType: 'wiki', body: {}, reason: "event type 'wiki' is not handled" },
    { forge: 'gitea', eventType: 'status', body: 'not even an object', reason: "event type 'status' is not handled" },
    { forge: 'github', eventType: 'check_run', body: {}, reason: "event type 'check_run' is not handled" },
    { forge: 'gitea', eventType: 'constructor', body: {}, reason: "event type 'constructor' is not handled" },
    { forge: 'gitea', eventType: 'issue_comment', body: { ...comment, action: 'deleted' }, reason: "action 'deleted' of event type 'issue_comment' is not handled" },
    { forge: 'gitea', eventType: 'issue_milestone', body: { ...issue, action: 'milestoned' }, reason: "action 'milestoned' of event type 'issue_milestone' is not handled" },
    { forge: 'gitea', eventType: 'issues', body: { ...issue, action: 'toString' }, reason: "action 'toString' of event type 'issues' is not handled" },
    { forge: 'gitea', eventType: 'ping', body: {}, reason: 'ping: the forge is checking that the webhook reaches this service; nothing to do' },
  ];
  for (const { forge, eventType, body, reason } of cases) {
    it(`ignores ${forge} '${eventType}'${typeof body === 'object' && body !== null && 'action' in body ? ` action '${String(body.action)}'` : ''}`, () => {
      assert.deepEqual(normalise({ forge, eventType, body }), { ok: true, value: { kind: 'ignored', reason } });
    });
  }
});

describe('normalise, given the headers of one forge and the body of another', () => {
  it("ignores a Gitea approval under GitHub's pull_request event: its action 'reviewed' is not GitHub's", () => {
    const result = normalise({ forge: 'github', eventType: 'pull_request', body: giteaReview });

    assert.deepEqual(result, { ok: true, value: { kind: 'ignored', reason: "action 'reviewed' of event type 'pull_request' is not handled" } });
  });

  it("ignores a Gitea approval under the x-github-event copy Gitea sends ('pull_request_approved')", () => {
    const result = normalise({ forge: 'github', eventType: 'pull_request_approved', body: giteaReview });

    assert.deepEqual(result, { ok: true, value: { kind: 'ignored', reason: "event type 'pull_request_approved' is not handled" } });
  });

  it("ignores a GitHub review under Gitea's approval event type: its action 'submitted' is not Gitea's", () => {
    const result = normalise({ forge: 'gitea', eventType: 'pull_request_review_approved', body: githubExample('pull_request_review', 'submitted') });

    assert.deepEqual(result, { ok: true, value: { kind: 'ignored', reason: "action 'submitted' of event type 'pull_request_review_approved' is not handled" } });
  });

  it("reads a GitHub comment under Gitea's headers as the comment it is: the shapes agree", () => {
    const result = normalise({ forge: 'gitea', eventType: 'issue_comment', body: githubExample('issue_comment', 'created') });

    assert.ok(result.ok && result.value.kind === 'event');
    assert.equal(result.value.event.type, 'comment');
    assert.equal(result.value.event.forge, 'gitea');
  });
});

describe('describeValue', () => {
  const cases: { value: unknown; expected: string }[] = [
    { value: undefined, expected: 'undefined' },
    { value: null, expected: 'null' },
    { value: [], expected: 'an array' },
    { value: {}, expected: 'an object' },
    { value: 3, expected: 'a number (3)' },
    { value: false, expected: 'a boolean (false)' },
    { value: 'x'.repeat(50), expected: `a string ("${'x'.repeat(40)}…")` },
  ];
  for (const { value, expected } of cases) {
    it(`describes ${expected}`, () => {
      assert.equal(describeValue(value), expected);
    });
  }
});
