/**
 * A failing check is answered in the session that wrote the code (docs/until-merged.md): the real
 * service, the Claude runner and SDK against the scripted model. dev works on issue 1, its PR's
 * check fails, and dev's next run resumes its session with a delta naming the check and quoting
 * the end of the failing job's log.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REPO, startFlow } from '../support/flow.js';
import { dialogue, startScriptedModel, textsOf } from '../support/model/index.js';

describe('a failing check on dev’s pull request', () => {
  it('resumes dev’s session with a delta holding the check’s name and the end of its log', {
    timeout: 180_000,
  }, async () => {
    const model = await startScriptedModel();
    const flow = await startFlow({ modelUrl: model.url });
    try {
      const alice = flow.forge.as('alice');
      const issue = await alice.openIssue(REPO, { title: 'Login fails', body: 'It fails.' });
      await alice.assign(REPO, issue.number, 'dev');
      await flow.settle();
      const branch = `issue-${issue.number}-login-fails`;
      const pushed = await flow.forge
        .as('dev')
        .pushCommit(REPO, { branch, files: { 'src/login.js': 'export const x = 1;\n' }, message: 'Fix login' });
      await flow.forge.as('dev').openPull(REPO, { head: branch, title: 'Fix login' });
      await flow.settle();
      const runsBefore = new Set((await flow.service.store.runs.list()).map((r) => r.id));
      const requestsBefore = model.turnRequests.length;

      await flow.forge.actions.runWorkflow(REPO, {
        sha: pushed.after,
        branch,
        workflow: 'CI',
        jobs: [{ name: 'test', conclusion: 'failure', log: 'npm test\nFAIL test/login.test.js: expected "Alice"\n' }],
      });
      await flow.settle();

      const runs = (await flow.service.store.runs.list()).filter((r) => !runsBefore.has(r.id) && r.key.agent === 'dev');
      assert.deepEqual(
        runs.map((r) => `#${r.key.issue} ${r.session} ${r.prompt?.kind}`),
        [`#${issue.number} resumed delta`],
        'dev ran once, resuming its session with a delta',
      );
      const said = model.turnRequests
        .slice(requestsBefore)
        .flatMap((request) => dialogue(request.body).flatMap((message) => textsOf(message)))
        .join('\n');
      assert.match(said, /### Checks failed on your pull request #\d+ \(head [0-9a-f]{12}\): fix attempt 1 of 3/);
      assert.match(said, /- "CI \/ test \(pull_request\)"/);
      assert.match(
        said,
        /<untrusted-[0-9a-f]+ author="ci" kind="log of job \d+">\nnpm test\nFAIL test\/login\.test\.js: expected "Alice"\n<\/untrusted-/,
      );
      assert.match(said, /the whole log is at `\.claude-hooks\/checks\/\d+\.log` in your worktree/);
    } finally {
      await flow.close();
      await model.close();
    }
  });
});
