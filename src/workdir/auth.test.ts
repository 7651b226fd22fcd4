import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../lib/logger.js';
import {
  createHarness,
  git,
  gitAsync,
  startForge,
  type Harness,
  type Origin,
} from '../../test/support/workdir/fixture.js';
import type { Lease, Workdirs } from './types.js';

function leased(result: Awaited<ReturnType<Workdirs['acquire']>>): Lease {
  assert.ok(result.ok, `acquire failed: ${JSON.stringify(!result.ok && result.error)}`);
  return result.value;
}

/** Every file under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) found.push(...filesContaining(path, needle));
    else if (stat?.isFile() && readFileSync(path).includes(needle)) found.push(path);
  }
  return found;
}

/** Samples every process's argument list until stopped; answers those that contained `needle`. */
function watchArgv(needle: string): { stop(): Promise<{ sweeps: number; leaks: string[] }> } {
  let running = true;
  let sweeps = 0;
  const leaks: string[] = [];
  const loop = (async () => {
    while (running) {
      for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
        try {
          const argv = readFileSync(`/proc/${pid}/cmdline`);
          if (argv.includes(needle)) leaks.push(argv.toString().replaceAll('\0', ' '));
        } catch {
          // the process ended meanwhile
        }
      }
      sweeps++;
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { sweeps, leaks };
    },
  };
}

describe('workdirs: git identity and auth', () => {
  let h: Harness;
  let origin: Origin;
  let workdirs: Workdirs;

  before(async () => {
    h = await createHarness();
    origin = h.origin('acme', 'identity');
    workdirs = h.workdirs();
  });
  after(() => h.close());

  const dev = (branch: string) =>
    workdirs.acquire({ repo: origin.repo, agent: h.agents.dev, target: { kind: 'issue-branch', branch } });
  const author = (path: string) => git(path, ['log', '-1', '--format=%an <%ae> / %cn <%ce>']);

  it('commits as the agent through the lease env, even when the user config names someone else', async () => {
    const lease = leased(await dev('issue-1-env'));
    const home = join(h.dir, 'other-home');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, '.gitconfig'), '[user]\n\tname = Somebody Else\n\temail = else@example.test\n');

    writeFileSync(join(lease.path, 'a.txt'), 'a\n');
    git(lease.path, ['add', 'a.txt'], { PATH: h.env.PATH ?? '', HOME: home, ...lease.env });
    git(lease.path, ['commit', '--quiet', '-m', 'a'], { PATH: h.env.PATH ?? '', HOME: home, ...lease.env });
    await lease.release();

    assert.equal(author(lease.path), 'dev agent <dev@agents.test> / dev agent <dev@agents.test>');
  });

  it('commits as the agent from the worktree config when git runs without our environment', async () => {
    const lease = leased(await dev('issue-2-config'));

    writeFileSync(join(lease.path, 'b.txt'), 'b\n');
    git(lease.path, ['add', 'b.txt'], { PATH: h.env.PATH ?? '', HOME: h.home });
    git(lease.path, ['commit', '--quiet', '-m', 'b'], { PATH: h.env.PATH ?? '', HOME: h.home });
    await lease.release();

    assert.equal(author(lease.path), 'dev agent <dev@agents.test> / dev agent <dev@agents.test>');
  });

  it('keeps each agent’s identity to its own worktree of the shared cache', async () => {
    const head = origin.head('main');
    origin.setPullHead(3, head);
    const review = leased(
      await workdirs.acquire({
        repo: origin.repo,
        agent: h.agents.reviewer,
        target: { kind: 'pr-head', number: 3, sha: head },
      }),
    );

    writeFileSync(join(review.path, 'c.txt'), 'c\n');
    git(review.path, ['add', 'c.txt'], { PATH: h.env.PATH ?? '', HOME: h.home });
    git(review.path, ['commit', '--quiet', '-m', 'c'], { PATH: h.env.PATH ?? '', HOME: h.home });
    await review.release();
    const cache = git(review.path, ['rev-parse', '--path-format=absolute', '--git-common-dir']);

    assert.equal(author(review.path), 'reviewer agent <reviewer@agents.test> / reviewer agent <reviewer@agents.test>');
    assert.throws(() => git(cache, ['config', '--local', '--get', 'user.name']));
  });

  it('refuses to commit without an identity rather than inventing one from the host name', async () => {
    const lease = leased(await dev('issue-4-no-identity'));
    git(lease.path, ['config', '--worktree', '--unset', 'user.name']);
    git(lease.path, ['config', '--worktree', '--unset', 'user.email']);

    writeFileSync(join(lease.path, 'd.txt'), 'd\n');
    git(lease.path, ['add', 'd.txt'], { PATH: h.env.PATH ?? '', HOME: h.home });
    const commit = () => git(lease.path, ['commit', '--quiet', '-m', 'd'], { PATH: h.env.PATH ?? '', HOME: h.home });
    await lease.release();

    assert.throws(commit, /user\.useConfigOnly|identity/i);
  });

  it('never writes the token to disk, to an argument list or to a log line', async () => {
    const token = h.agents.dev.token.reveal();
    const shim = join(h.dir, 'shim');
    mkdirSync(shim, { recursive: true });
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    const argvLog = join(h.dir, 'git-argv.log');
    writeFileSync(join(shim, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> "$ARGV_LOG"\nexec ${realGit} "$@"\n`);
    chmodSync(join(shim, 'git'), 0o755);
    const env = { ...h.env, PATH: `${shim}:${h.env.PATH}`, ARGV_LOG: argvLog };
    const lines: string[] = [];
    const log = createLogger({
      level: 'trace',
      destination: new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) }),
    });
    const watched = h.workdirs({ env, log, dataDir: join(h.dir, 'data-leak-check') });
    const watcher = watchArgv(token);

    const lease = leased(
      await watched.acquire({
        repo: origin.repo,
        agent: h.agents.dev,
        target: { kind: 'issue-branch', branch: 'issue-5-leak' },
      }),
    );
    writeFileSync(join(lease.path, 'e.txt'), 'e\n');
    await gitAsync(lease.path, ['add', 'e.txt'], { ...env, ...lease.env });
    await gitAsync(lease.path, ['commit', '--quiet', '-m', 'e'], { ...env, ...lease.env });
    await gitAsync(lease.path, ['push', '--quiet', 'origin', 'HEAD'], { ...env, ...lease.env });
    log.info({ lease }, 'a careless log line with the whole lease');
    writeFileSync(join(lease.path, 'f.txt'), 'uncommitted\n');
    await lease.release();
    origin.commit('issue-5-leak', 'g.txt', 'upstream\n');
    const removed = await watched.removeWorktree(
      { repo: origin.repo, agent: 'dev', target: { kind: 'issue-branch', branch: 'issue-5-leak' } },
      { auth: h.agents.dev },
    );
    const { sweeps, leaks } = await watcher.stop();

    assert.ok(removed.ok && removed.value.saved?.patch, 'the removal saved a patch to the attic');
    assert.deepEqual(filesContaining(join(h.dir, 'data-leak-check'), token), []);
    assert.ok(readFileSync(argvLog, 'utf8').includes('fetch'), 'the shim saw our git calls');
    assert.ok(!readFileSync(argvLog, 'utf8').includes(token));
    assert.ok(sweeps > 0);
    assert.deepEqual(leaks, []);
    assert.ok(lines.length > 0);
    assert.deepEqual(
      lines.filter((l) => l.includes(token)),
      [],
    );
    assert.ok(h.forge.offered.includes(token), 'the forge did receive the token, through the helper');
  });

  it('answers the credential helper only for the forge’s own host', async () => {
    const lease = leased(await dev('issue-6-foreign'));
    const elsewhere = await startForge(join(h.dir, 'elsewhere'), ['anything']);
    mkdirSync(join(h.dir, 'elsewhere', 'x'), { recursive: true });
    git(join(h.dir, 'elsewhere', 'x'), ['init', '--quiet', '--bare', 'y.git']);

    const attempt = gitAsync(lease.path, ['ls-remote', `${elsewhere.url}/x/y.git`], { ...h.env, ...lease.env });
    await assert.rejects(attempt, /could not read Username|Authentication failed|terminal prompts disabled/);
    await lease.release();
    await elsewhere.close();

    assert.deepEqual(elsewhere.offered, []);
  });

  it('hides the token when the lease env is serialised or inspected, but hands it to git', async () => {
    const lease = leased(await dev('issue-7-redact'));
    await lease.release();
    const token = h.agents.dev.token.reveal();

    assert.ok(!JSON.stringify(lease.env).includes(token));
    assert.ok(!inspect(lease.env).includes(token));
    assert.equal({ ...lease.env }.CLAUDE_HOOKS_GIT_TOKEN, token);
  });

  it('refuses a clone URL that carries credentials', async () => {
    const repo = { ...origin.repo, cloneUrl: origin.repo.cloneUrl.replace('http://', 'http://user:secret@') };

    const result = await workdirs.acquire({ repo, agent: h.agents.dev, target: { kind: 'default-branch' } });

    assert.equal(!result.ok && result.error.kind, 'invalid-request');
  });
});
