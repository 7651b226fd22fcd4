import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSilentServer, startTricklingServer, type HungServer } from '../../test/support/hung-server.js';
import { until } from '../../test/support/wait.js';
import { createGitRunner, GitError } from './run-git.js';

/** Processes whose command line names `url`: git and the HTTP helpers it started for it. */
function processesFor(url: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(url);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function timedOut(kind: 'idle' | 'overall') {
  return (error: unknown) => {
    assert.ok(error instanceof GitError, String(error));
    assert.equal(error.timeout?.kind, kind);
    assert.match(error.message, /timed out/);
    return true;
  };
}

describe('runGit: time limits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-git-timeouts-'));
  const env = { PATH: process.env.PATH, HOME: dir };
  let silent: HungServer;
  let trickling: HungServer;
  before(async () => {
    silent = await startSilentServer();
    trickling = await startTricklingServer();
  });
  after(async () => {
    await silent.close();
    await trickling.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails a fetch from a server that accepts and never answers once the idle time has passed, saying it timed out', async () => {
    const runner = createGitRunner({ env, idleTimeoutSeconds: 1 });
    const url = `${silent.url}/acme/app.git`;

    const attempt = runner.run(['ls-remote', url], { cwd: dir });

    await assert.rejects(attempt, timedOut('idle'));
    assert.match(
      String(await attempt.catch((error: unknown) => error)),
      /the remote sent nothing for 1 s \(workdir\.gitIdleTimeoutSeconds\)/,
    );
    assert.deepEqual(processesFor(url), []);
  });

  it('kills a command still running at the hard cap — git and its HTTP helpers — and says it timed out', async () => {
    const runner = createGitRunner({ env, idleTimeoutSeconds: 1, timeoutMs: 2500, killGraceMs: 200 });
    const url = `${trickling.url}/acme/app.git`;

    const attempt = runner.run(['ls-remote', url], { cwd: dir });

    await assert.rejects(attempt, timedOut('overall'));
    assert.deepEqual(processesFor(url), [], 'no git process for the URL is left running');
  });

  it('ends a hanging command, helpers and all, as soon as its signal is aborted', async () => {
    const runner = createGitRunner({ env, killGraceMs: 200 });
    const url = `${silent.url}/acme/aborted.git`;
    const controller = new AbortController();
    const before = silent.connections();
    const attempt = runner.run(['ls-remote', url], { cwd: dir, signal: controller.signal });
    await until(() => silent.connections() > before, 'git to connect to the silent server');

    controller.abort(new Error('job stopped'));

    await assert.rejects(attempt, (error: unknown) => error instanceof GitError && error.timeout === undefined);
    assert.deepEqual(processesFor(url), []);
  });

  it('does not start a command whose signal is already aborted', async () => {
    const runner = createGitRunner({ env });

    const attempt = runner.run(['--version'], { cwd: dir, signal: AbortSignal.abort() });

    await assert.rejects(attempt, /not started/);
  });
});
