import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { until } from '../../test/support/wait.js';
import type { ChildArgs } from '../../test/support/workdir/acquire-child.js';
import { createHarness, git, type Harness, type Origin } from '../../test/support/workdir/fixture.js';
import { createGitRunner, GitError, type GitRunner } from './run-git.js';
import type { AcquireTarget, Lease, Workdirs } from './types.js';

const CHILD = join(import.meta.dirname, '..', '..', 'test', 'support', 'workdir', 'acquire-child.ts');

function leased(result: Awaited<ReturnType<Workdirs['acquire']>>): Lease {
  assert.ok(result.ok, `acquire failed: ${JSON.stringify(!result.ok && result.error)}`);
  return result.value;
}

/** Every child's process group, SIGKILLed in `after` so a failing test leaves none running. */
const childGroups = new Set<number>();
function killLeftoverChildren(): void {
  for (const pgid of childGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Another service process on the same data dir, in its own process group (so a crash takes its git children too). */
function startChild(args: ChildArgs): {
  child: ChildProcess;
  exited: Promise<unknown>;
  next(): Promise<unknown>;
  send(): void;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...args.env, WORKDIR_CHILD: JSON.stringify(args) },
    stdio: ['pipe', 'pipe', 'inherit'],
    detached: true,
  });
  childGroups.add(child.pid!);
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    child,
    exited: once(child, 'exit'),
    next: async () => JSON.parse(String((await lines.next()).value)) as unknown,
    send: () => child.stdin!.write('go\n'),
  };
}

async function crash(child: { child: ChildProcess; exited: Promise<unknown> }): Promise<void> {
  process.kill(-child.child.pid!, 'SIGKILL');
  await child.exited;
}

/** Acquires, waiting out the lease a crashed process left until it goes stale. */
async function acquireAfterCrash(workdirs: Workdirs, request: Parameters<Workdirs['acquire']>[0]): Promise<Lease> {
  const result = await until(async () => {
    const attempt = await workdirs.acquire(request);
    return attempt.ok || attempt.error.kind !== 'leased' ? attempt : undefined;
  }, 'the crashed lease to go stale');
  return leased(result);
}

describe('workdirs: crashes and concurrency', () => {
  let h: Harness;
  let origin: Origin;
  let workdirs: Workdirs;

  before(async () => {
    h = await createHarness();
    origin = h.origin('acme', 'crashy', 40);
    workdirs = h.workdirs();
  });
  after(() => h.close());
  after(killLeftoverChildren);

  const childArgs = (target: AcquireTarget, pauseBefore?: string): ChildArgs => ({
    dataDir: h.dataDir,
    env: h.env,
    repo: origin.repo,
    agent: 'dev',
    token: h.agents.dev.token.reveal(),
    target,
    pauseBefore,
  });
  const dev = (branch: string): Parameters<Workdirs['acquire']>[0] => ({
    repo: origin.repo,
    agent: h.agents.dev,
    target: { kind: 'issue-branch', branch },
  });

  it('recovers a worktree whose `worktree add` was killed mid-checkout', async () => {
    origin.commit('issue-1-crash-add', 'new-file.txt', 'needs a blob fetch during checkout\n');
    const other = startChild(childArgs({ kind: 'issue-branch', branch: 'issue-1-crash-add' }, 'worktree'));
    const { next, send } = other;
    assert.equal(await next(), 'ready');
    send();
    assert.equal(await next(), 'paused');
    const gate = h.forge.gate(origin.repoPath, '.git/git-upload-pack');
    send();
    await gate.held;
    const interrupted = (await workdirs.list()).find((w) => w.branch === 'issue-1-crash-add');
    await crash(other);

    const lease = await acquireAfterCrash(workdirs, dev('issue-1-crash-add'));
    await lease.release();

    assert.equal(interrupted?.state, 'creating');
    assert.deepEqual(lease.sync, { kind: 'created', from: 'local-branch' });
    assert.equal(git(lease.path, ['symbolic-ref', '--short', 'HEAD']), 'issue-1-crash-add');
    assert.equal(git(lease.path, ['status', '--porcelain']), '');
    assert.ok(existsSync(join(lease.path, 'new-file.txt')));
    const cache = git(lease.path, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
    assert.deepEqual(
      readdirSync(join(cache, 'worktrees')).filter((name) => existsSync(join(cache, 'worktrees', name, 'locked'))),
      [],
    );
  });

  it('recovers after a process was killed in the middle of a fetch', async () => {
    const first = leased(await workdirs.acquire(dev('issue-2-crash-fetch')));
    await first.release();
    const moved = origin.commit('issue-2-crash-fetch', 'moved.txt', 'upstream\n');
    const other = startChild(childArgs({ kind: 'issue-branch', branch: 'issue-2-crash-fetch' }, 'fetch'));
    const { next, send } = other;
    assert.equal(await next(), 'ready');
    send();
    assert.equal(await next(), 'paused');
    const gate = h.forge.gate(origin.repoPath, '.git/git-upload-pack');
    send();
    await gate.held;
    await crash(other);

    const lease = await acquireAfterCrash(workdirs, dev('issue-2-crash-fetch'));
    await lease.release();

    assert.deepEqual(lease.sync, { kind: 'fast-forwarded', from: first.head, to: moved });
  });

  it('serialises the fetches of two processes on one cache, and both jobs get their worktree', async () => {
    const fresh = h.origin('acme', 'shared', 40);
    const args = (branch: string): ChildArgs => ({ ...childArgs({ kind: 'issue-branch', branch }), repo: fresh.repo });
    const a = startChild(args('issue-3-a'));
    const b = startChild(args('issue-3-b'));
    assert.equal(await a.next(), 'ready');
    assert.equal(await b.next(), 'ready');

    a.send();
    b.send();
    const [ra, rb] = (await Promise.all([a.next(), b.next()])) as Array<{ ok: boolean; path: string }>;
    await Promise.all([a.exited, b.exited]);

    assert.ok(ra?.ok && rb?.ok, JSON.stringify([ra, rb]));
    assert.notEqual(ra.path, rb.path);
    assert.equal(h.forge.maxInFlight.get(fresh.repoPath), 1);
    assert.equal(git(ra.path, ['symbolic-ref', '--short', 'HEAD']), 'issue-3-a');
    assert.equal(git(rb.path, ['symbolic-ref', '--short', 'HEAD']), 'issue-3-b');
  });

  it('removes a stale index.lock left by a crash, but not one a running git process holds', async () => {
    const first = leased(await workdirs.acquire(dev('issue-4-lock')));
    await first.release();
    origin.commit('issue-4-lock', 'lock.txt', 'upstream\n');
    const adminDir = git(first.path, ['rev-parse', '--path-format=absolute', '--git-dir']);
    const lock = join(adminDir, 'index.lock');
    writeFileSync(lock, '');
    const holder = spawn('git', ['cat-file', '--batch'], { cwd: first.path, stdio: ['pipe', 'ignore', 'ignore'] });
    await until(() => readdirSync('/proc').includes(String(holder.pid)), 'git to start');

    const whileHeld = workdirs.acquire(dev('issue-4-lock'));
    await assert.rejects(whileHeld, (error: unknown) => error instanceof GitError && /index\.lock/.test(error.stderr));
    const stillThere = existsSync(lock);
    holder.kill();
    await once(holder, 'exit');
    const lease = leased(await workdirs.acquire(dev('issue-4-lock')));
    await lease.release();

    assert.ok(stillThere);
    assert.equal(lease.sync.kind, 'fast-forwarded');
    assert.ok(!existsSync(lock));
  });

  describe('when `worktree add` fails', () => {
    /** A runner whose next `failures` `worktree add` calls find a file in their way. */
    function obstructing(failures: number): GitRunner {
      const real = createGitRunner({ env: h.env });
      let left = failures;
      return {
        isRunningIn: real.isRunningIn,
        run(args, options) {
          const path = args.find((a) => a.startsWith(join(h.dataDir, 'workdirs', 'trees')));
          if (args[0] === 'worktree' && args[1] === 'add' && path && left-- > 0) {
            mkdirSync(join(path, '..'), { recursive: true });
            writeFileSync(path, 'in the way\n');
          }
          return real.run(args, options);
        },
      };
    }

    it('removes, prunes and retries once', async () => {
      const recovering = h.workdirs({ git: obstructing(1) });

      const lease = leased(await recovering.acquire(dev('issue-5-retry')));
      await lease.release();

      assert.equal(git(lease.path, ['symbolic-ref', '--short', 'HEAD']), 'issue-5-retry');
    });

    it('fails with a GitError carrying the command, exit code and stderr when the retry fails too', async () => {
      const failing = h.workdirs({ git: obstructing(2) });

      const attempt = failing.acquire(dev('issue-6-give-up'));

      await assert.rejects(attempt, (error: unknown) => {
        assert.ok(error instanceof GitError);
        assert.deepEqual(error.args.slice(0, 2), ['worktree', 'add']);
        assert.equal(error.exitCode, 128);
        assert.match(error.stderr, /already exists/);
        return true;
      });
    });
  });
});
