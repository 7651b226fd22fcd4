/**
 * A status comment whose POST is made on the forge but whose answer never comes back (the
 * service stopped after sending it, or gave up waiting) — through the whole service, the real
 * Gitea client and the forge double. The comment is found again by its marker: a run still
 * leaves exactly one status comment, and a run a dead process left is finalised even though its
 * record never learnt the comment's id.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { renderStatus } from '../../src/agent/status/render-status.js';
import { ForgeApiError } from '../../src/forge/client.js';
import { createGiteaClient } from '../../src/forge/rest/gitea-client.js';
import { silentLogger } from '../../src/lib/logger.js';
import { Secret } from '../../src/lib/secret.js';
import type { RunRecord } from '../../src/sessions/ports.js';
import { simplePrompts } from '../support/agent/simple-prompts.js';
import { capturingLogger } from '../support/capturing-logger.js';
import { ADMIN_TOKEN, REPO, startFlow, startScene, type Flow } from '../support/flow.js';
import { startScriptedModel, type ScriptedModel } from '../support/model/index.js';
import { until } from '../support/wait.js';

const COMMENT_POST = /^\/repos\/acme\/widget\/issues\/\d+\/comments$/;
const MARKER = /^<!-- claude-hooks:status job=(\d+) -->/;

describe('a run whose first status POST loses its answer', { timeout: 120_000 }, () => {
  let model: ScriptedModel;
  let flow: Flow;
  let issue: number;
  let dev: RunRecord | undefined;

  before(async () => {
    model = await startScriptedModel();
    flow = await startFlow({ modelUrl: model.url, agentParts: { prompts: simplePrompts() } });
    flow.forge.loseAnswerOfNext('POST', COMMENT_POST, 'dev');
    const alice = flow.forge.as('alice');
    issue = (await alice.openIssue(REPO, { title: 'Login fails for names with spaces', body: 'Please fix.' })).number;
    await alice.assign(REPO, issue, 'dev');
    await flow.settle();
    const response = await fetch(`${flow.service.url}/api/runs`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    dev = ((await response.json()) as { runs: RunRecord[] }).runs.find((run) => run.key.agent === 'dev');
  });

  after(async () => {
    assert.deepEqual(flow?.forge.openApiViolations(), [], 'every exchange fits the Gitea swagger');
    await flow?.close();
    await model?.close();
  });

  it("lost the answer of dev's status POST", () => {
    const posts = flow.forge
      .requests()
      .filter(
        (request) =>
          request.method === 'POST' &&
          request.login === 'dev' &&
          COMMENT_POST.test(request.path.slice('/api/v1'.length)),
      );

    assert.deepEqual(
      posts.map((request) => request.status),
      [0],
    );
  });

  it("leaves exactly one status comment for dev's job, showing it finished", () => {
    const statuses = flow.forge
      .comments(REPO, issue)
      .filter((comment) => comment.author === 'dev' && MARKER.test(comment.body));

    assert.equal(dev?.outcome, 'succeeded');
    assert.equal(statuses.length, 1, statuses.map((comment) => comment.body).join('\n---\n'));
    assert.equal(MARKER.exec(statuses[0]?.body ?? '')?.[1], String(dev?.jobId));
    assert.match(statuses[0]?.body ?? '', /✅ \*\*dev\*\* finished\./);
  });

  it('records that comment on the run, found by its marker', () => {
    const status = flow.forge
      .comments(REPO, issue)
      .find((comment) => comment.author === 'dev' && MARKER.test(comment.body));

    assert.equal(dev?.statusCommentId, status?.id);
  });
});

describe('a run left by a process that stopped before its status POST was answered', { timeout: 120_000 }, () => {
  let restarted: Flow | undefined;
  let comment: { body: string } | undefined;
  let posted: unknown;
  let run: RunRecord | undefined;

  before(async () => {
    const scene = await startScene();
    const issue = await scene.forge.as('alice').openIssue(REPO, { title: 'Crash while posting' });
    const first = await startFlow({ scene });
    const runId = await first.service.store.runs.start({
      jobId: 77,
      key: { agent: 'dev', repo: `${new URL(scene.forge.url).host}/${REPO}`, issue: issue.number },
      attempt: 1,
      startedAt: Date.now(),
    });
    const client = createGiteaClient({
      baseUrl: scene.forge.url,
      token: new Secret(scene.tokens.dev!),
      log: silentLogger(),
    });
    scene.forge.loseAnswerOfNext('POST', COMMENT_POST, 'dev');
    posted = await client
      .createComment(
        REPO,
        issue.number,
        renderStatus({ phase: 'working', elapsedMs: 0, activity: 'starting' }, { agent: 'dev', jobId: 77 }),
      )
      .catch((error: unknown) => error);
    await first.stopService();

    const { log, lines } = capturingLogger();
    restarted = await startFlow({ scene, dataDir: first.dataDir, log });
    // The start-up clean-up runs beside the start; its closing warning says it is done.
    await until(
      () => lines.some((line) => line.msg === 'runs left unfinished by a stopped service were finished as interrupted'),
      'the start-up clean-up',
    );
    run = await restarted.service.store.runs.get(runId);
    comment = scene.forge.comments(REPO, issue.number).find((c) => MARKER.test(c.body));
  });

  after(async () => {
    await restarted?.close();
  });

  it("never learnt the comment's id: the POST got no answer and the record has none", () => {
    assert.ok(posted instanceof ForgeApiError && posted.status === 0, String(posted));
    assert.equal(run?.statusCommentId, undefined);
  });

  it('edits the comment found by its marker from "working" to interrupted', () => {
    assert.equal(run?.outcome, 'interrupted');
    assert.equal(
      comment?.body,
      '<!-- claude-hooks:status job=77 -->\n⏹️ **dev** was interrupted: the service stopped during this run; it will be retried.',
    );
  });
});
