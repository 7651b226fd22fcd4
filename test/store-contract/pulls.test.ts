import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { WatchedPull } from '../../src/pulls/ports.js';
import { forEachStore } from './stores.js';
import { REPO_KEY } from './through-ports.js';
import { WATCHED_HEAD as HEAD, watchedPull } from '../support/watched-pull.js';

const OTHER_REPO = 'forge.test/acme/gadget';
const NEW_HEAD = 'b'.repeat(40);

/** Every field set, optional ones included, so a round trip shows each one kept. */
const everyField = watchedPull(8, {
  agent: 'dev-2',
  issue: 7,
  title: 'Sessions store + resume',
  headRef: 'issue-7-sessions',
  baseRef: 'release/1.x',
  checks: [
    {
      context: 'ci / test (push)',
      state: 'failure',
      source: 'job',
      targetUrl: 'https://forge.test/acme/widget/actions/runs/4/jobs/1',
      description: 'Failing after 31s',
      runId: 4,
      jobId: 9,
      at: 1_700_000_000_000,
    },
    { context: 'lint', state: 'pending', source: 'status', targetUrl: '', description: '', at: 0 },
  ],
  attempts: 2,
  woken: ['c'.repeat(40), HEAD],
  reported: [{ context: 'ci / test (push)', sha: HEAD }],
  passed: [{ context: 'ci / test (push)', sha: 'c'.repeat(40) }],
  reruns: [{ sha: HEAD, context: 'ci / test (push)', run: 4, at: 1_700_000_000_500 }],
  flaky: ['ci / e2e (push)'],
  capped: true,
  merge: { kind: 'refused', sha: HEAD, reason: 'a review asks for changes', at: 1_700_000_001_000 },
  waitingOn: 'a review',
  ignored: [{ sha: 'c'.repeat(40), context: 'lint', reason: 'an old head', at: 1_700_000_000_100 }],
  updatedAt: 1_700_000_002_000,
});

forEachStore('store contract: watched pull requests', ({ open }) => {
  it('knows no watched PR before one is saved', async () => {
    const { store } = await open();

    assert.equal(await store.pulls.getWatched(REPO_KEY, 8), undefined);
    assert.deepEqual(await store.pulls.watchedByHead(REPO_KEY, HEAD), []);
    assert.deepEqual(await store.pulls.listWatched(), []);
    assert.equal(await store.pulls.forgetSettled(Number.MAX_SAFE_INTEGER), 0);
  });

  it('reads back every field it saved', async () => {
    const { store } = await open();

    await store.pulls.saveWatched(everyField);

    assert.deepEqual(await store.pulls.getWatched(REPO_KEY, 8), everyField);
    assert.deepEqual(await store.pulls.listWatched(), [everyField]);
  });

  it('replaces the whole record on a second save: a field emptied stays empty', async () => {
    const { store } = await open();
    await store.pulls.saveWatched(everyField);
    const merged = watchedPull(8, { state: 'merged', merge: { kind: 'merged', at: 9 }, waitingOn: '', updatedAt: 9 });

    await store.pulls.saveWatched(merged);

    assert.deepEqual(await store.pulls.getWatched(REPO_KEY, 8), merged);
    assert.equal((await store.pulls.listWatched()).length, 1);
  });

  it('keeps each merge state as saved', async () => {
    const { store } = await open();
    const states: WatchedPull['merge'][] = [
      { kind: 'off' },
      { kind: 'waiting' },
      { kind: 'asked', sha: HEAD, at: 3 },
      { kind: 'refused', sha: HEAD, reason: 'not mergeable', at: 4 },
      { kind: 'merged', at: 5 },
    ];

    for (const [i, merge] of states.entries()) await store.pulls.saveWatched(watchedPull(10 + i, { merge }));

    const read = await Promise.all(states.map((_, i) => store.pulls.getWatched(REPO_KEY, 10 + i)));
    assert.deepEqual(
      read.map((pull) => pull?.merge),
      states,
    );
  });

  it('stores the repository key in lower case and names the same PR by a key in any case, keeping repositories apart', async () => {
    const { store } = await open();

    await store.pulls.saveWatched(watchedPull(8, { repo: 'Forge.Test/Acme/Widget', title: 'Widget' }));
    await store.pulls.saveWatched(watchedPull(8, { repo: OTHER_REPO, title: 'Gadget' }));
    await store.pulls.saveWatched(watchedPull(8, { repo: 'FORGE.TEST/acme/widget', title: 'Widget again' }));

    const pull = await store.pulls.getWatched('forge.test/ACME/widget', 8);
    assert.deepEqual([pull?.repo, pull?.title], [REPO_KEY, 'Widget again']);
    assert.equal((await store.pulls.getWatched('forge.test/acme/Gadget', 8))?.title, 'Gadget');
    assert.deepEqual(
      (await store.pulls.watchedByHead('Forge.Test/Acme/Widget', HEAD)).map((p) => [p.repo, p.title]),
      [[REPO_KEY, 'Widget again']],
    );
    assert.equal((await store.pulls.listWatched()).length, 2);
  });

  it('finds the PRs of a repository by their head, and none by a head the PR moved away from', async () => {
    const { store } = await open();
    await store.pulls.saveWatched(watchedPull(8));
    await store.pulls.saveWatched(watchedPull(9));
    await store.pulls.saveWatched(watchedPull(12, { repo: OTHER_REPO }));

    await store.pulls.saveWatched(watchedPull(9, { headSha: NEW_HEAD, updatedAt: 1 }));

    assert.deepEqual(
      (await store.pulls.watchedByHead(REPO_KEY, HEAD)).map((p) => p.number),
      [8],
    );
    assert.deepEqual(
      (await store.pulls.watchedByHead(REPO_KEY, NEW_HEAD)).map((p) => [p.number, p.headSha]),
      [[9, NEW_HEAD]],
    );
    assert.deepEqual(
      (await store.pulls.watchedByHead(OTHER_REPO, HEAD)).map((p) => p.number),
      [12],
    );
    assert.deepEqual(await store.pulls.watchedByHead(REPO_KEY, 'c'.repeat(40)), []);
  });

  it('lists open PRs first, then by last update, newest first; `open` leaves out merged and closed ones', async () => {
    const { store } = await open();
    await store.pulls.saveWatched(watchedPull(1, { state: 'merged', updatedAt: 50 }));
    await store.pulls.saveWatched(watchedPull(2, { updatedAt: 10 }));
    await store.pulls.saveWatched(watchedPull(3, { state: 'closed', updatedAt: 40 }));
    await store.pulls.saveWatched(watchedPull(4, { updatedAt: 30 }));
    await store.pulls.saveWatched(watchedPull(5, { repo: OTHER_REPO, updatedAt: 20 }));

    const all = await store.pulls.listWatched();
    const openOnes = await store.pulls.listWatched({ open: true });
    const firstThree = await store.pulls.listWatched({ limit: 3 });
    const firstOpen = await store.pulls.listWatched({ open: true, limit: 1 });

    assert.deepEqual(
      all.map((p) => [p.number, p.state]),
      [
        [4, 'open'],
        [5, 'open'],
        [2, 'open'],
        [1, 'merged'],
        [3, 'closed'],
      ],
    );
    assert.deepEqual(
      openOnes.map((p) => p.number),
      [4, 5, 2],
    );
    assert.deepEqual(
      firstThree.map((p) => p.number),
      [4, 5, 2],
    );
    assert.deepEqual(
      firstOpen.map((p) => p.number),
      [4],
    );
  });

  it('answers at most 200 PRs when the caller names no limit', async () => {
    const { store } = await open();

    await Promise.all(
      Array.from({ length: 201 }, (_, i) => store.pulls.saveWatched(watchedPull(i + 1, { updatedAt: i }))),
    );

    const listed = await store.pulls.listWatched();
    assert.equal(listed.length, 200);
    assert.equal(listed[0]?.number, 201);
    assert.equal(listed.at(-1)?.number, 2);
  });

  it('forgets merged and closed PRs last updated before the cutoff, and answers how many', async () => {
    const { store } = await open();
    await store.pulls.saveWatched(watchedPull(1, { state: 'merged', updatedAt: 10 }));
    await store.pulls.saveWatched(watchedPull(2, { state: 'closed', updatedAt: 19 }));
    await store.pulls.saveWatched(watchedPull(3, { state: 'closed', updatedAt: 20 }));
    await store.pulls.saveWatched(watchedPull(4, { state: 'open', updatedAt: 5 }));
    await store.pulls.saveWatched(watchedPull(5, { repo: OTHER_REPO, state: 'merged', updatedAt: 1 }));

    const forgotten = await store.pulls.forgetSettled(20);

    assert.equal(forgotten, 3);
    assert.deepEqual(
      (await store.pulls.listWatched()).map((p) => [p.repo, p.number]),
      [
        [REPO_KEY, 4],
        [REPO_KEY, 3],
      ],
    );
    assert.equal(await store.pulls.forgetSettled(20), 0);
  });
});
