import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { startForgeDouble } from './forge-double.js';
import { createOpenApiChecker, type CheckedRequest, type OpenApiChecker } from './openapi-check.js';

const user = {
  id: 3,
  login: 'alice',
  full_name: '',
  email: 'alice@noreply.localhost',
  created: '2024-05-01T10:00:00Z',
  username: 'alice',
};
const comment = {
  id: 12,
  html_url: 'http://forge.test/acme/app/issues/7#issuecomment-12',
  issue_url: 'http://forge.test/acme/app/issues/7',
  pull_request_url: '',
  user,
  body: '@dev please fix',
  assets: [],
  created_at: '2024-05-01T10:00:00Z',
  updated_at: '2024-05-01T10:00:00+02:00',
};
const getComment = { method: 'GET', path: '/api/v1/repos/acme/app/issues/comments/12' };

describe('openapi-check', () => {
  let checker: OpenApiChecker;
  before(async () => {
    checker = await createOpenApiChecker();
  });

  it('accepts a comment shaped as Gitea sends it', () => {
    assert.deepEqual(checker.checkResponse(getComment, { status: 200, body: comment }), []);
  });

  it('accepts the nulls Gitea sends for unset pointers and slices', () => {
    const issue = {
      id: 1,
      number: 7,
      user,
      title: 't',
      body: '',
      labels: [],
      milestone: null,
      assignee: null,
      assignees: null,
      state: 'open',
      closed_at: null,
      pull_request: null,
      updated_at: '2024-05-01T10:00:00Z',
    };

    const violations = checker.checkResponse(
      { method: 'GET', path: '/api/v1/repos/acme/app/issues/7' },
      { status: 200, body: issue },
    );

    assert.deepEqual(violations, []);
  });

  const wrongResponses = [
    { what: 'a comment whose id is a string', body: { ...comment, id: '12' }, says: /\/id must be integer/ },
    {
      what: 'a comment whose created_at is not an RFC 3339 time',
      body: { ...comment, created_at: 'yesterday' },
      says: /\/created_at must match format "date-time"/,
    },
    { what: 'a comment whose user is a login instead of a user', body: { ...comment, user: 'alice' }, says: /\/user/ },
    {
      what: 'a comment whose updated_at is null (Gitea never sends one)',
      body: { ...comment, updated_at: null },
      says: /\/updated_at must be string/,
    },
  ];
  for (const { what, body, says } of wrongResponses) {
    it(`rejects ${what}`, () => {
      const violations = checker.checkResponse(getComment, { status: 200, body });

      assert.ok(violations.length > 0, 'expected a violation');
      assert.match(violations.map((v) => v.message).join('\n'), says);
      assert.equal(violations[0]?.operationId, 'issueGetComment');
    });
  }

  it('rejects a status the operation does not document (a review is created with 200, not 201)', () => {
    const violations = checker.checkResponse(
      { method: 'POST', path: '/api/v1/repos/acme/app/pulls/2/reviews' },
      { status: 201, body: {} },
    );

    assert.match(violations[0]?.message ?? '', /status 201 is not a documented answer/);
  });

  it('lets any operation answer 401, which the swagger documents nowhere', () => {
    assert.deepEqual(
      checker.checkResponse(
        { method: 'GET', path: '/api/v1/user' },
        { status: 401, body: { message: 'token is required' } },
      ),
      [],
    );
  });

  it('lets any operation refuse a token without the scope its path needs (403), but no other 403 it does not document', () => {
    const test = { method: 'POST', path: '/api/v1/repos/acme/app/hooks/1/tests' };

    assert.deepEqual(
      checker.checkResponse(test, {
        status: 403,
        body: { message: 'token does not have at least one of required scope(s): [write:repository]' },
      }),
      [],
    );
    assert.equal(
      checker.checkResponse(test, {
        status: 403,
        body: { message: 'user should be an owner or a collaborator with admin write of a repository' },
      }).length,
      1,
    );
  });

  describe('issue dependencies', () => {
    const dependencies = '/api/v1/repos/acme/app/issues/7/dependencies';
    const issue = {
      id: 1,
      number: 7,
      user,
      title: 't',
      body: '',
      labels: [],
      state: 'open',
      closed_at: null,
      updated_at: '2024-05-01T10:00:00Z',
    };

    it('takes IssueMeta for adding and removing one, and refuses an index that is not a number', () => {
      const request = { method: 'POST', path: dependencies, headers: { 'content-type': 'application/json' } };

      assert.deepEqual(checker.checkRequest({ ...request, body: { owner: 'acme', repo: 'app', index: 3 } }), []);
      assert.deepEqual(
        checker.checkRequest({ ...request, method: 'DELETE', body: { owner: 'acme', repo: 'app', index: 3 } }),
        [],
      );
      assert.match(
        checker
          .checkRequest({ ...request, body: { index: '3' } })
          .map((v) => v.message)
          .join('\n'),
        /\/index must be integer/,
      );
    });

    it('lets a removal answer 201, as Gitea does, checking its body as the documented 200', () => {
      const remove = { method: 'DELETE', path: dependencies };

      assert.deepEqual(checker.checkResponse(remove, { status: 201, body: issue }), []);
      assert.match(
        checker.checkResponse(remove, { status: 201, body: { ...issue, number: 'seven' } })[0]?.message ?? '',
        /\/number must be integer/,
      );
    });

    it("lets adding or removing one answer a 500 (Gitea's answer to a duplicate), but no other operation", () => {
      const error = { status: 500, body: { message: 'issue dependency does already exist', url: '' } };

      assert.deepEqual(checker.checkResponse({ method: 'POST', path: dependencies }, error), []);
      assert.deepEqual(checker.checkResponse({ method: 'DELETE', path: dependencies }, error), []);
      assert.match(
        checker.checkResponse({ method: 'GET', path: dependencies }, error)[0]?.message ?? '',
        /status 500 is not a documented answer/,
      );
    });
  });

  const wrongRequests: Array<{ what: string; request: CheckedRequest; says: RegExp }> = [
    {
      what: 'a since that is not RFC 3339',
      request: { method: 'GET', path: '/api/v1/repos/acme/app/issues/comments', query: { since: 'yesterday' } },
      says: /since must match format "date-time"/,
    },
    {
      what: 'a page that is not a number',
      request: { method: 'GET', path: '/api/v1/repos/acme/app/issues', query: { page: 'two' } },
      says: /page must be integer/,
    },
    {
      what: 'an issue type Gitea does not know',
      request: { method: 'GET', path: '/api/v1/repos/acme/app/issues', query: { type: 'prs' } },
      says: /type must be equal to one of the allowed values/,
    },
    {
      what: 'a comment body that is not a string',
      request: { method: 'POST', path: '/api/v1/repos/acme/app/issues/7/comments', body: { body: 5 } },
      says: /body must be string/,
    },
    {
      what: 'a path the Gitea API does not have',
      request: { method: 'GET', path: '/api/v1/repos/acme/app/tickets/7' },
      says: /no such operation/,
    },
  ];
  for (const { what, request, says } of wrongRequests) {
    it(`rejects a request with ${what}`, () => {
      const violations = checker.checkRequest({ headers: { 'content-type': 'application/json' }, ...request });

      assert.match(violations.map((v) => v.message).join('\n'), says);
    });
  }

  it('checks a value against a definition by name', () => {
    assert.deepEqual(checker.checkSchema('User', user), []);
    assert.match(checker.checkSchema('User', { ...user, id: 'three' }).join('\n'), /\/id must be integer/);
  });
});

describe('a forge double with checkOpenApi', () => {
  it('records the exchanges that do not fit the swagger', async () => {
    const forge = await startForgeDouble({ webhookSecret: 'secret', checkOpenApi: true });
    const { token } = forge.addUser('dev');
    await forge.createRepo('acme', 'app');

    await fetch(`${forge.apiUrl}/repos/acme/app/issues?since=yesterday`, {
      headers: { authorization: `token ${token}` },
    });

    assert.deepEqual(
      forge.openApiViolations().map((v) => `${v.direction} ${v.message}`),
      [
        'request /query/since must match format "date-time"',
        'response status 422 is not a documented answer (documented: 200, 404)',
      ],
    );
    await forge.close();
  });
});
