import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startForgeDouble, type ForgeDouble } from '../../../test/support/forge/forge-double.js';
import { silentLogger } from '../../lib/logger.js';
import { Secret } from '../../lib/secret.js';
import type { ForgeClient } from '../client.js';
import { createGiteaClient } from './gitea-client.js';

const REPO = 'acme/app';

describe('createGiteaClient reading a thread', () => {
  let forge: ForgeDouble;
  let client: ForgeClient;
  let now = new Date('2024-05-01T10:00:00Z');
  const tick = () => (now = new Date(now.getTime() + 60_000));

  before(async () => {
    forge = await startForgeDouble({ webhookSecret: 'secret', checkOpenApi: true, clock: () => now });
    forge.addUser('alice');
    forge.addUser('bob');
    const bot = forge.addUser('dev-bot');
    await forge.createRepo('acme', 'app', { collaborators: { alice: 'write', bob: 'write', 'dev-bot': 'write' } });
    client = createGiteaClient({ baseUrl: forge.url, token: new Secret(bot.token), log: silentLogger() });
  });
  after(async () => {
    assert.deepEqual(forge.openApiViolations(), [], 'every request and response fits the Gitea swagger');
    assert.deepEqual(forge.faults(), []);
    await forge.close();
  });

  it("lists one issue's comments, oldest first, and with `since` only those updated at or after it", async () => {
    const issue = await forge.as('alice').openIssue(REPO, { title: 'Crash', body: 'It crashes' });
    const other = await forge.as('alice').openIssue(REPO, { title: 'Other' });
    const first = await forge.as('alice').comment(REPO, issue.number, 'first');
    await forge.as('bob').comment(REPO, other.number, 'elsewhere');
    tick();
    const second = await forge.as('bob').comment(REPO, issue.number, 'second');

    const all = await client.listIssueComments(REPO, issue.number);
    const recent = await client.listIssueComments(REPO, issue.number, second.updatedAt);

    assert.deepEqual(
      all.map((comment) => [comment.id, comment.author.login, comment.body]),
      [
        [first.id, 'alice', 'first'],
        [second.id, 'bob', 'second'],
      ],
    );
    assert.deepEqual(
      recent.map((comment) => comment.id),
      [second.id],
    );
  });

  it('lists pull requests in every state with their head and base', async () => {
    await forge.as('alice').pushCommit(REPO, { branch: 'issue-1-crash', files: { 'fix.txt': 'fix\n' } });
    const pull = await forge.as('alice').openPull(REPO, { head: 'issue-1-crash', title: 'Fix the crash' });
    await forge.as('alice').closeIssue(REPO, pull.number);

    const open = await client.listPulls(REPO, 'open');
    const all = await client.listPulls(REPO, 'all');

    assert.equal(
      open.some((candidate) => candidate.number === pull.number),
      false,
    );
    const found = all.find((candidate) => candidate.number === pull.number);
    assert.equal(found?.headRef, 'issue-1-crash');
    assert.equal(found?.baseRef, 'main');
    assert.equal(found?.state, 'closed');
  });

  it("reads a pull request's diff stat, reviews and the code comments of a review", async () => {
    await forge
      .as('alice')
      .pushCommit(REPO, { branch: 'issue-2-feature', files: { 'a.txt': 'one\ntwo\n', 'b.txt': 'three\n' } });
    const pull = await forge.as('alice').openPull(REPO, { head: 'issue-2-feature', title: 'Feature' });
    await forge.as('alice').requestReview(REPO, pull.number, 'bob');
    tick();
    const review = await forge.as('bob').submitReview(REPO, pull.number, {
      event: 'REQUEST_CHANGES',
      body: 'Two things',
      comments: [{ path: 'a.txt', line: 2, body: 'not two' }],
    });

    const diff = await client.getPullDiffStat(REPO, pull.number);
    const reviews = await client.listPullReviews(REPO, pull.number);
    const comments = await client.listReviewComments(REPO, pull.number, review.id);

    assert.deepEqual(diff, { changedFiles: 2, additions: 3, deletions: 0 });
    assert.deepEqual(
      reviews.map((found) => [found.author.login, found.state, found.body]),
      [
        ['bob', 'requested', ''],
        ['bob', 'changes_requested', 'Two things'],
      ],
    );
    assert.equal(
      reviews[1]?.commitId,
      forge.pulls(REPO).find((candidate) => candidate.number === pull.number)?.pull?.headSha,
    );
    assert.equal(reviews[1]?.submittedAt, '2024-05-01T10:02:00Z');
    assert.deepEqual(
      comments.map((comment) => [comment.author.login, comment.path, comment.line, comment.body]),
      [['bob', 'a.txt', 2, 'not two']],
    );
  });
});
