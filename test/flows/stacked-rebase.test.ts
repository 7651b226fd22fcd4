/**
 * A rebase request reaches dev however its session stands (docs/decisions.md §52): the stacked
 * PR's base merges, housekeeping retargets it and queues dev — and dev, whose session for the
 * issue was reset, starts a new session whose full prompt says the PR was retargeted and asks for
 * the rebase. The real service, the Claude runner and SDK against the scripted model.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_TOKEN, REPO, startFlow, type Flow } from '../support/flow.js';
import { dialogue, startScriptedModel, textsOf, type ScriptedModel } from '../support/model/index.js';

const BASE_BRANCH = 'issue-1-login-fails';

/** Issue 1 and issue 2 for dev; dev's PR for 2 stacked on its PR for 1. */
async function stackedPulls(flow: Flow): Promise<{ base: number; stacked: number; head: string }> {
  const alice = flow.forge.as('alice');
  const dev = flow.forge.as('dev');
  for (const title of ['Login fails', 'Stacked work']) {
    const issue = await alice.openIssue(REPO, { title, body: '' });
    await alice.assign(REPO, issue.number, 'dev');
    await flow.settle();
  }
  const worktree = (await flow.service.workdirs.list()).find(
    (w) => w.agent === 'dev' && w.target.kind === 'issue-branch' && w.target.branch.startsWith('issue-2-'),
  );
  assert.ok(worktree?.target.kind === 'issue-branch', 'dev worked on issue 2 in its own worktree');
  const head = worktree.target.branch;
  await dev.pushCommit(REPO, { branch: BASE_BRANCH, files: { 'login.md': 'fixed\n' }, message: 'Fix login' });
  const base = await dev.openPull(REPO, { head: BASE_BRANCH, title: 'Fix login' });
  await dev.pushCommit(REPO, { branch: head, files: { 'stacked.md': 'on top\n' }, message: 'Stacked' });
  const stacked = await dev.openPull(REPO, { head, base: 'main', title: 'Stacked work' });
  // The double opens from main; retarget the second onto the first's head to stack it.
  await fetch(`${flow.forge.url}/api/v1/repos/${REPO}/pulls/${stacked.number}`, {
    method: 'PATCH',
    headers: { authorization: `token ${flow.tokens.dev}`, 'content-type': 'application/json' },
    body: JSON.stringify({ base: BASE_BRANCH }),
  });
  await flow.settle();
  assert.equal(flow.forge.issue(REPO, stacked.number)?.pull?.baseRef, BASE_BRANCH);
  return { base: base.number, stacked: stacked.number, head };
}

/** The text of the first user message of each of dev's requests for issue 2 since `from`. */
function devPromptsSince(model: ScriptedModel, from: number): string[] {
  return model.turnRequests.slice(from).flatMap((request) => {
    const [first] = dialogue(request.body);
    const said = first ? textsOf(first).join('\n') : '';
    return /^You are the dev agent \(forge user @dev\) working on issue #2 /.test(said) ? [said] : [];
  });
}

describe('a stacked PR retargeted after its base merged', () => {
  it('asks dev to rebase in a new session’s full prompt when dev’s session for the issue was reset', {
    timeout: 180_000,
  }, async () => {
    const model = await startScriptedModel();
    const flow = await startFlow({ modelUrl: model.url });
    try {
      const { base, stacked, head } = await stackedPulls(flow);
      const reset = await fetch(`${flow.service.url}/admin/reset`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ agent: 'dev', issue: 2, scope: 'session' }),
      });
      assert.equal(reset.status, 200);
      const before = new Set((await flow.service.store.runs.list()).map((r) => r.id));
      const requestsBefore = model.turnRequests.length;

      await flow.forge.as('alice').mergePull(REPO, base);
      await flow.settle();

      assert.equal(flow.forge.issue(REPO, stacked)?.pull?.baseRef, 'main', 'the stacked PR now targets main');
      const runs = (await flow.service.store.runs.list()).filter((r) => !before.has(r.id) && r.key.agent === 'dev');
      assert.deepEqual(
        runs.map((r) => `#${r.key.issue} ${r.session} ${r.prompt?.kind}`),
        ['#2 new full'],
        'dev ran once, for the rebase, in a new session',
      );
      const retargeted = `### The base PR #${base} was merged into "main": your PR #${stacked} was retargeted to "main"`;
      const rebase = `Rebase "${head}" onto "main" (dropping the commits merged with #${base}) and push it with --force-with-lease.`;
      const [first] = devPromptsSince(model, requestsBefore);
      assert.ok(first, 'the model was asked for dev on issue 2');
      assert.ok(first.includes('## What started this run'), first);
      assert.ok(first.includes(retargeted), first);
      assert.ok(first.includes(rebase), first);
      assert.deepEqual(flow.forge.openApiViolations(), []);
    } finally {
      await flow.close();
      await model.close();
    }
  });
});
