/**
 * A process that dies mid-run leaves its run record with no outcome and its status comment saying
 * "working". The next start finishes the record as interrupted and edits the comment, as the
 * agent's own forge user, before any job runs again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createStatusReporter } from '../../src/agent/status/status-reporter.js';
import { createGiteaClient } from '../../src/forge/rest/gitea-client.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { Secret } from '../../src/lib/secret.js';
import type { RunRecord } from '../../src/sessions/ports.js';
import { REPO, startFlow, startScene, type Flow, type Scene } from '../support/flow.js';

describe('runs left unfinished by a stopped service', { timeout: 120_000 }, () => {
  let scene: Scene;
  let restarted: Flow;
  let runId: number;
  let commentId: number;
  let finished: RunRecord | undefined;

  before(async () => {
    scene = await startScene();
    const issue = await scene.forge.as('alice').openIssue(REPO, { title: 'Crash on start' });
    const first = await startFlow({ scene });
    runId = await first.service.store.runs.start({
      jobId: 99,
      key: { agent: 'dev', repo: `${new URL(scene.forge.url).host}/${REPO}`, issue: issue.number },
      attempt: 1,
      startedAt: Date.now(),
    });
    const client = createGiteaClient({
      baseUrl: scene.forge.url,
      token: new Secret(scene.tokens.dev!),
      log: silentLogger(),
    });
    const status = createStatusReporter({
      client,
      repo: await client.getRepository(REPO),
      issue: issue.number,
      agent: 'dev',
      jobId: 99,
      clock: systemClock,
      startedAt: Date.now(),
      log: silentLogger(),
    });
    await status.update({ phase: 'working', elapsedMs: 0, activity: 'running Bash' });
    commentId = status.commentId!;
    await first.service.store.runs.statusComment(runId, commentId);
    await first.stopService();

    restarted = await startFlow({ scene, dataDir: first.dataDir });
    finished = await restarted.service.store.runs.get(runId);
  });

  after(async () => {
    await restarted?.close();
  });

  it('finishes the run record as interrupted, saying why', () => {
    assert.equal(finished?.outcome, 'interrupted');
    assert.equal(finished?.error, 'the service stopped during this run');
    assert.ok(finished?.finishedAt !== undefined);
  });

  it('edits the run\'s status comment from "working" to interrupted, as the agent', () => {
    const comment = scene.forge.comments(REPO).find((c) => c.id === commentId);

    assert.equal(comment?.author, 'dev');
    assert.match(
      comment?.body ?? '',
      /^<!-- claude-hooks:status job=99 -->\n⏹️ \*\*dev\*\* was interrupted: the service stopped during this run; it will be retried\.$/,
    );
  });
});
