import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configEnvironment, createGitRunner, GitError } from './run-git.js';

describe('runGit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-git-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const runner = createGitRunner({
    env: { PATH: process.env.PATH, GIT_DIR: '/nonexistent', GIT_INDEX_FILE: '/nonexistent' },
  });

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
    const { exitCode } = await runner.run(['show-ref', '--verify', '--quiet', 'refs/heads/none'], {
      cwd: join(dir, 'repo'),
      allowExitCodes: [1],
    });

    assert.equal(exitCode, 1);
  });

  it('knows where its git processes are running while they run', async () => {
    const running = runner.run(['hash-object', '--stdin'], { cwd: join(dir, 'repo') });

    const during = runner.isRunningIn(dir);
    await running;

    assert.equal(during, true);
    assert.equal(runner.isRunningIn(dir), false);
  });

  describe("never runs what a repository's own files name", () => {
    function plantedRepo(name: string): { path: string; marker: string } {
      const path = join(dir, name);
      const marker = join(dir, `${name}-ran`);
      mkdirSync(join(path, 'hooks-planted'), { recursive: true });
      const script = join(path, 'hooks-planted', 'run');
      writeFileSync(script, `#!/bin/sh\ntouch '${marker}'\n`);
      chmodSync(script, 0o755);
      return { path, marker };
    }

    it('ignores a core.fsmonitor planted in the repository config', async () => {
      const { path, marker } = plantedRepo('fsmonitor');
      await runner.run(['init', '--quiet', path], { cwd: dir });
      await runner.run(['config', 'core.fsmonitor', join(path, 'hooks-planted', 'run')], { cwd: path });

      await runner.run(['status', '--porcelain'], { cwd: path });

      assert.ok(!existsSync(marker), 'the planted fsmonitor ran');
    });

    it('runs no hook, even one a planted core.hooksPath names', async () => {
      const { path, marker } = plantedRepo('hooks');
      await runner.run(['init', '--quiet', path], { cwd: path });
      await runner.run(['config', 'core.hooksPath', join(path, 'hooks-planted')], { cwd: path });
      writeFileSync(join(path, 'hooks-planted', 'post-checkout'), `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 });
      writeFileSync(join(path, 'f'), 'x');
      const identity = {
        GIT_AUTHOR_NAME: 'a',
        GIT_AUTHOR_EMAIL: 'a@b',
        GIT_COMMITTER_NAME: 'a',
        GIT_COMMITTER_EMAIL: 'a@b',
      };
      await runner.run(['add', 'f'], { cwd: path });
      await runner.run(['commit', '--quiet', '-m', 'f'], { cwd: path, env: identity });

      await runner.run(['switch', '--quiet', '--detach', 'HEAD'], { cwd: path, env: identity });

      assert.ok(!existsSync(marker), 'a planted hook ran');
    });

    it("keeps the caller's own command-scope config beside the hardening", async () => {
      await runner.run(['init', '--quiet', 'scoped'], { cwd: dir });

      const { stdout } = await runner.run(['config', '--get', 'x.y'], {
        cwd: join(dir, 'scoped'),
        env: configEnvironment([['x.y', 'mine']]),
      });

      assert.equal(stdout.trim(), 'mine');
    });
  });
});
