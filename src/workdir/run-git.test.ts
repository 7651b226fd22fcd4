import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createGitRunner, GitError } from './run-git.js';

describe('runGit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-git-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const runner = createGitRunner({ env: { PATH: process.env.PATH, GIT_DIR: '/nonexistent', GIT_INDEX_FILE: '/nonexistent' } });

  it('passes arguments to git as they are, never through a shell', async () => {
    const marker = join(dir, 'pwned');

    const attempt = runner.run(['check-ref-format', '--branch', `x$(touch ${marker})`], { cwd: dir });

    await assert.rejects(attempt, GitError);
    assert.ok(!existsSync(marker));
  });

  it('ignores GIT_* variables of the environment it was given', async () => {
    await runner.run(['init', '--quiet', 'repo'], { cwd: dir });

    const { stdout } = await runner.run(['rev-parse', '--git-dir'], { cwd: join(dir, 'repo') });

    assert.equal(stdout.trim(), '.git');
  });

  it('fails with a GitError carrying the command, where it ran, the exit code and stderr', async () => {
    const attempt = runner.run(['rev-parse', '--verify', 'no-such-ref'], { cwd: join(dir, 'repo') });

    await assert.rejects(attempt, (error: unknown) => {
      assert.ok(error instanceof GitError);
      assert.equal(error.code, 'GIT_FAILED');
      assert.deepEqual(error.args, ['rev-parse', '--verify', 'no-such-ref']);
      assert.equal(error.cwd, join(dir, 'repo'));
      assert.equal(error.exitCode, 128);
      assert.match(error.stderr, /Needed a single revision/);
      return true;
    });
  });

  it('answers allowed exit codes instead of failing', async () => {
    const { exitCode } = await runner.run(['show-ref', '--verify', '--quiet', 'refs/heads/none'], { cwd: join(dir, 'repo'), allowExitCodes: [1] });

    assert.equal(exitCode, 1);
  });

  it('knows where its git processes are running while they run', async () => {
    const running = runner.run(['hash-object', '--stdin'], { cwd: join(dir, 'repo') });

    const during = runner.isRunningIn(dir);
    await running;

    assert.equal(during, true);
    assert.equal(runner.isRunningIn(dir), false);
  });
});
