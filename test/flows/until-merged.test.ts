/**
 * Until merged (docs/until-merged.md): dev's pull request through the real service and the forge
 * double's Actions, commit statuses, reviews and merges. dev's runs are recorded by a runner that
 * works in the real prepared worktree, so what the service put there before the run is seen.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { WorkspaceAgentRunner, WorkspaceRunRequest } from '../../src/agent/workspace-runner.js';
import type { PullEvent } from '../../src/core/events.js';
import { ADMIN_TOKEN, type Flow, type FlowOptions, REPO, startFlow, startScene } from '../support/flow.js';

interface DevRun {
  readonly triggers: readonly string[];
  readonly checks: PullEvent['checks'][];
  /** The whole logs the worktree held, by Actions job id. */
  readonly logs: Record<number, string>;
}

/** Records dev's runs: the pull-watch events they answer and the check logs in the worktree. */
function recordingRunner(): { runner: WorkspaceAgentRunner; dev: DevRun[] } {
  const dev: DevRun[] = [];
  const runner: WorkspaceAgentRunner = {
    async run(request: WorkspaceRunRequest) {
      if (request.agent.name !== 'dev') return { ok: true };
      const events = request.events.map((stored) => stored.event);
      const checks = events.flatMap((event) =>
        event.type === 'pull_request' && event.action === 'checks_failed' ? [event.checks] : [],
      );
      const logs: Record<number, string> = {};
      for (const check of checks.flatMap((c) => c?.failed ?? []))
        for (const job of check.jobs)
          logs[job.id] = await readFile(join(request.workspace.path, '.claude-hooks/checks', `${job.id}.log`), 'utf8');
      dev.push({
        triggers: events.map((event) => `${event.type}:${'action' in event ? event.action : ''}`),
        checks,
        logs,
      });
      return { ok: true };
    },
  };
  return { runner, dev };
}

/** alice assigns issue 1 to dev; dev pushes its branch and opens its PR. Answers the PR and its head. */
async function devOpensPull(flow: Flow, files: Record<string, string> = { 'src/login.js': 'export const x = 1;\n' }) {
  const alice = flow.forge.as('alice');
  const issue = await alice.openIssue(REPO, { title: 'Login fails', body: 'It fails.' });
  await alice.assign(REPO, issue.number, 'dev');
  await flow.settle();
  const branch = `issue-${issue.number}-login-fails`;
  const pushed = await flow.forge.as('dev').pushCommit(REPO, { branch, files, message: 'Fix login' });
  const pull = await flow.forge.as('dev').openPull(REPO, { head: branch, title: 'Fix login' });
  await flow.settle();
  return { number: pull.number, branch, head: pushed.after };
}

/** The CI workflow's one job, `test`, run on `sha` to `conclusion`; then everything settled. */
async function runCi(flow: Flow, sha: string, branch: string, conclusion: 'success' | 'failure', log = '') {
  await flow.forge.actions.runWorkflow(REPO, {
    sha,
    branch,
    workflow: 'CI',
    jobs: [{ name: 'test', conclusion, log }],
  });
  await flow.settle();
}

const passOn = (flow: Flow, sha: string, branch: string) => runCi(flow, sha, branch, 'success');

async function failOn(
  flow: Flow,
  sha: string,
  branch: string,
  log = 'npm test\nFAIL test/login.test.js: expected "Alice"',
) {
  await runCi(flow, sha, branch, 'failure', log);
}

async function withFlow(options: FlowOptions, body: (flow: Flow, dev: DevRun[]) => Promise<void>): Promise<void> {
  const { runner, dev } = recordingRunner();
  const flow = await startFlow({
    runner,
    ...options,
    pulls: `conflictProbeSeconds: 0${options.pulls ? `, ${options.pulls}` : ''}`,
  });
  try {
    await body(flow, dev);
    assert.deepEqual(flow.forge.openApiViolations(), []);
  } finally {
    await flow.close();
  }
}

describe('dev’s pull request until merged', { timeout: 180_000 }, () => {
  it('wakes dev once for a failed check on its head, with the check and its log’s end, the whole log in the worktree', async () => {
    await withFlow({}, async (flow, dev) => {
      const pull = await devOpensPull(flow);
      const before = dev.length;
      const log = `${'noise\n'.repeat(3000)}FAIL test/login.test.js: expected "Alice"\n`;
      await failOn(flow, pull.head, pull.branch, log);

      const runs = dev.slice(before);
      assert.equal(runs.length, 1, 'one dev run');
      const checks = runs[0]!.checks.flatMap((c) => c?.failed ?? []);
      assert.ok(
        checks.some((check) => check.context.includes('test')),
        JSON.stringify(checks),
      );
      const job = checks.flatMap((check) => check.jobs)[0];
      assert.ok(job, 'the failing job is named');
      assert.match(job.logTail, /FAIL test\/login\.test\.js: expected "Alice"/);
      assert.ok(job.logTail.length < log.length, 'only the end of the log is in the prompt');
      assert.match(runs[0]!.logs[job.id] ?? '', /FAIL test\/login\.test\.js/);
      assert.ok((runs[0]!.logs[job.id] ?? '').length >= log.length - 10, 'the whole log is in the worktree');
    });
  });

  it('on Gitea, wakes dev for an outside CI’s failed commit status on its head, naming it, and ignores one on an old head', async () => {
    const { runner, dev } = recordingRunner();
    const flow = await startFlow({ scene: await startScene('gitea'), runner, pulls: 'conflictProbeSeconds: 0' });
    try {
      const pull = await devOpensPull(flow);
      const ci = flow.forge.as('alice');
      const before = dev.length;
      await ci.postStatus(REPO, pull.head, { state: 'failure', context: 'ci/external', description: 'Build broke' });
      await flow.settle();
      const runs = dev.slice(before);
      assert.equal(runs.length, 1, 'one dev run');
      assert.deepEqual(
        runs[0]?.checks.flatMap((c) => c?.failed ?? []).map((c) => [c.context, c.description]),
        [['ci/external', 'Build broke']],
      );
      const old = (await flow.forge.as('dev').pushCommit(REPO, { branch: pull.branch, files: { 'b.txt': 'b\n' } }))
        .before;
      await flow.settle();
      const after = dev.length;
      // Another context: the same one again within the same second would be the same result, a duplicate.
      await ci.postStatus(REPO, old, { state: 'failure', context: 'ci/late' });
      await flow.settle();
      assert.equal(dev.length, after, 'no run for the old head');
      const [status] = (await flow.service.store.deliveryHistory.recent(50)).filter((d) => d.eventType === 'status');
      assert.match(
        status?.routing?.decisions[0]?.kind === 'skipped' ? status.routing.decisions[0].reason : '',
        /not the head of an open pull request/,
      );
      assert.deepEqual(flow.forge.openApiViolations(), []);
    } finally {
      await flow.close();
    }
  });

  it('looks after a person’s PR of an issue branch once it is assigned to dev, and not before', async () => {
    await withFlow({}, async (flow, dev) => {
      const alice = flow.forge.as('alice');
      const issue = await alice.openIssue(REPO, { title: 'Typo', body: 'In the README.' });
      const branch = `issue-${issue.number}-typo`;
      const { after: head } = await alice.pushCommit(REPO, { branch, files: { 'README.md': '# widget!\n' } });
      const pull = await alice.openPull(REPO, { head: branch, title: 'Fix the typo' });
      await flow.settle();
      const before = dev.length;
      await failOn(flow, head, branch);
      assert.equal(dev.length, before, 'nobody looks after alice’s PR');

      await alice.assign(REPO, pull.number, 'dev');
      await flow.settle();
      const fixes = () => dev.slice(before).filter((run) => run.checks.length > 0);
      assert.equal(fixes().length, 1, 'the catch-up finds the failing head of the PR dev now looks after');
      const { after: next } = await alice.pushCommit(REPO, { branch, files: { 'README.md': '# widget?\n' } });
      await flow.settle();
      await failOn(flow, next, branch);
      assert.deepEqual(
        fixes().map((run) => run.checks[0]?.attempt),
        [1, 2],
        'and for its next head’s failure, as the second attempt',
      );
    });
  });

  it('never lets a secret a failing job printed reach dev: its log end and the whole log are redacted', async () => {
    await withFlow({}, async (flow, dev) => {
      const pull = await devOpensPull(flow);
      const before = dev.length;
      const secret = flow.tokens.dev ?? '';
      assert.ok(secret.length > 8, 'dev has a token the service knows');
      await failOn(flow, pull.head, pull.branch, `env dump\nGITEA_TOKEN=${secret}\nFAIL test/login.test.js`);

      const [run] = dev.slice(before);
      const job = run?.checks.flatMap((c) => c?.failed ?? []).flatMap((check) => check.jobs)[0];
      assert.ok(job, 'the failing job is told');
      assert.match(job.logTail, /FAIL test\/login\.test\.js/);
      assert.ok(!job.logTail.includes(secret), 'the prompt’s log end holds no secret');
      const whole = run?.logs[job.id] ?? '';
      assert.match(whole, /GITEA_TOKEN=/);
      assert.ok(!whole.includes(secret), 'the log in the worktree holds no secret');
    });
  });

  it('does nothing for a check result on an old head', async () => {
    await withFlow({}, async (flow, dev) => {
      const pull = await devOpensPull(flow);
      const old = (await flow.forge.as('dev').pushCommit(REPO, { branch: pull.branch, files: { 'b.txt': 'b\n' } }))
        .before;
      await flow.settle();
      const before = dev.length;
      // Forgejo sends no `status` webhook: the late result comes as an Actions run on the old head.
      await flow.forge.actions.runWorkflow(REPO, {
        sha: old,
        branch: pull.branch,
        workflow: 'CI',
        jobs: [{ name: 'test', conclusion: 'failure', log: 'FAIL late' }],
      });
      await flow.settle();
      assert.equal(dev.length, before, 'no run');
      assert.deepEqual(flow.forge.actions.reruns(REPO), []);
      const [late] = (await flow.service.store.deliveryHistory.recent(20)).filter(
        (d) => d.eventType === 'action_run_failure',
      );
      assert.deepEqual(late?.routing?.decisions, [
        {
          agent: '*',
          kind: 'skipped',
          reason: `check "ci.yml" failure on ${old.slice(0, 10)}: not the head of an open pull request an agent opened (an old head, or nobody's), ignored`,
        },
      ]);
    });
  });

  it('stops at the cap: three fix attempts, then dev says so and the label asks a person, no fourth run', async () => {
    await withFlow({}, async (flow, dev) => {
      const pull = await devOpensPull(flow);
      const before = dev.length;
      let head = pull.head;
      for (let attempt = 1; attempt <= 4; attempt++) {
        await failOn(flow, head, pull.branch);
        head = (
          await flow.forge.as('dev').pushCommit(REPO, { branch: pull.branch, files: { [`fix-${attempt}.txt`]: 'x\n' } })
        ).after;
        await flow.settle();
      }
      const fixes = dev.slice(before).filter((run) => run.checks.length > 0);
      assert.deepEqual(
        fixes.map((run) => run.checks.map((c) => c?.attempt)),
        [[1], [2], [3]],
        'three fix attempts, each once',
      );
      const record = flow.forge.issue(REPO, pull.number);
      assert.ok(record?.labels.includes('needs-human'), 'the needs-human label is set');
      const said = flow.forge
        .comments(REPO, pull.number)
        .filter((c) => c.author === 'dev' && /A person needs to look/.test(c.body));
      assert.equal(said.length, 1, 'dev said so on the PR, once');
    });
  });

  it('reruns a check that failed on a head it passed on, and wakes nobody when the rerun passes', async () => {
    await withFlow({}, async (flow, dev) => {
      const pull = await devOpensPull(flow);
      await passOn(flow, pull.head, pull.branch);
      flow.forge.actions.onRerun(() => ({ conclusion: 'success', log: 'ok' }));
      const before = dev.length;
      await failOn(flow, pull.head, pull.branch, 'FAIL flaky network');
      assert.equal(flow.forge.actions.reruns(REPO).length, 1, 'one rerun');
      assert.equal(dev.length, before, 'no dev run');
      const watched = (await flow.service.store.pulls.listWatched()).find((p) => p.number === pull.number);
      assert.ok(watched && watched.flaky.length === 1, `marked flaky: ${JSON.stringify(watched?.flaky)}`);
    });
  });

  it('asks dev to rebase when its PR no longer merges because its base moved', async () => {
    await withFlow({}, async (flow, dev) => {
      await devOpensPull(flow, {
        'src/login.js': 'export function login(user) {\n  return user.login;\n}\n',
      });
      const before = dev.length;
      await flow.forge.as('alice').pushCommit(REPO, {
        branch: 'main',
        files: { 'src/login.js': 'export function login(user) {\n  return user.fullName;\n}\n' },
      });
      await flow.settle();
      const runs = dev.slice(before);
      assert.deepEqual(
        runs.map((run) => run.triggers.filter((t) => t === 'pull_request:conflicted')),
        [['pull_request:conflicted']],
        'one dev run, to rebase',
      );
    });
  });

  it('merges a green PR once the reviewer approved its head, and not before, when the repository opted in', async () => {
    await withFlow({ pulls: `mergeWhenGreen: [${REPO}]` }, async (flow) => {
      const pull = await devOpensPull(flow);
      await passOn(flow, pull.head, pull.branch);
      assert.equal(flow.forge.issue(REPO, pull.number)?.pull?.merged, false, 'not merged without an approval');
      const watched = (await flow.service.store.pulls.listWatched()).find((p) => p.number === pull.number);
      assert.match(watched?.waitingOn ?? '', /approval/);

      await flow.forge.as('reviewer').submitReview(REPO, pull.number, { event: 'APPROVED', body: 'LGTM' });
      await flow.settle();
      assert.equal(flow.forge.issue(REPO, pull.number)?.pull?.merged, true, 'merged once approved');
    });
  });

  it('never merges a green, approved PR that changes what CI runs: a person does', async () => {
    await withFlow({ pulls: `mergeWhenGreen: [${REPO}]` }, async (flow) => {
      const pull = await devOpensPull(flow, { '.forgejo/workflows/ci.yml': 'on: [pull_request]\njobs: {}\n' });
      await flow.forge.as('reviewer').submitReview(REPO, pull.number, { event: 'APPROVED', body: 'LGTM' });
      await passOn(flow, pull.head, pull.branch);
      assert.equal(flow.forge.issue(REPO, pull.number)?.pull?.merged, false);
      const watched = (await flow.service.store.pulls.listWatched()).find((p) => p.number === pull.number);
      assert.equal(
        watched?.waitingOn,
        'a person to merge it: it changes the CI configuration (.forgejo/workflows/ci.yml)',
      );
    });
  });

  it('does not merge a green, approved PR of a repository that did not opt in', async () => {
    await withFlow({}, async (flow) => {
      const pull = await devOpensPull(flow);
      await flow.forge.as('reviewer').submitReview(REPO, pull.number, { event: 'APPROVED', body: 'LGTM' });
      await passOn(flow, pull.head, pull.branch);
      assert.equal(flow.forge.issue(REPO, pull.number)?.pull?.merged, false);
    });
  });

  it('loses nothing and doubles nothing across a restart between the failure and the run', async () => {
    const scene = await startScene();
    const { runner, dev } = recordingRunner();
    const first = await startFlow({ scene, runner, pulls: 'conflictProbeSeconds: 0' });
    let pull: Awaited<ReturnType<typeof devOpensPull>>;
    try {
      pull = await devOpensPull(first);
    } finally {
      await first.stopService();
    }
    const before = dev.length;
    // The failure comes while the service is down: its webhooks reach nobody.
    await scene.forge.actions.runWorkflow(REPO, {
      sha: pull.head,
      branch: pull.branch,
      workflow: 'CI',
      jobs: [{ name: 'test', conclusion: 'failure', log: 'FAIL while down' }],
    });
    for (let restart = 0; restart < 2; restart++) {
      const again = await startFlow({ scene, runner, dataDir: first.dataDir, pulls: 'conflictProbeSeconds: 0' });
      try {
        await again.settle();
      } finally {
        await again.stopService();
      }
    }
    await scene.forge.close();
    const fixes = dev.slice(before).filter((run) => run.checks.length > 0);
    assert.equal(fixes.length, 1, 'one dev run for the failure, after two restarts');
  });

  it('runs dev once when the service restarts after the failure’s webhook was taken and before the run', async () => {
    const scene = await startScene();
    const { runner, dev } = recordingRunner();
    const admin = (flow: Flow, path: string) =>
      fetch(`${flow.service.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: '{}',
      });
    const first = await startFlow({ scene, runner, pulls: 'conflictProbeSeconds: 0' });
    let before = 0;
    try {
      const pull = await devOpensPull(first);
      before = dev.length;
      // Dispatch held: the webhook is taken and dev's job queued, but nothing runs before the stop.
      assert.equal((await admin(first, '/admin/pause')).status, 200);
      await failOn(first, pull.head, pull.branch, 'FAIL before the restart');
      assert.equal(dev.length, before, 'no run yet');
      assert.equal((await first.service.store.jobs.listJobs({ states: ['queued'] })).length, 1, 'dev’s job is queued');
    } finally {
      await first.stopService();
    }
    const again = await startFlow({ scene, runner, dataDir: first.dataDir, pulls: 'conflictProbeSeconds: 0' });
    try {
      assert.equal((await admin(again, '/admin/resume')).status, 200);
      await again.settle();
    } finally {
      await again.close();
    }
    const fixes = dev.slice(before).filter((run) => run.checks.length > 0);
    assert.equal(fixes.length, 1, 'one dev run for the failure');
    assert.match(fixes[0]?.checks[0]?.failed[0]?.jobs[0]?.logTail ?? '', /FAIL before the restart/);
  });
});

describe('merge when green drives the milestone', { timeout: 180_000 }, () => {
  it('merges story A’s green, approved pull request, and the milestone hands B to dev', async () => {
    const { runner, dev } = recordingRunner();
    const flow = await startFlow({ runner, pulls: `conflictProbeSeconds: 0, mergeWhenGreen: [${REPO}]` });
    try {
      const labelled = await fetch(`${flow.forge.apiUrl}/repos/${REPO}/labels`, {
        method: 'POST',
        headers: { authorization: `token ${flow.tokens.alice}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'milestone', color: '#00aabb' }),
      });
      assert.equal(labelled.status, 201);
      const alice = flow.forge.as('alice');
      await alice.openIssue(REPO, { title: 'Login rework', body: 'Why.' });
      await alice.addLabels(REPO, 1, ['milestone']);
      await flow.settle();
      await alice.openIssue(REPO, { title: 'A', body: '## Dependencies\nTracking: #1\n- none' });
      await alice.openIssue(REPO, { title: 'B', body: '## Dependencies\nTracking: #1\n- #2' });
      await flow.settle();
      const readyFor = () => dev.filter((run) => run.triggers.includes('issue:ready'));
      assert.equal(readyFor().length, 1, 'A is handed to dev, B waits');

      const branch = 'issue-2-a';
      const { after: head } = await flow.forge.as('dev').pushCommit(REPO, { branch, files: { 'a.md': 'A\n' } });
      const pull = await flow.forge.as('dev').openPull(REPO, { head: branch, title: 'A', body: 'Closes #2' });
      await flow.forge.as('reviewer').submitReview(REPO, pull.number, { event: 'APPROVED', body: 'LGTM' });
      await flow.forge.actions.runWorkflow(REPO, { sha: head, branch, workflow: 'CI', jobs: [{ name: 'test' }] });
      await flow.settle();

      assert.equal(flow.forge.issue(REPO, pull.number)?.pull?.merged, true, 'the service merged A');
      assert.equal(readyFor().length, 2, 'B was handed to dev once A merged');
      assert.deepEqual(flow.forge.openApiViolations(), []);
    } finally {
      await flow.close();
    }
  });
});
