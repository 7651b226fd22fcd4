/**
 * Cleanup when the forge says the work is over (docs/decisions.md §24): real git worktrees, the forge
 * double's merges and closes, the real service. Cleanup is durable work serialised with the
 * agents' jobs on the same keys.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { WorkspaceAgentRunner, WorkspaceRunRequest } from '../../src/agent/workspace-runner.js';
import type { CleanupResult } from '../../src/housekeeping/cleanup-actions.js';
import { createCleanupFollower } from '../../src/housekeeping/cleanup-follower.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createWorkdirs } from '../../src/workdir/index.js';
import { REPO, startFlow, type Flow } from '../support/flow.js';
import { startScriptedModel } from '../support/model/index.js';
import { until } from '../support/wait.js';

const run = promisify(execFile);
const BRANCH = 'issue-1-login-fails';

interface Gate {
  /** Set to make dev's next run wait until `open` is called. */
  hold: boolean;
  open: () => void;
  /** Resolves when a held run has started. */
  held: Promise<void>;
}

/** dev commits and pushes on its branch; with `dirty`, leaves an uncommitted file too. */
function devRunner(options: { dirty?: boolean; gate?: Gate; seen?: WorkspaceRunRequest[] } = {}): WorkspaceAgentRunner {
  let runs = 0;
  return {
    async run(request) {
      if (request.agent.name !== 'dev') return { ok: true };
      options.seen?.push(request);
      runs++;
      const cwd = request.workspace.path;
      const env = { PATH: process.env.PATH ?? '', HOME: cwd, ...request.workspace.env };
      writeFileSync(join(cwd, `note-${runs}.md`), `run ${runs}\n`);
      await run('git', ['add', '-A'], { cwd, env });
      await run('git', ['commit', '-m', `Work ${runs}`], { cwd, env });
      await run('git', ['push', 'origin', 'HEAD'], { cwd, env });
      if (options.dirty) writeFileSync(join(cwd, 'unfinished.txt'), 'half a thought\n');
      if (options.gate?.hold)
        await new Promise<void>((resolve) => ((options.gate!.open = resolve), gateStarted(options.gate!)));
      return { ok: true };
    },
  };
}

let gateStarted: (gate: Gate) => void = () => {};

function newGate(): Gate {
  let started!: () => void;
  const gate: Gate = { hold: false, open: () => {}, held: new Promise<void>((resolve) => (started = resolve)) };
  gateStarted = () => started();
  return gate;
}

/** Issue 1 for dev (its PR #3, reviewed by reviewer) and issue 2 for dev, then the PR merged or closed. */
async function twoIssuesAndAPull(flow: Flow): Promise<{ pull: number }> {
  const alice = flow.forge.as('alice');
  const issue = await alice.openIssue(REPO, { title: 'Login fails', body: '' });
  await alice.assign(REPO, issue.number, 'dev');
  await flow.settle();
  const other = await alice.openIssue(REPO, { title: 'Other work', body: '' });
  await alice.assign(REPO, other.number, 'dev');
  await flow.settle();
  const pull = await flow.forge.as('dev').openPull(REPO, { head: BRANCH, title: 'Fix login', body: 'Closes #1' });
  await alice.requestReview(REPO, pull.number, 'reviewer');
  await flow.settle();
  return { pull: pull.number };
}

async function worktrees(flow: Flow): Promise<string[]> {
  const list = await flow.service.workdirs.list();
  return list
    .map(
      (w) =>
        `${w.agent}:${w.target.kind === 'issue-branch' ? w.target.branch : w.target.kind === 'pr-head' ? `pr-${w.target.number}` : 'default'}`,
    )
    .sort();
}

async function lastCleanup(flow: Flow) {
  const [task] = await flow.service.store.cleanup.list(1);
  assert.ok(task, 'a cleanup task was recorded');
  return task;
}

describe('cleanup on forge events', () => {
  it('removes dev’s and the reviewer’s worktrees of a merged PR and nothing else', async () => {
    const flow = await startFlow({ runner: devRunner() });
    try {
      const { pull } = await twoIssuesAndAPull(flow);
      assert.deepEqual(await worktrees(flow), [
        'boss:default',
        `dev:${BRANCH}`,
        'dev:issue-2-other-work',
        `reviewer:pr-${pull}`,
      ]);

      await flow.forge.as('alice').mergePull(REPO, pull);
      await flow.settle();

      assert.deepEqual(await worktrees(flow), ['boss:default', 'dev:issue-2-other-work']);
      const task = await lastCleanup(flow);
      assert.equal(task.state, 'done');
      assert.deepEqual(task.action, { kind: 'pull-closed', number: pull, head: BRANCH, base: 'main', merged: true });
      assert.deepEqual((task.result as CleanupResult).worktrees.map((w) => w.agent).sort(), ['dev', 'reviewer']);
    } finally {
      await flow.close();
    }
  });

  it('saves a dirty worktree’s work to the attic before removing it, and says where', async () => {
    const flow = await startFlow({ runner: devRunner({ dirty: true }) });
    try {
      const { pull } = await twoIssuesAndAPull(flow);

      await flow.forge.as('alice').mergePull(REPO, pull);
      await flow.settle();

      const result = (await lastCleanup(flow)).result as CleanupResult;
      const dev = result.worktrees.find((w) => w.path.includes(BRANCH));
      assert.ok(dev?.attic, 'the removal names the attic folder');
      assert.ok(existsSync(join(dev.attic, 'changes.patch')));
      assert.match(readFileSync(join(dev.attic, 'changes.patch'), 'utf8'), /half a thought/);
      assert.equal(existsSync(dev.path), false);
    } finally {
      await flow.close();
    }
  });

  it('cleans up a PR closed while dev’s job runs only after that job ends', async () => {
    const gate = newGate();
    const flow = await startFlow({ runner: devRunner({ gate }) });
    try {
      const { pull } = await twoIssuesAndAPull(flow);
      gate.hold = true;
      await flow.forge.as('alice').comment(REPO, pull, '@dev one more thing');
      await gate.held;

      await flow.forge.as('alice').closeIssue(REPO, pull);
      await until(async () => (await flow.service.store.cleanup.list(1)).length > 0, 'the cleanup task');
      await flow.service.cleanup.idle();

      assert.equal((await lastCleanup(flow)).state, 'queued', 'cleanup waits while the key has a running job');
      assert.ok((await worktrees(flow)).includes(`dev:${BRANCH}`));

      gate.hold = false;
      gate.open();
      await flow.settle();

      assert.equal((await lastCleanup(flow)).state, 'done');
      assert.equal((await worktrees(flow)).includes(`dev:${BRANCH}`), false);
    } finally {
      gate.open();
      await flow.close();
    }
  });

  it('retargets a PR stacked on a merged PR onto its base and queues a job for its dev, whose delta says to rebase', {
    timeout: 180_000,
  }, async () => {
    const model = await startScriptedModel();
    const flow = await startFlow({ modelUrl: model.url });
    try {
      const alice = flow.forge.as('alice');
      const dev = flow.forge.as('dev');
      for (const title of ['Login fails', 'Stacked work']) {
        const issue = await alice.openIssue(REPO, { title, body: '' });
        await alice.assign(REPO, issue.number, 'dev');
        await flow.settle();
      }
      const stackedBranch = (await flow.service.workdirs.list()).find(
        (w) => w.agent === 'dev' && w.target.kind === 'issue-branch' && w.target.branch.startsWith('issue-2-'),
      );
      assert.ok(stackedBranch?.target.kind === 'issue-branch', 'dev worked on issue 2 in its own worktree');
      const head = stackedBranch.target.branch;
      await dev.pushCommit(REPO, { branch: BRANCH, files: { 'login.md': 'fixed\n' }, message: 'Fix login' });
      const base = await dev.openPull(REPO, { head: BRANCH, title: 'Fix login' });
      await dev.pushCommit(REPO, { branch: head, files: { 'stacked.md': 'on top\n' }, message: 'Stacked' });
      const stacked = await dev.openPull(REPO, { head, base: 'main', title: 'Stacked work' });
      // The double opens from main; retarget the second onto the first's head to stack it.
      await fetch(`${flow.forge.url}/api/v1/repos/${REPO}/pulls/${stacked.number}`, {
        method: 'PATCH',
        headers: { authorization: `token ${flow.tokens.dev}`, 'content-type': 'application/json' },
        body: JSON.stringify({ base: BRANCH }),
      });
      await flow.settle();
      assert.equal(flow.forge.issue(REPO, stacked.number)?.pull?.baseRef, BRANCH);
      const before = new Set((await flow.service.store.runs.list()).map((r) => r.id));

      await alice.mergePull(REPO, base.number);
      await flow.settle();

      assert.equal(flow.forge.issue(REPO, stacked.number)?.pull?.baseRef, 'main', 'the stacked PR now targets main');
      const result = (await lastCleanup(flow)).result as CleanupResult;
      const [retargeted, ...more] = result.retargeted ?? [];
      assert.deepEqual(more, []);
      assert.deepEqual(
        { ...retargeted, eventId: undefined },
        { number: stacked.number, from: BRANCH, to: 'main', eventId: undefined },
      );
      const jobs = await flow.service.store.jobs.listJobs({});
      const rebase = jobs.find((j) => j.eventIds.includes(retargeted!.eventId!));
      assert.equal(
        rebase && `${rebase.key.agent}#${rebase.key.issue} ${rebase.state}`,
        'dev#2 succeeded',
        'the rebase request became a job on dev’s key for issue 2, and it ran',
      );
      const [run, ...otherRuns] = (await flow.service.store.runs.list()).filter(
        (r) => !before.has(r.id) && r.key.agent === 'dev',
      );
      assert.deepEqual(otherRuns, [], 'dev ran once, for the rebase');
      assert.equal(run?.jobId, rebase!.id);
      assert.equal(run?.session, 'resumed', 'in issue 2’s session');
      assert.equal(run?.prompt?.kind, 'delta');
      const said = run?.prompt?.text ?? '';
      assert.ok(
        said.includes(
          `### The base PR #${base.number} was merged into "main": your PR #${stacked.number} was retargeted to "main"`,
        ),
        said,
      );
      assert.ok(
        said.includes(
          `Rebase "${head}" onto "main" (dropping the commits merged with #${base.number}) and push it with --force-with-lease.`,
        ),
        said,
      );
      assert.deepEqual(flow.forge.openApiViolations(), []);
    } finally {
      await flow.close();
      await model.close();
    }
  });

  it('closes an issue’s sessions when it is closed, keeping them, and makes them active when it is reopened', async () => {
    const flow = await startFlow({ runner: devRunner() });
    try {
      const alice = flow.forge.as('alice');
      const issue = await alice.openIssue(REPO, { title: 'Login fails', body: '' });
      await flow.settle();
      const key = { agent: 'dev', repo: `${new URL(flow.forge.url).host}/${REPO}`.toLowerCase(), issue: issue.number };
      await flow.service.store.sessions.started(key, {
        sessionId: '33333333-3333-4333-8333-333333333333',
        worktree: '/w',
        at: Date.now(),
      });

      await alice.closeIssue(REPO, issue.number);
      await flow.settle();
      const closed = await flow.service.store.sessions.get(key);
      await alice.reopenIssue(REPO, issue.number);
      await flow.settle();
      const reopened = await flow.service.store.sessions.get(key);

      assert.equal(closed?.state, 'closed');
      assert.equal(closed?.sessionId, '33333333-3333-4333-8333-333333333333', 'kept until its TTL');
      assert.equal(reopened?.state, 'active');
    } finally {
      await flow.close();
    }
  });

  it('removes the ended PR’s worktrees from another worker’s disk too, once the task has ended there', async () => {
    const flow = await startFlow({ runner: devRunner() });
    const otherDisk = mkdtempSync(join(tmpdir(), 'claude-hooks-other-worker-'));
    try {
      const { pull } = await twoIssuesAndAPull(flow);
      // Another worker's data dir, holding its own copies of dev's branches and the reviewer's PR.
      const other = createWorkdirs({
        dataDir: otherDisk,
        minFreeBytes: 0,
        forgeUrl: flow.config.forge.url,
        env: { PATH: process.env.PATH },
        log: silentLogger(),
        clock: systemClock,
      });
      const repo = (await flow.service.workdirs.list())[0]!.repo;
      const agent = (name: string) => flow.config.agents.find((a) => a.name === name)!;
      const sha = flow.forge.pulls(REPO).find((p) => p.number === pull)!.pull!.headSha;
      for (const [name, target] of [
        ['dev', { kind: 'issue-branch', branch: BRANCH }],
        ['dev', { kind: 'issue-branch', branch: 'issue-2-other-work' }],
        ['reviewer', { kind: 'pr-head', number: pull, sha }],
      ] as const) {
        const lease = await other.acquire({ repo, agent: agent(name), target, holder: 'a job on the other worker' });
        assert.ok(lease.ok, JSON.stringify(lease));
        await lease.value.release();
      }
      const follower = createCleanupFollower({
        queue: flow.service.store.cleanup,
        workdirs: other,
        agents: flow.config.agents,
        cursorFile: join(otherDisk, 'cleanup-cursor'),
        log: silentLogger(),
      });
      assert.equal(await follower.catchUp(), 0, 'a disk with no cursor starts at the newest task');

      await flow.forge.as('alice').mergePull(REPO, pull);
      await flow.settle();
      const through = await follower.catchUp();

      const left = (await other.list()).map(
        (w) => `${w.agent}:${w.target.kind === 'issue-branch' ? w.target.branch : w.target.kind}`,
      );
      assert.equal(through, 1);
      assert.deepEqual(left, ['dev:issue-2-other-work']);
      assert.equal(await follower.catchUp(), 0, 'a task is applied once');
    } finally {
      await flow.close();
      rmSync(otherDisk, { recursive: true, force: true });
    }
  });

  it('finishes a cleanup interrupted by a crash after the service restarts', async () => {
    const flow = await startFlow({ runner: devRunner() });
    let restarted: Flow | undefined;
    try {
      const { pull } = await twoIssuesAndAPull(flow);
      await flow.service.cleanup.stop();
      await flow.forge.as('alice').mergePull(REPO, pull);
      await flow.settle();
      // The process dies with the task claimed and nothing removed yet.
      const claimed = await flow.service.store.cleanup.claimNext(Date.now());
      assert.equal(claimed?.state, 'running');
      await flow.stopService();

      restarted = await startFlow({ runner: devRunner(), scene: flow, dataDir: flow.dataDir });
      await restarted.settle();

      assert.equal((await lastCleanup(restarted)).state, 'done');
      assert.deepEqual(await worktrees(restarted), ['boss:default', 'dev:issue-2-other-work']);
    } finally {
      await restarted?.stopService();
      await flow.close();
    }
  });
});
