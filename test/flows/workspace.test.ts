/**
 * The worktree a job gets: dev works on `issue-<N>-<slug>` in a persistent worktree, commits
 * with its own identity, pushes with its token (which lands nowhere on disk), and finds the same
 * worktree again on the next run.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { WorkspaceAgentRunner, WorkspaceRunRequest } from '../../src/agent/workspace-runner.js';
import { REPO, startFlow } from '../support/flow.js';

const run = promisify(execFile);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('the worktree a job gets', () => {
  it('gives dev a persistent issue branch worktree where it commits as itself and pushes with a token that stays off disk', async () => {
    const seen: WorkspaceRunRequest[] = [];
    const runner: WorkspaceAgentRunner = {
      async run(request) {
        seen.push(request);
        if (request.agent.name !== 'dev') return { ok: true };
        const env = { PATH: process.env.PATH ?? '', HOME: request.workspace.path, ...request.workspace.env };
        const cwd = request.workspace.path;
        writeFileSync(join(cwd, `note-${seen.length}.md`), `run ${seen.length}\n`);
        await run('git', ['add', '-A'], { cwd, env });
        await run('git', ['commit', '-m', `Work on issue ${request.key.issue}`], { cwd, env });
        await run('git', ['push', 'origin', 'HEAD'], { cwd, env });
        return { ok: true };
      },
    };
    const flow = await startFlow({ runner });
    try {
      const alice = flow.forge.as('alice');
      const issue = await alice.openIssue(REPO, { title: 'Login fails for names with spaces', body: '' });
      await alice.assign(REPO, issue.number, 'dev');
      await flow.settle();
      await alice.comment(REPO, issue.number, '@dev one more thing');
      await flow.settle();

      const devRuns = seen.filter((r) => r.agent.name === 'dev');
      const boss = seen.find((r) => r.agent.name === 'boss');
      const branch = `issue-${issue.number}-login-fails-for-names-with-spaces`;
      assert.equal(devRuns.length, 2);
      assert.equal(devRuns[0]!.workspace.branch, branch);
      assert.equal(devRuns[1]!.workspace.path, devRuns[0]!.workspace.path, 'the same worktree is reused');
      assert.equal(devRuns[0]!.workspace.fetched, true);
      // Its push webhook and the first run's fetch told the service both heads (decisions.md §51).
      assert.equal(devRuns[1]!.workspace.fetched, false, 'the second run needed no fetch');
      assert.equal(boss?.workspace.branch, undefined, 'boss works on a detached default branch');
      assert.ok(statSync(devRuns[0]!.workspace.path).isDirectory());

      const branches = await flow.forge.branches(REPO);
      assert.ok(branches[branch], 'dev pushed its branch to the forge');
      const { stdout: author } = await run('git', ['log', '-1', '--format=%an <%ae>|%cn <%ce>'], {
        cwd: devRuns[1]!.workspace.path,
      });
      assert.equal(author.trim(), 'Dev <dev@agents.test>|Dev <dev@agents.test>');

      const token = flow.tokens.dev!;
      const leaks = filesUnder(flow.dataDir).filter((file) => readFileSync(file).includes(token));
      assert.deepEqual(leaks, [], 'the token is in no file under the data dir');
      assert.deepEqual(flow.forge.openApiViolations(), []);
    } finally {
      await flow.close();
    }
  });
});
