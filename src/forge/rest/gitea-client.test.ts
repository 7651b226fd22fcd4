import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startForgeDouble, type ForgeDouble, type ForgeUser } from '../../../test/support/forge/forge-double.js';
import { silentLogger } from '../../lib/logger.js';
import { Secret } from '../../lib/secret.js';
import { ForgeApiError, submittedReviews, type ForgeClient } from '../client.js';
import { createGiteaClient, InvalidForgeNameError } from './gitea-client.js';

const REPO = 'acme/app';

describe('createGiteaClient against the forge double', () => {
  let forge: ForgeDouble;
  let alice: ForgeUser;
  let bot: ForgeUser;
  let outsider: ForgeUser;
  let client: ForgeClient;
  let now = new Date('2024-05-01T10:00:00Z');
  const clientAs = (user: ForgeUser) =>
    createGiteaClient({ baseUrl: forge.url, token: new Secret(user.token), log: silentLogger() });

  before(async () => {
    forge = await startForgeDouble({ webhookSecret: 'secret', checkOpenApi: true, clock: () => now });
    alice = forge.addUser('alice');
    bot = forge.addUser('dev-bot');
    outsider = forge.addUser('outsider');
    await forge.createRepo('acme', 'app', { collaborators: { alice: 'write', 'dev-bot': 'admin' }, labels: ['bug'] });
    client = clientAs(bot);
  });
  after(async () => {
    assert.deepEqual(forge.openApiViolations(), [], 'every request and response fits the Gitea swagger');
    await forge.close();
  });

  it('says whom the token belongs to, sending it as `token <PAT>` in lower case', async () => {
    const me = await client.whoami();

    assert.deepEqual(me, { login: 'dev-bot', id: bot.id });
    assert.equal(forge.requests().at(-1)?.authScheme, 'token');
  });

  it('reads a repository, with the forge host (and port) lower-cased', async () => {
    const repo = await client.getRepository(REPO);

    assert.deepEqual(repo, {
      host: new URL(forge.url).host,
      owner: 'acme',
      name: 'app',
      fullName: REPO,
      cloneUrl: forge.gitUrl('acme', 'app'),
      defaultBranch: 'main',
      private: false,
    });
  });

  const permissions = [
    { who: 'a collaborator with write access', login: 'alice', expected: 'write' },
    { who: 'the owner (Gitea says "owner")', login: 'acme', expected: 'admin' },
    { who: 'a user of a public repository who is no collaborator', login: 'outsider', expected: 'read' },
    { who: 'a user that does not exist (404)', login: 'ghost', expected: 'none' },
  ] as const;
  for (const { who, login, expected } of permissions) {
    it(`reads the permission of ${who} as ${expected}`, async () => {
      assert.equal(await client.getPermission(REPO, login), expected);
    });
  }

  it('reads a permission it may not ask about (403) as none', async () => {
    assert.equal(await clientAs(outsider).getPermission(REPO, 'alice'), 'none');
  });

  it('reads an issue and a pull request as the same values a webhook gives', async () => {
    const issue = await forge.as('alice').openIssue(REPO, { title: 'Crash', body: 'on start' });
    await forge.as('alice').addLabels(REPO, issue.number, ['bug']);
    await forge.as('alice').assign(REPO, issue.number, 'dev-bot');
    await forge.as('alice').pushCommit(REPO, { branch: 'issue-1-crash', files: { 'fix.txt': 'fix\n' } });
    const pull = await forge
      .as('alice')
      .openPull(REPO, { head: 'issue-1-crash', title: 'Fix the crash', body: 'Closes #1' });
    await forge.as('alice').requestReview(REPO, pull.number, 'dev-bot');
    await forge.as('alice').assign(REPO, pull.number, 'dev-bot');

    const readIssue = await client.getIssue(REPO, issue.number);
    const readPullAsIssue = await client.getIssue(REPO, pull.number);
    const readPull = await client.getPull(REPO, pull.number);

    assert.deepEqual(readIssue, {
      number: issue.number,
      title: 'Crash',
      body: 'on start',
      author: { login: 'alice', id: alice.id },
      state: 'open',
      isPull: false,
      labels: ['bug'],
      assignees: ['dev-bot'],
      updatedAt: '2024-05-01T10:00:00Z',
      createdAt: '2024-05-01T10:00:00Z',
    });
    assert.equal(readPullAsIssue.isPull, true);
    assert.deepEqual(readPull, {
      number: pull.number,
      title: 'Fix the crash',
      body: 'Closes #1',
      author: { login: 'alice', id: alice.id },
      state: 'open',
      merged: false,
      mergeable: true,
      headRef: 'issue-1-crash',
      headSha: pull.pull?.headSha,
      baseRef: 'main',
      labels: [],
      assignees: ['dev-bot'],
      requestedReviewers: ['dev-bot'],
      updatedAt: '2024-05-01T10:00:00Z',
    });
  });

  it('lists every issue and PR updated since a time, open or closed, across pages', async () => {
    now = new Date('2024-05-02T10:00:00Z');
    for (let i = 0; i < 52; i++) await forge.as('alice').openIssue(REPO, { title: `bulk ${i}`, body: '' });
    await forge.as('alice').closeIssue(REPO, 3);

    const issues = await client.listIssuesUpdatedSince(REPO, '2024-05-02T00:00:00Z');

    assert.equal(issues.length, 52);
    assert.ok(issues.some((issue) => issue.number === 3 && issue.state === 'closed'));
    assert.ok(issues.every((issue) => issue.updatedAt >= '2024-05-02'));
    assert.equal(forge.requests().filter((r) => r.path === '/api/v1/repos/acme/app/issues').length, 2);
  });

  it('lists comments updated since a time across pages, with the issue each is on, edits included', async () => {
    now = new Date('2024-05-03T10:00:00Z');
    const old = await forge.as('alice').comment(REPO, 1, 'old');
    now = new Date('2024-05-04T10:00:00Z');
    for (let i = 0; i < 50; i++) await forge.as('alice').comment(REPO, 2, `@dev-bot ${i}`);
    await forge.as('alice').editComment(REPO, old.id, 'old, edited');

    const comments = await client.listCommentsUpdatedSince(REPO, '2024-05-04T00:00:00Z');

    assert.equal(comments.length, 51);
    assert.deepEqual(
      comments.filter((c) => c.issueNumber === 1).map((c) => c.comment.body),
      ['old, edited'],
    );
    assert.ok(comments.filter((c) => c.issueNumber === 2).every((c) => c.comment.author.login === 'alice'));
  });

  it('creates a comment, which the forge then announces by webhook', async () => {
    const comment = await client.createComment(REPO, 1, 'On it.');
    await forge.idle();

    assert.equal(comment.body, 'On it.');
    assert.equal(comment.author.login, 'dev-bot');
    assert.match(comment.htmlUrl, /\/acme\/app\/issues\/1#issuecomment-\d+$/);
    assert.equal(forge.deliveries().at(-1)?.eventType, 'issue_comment');
  });

  it('lists an issue’s timeline since a time: assignments, each label added, review requests and reviews, not comments', async () => {
    now = new Date('2024-05-05T10:00:00Z');
    await forge.as('alice').pushCommit(REPO, { branch: 'issue-60-timeline', files: { 'timeline.txt': 'x\n' } });
    const pull = await forge.as('alice').openPull(REPO, { head: 'issue-60-timeline', title: 'Timeline', body: '' });
    now = new Date('2024-05-06T10:00:00Z');
    await forge.as('alice').assign(REPO, pull.number, 'dev-bot');
    await forge.as('alice').comment(REPO, pull.number, 'a comment is not an event the timeline reader returns');
    await forge.as('alice').addLabels(REPO, pull.number, ['bug']);
    await forge.as('alice').requestReview(REPO, pull.number, 'dev-bot');
    now = new Date('2024-05-06T10:00:05Z');
    const review = await forge
      .as('dev-bot')
      .submitReview(REPO, pull.number, { event: 'REQUEST_CHANGES', body: 'Rename it' });

    const timeline = await client.listTimelineSince(REPO, pull.number, '2024-05-06T00:00:00Z');
    const reviews = submittedReviews(await client.listPullReviews(REPO, pull.number));

    const actor = { login: 'alice', id: alice.id };
    assert.deepEqual(timeline, [
      { kind: 'assignee', at: '2024-05-06T10:00:00Z', actor, assignee: 'dev-bot', removed: false },
      { kind: 'label', at: '2024-05-06T10:00:00Z', actor, label: 'bug', removed: false },
      { kind: 'review_request', at: '2024-05-06T10:00:00Z', actor, reviewer: 'dev-bot', removed: false },
      { kind: 'review', at: '2024-05-06T10:00:05Z', actor: { login: 'dev-bot', id: bot.id }, reviewId: review.id },
    ]);
    assert.deepEqual(reviews, [
      {
        id: review.id,
        state: 'changes_requested',
        body: 'Rename it',
        author: { login: 'dev-bot', id: bot.id },
        commitId: pull.pull?.headSha,
        submittedAt: '2024-05-06T10:00:05Z',
      },
    ]);
    assert.deepEqual(await client.listTimelineSince(REPO, pull.number, '2024-05-06T10:00:01Z'), timeline.slice(3));
  });

  it('fails with a ForgeApiError carrying the status when the forge refuses', async () => {
    await assert.rejects(
      client.getIssue(REPO, 999),
      (error: unknown) => error instanceof ForgeApiError && error.status === 404 && error.code === 'FORGE_API',
    );
  });

  it('fails with status 0 when no answer comes', async () => {
    const unreachable = createGiteaClient({
      baseUrl: 'http://127.0.0.1:1',
      token: new Secret('x'),
      log: silentLogger(),
    });

    await assert.rejects(
      unreachable.whoami(),
      (error: unknown) => error instanceof ForgeApiError && error.status === 0,
    );
  });

  it('fails with a ForgeApiError naming the field when an answer lacks what the service reads', async () => {
    const liar = createGiteaClient({
      baseUrl: forge.url,
      token: new Secret(bot.token),
      log: silentLogger(),
      fetch: async () => new Response(JSON.stringify({ id: 'seven' }), { status: 200 }),
    });

    await assert.rejects(liar.whoami(), /response does not have the fields the service reads \(id: .*; login: /);
  });

  it('refuses a repository name that cannot be part of a path, before sending anything', async () => {
    await assert.rejects(client.getIssue('acme/../../admin', 1), InvalidForgeNameError);
  });
});
