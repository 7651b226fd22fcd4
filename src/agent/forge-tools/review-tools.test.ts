/**
 * Dev's answers to review comments against the forge double over real HTTP (every request and
 * response checked against Gitea's swagger): `answer_review_comment` answers only a line comment
 * someone else made on the run's own pull request, in that PR's conversation, under the service's
 * marker; `readOutstanding` tells which comments no answer marks.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { z } from 'zod';
import { startForgeDouble, type ForgeDouble } from '../../../test/support/forge/forge-double.js';
import { agent } from '../../../test/support/agents.js';
import type { ForgeClient } from '../../forge/client.js';
import type { RepoRef } from '../../core/events.js';
import type { ForgeChange } from '../../core/forge-change.js';
import { createGiteaClient } from '../../forge/rest/gitea-client.js';
import { silentLogger } from '../../lib/logger.js';
import { createRedactor } from '../../lib/redactor.js';
import { Secret } from '../../lib/secret.js';
import { answeredIn } from '../status/answer-marker.js';
import { createForgeTools, forgeToolDefinitions } from './create-forge-tools.js';
import type { ForgeToolsOptions } from './types.js';

const REPO = 'acme/app';
const BRANCH = 'issue-7-fix';

describe('answer_review_comment and readOutstanding', () => {
  let forge: ForgeDouble;
  let repo: RepoRef;
  const clients = new Map<string, ForgeClient>();
  let changes: ForgeChange[];
  /** Dev's PR from BRANCH, and another PR dev opened from another branch. */
  let pull: number;
  let otherPull: number;

  before(async () => {
    forge = await startForgeDouble({ webhookSecret: 'secret', checkOpenApi: true });
    for (const login of ['alice', 'dev', 'reviewer']) {
      const user = forge.addUser(login);
      clients.set(login, createGiteaClient({ baseUrl: forge.url, token: new Secret(user.token), log: silentLogger() }));
    }
    await forge.createRepo('acme', 'app', { collaborators: { alice: 'write', dev: 'write', reviewer: 'write' } });
    repo = await clients.get('dev')!.getRepository(REPO);
    await forge.as('alice').openIssue(REPO, { title: 'Fix the crash' });
    const dev = forge.as('dev');
    await dev.pushCommit(REPO, { branch: BRANCH, files: { 'fix.txt': 'one\ntwo\n' } });
    await dev.pushCommit(REPO, { branch: 'issue-8-more', files: { 'more.txt': 'more\n' } });
    pull = (await dev.openPull(REPO, { head: BRANCH, title: 'Fix the crash' })).number;
    otherPull = (await dev.openPull(REPO, { head: 'issue-8-more', title: 'More' })).number;
  });
  beforeEach(() => {
    changes = [];
  });
  after(async () => {
    assert.deepEqual(forge.openApiViolations(), [], 'every request and response fits the Gitea swagger');
    assert.deepEqual(forge.faults(), []);
    await forge.close();
  });

  function optionsOf(login: string, overrides: Partial<ForgeToolsOptions> = {}): ForgeToolsOptions {
    return {
      client: clients.get(login)!,
      repo,
      issue: 7,
      agent: agent(login),
      branch: login === 'dev' ? BRANCH : undefined,
      reviewers: ['reviewer'],
      onChange: (change) => changes.push(change),
      ...overrides,
    };
  }

  async function call(name: string, args: Record<string, unknown>, overrides: Partial<ForgeToolsOptions> = {}) {
    const definition = forgeToolDefinitions(optionsOf('dev', overrides)).find((candidate) => candidate.name === name);
    assert.ok(definition, `dev has no tool ${name}`);
    const result = await definition.handler(z.object(definition.inputSchema).parse(args), {});
    await forge.idle();
    const first = result.content[0];
    return { result, text: first?.type === 'text' ? first.text : '' };
  }

  /** `login` reviews `number` with one line comment per body; the comments' ids, in order. */
  async function review(login: string, number: number, ...bodies: string[]): Promise<number[]> {
    const submitted = await forge.as(login).submitReview(REPO, number, {
      event: login === 'dev' ? 'COMMENT' : 'REQUEST_CHANGES',
      body: 'See the lines.',
      comments: bodies.map((body, line) => ({ path: 'fix.txt', line: line + 1, body })),
    });
    const comments = await clients.get(login)!.listReviewComments(REPO, number, submitted.id);
    return comments.map((comment) => comment.id);
  }

  const answersOn = (number: number) =>
    forge.comments(REPO, number).filter((comment) => comment.author === 'dev' && answeredIn(comment.body).length > 0);

  it("posts the answer in the PR's conversation as dev: where the comment is, the answer, and the service's marker last", async () => {
    const [id] = await review('alice', pull, 'Say two in words.');
    const hooks = forge.deliveries().length;

    const { result, text } = await call('answer_review_comment', {
      comment_id: id,
      body: 'Now it says two.',
      resolution: 'fixed',
    });

    const [answer] = answersOn(pull);
    assert.equal(result.isError, undefined, text);
    assert.equal(
      answer?.body,
      `**Fixed:** review comment ${id} by alice on \`fix.txt:1\`\n\nNow it says two.\n\n<!-- claude-hooks:answers review-comment ${id} fixed -->`,
    );
    assert.match(text, new RegExp(`^Answered review comment ${id} on #${pull} as fixed \\(comment ${answer?.id}\\): `));
    assert.deepEqual(changes, [
      {
        kind: 'comment',
        number: answer?.id,
        url: `${forge.url}/${REPO}/pulls/${pull}#issuecomment-${answer?.id}`,
        summary: `answered review comment ${id} on #${pull} (fixed)`,
      },
    ]);
    assert.deepEqual(
      forge
        .deliveries()
        .slice(hooks)
        .map((delivery) => delivery.eventType),
      ['pull_request_comment'],
    );
  });

  it('removes the markers the agent wrote, so its text cannot mark another comment answered, and redacts secrets', async () => {
    const [id, other] = await review('alice', pull, 'Why one?', 'And why two?');
    const redact = createRedactor(['sk-ant-0123456789abcdef']).redact;

    await call(
      'answer_review_comment',
      {
        comment_id: id,
        body: `One is the first. Key sk-ant-0123456789abcdef.\n<!-- claude-hooks:answers review-comment ${other} fixed -->`,
        resolution: 'answered',
      },
      { redact },
    );

    const answer = answersOn(pull).at(-1);
    assert.deepEqual(answeredIn(answer?.body ?? ''), [id]);
    assert.ok(answer?.body.includes('One is the first. Key [redacted].'), answer?.body);
    assert.ok(answer?.body.endsWith(`<!-- claude-hooks:answers review-comment ${id} answered -->`));
  });

  it('keeps a plain comment from marking a review comment answered', async () => {
    const [id] = await review('alice', pull, 'Plain?');

    await call('comment', { body: `Done. <!-- claude-hooks:answers review-comment ${id} fixed -->` }, { issue: pull });

    assert.deepEqual(
      forge
        .comments(REPO, pull)
        .filter((comment) => comment.body.startsWith('Done.'))
        .map((comment) => comment.body),
      ['Done. '],
    );
  });

  const refusals: ReadonlyArray<{ says: string; id: () => Promise<number>; reason: RegExp }> = [
    {
      says: "a comment on a pull request that is not the run's own",
      id: async () => (await review('reviewer', otherPull, 'Elsewhere.'))[0]!,
      reason: /refused: it is not a line comment of a submitted review of this run's own pull request \(#\d+\)/,
    },
    {
      says: "dev's own line comment",
      id: async () => (await review('dev', pull, 'Note to self.'))[0]!,
      reason: /refused: it is your own comment on #\d+; answer the comments others made\.$/,
    },
    {
      says: 'an id no review comment has',
      id: async () => 999_999,
      reason: /refused: it is not a line comment of a submitted review of this run's own pull request/,
    },
    {
      says: 'an issue comment of the PR, which is no review comment',
      id: async () => (await forge.as('alice').comment(REPO, pull, 'A conversation comment.')).id,
      reason: /refused: it is not a line comment/,
    },
  ];
  for (const { says, id, reason } of refusals) {
    it(`refuses ${says}, posting nothing`, async () => {
      const commentId = await id();
      const before = forge.comments(REPO, pull).length + forge.comments(REPO, otherPull).length;

      const { result, text } = await call('answer_review_comment', {
        comment_id: commentId,
        body: 'Answered.',
        resolution: 'answered',
      });

      assert.equal(result.isError, true);
      assert.match(text, new RegExp(`^Answering review comment ${commentId} ${reason.source}`));
      assert.equal(forge.comments(REPO, pull).length + forge.comments(REPO, otherPull).length, before);
      assert.deepEqual(changes, []);
    });
  }

  it('refuses a run with no open pull request of its own', async () => {
    const { result, text } = await call(
      'answer_review_comment',
      { comment_id: 1, body: 'Answered.', resolution: 'answered' },
      { branch: 'issue-9-nothing' },
    );

    assert.equal(result.isError, true);
    assert.equal(
      text,
      "Answering review comment 1 failed: this run has no open pull request of its own (none is open from this worktree's branch issue-9-nothing).",
    );
  });

  it('refuses an answer that is only a marker, and a resolution it does not know through its input shape', async () => {
    const [id] = await review('alice', pull, 'Empty?');
    const definition = forgeToolDefinitions(optionsOf('dev')).find((d) => d.name === 'answer_review_comment')!;

    const { result, text } = await call('answer_review_comment', {
      comment_id: id,
      body: '<!-- claude-hooks:answers review-comment 1 fixed -->',
      resolution: 'fixed',
    });

    assert.equal(result.isError, true);
    assert.match(text, /refused: the answer says nothing once the service's markers/);
    assert.equal(
      z.object(definition.inputSchema).safeParse({ comment_id: id, body: 'x', resolution: 'ignored' }).success,
      false,
    );
  });

  describe('readOutstanding', () => {
    it("lists the others' review comments on the run's own PR that no answer of dev's marks, and drops one once answered", async () => {
      await forge.as('dev').pushCommit(REPO, { branch: 'issue-10-new', files: { 'new.txt': 'n\n' } });
      const own = (await forge.as('dev').openPull(REPO, { head: 'issue-10-new', title: 'New' })).number;
      const [first, second] = await review('alice', own, 'First.', 'Second.');
      await review('dev', own, 'Mine.');
      await forge.as('alice').comment(REPO, own, `<!-- claude-hooks:answers review-comment ${second} fixed -->`);
      const tools = createForgeTools(optionsOf('dev', { branch: 'issue-10-new', issue: 10 }));

      const before = await tools.readOutstanding?.();
      await call(
        'answer_review_comment',
        { comment_id: first, body: 'Done.', resolution: 'fixed' },
        { branch: 'issue-10-new', issue: 10 },
      );
      const after = await tools.readOutstanding?.();

      assert.deepEqual(before, [
        { id: first, author: 'alice', where: 'fix.txt:1', url: undefined },
        { id: second, author: 'alice', where: 'fix.txt:2', url: undefined },
      ]);
      assert.deepEqual(after, [{ id: second, author: 'alice', where: 'fix.txt:2', url: undefined }]);
    });

    it('answers undefined for a run with no open PR of its own, and is not there for other roles', async () => {
      const none = createForgeTools(optionsOf('dev', { branch: 'issue-9-nothing' }));

      assert.equal(await none.readOutstanding?.(), undefined);
      assert.equal(createForgeTools(optionsOf('reviewer', { issue: pull })).readOutstanding, undefined);
      assert.equal(createForgeTools(optionsOf('boss', { client: clients.get('alice')! })).readOutstanding, undefined);
    });
  });
});
