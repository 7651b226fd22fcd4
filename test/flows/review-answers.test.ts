/**
 * Every review comment on dev's pull request is answered or fixed, and the status comment says
 * which are not (docs/until-merged.md, "Review comments"): alice reviews dev's PR with a line
 * comment, dev is woken with the comment (and its id) in its prompt and answers it with
 * `mcp__forge__answer_review_comment`, and its run's status comment lists nothing outstanding; a
 * second review whose comment dev leaves unanswered is listed. The real service, the Claude runner
 * and SDK against the scripted model, the forge double.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGiteaClient } from '../../src/forge/rest/gitea-client.js';
import { silentLogger } from '../../src/lib/logger.js';
import { Secret } from '../../src/lib/secret.js';
import { REPO, startFlow, type Flow } from '../support/flow.js';
import { dialogue, startScriptedModel, textsOf, tool, type Responder } from '../support/model/index.js';

const FIX_IT = 'Say why the name is trimmed.';
const LATER = 'Rename this file, please.';
const ANSWER = 'Trimmed because the form pads names; the comment in login.js says so now.';

/**
 * Dev's model: when a prompt (not a tool result) brings alice's first review, answers the review
 * comment whose id the prompt quotes (`kind="review comment <id>"`), once; every other turn is the
 * scripted model's closing text.
 */
function answering(): Responder {
  let answered = false;
  return ({ body }) => {
    const last = dialogue(body).at(-1);
    const said = last?.role === 'user' ? textsOf(last).join('\n') : '';
    const quoted = /kind="review comment (\d+)">\n[^\n]*Say why the name is trimmed\./.exec(said);
    if (answered || !said.includes('One thing.') || !quoted) return undefined;
    answered = true;
    return tool('mcp__forge__answer_review_comment', {
      comment_id: Number(quoted[1]),
      body: ANSWER,
      resolution: 'fixed',
    });
  };
}

/** Issue 1 assigned to dev, and dev's PR from the branch of its worktree. */
async function devPull(flow: Flow): Promise<number> {
  const alice = flow.forge.as('alice');
  const issue = await alice.openIssue(REPO, { title: 'Login trims names', body: '' });
  await alice.assign(REPO, issue.number, 'dev');
  await flow.settle();
  const worktree = (await flow.service.workdirs.list()).find((w) => w.agent === 'dev');
  assert.ok(worktree?.target.kind === 'issue-branch', 'dev worked on issue 1 in its own worktree');
  const dev = flow.forge.as('dev');
  const head = worktree.target.branch;
  await dev.pushCommit(REPO, {
    branch: head,
    files: { 'src/login.js': 'export const login = (u) => u.name.trim();\n' },
  });
  const pull = await dev.openPull(REPO, { head, title: 'Trim names', body: 'Closes #1' });
  await flow.settle();
  return pull.number;
}

describe("review comments on dev's pull request", () => {
  it('are answered through answer_review_comment, and the status comment lists those still outstanding', {
    timeout: 240_000,
  }, async () => {
    const model = await startScriptedModel({ respond: answering() });
    const flow = await startFlow({ modelUrl: model.url });
    try {
      const pull = await devPull(flow);
      const alice = createGiteaClient({
        baseUrl: flow.forge.url,
        token: new Secret(flow.tokens.alice!),
        log: silentLogger(),
      });
      const lineComments = async (reviewId: number) =>
        (await alice.listReviewComments(REPO, pull, reviewId)).map((comment) => comment.id);
      const devRuns = async () =>
        (await flow.service.store.runs.list()).filter((run) => run.key.agent === 'dev').sort((a, b) => a.id - b.id);
      const statusOf = (commentId: number | undefined) =>
        flow.forge.comments(REPO, 1).find((comment) => comment.id === commentId)?.body ?? '';
      const requestsBefore = model.turnRequests.length;

      const first = await flow.forge.as('alice').submitReview(REPO, pull, {
        event: 'REQUEST_CHANGES',
        body: 'One thing.',
        comments: [{ path: 'src/login.js', line: 1, body: FIX_IT }],
      });
      await flow.settle();
      const [fixIt] = await lineComments(first.id);

      const prompt = model.turnRequests
        .slice(requestsBefore)
        .map((request) => dialogue(request.body).flatMap(textsOf).join('\n'))
        .find((text) => text.includes('One thing.'));
      assert.ok(prompt?.includes('requested changes'), "dev's prompt holds alice's review");
      assert.ok(
        prompt?.includes(`kind="review comment ${fixIt}">\n${FIX_IT}`),
        "dev's prompt holds the review's line comment, with its id",
      );
      const answers = flow.forge.comments(REPO, pull).filter((comment) => comment.author === 'dev');
      assert.equal(answers.length, 1, JSON.stringify(answers));
      assert.ok(answers[0]?.body.includes(ANSWER), answers[0]?.body);
      assert.ok(answers[0]?.body.endsWith(`<!-- claude-hooks:answers review-comment ${fixIt} fixed -->`));
      const answered = (await devRuns()).at(-1);
      assert.equal(answered?.outcome, 'succeeded', answered?.error);
      assert.deepEqual(
        answered?.changes?.map((change) => change.summary),
        [`answered review comment ${fixIt} on #${pull} (fixed)`],
      );
      assert.match(statusOf(answered?.statusCommentId), /✅ \*\*dev\*\* finished/);
      assert.doesNotMatch(statusOf(answered?.statusCommentId), /outstanding/);

      const second = await flow.forge.as('alice').submitReview(REPO, pull, {
        event: 'COMMENT',
        body: 'And one more.',
        comments: [{ path: 'src/login.js', line: 1, body: LATER }],
      });
      await flow.settle();

      const [later] = await lineComments(second.id);
      const unanswered = (await devRuns()).at(-1);
      assert.notEqual(unanswered?.id, answered?.id, 'dev ran again for the second review');
      const status = statusOf(unanswered?.statusCommentId);
      assert.ok(
        status.includes(`Review comments still outstanding:\n- review comment ${later} by alice on src/login.js:1`),
        status,
      );
      assert.ok(!status.includes(`review comment ${fixIt} `), status);
      assert.deepEqual(flow.forge.openApiViolations(), []);
    } finally {
      await flow.close();
      await model.close();
    }
  });
});
