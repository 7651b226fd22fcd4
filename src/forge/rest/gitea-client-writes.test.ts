/**
 * The REST client's changes (what the forge tools and the status comment call) against the forge
 * double over real HTTP, every request and response checked against Gitea's swagger, and each
 * change followed by the webhook the real forge sends for it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startForgeDouble, type ForgeDouble } from '../../../test/support/forge/forge-double.js';
import { silentLogger } from '../../lib/logger.js';
import { Secret } from '../../lib/secret.js';
import { ForgeApiError, type ForgeClient } from '../client.js';
import { createGiteaClient } from './gitea-client.js';

const REPO = 'acme/app';

describe('createGiteaClient: changes made on the forge', () => {
  let forge: ForgeDouble;
  let dev: ForgeClient;
  let reviewer: ForgeClient;
  const lastHook = () => forge.deliveries().at(-1);

  before(async () => {
    forge = await startForgeDouble({ webhookSecret: 'secret', checkOpenApi: true });
    forge.addUser('alice');
    const devUser = forge.addUser('dev-bot');
    const reviewerUser = forge.addUser('reviewer-bot');
    await forge.createRepo('acme', 'app', {
      collaborators: { alice: 'write', 'dev-bot': 'write', 'reviewer-bot': 'write' },
      labels: ['bug', 'ready'],
    });
    dev = createGiteaClient({ baseUrl: forge.url, token: new Secret(devUser.token), log: silentLogger() });
    reviewer = createGiteaClient({ baseUrl: forge.url, token: new Secret(reviewerUser.token), log: silentLogger() });
  });
  after(async () => {
    assert.deepEqual(forge.openApiViolations(), [], 'every request and response fits the Gitea swagger');
    assert.deepEqual(forge.faults(), []);
    await forge.close();
  });

  it('creates an issue with labels given by name (sent as ids), announced as opened, then labelled', async () => {
    const hooks = forge.deliveries().length;

    const issue = await dev.createIssue(REPO, {
      title: 'Split the parser',
      body: 'Part of #1',
      labels: ['bug', 'no-such'],
    });
    await forge.idle();

    assert.equal(issue.title, 'Split the parser');
    assert.deepEqual(issue.labels, ['bug']);
    assert.match(issue.htmlUrl, new RegExp(`/acme/app/issues/${issue.number}$`));
    assert.deepEqual(forge.issue(REPO, issue.number)?.labels, ['bug']);
    assert.deepEqual(
      forge
        .deliveries()
        .slice(hooks)
        .map((delivery) => `${delivery.eventType}:${(delivery.payload as { action: string }).action}`),
      ['issues:opened', 'issue_label:label_updated'],
    );
  });

  it('edits a comment in place, announced as edited', async () => {
    const issue = await forge.as('alice').openIssue(REPO, { title: 'Edit me' });
    const comment = await dev.createComment(REPO, issue.number, 'Queued.');

    const edited = await dev.editComment(REPO, comment.id, 'Working.');
    await forge.idle();

    assert.equal(edited.id, comment.id);
    assert.equal(edited.body, 'Working.');
    assert.deepEqual(
      forge.comments(REPO, issue.number).map((c) => c.body),
      ['Working.'],
    );
    assert.equal((lastHook()?.payload as { action: string }).action, 'edited');
  });

  it('lists the comments of one issue, oldest first', async () => {
    const issue = await forge.as('alice').openIssue(REPO, { title: 'Thread' });
    await forge.as('alice').comment(REPO, issue.number, 'first');
    await dev.createComment(REPO, issue.number, 'second');

    const comments = await dev.listIssueComments(REPO, issue.number);

    assert.deepEqual(
      comments.map((c) => [c.author.login, c.body]),
      [
        ['alice', 'first'],
        ['dev-bot', 'second'],
      ],
    );
  });

  it('adds labels by name and removes one by name, each announced as label_updated', async () => {
    const issue = await forge.as('alice').openIssue(REPO, { title: 'Labels' });

    const after = await dev.addLabels(REPO, issue.number, ['bug', 'ready']);
    await forge.idle();
    const addHook = lastHook();
    const removed = await dev.removeLabel(REPO, issue.number, 'bug');
    const missing = await dev.removeLabel(REPO, issue.number, 'wontfix');
    await forge.idle();

    assert.deepEqual(after, ['bug', 'ready']);
    assert.equal(addHook?.eventType, 'issue_label');
    assert.equal(removed, 'removed');
    assert.equal(missing, 'no-such-label');
    assert.deepEqual(forge.issue(REPO, issue.number)?.labels, ['ready']);
    assert.equal(lastHook()?.eventType, 'issue_label');
    assert.equal(lastHook()?.id === addHook?.id, false);
  });

  it("replaces an issue's body, announced as edited with the body it had", async () => {
    const issue = await forge.as('alice').openIssue(REPO, { title: 'Story', body: 'Do it.' });
    const hooks = forge.deliveries().length;

    const edited = await dev.editIssueBody(REPO, issue.number, 'Do it.\n\n## Dependencies\n\n- #1\n');
    await forge.idle();

    assert.equal(edited.body, 'Do it.\n\n## Dependencies\n\n- #1\n');
    assert.match(edited.htmlUrl, new RegExp(`/acme/app/issues/${issue.number}$`));
    assert.equal(forge.issue(REPO, issue.number)?.body, edited.body);
    const [hook, ...more] = forge.deliveries().slice(hooks);
    assert.deepEqual(more, []);
    assert.equal(hook?.eventType, 'issues');
    assert.deepEqual((hook?.payload as { action: string; changes: unknown }).action, 'edited');
    assert.deepEqual((hook?.payload as { changes: unknown }).changes, { body: { from: 'Do it.' } });
  });

  describe('native issue dependencies', () => {
    const story = async (title: string) => (await forge.as('alice').openIssue(REPO, { title })).number;

    it('makes an issue depend on others, sending no webhook, and lists them newest first', async () => {
      const [a, b, c] = [await story('A'), await story('B'), await story('C')];
      const hooks = forge.deliveries().length;

      const added = [await dev.addDependency(REPO, c, a), await dev.addDependency(REPO, c, b)];
      await forge.idle();
      const listed = await dev.listDependencies(REPO, c);

      assert.deepEqual(added, ['added', 'added']);
      assert.deepEqual(listed, [
        { repo: REPO, number: b, state: 'open', isPull: false },
        { repo: REPO, number: a, state: 'open', isPull: false },
      ]);
      assert.deepEqual(forge.deliveries().slice(hooks), [], 'Gitea notifies no one of a dependency');
    });

    it('lists none for an issue without dependencies', async () => {
      assert.deepEqual(await dev.listDependencies(REPO, await story('Alone')), []);
    });

    it('adds a dependency that exists already as added (the forge answers 500), and removes one twice as removed', async () => {
      const [a, b] = [await story('Up'), await story('Down')];
      await dev.addDependency(REPO, b, a);

      const again = await dev.addDependency(REPO, b, a);
      const removed = await dev.removeDependency(REPO, b, a);
      const twice = await dev.removeDependency(REPO, b, a);

      assert.equal(again, 'added');
      assert.equal(removed, 'removed');
      assert.equal(twice, 'removed');
      assert.deepEqual(await dev.listDependencies(REPO, b), []);
      assert.ok(
        forge
          .requests()
          .some((r) => r.method === 'POST' && r.path.endsWith(`/issues/${b}/dependencies`) && r.status === 500),
        'the repeated add was answered 500, as Gitea does',
      );
    });

    it('fails with the forge error when the reverse dependency exists (Gitea refuses a two-issue cycle)', async () => {
      const [a, b] = [await story('Ping'), await story('Pong')];
      await dev.addDependency(REPO, b, a);

      await assert.rejects(
        dev.addDependency(REPO, a, b),
        (error: unknown) => error instanceof ForgeApiError && error.status === 500 && /circular/.test(error.body),
      );
    });

    it('answers unsupported, and warns of nothing, where the repository has dependencies turned off', async () => {
      await forge.createRepo('acme', 'plain', {
        collaborators: { alice: 'write', 'dev-bot': 'write' },
        dependencies: false,
      });
      const a = (await forge.as('alice').openIssue('acme/plain', { title: 'A' })).number;
      const b = (await forge.as('alice').openIssue('acme/plain', { title: 'B' })).number;

      assert.equal(await dev.listDependencies('acme/plain', b), 'unsupported');
      assert.equal(await dev.addDependency('acme/plain', b, a), 'unsupported');
      assert.equal(await dev.removeDependency('acme/plain', b, a), 'unsupported');
    });

    it('answers unsupported where the server has no such endpoint (an older Gitea answers 404)', async () => {
      const [a, b] = [await story('Old A'), await story('Old B')];
      forge.refuseNext('GET', /\/dependencies$/, 404);
      forge.refuseNext('POST', /\/dependencies$/, 404);

      assert.equal(await dev.listDependencies(REPO, b), 'unsupported');
      assert.equal(await dev.addDependency(REPO, b, a), 'unsupported');
    });
  });

  describe('on a pull request', () => {
    let number: number;

    before(async () => {
      await forge.as('dev-bot').pushCommit(REPO, { branch: 'issue-9-fix', files: { 'fix.txt': 'one\ntwo\n' } });
    });

    it('opens a PR from a branch, announced as opened', async () => {
      const pull = await dev.createPull(REPO, {
        head: 'issue-9-fix',
        base: 'main',
        title: 'Fix it',
        body: 'Closes #9',
      });
      await forge.idle();
      number = pull.number;

      assert.equal(pull.headRef, 'issue-9-fix');
      assert.equal(pull.baseRef, 'main');
      assert.equal(pull.author.login, 'dev-bot');
      assert.match(pull.htmlUrl, new RegExp(`/acme/app/pulls/${pull.number}$`));
      assert.equal(lastHook()?.eventType, 'pull_request');
    });

    it('fails with 409 naming the existing PR when one is open for the same head and base', async () => {
      await assert.rejects(
        dev.createPull(REPO, { head: 'issue-9-fix', base: 'main', title: 'Again', body: '' }),
        (error: unknown) => error instanceof ForgeApiError && error.status === 409 && /already exists/.test(error.body),
      );
    });

    it('finds the open PR from a head into a base, and none for a pair without one', async () => {
      const found = await dev.findOpenPull(REPO, 'main', 'issue-9-fix');
      const none = await dev.findOpenPull(REPO, 'issue-9-fix', 'main');

      assert.equal(found?.number, number);
      assert.match(found?.htmlUrl ?? '', new RegExp(`/pulls/${number}$`));
      assert.equal(none, undefined);
    });

    it('requests a review, announced as review_requested', async () => {
      await dev.requestReviewers(REPO, number, ['reviewer-bot']);
      await forge.idle();

      assert.equal(lastHook()?.eventType, 'pull_request_review_request');
      assert.deepEqual(forge.issue(REPO, number)?.pull?.requestedReviewers, ['reviewer-bot']);
    });

    it('submits a review with a line comment, announced as a review, and lists it', async () => {
      const review = await reviewer.submitReview(REPO, number, {
        event: 'REQUEST_CHANGES',
        body: 'One thing.',
        comments: [{ path: 'fix.txt', line: 2, body: 'Say three.' }],
      });
      await forge.idle();
      const reviews = await dev.listPullReviews(REPO, number);

      assert.equal(review.state, 'REQUEST_CHANGES');
      assert.equal(review.author?.login, 'reviewer-bot');
      assert.deepEqual(forge.reviews(REPO, number).at(-1)?.comments, [
        { path: 'fix.txt', line: 2, body: 'Say three.' },
      ]);
      assert.equal(lastHook()?.eventType, 'pull_request_review_rejected');
      assert.deepEqual(
        reviews.map((r) => [r.state, r.author?.login]),
        [
          ['requested', 'reviewer-bot'],
          ['changes_requested', 'reviewer-bot'],
        ],
      );
    });

    it('fails with 422 when the author approves their own PR', async () => {
      await assert.rejects(
        dev.submitReview(REPO, number, { event: 'APPROVED', body: '', comments: [] }),
        (error: unknown) => error instanceof ForgeApiError && error.status === 422,
      );
    });
  });
});
