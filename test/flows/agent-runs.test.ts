/**
 * The whole service with the real Claude runner: the forge double's webhooks → dispatch → a
 * worktree → the real SDK against the scripted model → sessions and run records, read back
 * through the operator API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UNAVAILABLE_MESSAGE } from '../../src/agent/unavailable-runner.js';
import { createLogger } from '../../src/lib/logger.js';
import type { RunRecord } from '../../src/sessions/ports.js';
import { simplePrompts } from '../support/agent/simple-prompts.js';
import { ADMIN_TOKEN, REPO, startFlow, type Flow } from '../support/flow.js';
import { startScriptedModel, type ScriptedModel } from '../support/model/index.js';

describe('agent runs through the service', () => {
  let model: ScriptedModel;
  let flow: Flow;
  let runs: RunRecord[];

  before(async () => {
    model = await startScriptedModel();
    flow = await startFlow({ modelUrl: model.url, agentParts: { prompts: simplePrompts() } });
    const alice = flow.forge.as('alice');
    const issue = await alice.openIssue(REPO, { title: 'Login fails for names with spaces', body: 'Please fix.' });
    await alice.assign(REPO, issue.number, 'dev');
    await flow.settle();
    await alice.comment(REPO, issue.number, '@dev also handle tabs');
    await flow.settle();
    const response = await fetch(`${flow.service.url}/api/runs`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    runs = ((await response.json()) as { runs: RunRecord[] }).runs;
  });

  after(async () => {
    await flow?.close();
    await model?.close();
  });

  it("runs each job in its key's session: dev starts one, then resumes it for the comment", () => {
    const dev = runs.filter((run) => run.key.agent === 'dev').reverse();

    assert.deepEqual(
      dev.map((run) => [run.outcome, run.session, run.prompt?.kind]),
      [
        ['succeeded', 'new', 'full'],
        ['succeeded', 'resumed', 'delta'],
      ],
    );
    assert.equal(dev[1]?.sessionId, dev[0]?.sessionId);
  });

  it('gives boss its own session for the same issue', () => {
    const boss = runs.filter((run) => run.key.agent === 'boss');
    const dev = runs.find((run) => run.key.agent === 'dev');

    assert.ok(boss.length >= 1);
    assert.notEqual(boss[0]?.sessionId, dev?.sessionId);
  });

  it('shows one run with its prompt through GET /api/runs/:id', async () => {
    const latest = runs.find((run) => run.key.agent === 'dev');

    const response = await fetch(`${flow.service.url}/api/runs/${latest?.id}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });

    const { run } = (await response.json()) as { run: RunRecord };
    assert.match(run.prompt?.text ?? '', /alice commented: @dev also handle tabs/);
  });
});

describe('the service with no model credential', () => {
  it('says so at start-up, and fails each job with that message once its worktree is ready', async () => {
    const lines: string[] = [];
    const flow = await startFlow({
      log: createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } }),
    });
    try {
      const alice = flow.forge.as('alice');
      const issue = await alice.openIssue(REPO, { title: 'Nothing will run', body: '' });
      await alice.assign(REPO, issue.number, 'dev');
      await flow.settle();

      const response = await fetch(`${flow.service.url}/api/jobs`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      const { jobs } = (await response.json()) as {
        jobs: Array<{ agent: string; state: string; error: string | null }>;
      };
      const dev = jobs.find((job) => job.agent === 'dev');
      assert.ok(
        lines.some((line) => /no model credential is configured \(model\.credential\)/.test(line)),
        lines.filter((l) => l.includes('model')).join('') || 'no warning',
      );
      assert.equal(dev?.state, 'failed');
      assert.ok(dev?.error?.startsWith(UNAVAILABLE_MESSAGE), dev?.error ?? '');
    } finally {
      await flow.close();
    }
  });
});
