import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bwrapArgs, type Mount } from './mounts.js';
import { INSIDE, runMounts, type RunView } from './run-mounts.js';

const view = (writable: boolean): RunView => ({
  system: [{ kind: 'ro', source: '/usr', target: '/usr' }],
  worktree: {
    path: '/d/trees/r/dev/b',
    adminDir: '/d/caches/r.git/worktrees/b',
    commonDir: '/d/caches/r.git',
    writable,
  },
  configDirs: ['/d/claude/sessions/k'],
  command: '/app/node_modules/sdk-linux-x64/claude',
  initScript: '/d/sandbox/sandbox-init.cjs',
  socket: '/tmp/claude-hooks-x/s.sock',
});

const writablePaths = (mounts: readonly Mount[]) =>
  mounts.filter((m) => m.kind === 'rw').map((m) => (m.kind === 'rw' ? m.target : ''));
const indexOf = (mounts: readonly Mount[], target: string) => mounts.findIndex((m) => m.target === target);

describe("a run's mounts", () => {
  it('gives a reader nothing writable but its session folder and the service socket', () => {
    assert.deepEqual(writablePaths(runMounts(view(false))), ['/d/claude/sessions/k', INSIDE.socket]);
  });

  it("gives dev its worktree, its admin folder and the cache's objects, refs and reflogs, and nothing else of the cache", () => {
    assert.deepEqual(writablePaths(runMounts(view(true))), [
      '/d/trees/r/dev/b',
      '/d/caches/r.git/worktrees/b',
      '/d/caches/r.git/objects',
      '/d/caches/r.git/refs',
      '/d/caches/r.git/logs',
      '/d/claude/sessions/k',
      INSIDE.socket,
    ]);
  });

  it('binds the git pointers read-only over the writable folders that hold them, and hides the other worktrees', () => {
    const mounts = runMounts(view(true));

    for (const file of ['config.worktree', 'commondir', 'gitdir']) {
      const target = `/d/caches/r.git/worktrees/b/${file}`;
      assert.equal(mounts[indexOf(mounts, target)]?.kind, 'ro');
      assert.ok(indexOf(mounts, target) > indexOf(mounts, '/d/caches/r.git/worktrees/b'));
    }
    assert.equal(mounts[indexOf(mounts, '/d/trees/r/dev/b/.git')]?.kind, 'ro');
    assert.equal(mounts[indexOf(mounts, '/d/caches/r.git/worktrees')]?.kind, 'tmpfs');
    assert.ok(
      indexOf(mounts, '/tmp') < indexOf(mounts, '/d/trees/r/dev/b'),
      'the private /tmp comes first, so binds under /tmp stay',
    );
  });

  it('starts the command in every namespace of its own, dying with the service, in the worktree', () => {
    const args = bwrapArgs({ mounts: [], cwd: '/w', argv: ['node', 'init'] });

    assert.deepEqual(args, [
      '--unshare-all',
      '--die-with-parent',
      '--new-session',
      '--cap-drop',
      'ALL',
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      '--chdir',
      '/w',
      '--',
      'node',
      'init',
    ]);
  });
});
