import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { loadSamplePayload } from '../../../test/support/payloads.js';
import type { ForgeKind } from '../../core/events.js';
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
  const example = github.find((d) => d.name === name)?.examples.find((e) => e.action === action);
  assert.ok(example !== undefined, `${name} ${action}`);
  return example;
};

const pull = sampleBody('gitea-pull_request-synchronized');
const issue = sampleBody('gitea-issues-opened');
const comment = sampleBody('gitea-issue_comment-created');
const deletion = sampleBody('gitea-delete-branch');
const giteaReview = sampleBody('gitea-pull_request_approved-reviewed');

describe('normalise, on payloads that do not fit', () => {
  const cases: { name: string; forge: ForgeKind; eventType: string; body: unknown; field: string; message: string }[] =
    [
      {
        name: 'an array body',
        forge: 'gitea',
        eventType: 'push',
        body: [],
        field: '(body)',
        message: 'expected an object, got an array',
      },
      {
        name: 'a string body',
        forge: 'gitea',
        eventType: 'issues',
        body: 'hello',
        field: '(body)',
        message: 'expected an object, got a string ("hello")',
      },
      {
        name: 'a null body',
        forge: 'github',
        eventType: 'pull_request',
        body: null,
        field: '(body)',
        message: 'expected an object, got null',
      },
      {
        name: 'a PR without a head sha',
        forge: 'gitea',
        eventType: 'pull_request_sync',
        body: without(pull, 'pull_request.head.sha'),
        field: 'pull_request.head.sha',
        message: 'expected a string, got undefined',
      },
      {
        name: 'a PR in an unknown state',
        forge: 'gitea',
        eventType: 'pull_request',
        body: withValue(pull, 'pull_request.state', 'merged'),
        field: 'pull_request.state',
        message: 'expected one of "open", "closed", got a string ("merged")',
      },
      {
        name: 'an issue numbered by a string',
        forge: 'gitea',
        eventType: 'issues',
        body: withValue(issue, 'issue.number', '1'),
        field: 'issue.number',
        message: 'expected a number, got a string ("1")',
      },
      {
        name: 'a label without a name',
        forge: 'gitea',
        eventType: 'pull_request_sync',
        body: withValue(pull, 'pull_request.labels', [{ id: 8 }]),
        field: 'pull_request.labels[0].name',
        message: 'expected a string, got undefined',
      },
      {
        name: 'an issue payload without an action',
        forge: 'gitea',
        eventType: 'issues',
        body: without(issue, 'action'),
        field: 'action',
        message: 'expected a string, got undefined',
      },
      {
        name: 'a comment without an id',
        forge: 'gitea',
        eventType: 'issue_comment',
        body: without(comment, 'comment.id'),
        field: 'comment.id',
        message: 'expected a number, got undefined',
      },
      {
        name: 'a payload without a sender',
        forge: 'gitea',
        eventType: 'delete',
        body: without(deletion, 'sender'),
        field: 'sender',
        message: 'expected an object, got undefined',
      },
      {
        name: 'a deletion of an unknown kind of ref',
        forge: 'gitea',
        eventType: 'delete',
        body: withValue(deletion, 'ref_type', 'commit'),
        field: 'ref_type',
        message: 'expected one of "branch", "tag", got a string ("commit")',
      },
      {
        name: 'a Gitea review with a null review',
        forge: 'gitea',
        eventType: 'pull_request_review_approved',
        body: withValue(giteaReview, 'review', null),
        field: 'review',
        message: 'expected an object, got null',
      },
      // GitHub's header with a Gitea review shaped as a GitHub one would be: Gitea's review has no id.
      {
        name: "GitHub's pull_request_review header over a Gitea review",
        forge: 'github',
        eventType: 'pull_request_review',
        body: { ...giteaReview, action: 'submitted' },
        field: 'review.id',
        message: 'expected a number, got undefined',
      },
    ];
  for (const { name, forge, eventType, body, field, message } of cases) {
    it(`names the field at fault in ${name}`, () => {
      const result = normalise({ forge, eventType, body });

      assert.deepEqual(result, { ok: false, error: { field, message } });
    });
  }
});

describe('normalise, on a repository the payload names inconsistently (hardening #1)', () => {
  const FORGE = 'http://try.gitea.io';
  const repository = (changes: Record<string, unknown>) => ({
    ...deletion,
    repository: { ...deletion.repository, ...changes },
  });
  const cases: { name: string; body: unknown; field: string; message: RegExp }[] = [
    {
      name: 'an allowed full_name with a clone URL on another host',
      body: repository({
        full_name: 'acme/widget',
        owner: { login: 'acme' },
        name: 'widget',
        clone_url: 'http://127.0.0.1:9/acme/widget.git',
      }),
      field: 'repository.clone_url',
      message: /is on host a string \("127\.0\.0\.1:9"\), not on the forge \(try\.gitea\.io\)/,
    },
    {
      name: 'a full_name that is not owner.login/name',
      body: repository({ full_name: 'acme/widget' }),
      field: 'repository.full_name',
      message: /expected "gogits\/hello-world" \(owner.login\/name\), got a string \("acme\/widget"\)/,
    },
    {
      name: 'a clone URL naming another repository on the forge',
      body: repository({ clone_url: 'http://try.gitea.io/acme/widget.git' }),
      field: 'repository.clone_url',
      message: /expected the path "\/gogits\/hello-world\.git"/,
    },
    {
      name: 'a clone URL that is not a URL',
      body: repository({ clone_url: 'gogits/hello-world.git' }),
      field: 'repository.clone_url',
      message: /expected an http\(s\) URL/,
    },
    {
      name: 'a clone URL carrying credentials',
      body: repository({ clone_url: 'http://u:p@try.gitea.io/gogits/hello-world.git' }),
      field: 'repository.clone_url',
      message: /without credentials/,
    },
    {
      name: 'a file clone URL',
      body: repository({ clone_url: 'file:///tmp/gogits/hello-world.git' }),
      field: 'repository.clone_url',
      message: /expected an http\(s\) URL/,
    },
  ];
  for (const { name, body, field, message } of cases) {
    it(`refuses ${name}, naming ${field}`, () => {
      const result = normalise({ forge: 'gitea', eventType: 'delete', body, forgeUrl: FORGE });

      assert.ok(!result.ok, JSON.stringify(result));
      assert.equal(result.error.field, field);
      assert.match(result.error.message, message);
    });
  }

  it('refuses a clone URL on another host even with no forge URL configured, when its path names another repository', () => {
    const result = normalise({
      forge: 'gitea',
      eventType: 'delete',
      body: repository({ clone_url: 'http://127.0.0.1:9/x.git' }),
    });

    assert.ok(!result.ok);
    assert.equal(result.error.field, 'repository.clone_url');
  });

  it('names the repository by the forge host and builds its clone URL from forge.url, whatever else the payload says', () => {
    const result = normalise({
      forge: 'gitea',
      eventType: 'delete',
      body: repository({ html_url: 'http://127.0.0.1:9/elsewhere' }),
      forgeUrl: 'https://TRY.gitea.io/',
    });

    assert.ok(result.ok && result.value.kind === 'event');
    assert.equal(result.value.event.repo.host, 'try.gitea.io');
    assert.equal(result.value.event.repo.cloneUrl, 'https://try.gitea.io/gogits/hello-world.git');
  });
});

describe('normalise, on names and numbers the forge would never send (hardening #6, #7)', () => {
  const sneaky = 'evil\n$(touch /tmp/x)\u202Egnp';
  const cases: { name: string; eventType: string; body: unknown; field: string; message: RegExp }[] = [
    {
      name: 'an owner with a newline, $(…) and U+202E',
      eventType: 'delete',
      body: withValue(deletion, 'repository.owner.login', sneaky),
      field: 'repository.owner.login',
      message: /user or organisation name .* got a string \("evil\\n\$\(touch \/tmp\/x\)\\u202egnp"\)/,
    },
    {
      name: 'an owner starting with -',
      eventType: 'delete',
      body: withValue(deletion, 'repository.owner.login', '-acme'),
      field: 'repository.owner.login',
      message: /user or organisation name/,
    },
    {
      name: 'a repository name ..',
      eventType: 'delete',
      body: withValue(deletion, 'repository.name', '..'),
      field: 'repository.name',
      message: /repository name/,
    },
    {
      name: 'a repository name with a slash',
      eventType: 'delete',
      body: withValue(deletion, 'repository.name', 'a/b'),
      field: 'repository.name',
      message: /repository name/,
    },
    {
      name: 'a default branch with U+202E',
      eventType: 'delete',
      body: withValue(deletion, 'repository.default_branch', 'main\u202E'),
      field: 'repository.default_branch',
      message: /control or bidi/,
    },
    {
      name: 'a deleted ref with a newline',
      eventType: 'delete',
      body: withValue(deletion, 'ref', 'feature\nINFO forged'),
      field: 'ref',
      message: /control or bidi/,
    },
    {
      name: 'a PR head branch git refuses',
      eventType: 'pull_request_sync',
      body: withValue(pull, 'pull_request.head.ref', 'a..b'),
      field: 'pull_request.head.ref',
      message: /not a branch name git accepts/,
    },
    {
      name: 'a PR base branch starting with -',
      eventType: 'pull_request_sync',
      body: withValue(pull, 'pull_request.base.ref', '-main'),
      field: 'pull_request.base.ref',
      message: /not a branch name git accepts/,
    },
    {
      name: 'a sender login with a control character',
      eventType: 'delete',
      body: withValue(deletion, 'sender.login', 'bob\u001b[2J'),
      field: 'sender.login',
      message: /control or bidi/,
    },
    {
      name: 'an issue numbered -5',
      eventType: 'issues',
      body: withValue(issue, 'issue.number', -5),
      field: 'issue.number',
      message: /positive whole number .* got a number \(-5\)/,
    },
    {
      name: 'an issue numbered 1.5',
      eventType: 'issues',
      body: withValue(issue, 'issue.number', 1.5),
      field: 'issue.number',
      message: /positive whole number/,
    },
    {
      name: 'an issue numbered 1e21',
      eventType: 'issues',
      body: withValue(issue, 'issue.number', 1e21),
      field: 'issue.number',
      message: /positive whole number/,
    },
    {
      name: 'an issue numbered 0',
      eventType: 'issues',
      body: withValue(issue, 'issue.number', 0),
      field: 'issue.number',
      message: /positive whole number/,
    },
    {
      name: 'a PR numbered 2^53',
      eventType: 'pull_request_sync',
      body: withValue(pull, 'pull_request.number', 2 ** 53),
      field: 'pull_request.number',
      message: /positive whole number/,
    },
    {
      name: 'a comment with id -1',
      eventType: 'issue_comment',
      body: withValue(comment, 'comment.id', -1),
      field: 'comment.id',
      message: /positive whole number/,
    },
  ];
  for (const { name, eventType, body, field, message } of cases) {
    it(`refuses ${name}, naming ${field}`, () => {
      const result = normalise({ forge: 'gitea', eventType, body });

      assert.ok(!result.ok, JSON.stringify(result));
      assert.equal(result.error.field, field);
      assert.match(result.error.message, message);
    });
  }

  it('refuses a GitHub review with a fractional id', () => {
    const body = withValue(githubExample('pull_request_review', 'submitted'), 'review.id', 1.5);

    const result = normalise({ forge: 'github', eventType: 'pull_request_review', body });

    assert.ok(!result.ok);
    assert.equal(result.error.field, 'review.id');
  });
});

describe('normalise, on event types and actions it does not act on', () => {
  const cases: { forge: ForgeKind; eventType: string; body: unknown; reason: string }[] = [
    { forge: 'gitea', eventType: 'release', body: {}, reason: "event type 'release' is not handled" },
    { forge: 'gitea', eventType: 'create', body: deletion, reason: "event type 'create' is not handled" },
    { forge: 'forgejo', eventType: 'wiki', body: {}, reason: "event type 'wiki' is not handled" },
    { forge: 'gitea', eventType: 'package', body: 'not even an object', reason: "event type 'package' is not handled" },
    { forge: 'github', eventType: 'check_run', body: {}, reason: "event type 'check_run' is not handled" },
    { forge: 'gitea', eventType: 'constructor', body: {}, reason: "event type 'constructor' is not handled" },
    {
      forge: 'gitea',
      eventType: 'issue_comment',
      body: { ...comment, action: 'deleted' },
      reason: "action 'deleted' of event type 'issue_comment' is not handled",
    },
    {
      forge: 'gitea',
      eventType: 'issue_milestone',
      body: { ...issue, action: 'milestoned' },
      reason: "action 'milestoned' of event type 'issue_milestone' is not handled",
    },
    {
      forge: 'gitea',
      eventType: 'issues',
      body: { ...issue, action: 'toString' },
      reason: "action 'toString' of event type 'issues' is not handled",
    },
    {
      forge: 'gitea',
      eventType: 'ping',
      body: {},
      reason: 'ping: the forge is checking that the webhook reaches this service; nothing to do',
    },
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

    assert.deepEqual(result, {
      ok: true,
      value: { kind: 'ignored', reason: "action 'reviewed' of event type 'pull_request' is not handled" },
    });
  });

  it("ignores a Gitea approval under the x-github-event copy Gitea sends ('pull_request_approved')", () => {
    const result = normalise({ forge: 'github', eventType: 'pull_request_approved', body: giteaReview });

    assert.deepEqual(result, {
      ok: true,
      value: { kind: 'ignored', reason: "event type 'pull_request_approved' is not handled" },
    });
  });

  it("ignores a GitHub review under Gitea's approval event type: its action 'submitted' is not Gitea's", () => {
    const result = normalise({
      forge: 'gitea',
      eventType: 'pull_request_review_approved',
      body: githubExample('pull_request_review', 'submitted'),
    });

    assert.deepEqual(result, {
      ok: true,
      value: {
        kind: 'ignored',
        reason: "action 'submitted' of event type 'pull_request_review_approved' is not handled",
      },
    });
  });

  it("reads a GitHub comment under Gitea's headers as the comment it is: the shapes agree", () => {
    const result = normalise({
      forge: 'gitea',
      eventType: 'issue_comment',
      body: githubExample('issue_comment', 'created'),
    });

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
