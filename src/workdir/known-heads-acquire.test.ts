/**
 * decisions.md §51: a job whose heads the service knows — recent, and their commits in the cache —
 * prepares its worktree without a request to the forge; anything else fetches as before. The forge
 * is the real `git http-backend` on loopback, and it counts the requests it gets.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createHarness, git, type Harness, type Origin } from '../../test/support/workdir/fixture.js';
import { createKnownHeads, type KnownHeads } from './known-heads.js';
import type { AcquireTarget, Lease, Workdirs } from './types.js';

const MAX_AGE_MS = 300_000;

describe('workdirs: known heads', () => {
  let h: Harness;
  let origin: Origin;
  let heads: KnownHeads;
  let workdirs: Workdirs;

  before(async () => {
    h = await createHarness();
    origin = h.origin('acme', 'known');
    heads = createKnownHeads({ clock: h.clock, maxAgeMs: MAX_AGE_MS });
    workdirs = h.workdirs({ knownHeads: heads });
    // The forge has told of a push to the repository: its pushes are heard.
    heads.moved(origin.repo, 'refs/heads/main', undefined, origin.head('main'), 'webhook');
  });
  after(() => h.close());

  const requests = () => h.forge.requests.get(origin.repoPath) ?? 0;
  const acquire = async (target: AcquireTarget, agent = h.agents.dev): Promise<Lease> => {
    const result = await workdirs.acquire({ repo: origin.repo, agent, target });
    assert.ok(result.ok, `acquire failed: ${JSON.stringify(!result.ok && result.error)}`);
    await result.value.release();
    return result.value;
  };
  const branch = (name: string) => acquire({ kind: 'issue-branch', branch: name });
  /** A human's push as the forge's webhook tells it. */
  const pushedByHuman = (name: string, file: string) => {
    const was = origin.head(name);
    const now = origin.commit(name, file, `${file} at ${Date.now()}\n`);
    heads.moved(origin.repo, `refs/heads/${name}`, was, now, 'webhook');
    return now;
  };
  /** Requests the forge got while `work` ran. */
  const counted = async <T>(work: () => Promise<T>): Promise<{ value: T; requests: number }> => {
    const start = requests();
    const value = await work();
    return { value, requests: requests() - start };
  };

  it('moves a worktree to a pushed head the background fetch brought, without a request to the forge', async () => {
    origin.commit('issue-1-pushed', 'one.txt', 'one\n');
    const first = await branch('issue-1-pushed');
    const pushed = pushedByHuman('issue-1-pushed', 'one.txt');
    assert.equal(await workdirs.refresh(origin.repo, ['issue-1-pushed'], { agent: h.agents.dev }), true);

    const again = await counted(() => branch('issue-1-pushed'));

    assert.equal(again.requests, 0);
    assert.equal(again.value.head, pushed);
    assert.deepEqual(again.value.sync, { kind: 'fast-forwarded', from: first.head, to: pushed });
    assert.equal(git(again.value.path, ['rev-parse', 'HEAD']), pushed);
    assert.equal(git(again.value.path, ['status', '--porcelain']), '');
    const cache = git(first.path, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
    assert.equal(git(cache, ['config', '--get', 'remote.origin.partialclonefilter']), 'blob:none');
  });

  it("re-dispatches on the agent's own relayed push without a request to the forge", async () => {
    const first = await acquire({ kind: 'issue-branch', branch: 'issue-2-relayed' });
    const result = await workdirs.acquire({
      repo: origin.repo,
      agent: h.agents.dev,
      target: { kind: 'issue-branch', branch: 'issue-2-relayed' },
    });
    assert.ok(result.ok);
    const lease = result.value;
    writeFileSync(join(lease.path, 'work.txt'), 'agent work\n');
    await h.agentGit(lease.path, lease.env, ['add', 'work.txt']);
    await h.agentGit(lease.path, lease.env, ['commit', '--quiet', '-m', 'agent work']);
    await h.agentGit(lease.path, lease.env, ['push', '--quiet', 'origin', 'HEAD']);
    const commit = git(lease.path, ['rev-parse', 'HEAD']);
    lease.pushed([{ ref: 'refs/heads/issue-2-relayed', oldSha: '0'.repeat(40), newSha: commit }]);
    await lease.release();

    const again = await counted(() => branch('issue-2-relayed'));

    assert.equal(first.sync.kind, 'created');
    assert.equal(again.requests, 0);
    assert.equal(again.value.head, commit);
    assert.deepEqual(again.value.sync, { kind: 'unchanged' });
  });

  it('re-dispatches within the age of its last fetch without a request, and fetches once the heads are too old', async () => {
    const remote = origin.commit('issue-3-aged', 'three.txt', 'three\n');
    await branch('issue-3-aged');

    const soon = await counted(() => branch('issue-3-aged'));
    h.clock.advance(MAX_AGE_MS);
    const late = await counted(() => branch('issue-3-aged'));

    assert.equal(soon.requests, 0);
    assert.equal(soon.value.head, remote);
    assert.ok(late.requests > 0, 'a head as old as the configured age is fetched');
    assert.equal(late.value.head, remote);
  });

  it('fetches a branch it knows nothing of', async () => {
    const remote = origin.commit('issue-4-unknown', 'four.txt', 'four\n');
    heads.forget(origin.repo);
    heads.moved(origin.repo, 'refs/heads/main', undefined, origin.head('main'), 'webhook');

    const first = await counted(() => branch('issue-4-unknown'));

    assert.ok(first.requests > 0);
    assert.equal(first.value.head, remote);
  });

  it('fetches when a push names a commit the cache does not have, and lands on it: a newer push is never missed', async () => {
    origin.commit('issue-5-newer', 'five.txt', 'five\n');
    await branch('issue-5-newer');
    const newer = pushedByHuman('issue-5-newer', 'five.txt');

    const again = await counted(() => branch('issue-5-newer'));

    assert.ok(again.requests > 0, 'the pushed commit is not in the cache yet: fetched');
    assert.equal(again.value.head, newer);
  });

  it('fetches instead of trusting a payload that names no commit of the cache: one the forge lacks, or a tree', async () => {
    const real = origin.commit('issue-6-forged', 'six.txt', 'six\n');
    await branch('issue-6-forged');
    const tree = git(origin.bare, ['rev-parse', `${real}^{tree}`]);

    const named: Array<{ requests: number; head: string }> = [];
    for (const forged of ['e'.repeat(40), tree]) {
      heads.moved(origin.repo, 'refs/heads/issue-6-forged', real, forged, 'webhook');
      const again = await counted(() => branch('issue-6-forged'));
      named.push({ requests: again.requests, head: again.value.head });
    }

    for (const { requests: made, head } of named) {
      assert.ok(made > 0);
      assert.equal(head, real);
    }
  });

  it("gives the reviewer a pull request's known head, and boss the known default branch, without a request", async () => {
    const head = origin.commit('issue-7-review', 'seven.txt', 'seven\n');
    origin.setPullHead(7, head);
    const pr: AcquireTarget = { kind: 'pr-head', number: 7, sha: head, ref: 'issue-7-review' };
    await acquire(pr, h.agents.reviewer);
    await acquire({ kind: 'default-branch' }, h.agents.boss);
    const main = pushedByHuman('main', 'main.txt');
    await workdirs.refresh(origin.repo, [], { agent: h.agents.boss });
    const updated = origin.commit('issue-7-review', 'seven.txt', 'seven, again\n');
    origin.setPullHead(7, updated);
    heads.seen(origin.repo, 'refs/pull/7/head', updated);
    await workdirs.refresh(origin.repo, ['issue-7-review'], { agent: h.agents.dev });

    const review = await counted(() => acquire({ ...pr, sha: updated }, h.agents.reviewer));
    const boss = await counted(() => acquire({ kind: 'default-branch' }, h.agents.boss));

    assert.equal(review.requests, 0);
    assert.equal(review.value.head, updated);
    assert.equal(review.value.remoteHead, updated);
    assert.equal(boss.requests, 0);
    assert.equal(boss.value.head, main);
    const file = await boss.value.readDefaultBranchFile('main.txt');
    assert.equal(file?.trim(), git(origin.bare, ['show', `${main}:main.txt`]));
  });

  it("fetches for a pull request whose known head is not the job's commit", async () => {
    const head = origin.commit('issue-8-review', 'eight.txt', 'eight\n');
    origin.setPullHead(8, head);
    await acquire({ kind: 'pr-head', number: 8, sha: head }, h.agents.reviewer);
    const updated = origin.commit('issue-8-review', 'eight.txt', 'eight, again\n');
    origin.setPullHead(8, updated);

    const review = await counted(() => acquire({ kind: 'pr-head', number: 8, sha: updated }, h.agents.reviewer));

    assert.ok(review.requests > 0);
    assert.equal(review.value.head, updated);
  });

  it('refreshes only a repository that has a cache', async () => {
    const fresh = h.origin('acme', 'never-worked-on');

    const refreshed = await counted(() => workdirs.refresh(fresh.repo, ['main'], { agent: h.agents.dev }));

    assert.equal(refreshed.value, false);
    assert.equal(h.forge.requests.get(fresh.repoPath) ?? 0, 0);
  });
});
