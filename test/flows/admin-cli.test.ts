/**
 * The admin commands: through the running service's API while it holds the data dir,
 * on the data dir directly once it is stopped; audited either way.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { WorkspaceAgentRunner } from '../../src/agent/workspace-runner.js';
import { runCli } from '../../src/cli/run-cli.js';
import { systemClock } from '../../src/lib/clock.js';
import { openStore } from '../../src/store/open-store.js';
import { ADMIN_TOKEN, REPO, WEBHOOK_SECRET, startFlow, type Flow } from '../support/flow.js';

const git = promisify(execFile);

const runner: WorkspaceAgentRunner = {
  async run(request) {
    if (request.agent.name !== 'dev') return { ok: true };
    const cwd = request.workspace.path;
    const env = { PATH: process.env.PATH ?? '', HOME: cwd, ...request.workspace.env };
    writeFileSync(join(cwd, 'work.md'), 'work\n');
    await git('git', ['add', '-A'], { cwd, env });
    await git('git', ['commit', '-m', 'Work'], { cwd, env });
    return { ok: true };
  },
};

async function cli(flow: Flow, args: readonly string[]) {
  let stdout = '';
  let stderr = '';
  const env: Record<string, string> = {
    FLOW_ADMIN_TOKEN: ADMIN_TOKEN,
    FLOW_WEBHOOK_SECRET: WEBHOOK_SECRET,
    FLOW_MODEL_KEY: 'k',
    PATH: process.env.PATH ?? '',
  };
  for (const name of ['boss', 'dev', 'reviewer']) env[`${name.toUpperCase()}_TOKEN`] = flow.tokens[name] ?? '';
  const status = await runCli([...args, '--config', join(flow.dataDir, 'claude-hooks.yaml')], {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env,
    cwd: flow.dataDir,
  });
  return { status, stdout, stderr };
}

describe('the admin commands', () => {
  it('go through the API while the service runs, and work on the data dir once it is stopped', async () => {
    const flow = await startFlow({ runner });
    try {
      const alice = flow.forge.as('alice');
      await alice.openIssue(REPO, { title: 'Login fails', body: '' });
      await alice.assign(REPO, 1, 'dev');
      await flow.settle();

      const viaApi = await cli(flow, ['reset', '--agent', 'dev', '--issue', '1', '--scope', 'worktree', '--dry-run']);
      const bad = await cli(flow, ['reset', '--issue', 'seven', '--scope', 'worktree']);
      await flow.stopService();
      const direct = await cli(flow, ['reset', '--agent', 'dev', '--issue', '1', '--scope', 'worktree']);
      const worktrees = await cli(flow, ['worktrees']);

      assert.equal(viaApi.status, 0, viaApi.stderr);
      assert.match(viaApi.stderr, /the service \(pid \d+\) holds .* so this goes through its admin API/);
      assert.equal((JSON.parse(viaApi.stdout) as { worktrees: unknown[] }).worktrees.length, 1);
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /^issue: must be an issue number/m);
      assert.equal(direct.status, 0, direct.stderr);
      const removed = JSON.parse(direct.stdout) as { worktrees: { path: string; attic?: string }[] };
      assert.equal(removed.worktrees.length, 1);
      assert.ok(removed.worktrees[0]!.attic, 'the unpushed commit went to the attic');
      assert.doesNotMatch(worktrees.stdout, /issue-1-/);
      const store = await openStore(
        { kind: 'sqlite' },
        { dataDir: flow.dataDir, clock: systemClock, dedupWindowMs: 0 },
      );
      const audit = await store.audit.list(10);
      await store.close();
      assert.deepEqual(
        audit.map((a) => `${a.action} ${a.status} ${a.source.split(' ')[0]}`),
        ['reset 200 cli', 'reset 400 api', 'reset 200 api'],
      );
    } finally {
      await flow.close();
    }
  });
});
