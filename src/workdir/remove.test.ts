import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createHarness, git, type Harness, type Origin } from '../../test/support/workdir/fixture.js';
import type { Lease, Workdirs, WorktreeTarget } from './types.js';

function leased(result: Awaited<ReturnType<Workdirs['acquire']>>): Lease {
  assert.ok(result.ok, `acquire failed: ${JSON.stringify(!result.ok && result.error)}`);
  return result.value;
}

describe('workdirs: removal', () => {
  let h: Harness;
  let origin: Origin;
  let workdirs: Workdirs;

  before(async () => {
    h = await createHarness();
    origin = h.origin('acme', 'removal');
    workdirs = h.workdirs();
  });
  after(() => h.close());

  const branchTarget = (branch: string) => ({ kind: 'issue-branch', branch }) as const satisfies WorktreeTarget;
  const dev = (branch: string) =>
    workdirs.acquire({ repo: origin.repo, agent: h.agents.dev, target: branchTarget(branch) });
  const remove = (branch: string) =>
    workdirs.removeWorktree({ repo: origin.repo, agent: 'dev', target: branchTarget(branch) }, { auth: h.agents.dev });
  const cacheOf = (lease: Lease) => git(lease.path, ['rev-parse', '--path-format=absolute', '--git-common-dir']);

  it('deletes a clean, fully pushed worktree with its branch and metadata, saving nothing', async () => {
    const lease = leased(await dev('issue-1-clean'));
    await h.agentGit(lease.path, lease.env, ['push', '--quiet', 'origin', 'HEAD']);
    await lease.release();
    const cache = cacheOf(lease);

    const removed = await remove('issue-1-clean');

    assert.ok(removed.ok);
    assert.equal(removed.value.removed, true);
    assert.equal(removed.value.saved, undefined);
    assert.ok(!existsSync(lease.path));
    assert.equal(git(cache, ['for-each-ref', 'refs/heads/issue-1-clean']), '');
    assert.ok(!git(cache, ['worktree', 'list', '--porcelain']).includes(lease.path));
    assert.equal(
      (await workdirs.list()).find((w) => w.id === lease.id),
      undefined,
    );
  });

  it('saves unpushed commits as a bundle and uncommitted changes as a patch before deleting', async () => {
    const lease = leased(await dev('issue-2-dirty'));
    writeFileSync(join(lease.path, 'committed.txt'), 'committed but not pushed\n');
    await h.agentGit(lease.path, lease.env, ['add', 'committed.txt']);
    await h.agentGit(lease.path, lease.env, ['commit', '--quiet', '-m', 'unpushed']);
    const head = git(lease.path, ['rev-parse', 'HEAD']);
    writeFileSync(join(lease.path, 'dir0', 'file0.txt'), 'modified, not committed\n');
    writeFileSync(join(lease.path, 'untracked.txt'), 'new file\n');
    await lease.release();
    const cache = cacheOf(lease);

    const removed = await remove('issue-2-dirty');

    assert.ok(removed.ok && removed.value.saved);
    const { saved } = removed.value;
    assert.equal(saved.unpushedCommits, 1);
    assert.equal(saved.head, head);
    assert.ok(saved.bundle && saved.patch);
    assert.ok(!existsSync(lease.path));
    assert.ok(JSON.parse(readFileSync(join(saved.dir, 'saved.json'), 'utf8')).restore.length === 2);
    const restored = join(h.dir, 'restored-2');
    mkdirSync(restored);
    git(restored, ['init', '--quiet']);
    git(restored, ['fetch', '--quiet', cache, 'refs/remotes/origin/main']);
    git(restored, ['fetch', '--quiet', saved.bundle, 'HEAD:refs/heads/restored']);
    git(restored, ['checkout', '--quiet', 'restored']);
    git(restored, ['apply', '--index', saved.patch]);
    assert.equal(git(restored, ['rev-parse', 'HEAD']), head);
    assert.equal(readFileSync(join(restored, 'committed.txt'), 'utf8'), 'committed but not pushed\n');
    assert.equal(readFileSync(join(restored, 'dir0', 'file0.txt'), 'utf8'), 'modified, not committed\n');
    assert.equal(readFileSync(join(restored, 'untracked.txt'), 'utf8'), 'new file\n');
  });

  it('treats commits that reached the remote after the last fetch as pushed', async () => {
    const lease = leased(await dev('issue-3-pushed-late'));
    writeFileSync(join(lease.path, 'late.txt'), 'late\n');
    await h.agentGit(lease.path, lease.env, ['add', 'late.txt']);
    await h.agentGit(lease.path, lease.env, ['commit', '--quiet', '-m', 'late']);
    git(lease.path, ['push', '--quiet', origin.bare, 'HEAD:refs/heads/issue-3-pushed-late']);
    await lease.release();

    const removed = await remove('issue-3-pushed-late');

    assert.ok(removed.ok);
    assert.equal(removed.value.saved, undefined);
  });

  it('refuses to remove a leased worktree and leaves it untouched', async () => {
    const lease = leased(await dev('issue-4-leased'));

    const refused = await remove('issue-4-leased');
    const stillThere = existsSync(join(lease.path, '.git'));
    await lease.release();

    assert.equal(!refused.ok && refused.error.kind, 'leased');
    assert.ok(stillThere);
  });

  it('removes a worktree by the id list() reports', async () => {
    const lease = leased(
      await workdirs.acquire({ repo: origin.repo, agent: h.agents.boss, target: { kind: 'default-branch' } }),
    );
    await lease.release();
    const listed = (await workdirs.list()).find((w) => w.path === lease.path);

    const removed = await workdirs.removeWorktree({ id: listed?.id ?? '' });

    assert.ok(removed.ok && removed.value.removed);
    assert.ok(!existsSync(lease.path));
  });

  it('removes a cache only after saving and removing its worktrees, and refuses while one is leased', async () => {
    const doomed = h.origin('acme', 'doomed');
    const target = { kind: 'issue-branch', branch: 'issue-5-doomed' } as const;
    const lease = leased(await workdirs.acquire({ repo: doomed.repo, agent: h.agents.dev, target }));
    writeFileSync(join(lease.path, 'wip.txt'), 'work in progress\n');
    const cache = cacheOf(lease);

    const refused = await workdirs.removeCache(doomed.repo, { auth: h.agents.dev });
    await lease.release();
    const removed = await workdirs.removeCache(doomed.repo, { auth: h.agents.dev });

    assert.equal(!refused.ok && refused.error.kind, 'leased');
    assert.ok(removed.ok && removed.value.removed);
    assert.equal(removed.value.worktrees.length, 1);
    assert.ok(removed.value.worktrees[0]?.saved?.patch);
    assert.ok(!existsSync(cache));
    assert.ok(!existsSync(lease.path));
  });
});
