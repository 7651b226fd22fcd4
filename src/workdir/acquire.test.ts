import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createHarness, git, makeAgent, type Harness, type Origin } from '../../test/support/workdir/fixture.js';
import type { Lease, Workdirs } from './types.js';

function leased(result: Awaited<ReturnType<Workdirs['acquire']>>): Lease {
  assert.ok(result.ok, `acquire failed: ${JSON.stringify(!result.ok && result.error)}`);
  return result.value;
}

describe('workdirs: acquire', () => {
  let h: Harness;
  let origin: Origin;
  let workdirs: Workdirs;

  before(async () => {
    h = await createHarness();
    origin = h.origin('acme', 'app');
    workdirs = h.workdirs();
  });
  after(() => h.close());

  const dev = (branch: string) =>
    workdirs.acquire({ repo: origin.repo, agent: h.agents.dev, target: { kind: 'issue-branch', branch } });

  it("tells where the worktree's git files are, and reads a file as the default branch has it, not as the worktree does", async () => {
    origin.commit('main', 'CLAUDE.md', "the project's rules\n");
    const lease = leased(await dev('issue-1-git-files'));
    writeFileSync(join(lease.path, 'CLAUDE.md'), 'rules the agent wrote\n');

    const read = await lease.readDefaultBranchFile('CLAUDE.md');
    const missing = await lease.readDefaultBranchFile('NOT-THERE.md');
    await assert.rejects(lease.readDefaultBranchFile('../secret'), /not a path inside the repository/);
    await lease.release();

    assert.equal(read, "the project's rules\n");
    assert.equal(missing, undefined);
    assert.equal(lease.gitDirs.commonDir, git(lease.path, ['rev-parse', '--path-format=absolute', '--git-common-dir']));
    assert.equal(lease.gitDirs.adminDir, git(lease.path, ['rev-parse', '--path-format=absolute', '--git-dir']));
    assert.deepEqual(Object.keys(lease.identity).sort(), [
      'GIT_AUTHOR_EMAIL',
      'GIT_AUTHOR_NAME',
      'GIT_COMMITTER_EMAIL',
      'GIT_COMMITTER_NAME',
    ]);
  });

  it('creates one bare partial cache per repository, with gc off and an explicit refspec', async () => {
    const lease = leased(await dev('issue-1-cache-config'));
    await lease.release();

    const cache = git(lease.path, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
    const config = (key: string) => git(cache, ['config', '--get', key]);
    assert.equal(git(cache, ['rev-parse', '--is-bare-repository']), 'true');
    assert.equal(config('remote.origin.partialclonefilter'), 'blob:none');
    assert.equal(config('remote.origin.promisor'), 'true');
    assert.equal(config('remote.origin.fetch'), '+refs/heads/*:refs/remotes/origin/*');
    assert.equal(config('fetch.prune'), 'true');
    assert.equal(config('gc.auto'), '0');
    assert.equal(config('maintenance.auto'), 'false');
    assert.equal(git(lease.path, ['rev-parse', '--is-bare-repository']), 'false');
  });

  it('gives dev a new issue branch started from the default branch, with its upstream set', async () => {
    const lease = leased(await dev('issue-2-new'));
    await lease.release();

    assert.deepEqual(lease.sync, { kind: 'created', from: 'default-branch' });
    assert.equal(git(lease.path, ['symbolic-ref', 'HEAD']), 'refs/heads/issue-2-new');
    assert.equal(lease.head, origin.head('main'));
    assert.equal(git(lease.path, ['config', 'branch.issue-2-new.merge']), 'refs/heads/issue-2-new');
    assert.equal(lease.remoteMoved, false);
  });

  it('starts dev from the remote branch when it already exists', async () => {
    const remote = origin.commit('issue-3-existing', 'notes.md', 'from a human\n');

    const lease = leased(await dev('issue-3-existing'));
    await lease.release();

    assert.deepEqual(lease.sync, { kind: 'created', from: 'remote-branch' });
    assert.equal(lease.head, remote);
  });

  it('answers the same path for the same key, and reuses the worktree with its files', async () => {
    const first = leased(await dev('issue-4-reuse'));
    writeFileSync(join(first.path, 'node_modules.keep'), 'build output\n');
    git(first.path, ['update-index', '--refresh'], h.env);
    await first.release();

    const second = leased(await dev('issue-4-reuse'));
    await second.release();

    assert.equal(second.path, first.path);
    assert.ok(existsSync(join(second.path, 'node_modules.keep')));
  });

  it('fast-forwards a clean worktree when the remote branch moved', async () => {
    origin.commit('issue-5-ff', 'a.txt', 'one\n');
    const first = leased(await dev('issue-5-ff'));
    await first.release();
    const moved = origin.commit('issue-5-ff', 'a.txt', 'two\n');

    const second = leased(await dev('issue-5-ff'));
    await second.release();

    assert.deepEqual(second.sync, { kind: 'fast-forwarded', from: first.head, to: moved });
    assert.equal(git(second.path, ['rev-parse', 'HEAD']), moved);
    assert.equal(second.remoteMoved, false);
  });

  it('resets a clean worktree to a force-pushed branch whose old commits were all pushed', async () => {
    origin.commit('issue-6-force', 'b.txt', 'one\n');
    const first = leased(await dev('issue-6-force'));
    await first.release();
    const rewritten = origin.forcePush('issue-6-force', 'b.txt', 'rewritten\n');

    const second = leased(await dev('issue-6-force'));
    await second.release();

    assert.deepEqual(second.sync, { kind: 'reset', from: first.head, to: rewritten });
    assert.equal(git(second.path, ['rev-parse', 'HEAD']), rewritten);
  });

  it('resets to a force-pushed branch after the agent had pushed its own commits to it', async () => {
    const first = leased(await dev('issue-6b-pushed'));
    writeFileSync(join(first.path, 'b2.txt'), 'agent work\n');
    await h.agentGit(first.path, first.env, ['add', 'b2.txt']);
    await h.agentGit(first.path, first.env, ['commit', '--quiet', '-m', 'agent work']);
    await h.agentGit(first.path, first.env, ['push', '--quiet', 'origin', 'HEAD']);
    await first.release();
    const rewritten = origin.forcePush('issue-6b-pushed', 'b2.txt', 'squashed by a human\n');

    const second = leased(await dev('issue-6b-pushed'));
    await second.release();

    assert.equal(second.sync.kind, 'reset');
    assert.equal(second.head, rewritten);
  });

  it('tells its holder what the worktree holds that is on no remote, until it is pushed', async () => {
    const lease = leased(await dev('issue-6c-local-work'));
    try {
      const fresh = await lease.localWork();
      writeFileSync(join(lease.path, 'draft.txt'), 'draft\n');
      const drafted = await lease.localWork();
      await h.agentGit(lease.path, lease.env, ['add', 'draft.txt']);
      await h.agentGit(lease.path, lease.env, ['commit', '--quiet', '-m', 'one']);
      await h.agentGit(lease.path, lease.env, ['commit', '--quiet', '--allow-empty', '-m', 'two']);
      const committed = await lease.localWork();
      await h.agentGit(lease.path, lease.env, ['push', '--quiet', 'origin', 'HEAD']);
      const pushed = await lease.localWork();

      assert.deepEqual(
        [fresh, drafted, committed, pushed],
        [
          { uncommitted: false, unpushedCommits: 0 },
          { uncommitted: true, unpushedCommits: 0 },
          { uncommitted: false, unpushedCommits: 2 },
          { uncommitted: false, unpushedCommits: 0 },
        ],
      );
    } finally {
      await lease.release();
    }
  });

  it('keeps unpushed commits when the branch was force-pushed, and says the remote moved', async () => {
    origin.commit('issue-7-keep', 'c.txt', 'one\n');
    const first = leased(await dev('issue-7-keep'));
    writeFileSync(join(first.path, 'c.txt'), 'local work\n');
    await h.agentGit(first.path, first.env, ['commit', '--quiet', '-am', 'local work']);
    const local = git(first.path, ['rev-parse', 'HEAD']);
    await first.release();
    origin.forcePush('issue-7-keep', 'c.txt', 'rewritten\n');

    const second = leased(await dev('issue-7-keep'));
    await second.release();

    assert.equal(second.sync.kind, 'kept-local-work');
    assert.equal(second.remoteMoved, true);
    assert.equal(git(second.path, ['rev-parse', 'HEAD']), local);
  });

  it('keeps uncommitted changes when the remote moved, and says so', async () => {
    origin.commit('issue-8-dirty', 'd.txt', 'one\n');
    const first = leased(await dev('issue-8-dirty'));
    writeFileSync(join(first.path, 'd.txt'), 'uncommitted\n');
    await first.release();
    origin.commit('issue-8-dirty', 'e.txt', 'upstream\n');

    const second = leased(await dev('issue-8-dirty'));
    await second.release();

    assert.deepEqual(second.sync, {
      kind: 'kept-local-work',
      remoteHead: origin.head('issue-8-dirty'),
      uncommitted: true,
      unpushedCommits: 0,
    });
    assert.equal(second.head, first.head);
  });

  it('keeps the worktree when its remote branch was deleted, and says the remote moved', async () => {
    origin.commit('issue-9-gone', 'f.txt', 'one\n');
    const first = leased(await dev('issue-9-gone'));
    await first.release();
    origin.deleteBranch('issue-9-gone');

    const second = leased(await dev('issue-9-gone'));
    await second.release();

    assert.deepEqual(second.sync, { kind: 'remote-branch-deleted' });
    assert.equal(second.remoteMoved, true);
    assert.equal(git(second.path, ['rev-parse', 'HEAD']), first.head);
    assert.equal(git(second.path, ['for-each-ref', 'refs/remotes/origin/issue-9-gone']), '');
  });

  it('lets the agent push the branch with the lease env, and then reports it unchanged', async () => {
    const first = leased(await dev('issue-10-push'));
    writeFileSync(join(first.path, 'g.txt'), 'agent work\n');
    await h.agentGit(first.path, first.env, ['add', 'g.txt']);
    await h.agentGit(first.path, first.env, ['commit', '--quiet', '-m', 'agent work']);
    await h.agentGit(first.path, first.env, ['push', '--quiet', 'origin', 'HEAD']);
    await first.release();

    const second = leased(await dev('issue-10-push'));
    await second.release();

    assert.equal(origin.head('issue-10-push'), second.head);
    assert.deepEqual(second.sync, { kind: 'unchanged' });
  });

  it('gives reviewer a detached worktree at the PR head, beside dev on the same branch, and moves it when the PR is updated', async () => {
    const head = origin.commit('issue-11-pr', 'h.txt', 'one\n');
    origin.setPullHead(11, head);
    const devLease = leased(await dev('issue-11-pr'));

    const review = leased(
      await workdirs.acquire({
        repo: origin.repo,
        agent: h.agents.reviewer,
        target: { kind: 'pr-head', number: 11, sha: head },
      }),
    );
    await review.release();
    const updated = origin.commit('issue-11-pr', 'h.txt', 'two\n');
    origin.setPullHead(11, updated);
    const again = leased(
      await workdirs.acquire({
        repo: origin.repo,
        agent: h.agents.reviewer,
        target: { kind: 'pr-head', number: 11, sha: updated },
      }),
    );
    await again.release();
    await devLease.release();

    assert.equal(review.head, head);
    assert.equal(git(review.path, ['rev-parse', '--abbrev-ref', 'HEAD']), 'HEAD');
    assert.notEqual(review.path, devLease.path);
    assert.deepEqual(again.sync, { kind: 'moved', from: head, to: updated });
    assert.equal(git(again.path, ['rev-parse', 'HEAD']), updated);
  });

  it('fetches a PR head by its branch when the forge has no refs/pull', async () => {
    const head = origin.commit('issue-12-fork', 'i.txt', 'one\n');

    const review = leased(
      await workdirs.acquire({
        repo: origin.repo,
        agent: h.agents.reviewer,
        target: { kind: 'pr-head', number: 12, sha: head, ref: 'issue-12-fork' },
      }),
    );
    await review.release();

    assert.equal(review.head, head);
  });

  it('refuses a PR head commit the remote does not have', async () => {
    const result = await workdirs.acquire({
      repo: origin.repo,
      agent: h.agents.reviewer,
      target: { kind: 'pr-head', number: 13, sha: 'f'.repeat(40) },
    });

    assert.equal(!result.ok && result.error.kind, 'commit-not-found');
  });

  it('gives boss a detached worktree of the default branch that follows it', async () => {
    const first = leased(
      await workdirs.acquire({ repo: origin.repo, agent: h.agents.boss, target: { kind: 'default-branch' } }),
    );
    await first.release();
    const moved = origin.commit('main', 'README.md', 'updated\n');

    const second = leased(
      await workdirs.acquire({ repo: origin.repo, agent: h.agents.boss, target: { kind: 'default-branch' } }),
    );
    await second.release();

    assert.equal(git(first.path, ['rev-parse', '--abbrev-ref', 'HEAD']), 'HEAD');
    assert.deepEqual(second.sync, { kind: 'moved', from: first.head, to: moved });
  });

  it('keeps a branch to the one worktree that writes it', async () => {
    const owner = leased(await dev('issue-14-mine'));
    const otherWriter = makeAgent('writer', h.agents.dev.token.reveal());

    const refused = await workdirs.acquire({
      repo: origin.repo,
      agent: otherWriter,
      target: { kind: 'issue-branch', branch: 'issue-14-mine' },
    });
    await owner.release();

    assert.equal(!refused.ok && refused.error.kind, 'invalid-request');
    assert.match(!refused.ok ? refused.error.message : '', /already checked out/);
    assert.equal((await workdirs.list()).filter((w) => w.branch === 'issue-14-mine').length, 1);
  });

  it('refuses a second lease on a worktree in use, and grants it once released', async () => {
    const first = leased(await dev('issue-14-busy'));

    const second = await dev('issue-14-busy');
    await first.release();
    const third = leased(await dev('issue-14-busy'));
    await third.release();

    assert.equal(!second.ok && second.error.kind, 'leased');
  });

  it('serves two jobs on different branches of one repository at once', async () => {
    const [a, b] = await Promise.all([dev('issue-15-a'), dev('issue-15-b')]);
    const first = leased(a);
    const second = leased(b);
    await Promise.all([first.release(), second.release()]);

    assert.notEqual(first.path, second.path);
    assert.equal(git(first.path, ['symbolic-ref', '--short', 'HEAD']), 'issue-15-a');
    assert.equal(git(second.path, ['symbolic-ref', '--short', 'HEAD']), 'issue-15-b');
  });

  it('refuses to create a worktree when free space is under the floor, but still reuses one', async () => {
    const existing = leased(await dev('issue-16-disk'));
    await existing.release();
    const tight = h.workdirs({ minFreeBytes: Number.MAX_SAFE_INTEGER });

    const refused = await tight.acquire({
      repo: origin.repo,
      agent: h.agents.dev,
      target: { kind: 'issue-branch', branch: 'issue-16-other' },
    });
    const reused = leased(
      await tight.acquire({
        repo: origin.repo,
        agent: h.agents.dev,
        target: { kind: 'issue-branch', branch: 'issue-16-disk' },
      }),
    );
    await reused.release();

    assert.equal(!refused.ok && refused.error.kind, 'low-disk');
    assert.match(!refused.ok ? refused.error.message : '', /below workdir\.minFreeBytes/);
  });

  it('runs gc on a cache on request, after which its worktrees keep working', async () => {
    const lease = leased(await dev('issue-19-gc'));
    await lease.release();

    await workdirs.maintain(origin.repo);
    const again = leased(await dev('issue-19-gc'));
    await again.release();

    assert.equal(git(again.path, ['status', '--porcelain']), '');
    assert.equal(git(again.path, ['fsck', '--connectivity-only', '--no-dangling', '--no-progress']), '');
  });

  describe('branch names from payloads', () => {
    const accepted: Array<[string, string]> = [
      ['slashes', 'feature/deep/nested'],
      ['dots', 'release.v1.2'],
      ['unicode', 'issue-17-ünïcödé-名前'],
      ['250 characters', `issue-18-${'x'.repeat(241)}`],
    ];
    for (const [what, branch] of accepted) {
      it(`gives a branch with ${what} a short path under the data dir`, async () => {
        const lease = leased(await dev(branch));
        await lease.release();

        const inside = relative(h.dataDir, lease.path);
        assert.ok(!inside.startsWith('..'), inside);
        assert.ok(lease.path.length - h.dataDir.length < 140, lease.path);
        assert.match(inside, /^[a-z0-9./_-]+$/);
        assert.equal(git(lease.path, ['symbolic-ref', '--short', 'HEAD']), branch);
      });
    }

    const refused: Array<[string, string]> = [
      ['..', 'a..b'],
      ['a path escape', '../../../etc'],
      ['a leading dash', '-rf'],
      ['a space', 'a b'],
      ['.lock', 'x.lock'],
    ];
    for (const [what, branch] of refused) {
      it(`refuses a branch name with ${what} before running git`, async () => {
        const result = await dev(branch);

        assert.equal(!result.ok && result.error.kind, 'invalid-request');
      });
    }
  });
});
