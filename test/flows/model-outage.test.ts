/**
 * A model outage costs a delay, never the job: the whole service, the real runtime and the
 * scripted model answering 529 (overloaded) to two requests in a row. The runtime's own retries are capped
 * from the configuration (none here), the run ends as `model-unavailable` rather than failed, the
 * status comment says the service tries again, and the job is retried past `maxAttempts` — an
 * outage is retried over its horizon — until the model is back, resuming the session it began.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunRecord } from '../../src/sessions/ports.js';
import { simplePrompts } from '../support/agent/simple-prompts.js';
import { ADMIN_TOKEN, REPO, startFlow, type Flow } from '../support/flow.js';
import { startScriptedModel, text, type ScriptedModel } from '../support/model/index.js';
import { until } from '../support/wait.js';

describe('a model outage', () => {
  let model: ScriptedModel;
  let flow: Flow;
  let dev: RunRecord[];
  let job: { state: string; attempts: number } | undefined;
  let statusText: string;
  let statusCount: number;

  before(async () => {
    model = await startScriptedModel();
    flow = await startFlow({
      modelUrl: model.url,
      modelFields: 'runtimeRetries: 0',
      agentParts: { prompts: simplePrompts() },
      dispatch: 'maxAttempts: 1\nmaxBackoffSeconds: 1\noutageHorizonMinutes: 1',
    });
    const alice = flow.forge.as('alice');
    model.setScript([text('Boss says hello.')]);
    const issue = await alice.openIssue(REPO, { title: 'Login fails', body: 'Please fix.' });
    await flow.settle();
    // The outage: the next two model requests are answered 529, then the model is back.
    model.setScript([text('Fixed the login form.')]);
    model.injectFault({ kind: 'overloaded', count: 2 });
    await alice.assign(REPO, issue.number, 'dev');
    job = await until(
      async () => {
        const response = await fetch(`${flow.service.url}/api/jobs`, {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        const { jobs } = (await response.json()) as { jobs: Array<{ agent: string; state: string; attempts: number }> };
        const found = jobs.find((j) => j.agent === 'dev');
        return found && (found.state === 'succeeded' || found.state === 'failed') ? found : undefined;
      },
      'the dev job to end',
      90_000,
    );
    dev = (await flow.service.store.runs.list({ agent: 'dev' })).reverse();
    const statuses = flow.forge
      .comments(REPO, issue.number)
      .filter((c) => c.author === 'dev' && c.body.includes('claude-hooks:status'));
    statusCount = statuses.length;
    statusText = statuses[0]?.body ?? '';
  });

  after(async () => {
    await flow?.close();
    await model?.close();
  });

  it('ends the runs during the outage as model-unavailable, saying why, not as failed', () => {
    const during = dev.filter((run) => run.outcome !== 'succeeded');

    assert.ok(during.length >= 1, JSON.stringify(dev.map((r) => r.outcome)));
    assert.ok(
      during.every((run) => run.outcome === 'model-unavailable'),
      JSON.stringify(during.map((r) => [r.outcome, r.error])),
    );
    assert.match(during[0]!.error ?? '', /request\(s\) in a row failed, the last answered 529 overloaded/);
  });

  it('retries the job past maxAttempts until the model is back, and it succeeds', () => {
    assert.equal(job?.state, 'succeeded');
    assert.ok((job?.attempts ?? 0) > 1, `attempts: ${job?.attempts}`);
    assert.equal(dev.at(-1)?.outcome, 'succeeded');
  });

  it('resumes the session the first attempt began', () => {
    const first = dev[0]!;
    const last = dev.at(-1)!;

    assert.ok(first.sessionId, 'the first attempt began a session');
    assert.deepEqual([last.session, last.sessionId], ['resumed', first.sessionId]);
  });

  it('leaves one status comment, finished with the success', () => {
    assert.equal(statusCount, 1);
    assert.match(statusText, /✅ \*\*dev\*\* finished/);
  });
});
