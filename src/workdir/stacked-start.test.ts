/**
 * A stacked story's start (docs/milestones.md): dev's new `issue-<N>` branch is cut from the
 * upstream story's branch (`startFrom`) instead of the default branch, against the real
 * `git http-backend`. The branch stays the story's own, pushed under its own name; `startFrom`
 * decides nothing once the branch exists, and is a payload's branch name, checked before git sees it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHarness, git, type Harness, type Origin } from '../../test/support/workdir/fixture.js';
import type { Lease, Workdirs } from './types.js';

function leased(result: Awaited<ReturnType<Workdirs['acquire']>>): Lease {
  assert.ok(result.ok, `acquire failed: ${JSON.stringify(!result.ok && result.error)}`);
  return result.value;
}

describe('workdirs: a stacked start', () => {
  let h: Harness;
  let origin: Origin;
  let workdirs: Workdirs;

  before(async () => {
    h = await createHarness();
    origin = h.origin('acme', 'stacked');
    workdirs = h.workdirs();
  });
  after(() => h.close());

  const dev = (branch: string, startFrom?: string) =>
    workdirs.acquire({
      repo: origin.repo,
      agent: h.agents.dev,
      target: { kind: 'issue-branch', branch, ...(startFrom === undefined ? {} : { startFrom }) },
    });

  it("cuts a new story branch from the upstream story's branch head, and keeps it the story's own", async () => {
    origin.commit('main', 'main.txt', 'on main\n');
    const upstream = origin.commit('issue-10-upstream', 'upstream.txt', 'the upstream story\n');

    const lease = leased(await dev('issue-11-downstream', 'issue-10-upstream'));
    await lease.release();

    assert.deepEqual(lease.sync, { kind: 'created', from: 'start-branch' });
    assert.equal(lease.head, upstream);
    assert.notEqual(lease.head, origin.head('main'));
    assert.equal(git(lease.path, ['symbolic-ref', 'HEAD']), 'refs/heads/issue-11-downstream');
    assert.equal(git(lease.path, ['config', 'branch.issue-11-downstream.merge']), 'refs/heads/issue-11-downstream');
    assert.equal(git(lease.path, ['show', 'HEAD:upstream.txt']), 'the upstream story');
  });

  it('starts from the default branch when the upstream branch is gone (merged and deleted)', async () => {
    origin.commit('issue-12-merged', 'merged.txt', 'merged\n');
    origin.deleteBranch('issue-12-merged');

    const lease = leased(await dev('issue-13-after-merge', 'issue-12-merged'));
    await lease.release();

    assert.deepEqual(lease.sync, { kind: 'created', from: 'default-branch' });
    assert.equal(lease.head, origin.head('main'));
  });

  it('takes the story branch the remote has, and its own worktree, whatever the start branch', async () => {
    origin.commit('issue-14-base', 'base.txt', 'base\n');
    const own = origin.commit('issue-15-pushed', 'own.txt', 'already pushed\n');

    const pushed = leased(await dev('issue-15-pushed', 'issue-14-base'));
    await pushed.release();
    const first = leased(await dev('issue-16-kept'));
    await first.release();
    const again = leased(await dev('issue-16-kept', 'issue-14-base'));
    await again.release();

    assert.deepEqual(pushed.sync, { kind: 'created', from: 'remote-branch' });
    assert.equal(pushed.head, own);
    assert.deepEqual(again.sync, { kind: 'unchanged' });
    assert.equal(again.head, first.head);
  });

  for (const [startFrom, why] of [
    ['-upload-pack=evil', /start branch "-upload-pack=evil" starts with "-"/],
    ['main..evil', /start branch "main\.\.evil" contains "\.\."/],
    ['refs/heads/x y', /start branch "refs\/heads\/x y" contains a space/],
    ['issue-17-self', /cannot start from itself/],
  ] as const) {
    it(`refuses a start branch git would not take as a branch (${JSON.stringify(startFrom)}), asking the forge nothing`, async () => {
      const requests = h.forge.requests.get(origin.repoPath) ?? 0;

      const result = await dev('issue-17-self', startFrom);

      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.error.kind, 'invalid-request');
      assert.match(!result.ok ? result.error.message : '', why);
      assert.equal(h.forge.requests.get(origin.repoPath) ?? 0, requests);
    });
  }
});
