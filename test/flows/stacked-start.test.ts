/**
 * A stacked start, end to end (docs/milestones.md): with stacking on, story B (← A) is handed to
 * dev while A's pull request is still open; dev's `issue-3-…` branch is cut from A's branch, and
 * `open_pull_request` with no base targets A's branch. When A merges, housekeeping retargets B's
 * pull request at the default branch and asks dev to rebase. The real service, driver and
 * workdirs against the forge double; dev is a runner that commits, pushes and opens its pull
 * request through the real forge tool.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { z } from 'zod';
import { forgeToolDefinitions } from '../../src/agent/forge-tools/create-forge-tools.js';
import type { PreparedWorktree, WorkspaceAgentRunner } from '../../src/agent/workspace-runner.js';
import { createGiteaClient } from '../../src/forge/rest/gitea-client.js';
import { silentLogger } from '../../src/lib/logger.js';
import { Secret } from '../../src/lib/secret.js';
import { REPO, startFlow, type Flow } from '../support/flow.js';

const run = promisify(execFile);

interface DevRun {
  readonly issue: number;
  readonly actions: readonly string[];
  readonly workspace: PreparedWorktree;
  /** Whether the worktree held A's file when the run began. */
  readonly hadUpstreamWork: boolean;
}

const footer = (upstream: readonly number[]) =>
  ['## Dependencies', 'Tracking: #1', ...(upstream.length === 0 ? ['- none'] : upstream.map((n) => `- #${n}`))].join(
    '\n',
  );

describe('a stacked start', { timeout: 300_000 }, () => {
  const runs: DevRun[] = [];
  let flow: Flow;
  const tokens: { dev?: string } = {};

  /** dev: on the run that hands it its story, commits a file, pushes, and opens its PR with the tool's default base. */
  const runner: WorkspaceAgentRunner = {
    async run(request) {
      if (request.agent.name !== 'dev') return { ok: true };
      const { workspace } = request;
      const actions = request.events.map(({ event }) => ('action' in event ? event.action : event.type));
      const cwd = workspace.path;
      const { stdout: files } = await run('git', ['ls-files'], { cwd });
      runs.push({ issue: request.key.issue, actions, workspace, hadUpstreamWork: files.includes('story-2.md') });
      if (!actions.includes('ready')) return { ok: true };
      const env = { PATH: process.env.PATH ?? '', HOME: cwd, ...workspace.env };
      writeFileSync(join(cwd, `story-${request.key.issue}.md`), 'done\n');
      await run('git', ['add', '-A'], { cwd, env });
      await run('git', ['commit', '-m', `Story ${request.key.issue}`], { cwd, env });
      await run('git', ['push', 'origin', 'HEAD'], { cwd, env });
      const tools = forgeToolDefinitions({
        client: createGiteaClient({ baseUrl: flow.forge.url, token: new Secret(tokens.dev!), log: silentLogger() }),
        repo: request.repo,
        issue: request.key.issue,
        agent: request.agent,
        branch: workspace.branch,
        stackBase: workspace.stackBase,
        reviewers: [],
        onChange: () => {},
      });
      const open = tools.find((tool) => tool.name === 'open_pull_request')!;
      const args = z.object(open.inputSchema).parse({ title: `Story ${request.key.issue}`, body: '' });
      const result = await open.handler(args, {});
      assert.equal(result.isError, undefined, JSON.stringify(result.content));
      return { ok: true };
    },
  };

  before(async () => {
    flow = await startFlow({ runner, milestones: 'stacking: true, maxInFlight: 2' });
    tokens.dev = flow.tokens.dev;
    const response = await fetch(`${flow.forge.apiUrl}/repos/${REPO}/labels`, {
      method: 'POST',
      headers: { authorization: `token ${flow.tokens.alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'milestone', color: '#00aabb' }),
    });
    assert.equal(response.status, 201);
    const alice = flow.forge.as('alice');
    await alice.openIssue(REPO, { title: 'Login rework', body: '' });
    await alice.addLabels(REPO, 1, ['milestone']);
    await flow.settle();
    await alice.openIssue(REPO, { title: 'A spike', body: footer([]) });
    await alice.openIssue(REPO, { title: 'B workdir', body: footer([2]) });
    await flow.settle();
  });
  after(() => flow?.close());

  const pullOf = (head: string) => flow.forge.pulls(REPO).find((p) => p.pull?.headRef === head)?.pull;

  it("starts B while A's pull request is open, on A's branch, and targets it", async () => {
    // A's run opened A's pull request; the driver learned of it and handed B over, stacked.
    await flow.settle();
    const a = runs.find((r) => r.issue === 2 && r.actions.includes('ready'));
    const b = runs.find((r) => r.issue === 3 && r.actions.includes('ready'));

    assert.ok(a && b, `dev was handed A and B (${JSON.stringify(runs.map((r) => [r.issue, r.actions]))})`);
    assert.equal(a.workspace.stackBase, undefined);
    assert.equal(pullOf(a.workspace.branch!)?.baseRef, 'main');
    assert.equal(b.workspace.stackBase, a.workspace.branch);
    assert.deepEqual(b.workspace.sync, { kind: 'created', from: 'start-branch' });
    assert.ok(b.hadUpstreamWork, "B's branch starts with A's work");
    assert.equal(pullOf(b.workspace.branch!)?.baseRef, a.workspace.branch);
  });

  it('retargets B at the default branch when A merges, and asks dev to rebase', async () => {
    const a = runs.find((r) => r.issue === 2)!;
    const b = runs.find((r) => r.issue === 3)!;
    const aPull = flow.forge.pulls(REPO).find((p) => p.pull?.headRef === a.workspace.branch)!;

    await flow.forge.as('alice').mergePull(REPO, aPull.number);
    await flow.settle();

    assert.equal(pullOf(b.workspace.branch!)?.baseRef, 'main');
    assert.ok(
      runs.some((r) => r.issue === 3 && r.actions.includes('retargeted')),
      `dev was asked to rebase B (${JSON.stringify(runs.map((r) => [r.issue, r.actions]))})`,
    );
  });
});
