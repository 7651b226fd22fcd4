import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startForgeDouble, type ForgeDouble, type ForgeUser } from './forge-double.js';

const REPO = 'acme/app';

describe('forge double REST API', () => {
  let forge: ForgeDouble;
  let alice: ForgeUser;
  let dev: ForgeUser;
  let now = new Date('2024-05-01T10:00:00Z');

  async function api(
    method: string,
    path: string,
    options: { as?: ForgeUser; body?: unknown; authorization?: string } = {},
  ) {
    const authorization = options.authorization ?? `token ${(options.as ?? dev).token}`;
    const response = await fetch(`${forge.apiUrl}${path}`, {
      method,
      headers: { authorization, 'content-type': 'application/json' },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text === '' ? undefined : JSON.parse(text) };
  }

  before(async () => {
    forge = await startForgeDouble({ webhookSecret: 'secret', checkOpenApi: true, clock: () => now });
    alice = forge.addUser('alice');
    dev = forge.addUser('dev');
    forge.addUser('root', { admin: true });
    await forge.createRepo('acme', 'app', {
      collaborators: { alice: 'admin', dev: 'write' },
      labels: ['bug', 'ready'],
    });
    await forge.as('alice').pushCommit(REPO, { branch: 'topic', files: { 'topic.txt': 'topic\n' } });
  });
  after(async () => {
    assert.deepEqual(forge.openApiViolations(), [], 'every exchange fits the Gitea swagger');
    assert.deepEqual(forge.faults(), []);
    await forge.close();
  });

  const credentials = [
    { what: 'no credentials', authorization: '', status: 401 },
    { what: 'an unknown token', authorization: 'token nope', status: 401 },
    {
      what: 'the scheme spelled "Token" (Forgejo v9 takes only lower case)',
      authorization: 'Token TOKEN',
      status: 401,
    },
    { what: 'the token as a Basic-auth password', authorization: 'BASIC', status: 200 },
    { what: 'token <PAT>', authorization: 'token TOKEN', status: 200 },
  ];
  for (const { what, authorization, status } of credentials) {
    it(`answers GET /user with ${status} for ${what}`, async () => {
      const header =
        authorization === 'BASIC'
          ? `Basic ${Buffer.from(`whoever:${dev.token}`).toString('base64')}`
          : authorization.replace('TOKEN', dev.token);

      const response = await api('GET', '/user', { authorization: header });

      assert.equal(response.status, status);
      if (status === 200) assert.equal(response.json.login, 'dev');
      else assert.equal(typeof response.json.message, 'string');
    });
  }

  it('lists issues by state and type, a page at a time, with X-Total-Count and Link', async () => {
    for (const title of ['one', 'two', 'three']) await forge.as('alice').openIssue(REPO, { title, body: '' });
    await forge.as('alice').closeIssue(REPO, 1);
    await forge.as('alice').openPull(REPO, { head: 'topic', title: 'A pull', body: '' });

    const open = await api('GET', `/repos/${REPO}/issues?state=open&type=issues&limit=1&page=1`);
    const all = await api('GET', `/repos/${REPO}/issues?state=all`);

    assert.equal(open.headers.get('x-total-count'), '2');
    assert.deepEqual(
      open.json.map((issue: { title: string }) => issue.title),
      ['three'],
    );
    assert.match(open.headers.get('link') ?? '', /page=2[^>]*>; rel="next"/);
    assert.deepEqual(
      all.json.map((issue: { number: number; pull_request: unknown }) => [issue.number, issue.pull_request === null]),
      [
        [4, false],
        [3, true],
        [2, true],
        [1, true],
      ],
    );
  });

  it('returns comments updated at or after `since`, so an edited old comment comes back', async () => {
    const old = await forge.as('alice').comment(REPO, 2, 'first');
    now = new Date('2024-05-01T11:00:00Z');
    await forge.as('alice').comment(REPO, 3, 'second');
    now = new Date('2024-05-01T12:00:00Z');
    await forge.as('alice').editComment(REPO, old.id, 'first, edited');

    const repoWide = await api('GET', `/repos/${REPO}/issues/comments?since=2024-05-01T11:30:00Z`);
    const perIssue = await api('GET', `/repos/${REPO}/issues/3/comments?since=2024-05-01T11:00:00Z`);

    assert.deepEqual(
      repoWide.json.map((c: { body: string }) => c.body),
      ['first, edited'],
    );
    assert.deepEqual(
      perIssue.json.map((c: { body: string }) => c.body),
      ['second'],
    );
  });

  it('creates and edits comments with 201 and 200', async () => {
    const created = await api('POST', `/repos/${REPO}/issues/2/comments`, { body: { body: 'on it' } });
    const edited = await api('PATCH', `/repos/${REPO}/issues/comments/${created.json.id}`, { body: { body: 'done' } });

    assert.equal(created.status, 201);
    assert.equal(edited.status, 200);
    assert.equal(edited.json.body, 'done');
    assert.equal(forge.comments(REPO, 2).at(-1)?.body, 'done');
  });

  it('records when each comment write became visible, on its clock to the millisecond, oldest first', async () => {
    now = new Date('2024-05-01T12:00:00.250Z');
    const created = await api('POST', `/repos/${REPO}/issues/2/comments`, { body: { body: 'working' } });
    now = new Date('2024-05-01T12:00:01.500Z');
    await api('PATCH', `/repos/${REPO}/issues/comments/${created.json.id}`, { body: { body: 'finished' } });
    now = new Date('2024-05-01T12:00:02.000Z');

    const writes = forge.commentWrites(REPO, 2).filter((write) => write.id === created.json.id);

    assert.deepEqual(
      writes.map(({ action, body, author, at }) => ({ action, body, author, at: new Date(at).toISOString() })),
      [
        { action: 'created', body: 'working', author: 'dev', at: '2024-05-01T12:00:00.250Z' },
        { action: 'edited', body: 'finished', author: 'dev', at: '2024-05-01T12:00:01.500Z' },
      ],
    );
  });

  it('deletes a comment with 204, announced as deleted, and answers 404 for one already gone', async () => {
    const created = await api('POST', `/repos/${REPO}/issues/2/comments`, { body: { body: 'a twin' } });

    const deleted = await api('DELETE', `/repos/${REPO}/issues/comments/${created.json.id}`);
    const again = await api('DELETE', `/repos/${REPO}/issues/comments/${created.json.id}`);
    await forge.idle();

    assert.deepEqual([deleted.status, again.status], [204, 404]);
    assert.equal(
      forge.comments(REPO, 2).find((c) => c.id === created.json.id),
      undefined,
    );
    const hook = forge.deliveries().at(-1);
    assert.deepEqual(
      [
        hook?.eventType,
        (hook?.payload as { action: string; comment: { id: number } }).action,
        (hook?.payload as { comment: { id: number } }).comment.id,
      ],
      ['issue_comment', 'deleted', created.json.id],
    );
  });

  it('runs a request whose answer is to be lost, then closes the connection with no answer', async () => {
    forge.loseAnswerOfNext('POST', /^\/repos\/acme\/app\/issues\/2\/comments$/, 'dev');

    const lost = await api('POST', `/repos/${REPO}/issues/2/comments`, {
      body: { body: 'sent, never answered' },
    }).catch((error: unknown) => error);
    const next = await api('POST', `/repos/${REPO}/issues/2/comments`, { body: { body: 'answered' } });

    assert.ok(lost instanceof TypeError, String(lost));
    assert.equal(next.status, 201);
    assert.deepEqual(
      forge
        .comments(REPO, 2)
        .slice(-2)
        .map((c) => c.body),
      ['sent, never answered', 'answered'],
    );
    assert.deepEqual(
      forge
        .requests()
        .filter((r) => r.method === 'POST' && r.path === `/api/v1/repos/${REPO}/issues/2/comments`)
        .slice(-2)
        .map((r) => r.status),
      [0, 201],
    );
  });

  it('loses the answer only of a request by the login it names', async () => {
    forge.loseAnswerOfNext('POST', /^\/repos\/acme\/app\/issues\/2\/comments$/, 'dev');

    const byAlice = await api('POST', `/repos/${REPO}/issues/2/comments`, { as: alice, body: { body: 'from alice' } });
    const byDev = await api('POST', `/repos/${REPO}/issues/2/comments`, { body: { body: 'from dev' } }).catch(
      (error: unknown) => error,
    );

    assert.equal(byAlice.status, 201);
    assert.ok(byDev instanceof TypeError, String(byDev));
  });

  it('opens a pull request with 201 and refuses a second one for the same head and base with 409', async () => {
    await forge.as('dev').pushCommit(REPO, { branch: 'issue-2-fix', files: { 'fix.txt': 'fix\n' } });

    const first = await api('POST', `/repos/${REPO}/pulls`, {
      body: { head: 'issue-2-fix', base: 'main', title: 'Fix #2', body: 'Closes #2' },
    });
    const second = await api('POST', `/repos/${REPO}/pulls`, {
      body: { head: 'issue-2-fix', base: 'main', title: 'Again', body: '' },
    });
    const read = await api('GET', `/repos/${REPO}/pulls/${first.json.number}`);

    assert.equal(first.status, 201);
    assert.equal(second.status, 409);
    assert.match(second.json.message, /already exists/);
    assert.equal(read.json.head.ref, 'issue-2-fix');
    assert.equal(read.json.head.sha, (await forge.branches(REPO))['issue-2-fix']);
  });

  it('requests reviews with 201, takes a review with 200, and refuses approving your own pull with 422', async () => {
    const pull = forge.pulls(REPO).find((issue) => issue.pull?.headRef === 'issue-2-fix');
    assert.ok(pull);

    const requested = await api('POST', `/repos/${REPO}/pulls/${pull.number}/requested_reviewers`, {
      body: { reviewers: ['alice'] },
    });
    const own = await api('POST', `/repos/${REPO}/pulls/${pull.number}/reviews`, {
      body: { event: 'APPROVED', body: 'lgtm' },
    });
    const review = await api('POST', `/repos/${REPO}/pulls/${pull.number}/reviews`, {
      as: alice,
      body: { event: 'REQUEST_CHANGES', body: 'rename it' },
    });
    const reviews = await api('GET', `/repos/${REPO}/pulls/${pull.number}/reviews`);
    const after = await api('GET', `/repos/${REPO}/pulls/${pull.number}`);

    assert.equal(requested.status, 201);
    assert.equal(own.status, 422);
    assert.equal(review.status, 200);
    assert.deepEqual(
      reviews.json.map((r: { state: string; user: { login: string } }) => `${r.user.login} ${r.state}`),
      ['alice REQUEST_REVIEW', 'alice REQUEST_CHANGES'],
    );
    assert.equal(after.json.requested_reviewers, null);
  });

  it('adds labels by name with 200, answering with all the labels of the issue', async () => {
    const response = await api('POST', `/repos/${REPO}/issues/2/labels`, {
      body: { labels: ['ready', 'no-such-label'] },
    });

    assert.equal(response.status, 200);
    assert.deepEqual(
      response.json.map((label: { name: string }) => label.name),
      ['ready'],
    );
  });

  const permissions = [
    { who: 'a user about themselves', as: () => dev, of: 'dev', status: 200, permission: 'write' },
    { who: 'a repository admin about a collaborator', as: () => alice, of: 'dev', status: 200, permission: 'write' },
    { who: 'a repository admin about the owner', as: () => alice, of: 'acme', status: 200, permission: 'owner' },
    { who: 'a repository admin about a site admin', as: () => alice, of: 'root', status: 200, permission: 'owner' },
    { who: 'a writer about someone else', as: () => dev, of: 'alice', status: 403, permission: undefined },
    {
      who: 'a repository admin about an unknown user',
      as: () => alice,
      of: 'ghost',
      status: 404,
      permission: undefined,
    },
  ];
  for (const { who, as, of, status, permission } of permissions) {
    it(`answers a permission question by ${who} with ${status}`, async () => {
      const response = await api('GET', `/repos/${REPO}/collaborators/${of}/permission`, { as: as() });

      assert.equal(response.status, status);
      assert.equal(response.json.permission, permission);
    });
  }

  it('lists an issue’s timeline oldest first: comments, an assignment, one entry per label added, a review request and a review, with since', async () => {
    now = new Date('2024-06-01T10:00:00Z');
    await forge.as('alice').pushCommit(REPO, { branch: 'timeline', files: { 'timeline.txt': 'x\n' } });
    const pull = await forge.as('alice').openPull(REPO, { head: 'timeline', title: 'Timeline', body: '' });
    await forge.as('alice').comment(REPO, pull.number, 'first');
    now = new Date('2024-06-01T10:00:01Z');
    await forge.as('alice').assign(REPO, pull.number, 'dev');
    await forge.as('alice').addLabels(REPO, pull.number, ['bug', 'ready', 'bug']);
    await forge.as('alice').requestReview(REPO, pull.number, 'dev');
    now = new Date('2024-06-01T10:00:02Z');
    const review = await forge.as('dev').submitReview(REPO, pull.number, { event: 'COMMENT', body: 'Looks fine' });

    const all = await api('GET', `/repos/${REPO}/issues/${pull.number}/timeline`);
    const since = await api('GET', `/repos/${REPO}/issues/${pull.number}/timeline?since=2024-06-01T10:00:01Z`);

    assert.equal(all.status, 200);
    type Entry = {
      type: string;
      user: { login: string };
      body: string;
      assignee: { login: string } | null;
      label: { name: string } | null;
      review_id: number;
      created_at: string;
    };
    const summary = (entries: Entry[]) =>
      entries.map((e) => [e.type, e.user.login, e.body, e.assignee?.login ?? null, e.label?.name ?? null, e.review_id]);
    assert.deepEqual(summary(all.json), [
      ['comment', 'alice', 'first', null, null, 0],
      ['assignees', 'alice', '', 'dev', null, 0],
      ['label', 'alice', '1', null, 'bug', 0],
      ['label', 'alice', '1', null, 'ready', 0],
      ['review_request', 'alice', '', 'dev', null, 0],
      ['review', 'dev', 'Looks fine', null, null, review.id],
    ]);
    assert.deepEqual(summary(since.json), summary(all.json).slice(1));
    assert.equal(
      forge.issue(REPO, pull.number)?.updatedAt,
      all.json.at(-1).created_at,
      'the issue was updated in the moment of its last timeline entry',
    );
  });

  it('answers 404 for a private repository the user cannot see', async () => {
    await forge.createRepo('acme', 'secret', { private: true });

    assert.equal((await api('GET', '/repos/acme/secret')).status, 404);
  });
});
