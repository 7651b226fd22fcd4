import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { MilestoneRecord, StoryRead } from '../../src/milestones/ports.js';
import { forEachStore } from './stores.js';
import { REPO_KEY } from './through-ports.js';

const OTHER_REPO = 'forge.test/acme/gadget';

/** Story `number` of the test repository, open, linked to tracking issue 1, with no upstream. */
const story = (number: number, fields: Partial<StoryRead> = {}): StoryRead => ({
  repo: REPO_KEY,
  number,
  tracking: 1,
  title: `Story ${number}`,
  state: 'open',
  upstream: [],
  ...fields,
});

const newMilestone = (tracking: number, fields: Partial<MilestoneRecord> = {}): MilestoneRecord => ({
  repo: REPO_KEY,
  tracking,
  optedIn: false,
  paused: false,
  stacking: undefined,
  renderedHash: undefined,
  problemsSaid: undefined,
  updatedAt: 0,
  ...fields,
});

forEachStore('store contract: milestones', ({ open }) => {
  it('knows no milestone and no issue before it learns of one', async () => {
    const { store } = await open();

    assert.equal(await store.milestones.getMilestone(REPO_KEY, 1), undefined);
    assert.deepEqual(await store.milestones.listMilestones(), []);
    assert.equal(await store.milestones.getStory(REPO_KEY, 2), undefined);
    assert.deepEqual(await store.milestones.storiesOf(REPO_KEY, 1), []);
    assert.deepEqual(await store.milestones.issuesOf(REPO_KEY, [2, 3]), []);
  });

  it('records a new milestone not opted in, not paused, with stacking not said and nothing said yet', async () => {
    const { store } = await open();

    const recorded = await store.milestones.upsertMilestone(REPO_KEY, 1, {}, 10);

    assert.deepEqual(recorded, newMilestone(1, { updatedAt: 10 }));
    assert.deepEqual(await store.milestones.getMilestone(REPO_KEY, 1), recorded);
  });

  it('replaces the facts given and keeps those left out, the pause and what was said', async () => {
    const { store } = await open();
    await store.milestones.upsertMilestone(REPO_KEY, 1, { optedIn: true, stacking: true }, 10);
    await store.milestones.setPaused(REPO_KEY, 1, true, 11);
    await store.milestones.recordRendered(REPO_KEY, 1, 'block-hash', 12);
    await store.milestones.recordProblemsSaid(REPO_KEY, 1, 'problems-hash', 13);

    const keptAll = await store.milestones.upsertMilestone(REPO_KEY, 1, {}, 14);
    const stackingOff = await store.milestones.upsertMilestone(REPO_KEY, 1, { stacking: false }, 15);
    const notSaid = await store.milestones.upsertMilestone(REPO_KEY, 1, { optedIn: false, stacking: undefined }, 16);

    const said = { paused: true, renderedHash: 'block-hash', problemsSaid: 'problems-hash' };
    assert.deepEqual(keptAll, newMilestone(1, { ...said, optedIn: true, stacking: true, updatedAt: 14 }));
    assert.deepEqual(stackingOff, newMilestone(1, { ...said, optedIn: true, stacking: false, updatedAt: 15 }));
    assert.deepEqual(notSaid, newMilestone(1, { ...said, optedIn: false, stacking: undefined, updatedAt: 16 }));
    assert.deepEqual(await store.milestones.getMilestone(REPO_KEY, 1), notSaid);
  });

  it('records a milestone it did not know when a setter names it, each setter changing its own field', async () => {
    const { store } = await open();

    await store.milestones.setPaused(REPO_KEY, 1, true, 1);
    await store.milestones.setOptedIn(REPO_KEY, 2, true, 2);
    await store.milestones.recordRendered(REPO_KEY, 3, 'block-hash', 3);
    await store.milestones.recordProblemsSaid(REPO_KEY, 4, 'problems-hash', 4);
    await store.milestones.setPaused(REPO_KEY, 1, false, 5);

    assert.deepEqual(await store.milestones.listMilestones(REPO_KEY), [
      newMilestone(1, { paused: false, updatedAt: 5 }),
      newMilestone(2, { optedIn: true, updatedAt: 2 }),
      newMilestone(3, { renderedHash: 'block-hash', updatedAt: 3 }),
      newMilestone(4, { problemsSaid: 'problems-hash', updatedAt: 4 }),
    ]);
  });

  it('lists the milestones by repository, then tracking issue, and one repository on its own', async () => {
    const { store } = await open();
    await store.milestones.upsertMilestone(REPO_KEY, 9, {}, 1);
    await store.milestones.upsertMilestone(OTHER_REPO, 3, {}, 2);
    await store.milestones.upsertMilestone(REPO_KEY, 4, {}, 3);

    const all = await store.milestones.listMilestones();
    const widget = await store.milestones.listMilestones(REPO_KEY);

    assert.deepEqual(
      all.map((m) => [m.repo, m.tracking]),
      [
        [OTHER_REPO, 3],
        [REPO_KEY, 4],
        [REPO_KEY, 9],
      ],
    );
    assert.deepEqual(
      widget.map((m) => m.tracking),
      [4, 9],
    );
  });

  it('names the same rows by a repository key in any case, and keeps repositories apart', async () => {
    const { store } = await open();
    await store.milestones.upsertMilestone('Forge.test/Acme/Widget', 1, { optedIn: true }, 1);
    await store.milestones.upsertStory(story(2, { repo: 'FORGE.TEST/acme/widget' }), 1);
    await store.milestones.upsertStory(story(2, { repo: OTHER_REPO, title: 'Elsewhere' }), 1);

    assert.equal((await store.milestones.getMilestone(REPO_KEY, 1))?.optedIn, true);
    assert.equal((await store.milestones.getMilestone(OTHER_REPO, 1))?.optedIn, undefined);
    assert.deepEqual(
      (await store.milestones.listMilestones('forge.test/ACME/widget')).map((m) => m.repo),
      [REPO_KEY],
    );
    assert.equal((await store.milestones.getStory(REPO_KEY, 2))?.repo, REPO_KEY);
    assert.equal((await store.milestones.getStory(REPO_KEY, 2))?.title, 'Story 2');
    assert.equal((await store.milestones.getStory('forge.test/acme/Gadget', 2))?.title, 'Elsewhere');
  });

  it('stores a story as read, its upstream ascending and each once, and answers that it was new', async () => {
    const { store } = await open();

    const write = await store.milestones.upsertStory(
      story(5, {
        title: 'Sessions store + resume',
        upstream: [4, 2, 4, 3],
        openPull: { number: 15, branch: 'issue-5-sessions' },
      }),
      20,
    );

    assert.deepEqual(write, { written: true, previous: undefined });
    assert.deepEqual(await store.milestones.getStory(REPO_KEY, 5), {
      repo: REPO_KEY,
      number: 5,
      tracking: 1,
      title: 'Sessions store + resume',
      state: 'open',
      upstream: [2, 3, 4],
      mergedPull: undefined,
      openPull: { number: 15, branch: 'issue-5-sessions' },
      updatedAt: 20,
    });
  });

  it('replaces the whole row: a story that moves to another tracking issue leaves the first, and answers the row it replaced', async () => {
    const { store } = await open();
    await store.milestones.upsertStory(story(5, { upstream: [2], openPull: { number: 15, branch: 'b' } }), 1);
    const before = await store.milestones.getStory(REPO_KEY, 5);

    const moved = await store.milestones.upsertStory(story(5, { tracking: 7, state: 'completed', mergedPull: 15 }), 2);

    assert.deepEqual(moved, { written: true, previous: before });
    assert.deepEqual(await store.milestones.storiesOf(REPO_KEY, 1), []);
    assert.deepEqual(await store.milestones.storiesOf(REPO_KEY, 7), [
      {
        repo: REPO_KEY,
        number: 5,
        tracking: 7,
        title: 'Story 5',
        state: 'completed',
        upstream: [],
        mergedPull: 15,
        openPull: undefined,
        updatedAt: 2,
      },
    ]);
  });

  it('keeps a story that lost its tracking link as an issue of no milestone', async () => {
    const { store } = await open();
    await store.milestones.upsertStory(story(5), 1);

    const unlinked = await store.milestones.upsertStory(story(5, { tracking: undefined }), 2);

    assert.equal(unlinked.previous?.tracking, 1);
    assert.deepEqual(await store.milestones.storiesOf(REPO_KEY, 1), []);
    assert.equal((await store.milestones.getStory(REPO_KEY, 5))?.tracking, undefined);
    assert.deepEqual(
      (await store.milestones.issuesOf(REPO_KEY, [5])).map((i) => i.number),
      [5],
    );
  });

  it('does not let a read older than the stored one replace it; a read as recent does', async () => {
    const { store } = await open();
    await store.milestones.upsertStory(story(5, { state: 'completed', mergedPull: 15 }), 10);
    const stored = await store.milestones.getStory(REPO_KEY, 5);

    const older = await store.milestones.upsertStory(story(5, { openPull: { number: 15, branch: 'b' } }), 9);

    assert.deepEqual(older, { written: false, previous: stored });
    assert.deepEqual(await store.milestones.getStory(REPO_KEY, 5), stored);

    const sameTime = await store.milestones.upsertStory(story(5, { title: 'Renamed' }), 10);

    assert.equal(sameTime.written, true);
    assert.equal((await store.milestones.getStory(REPO_KEY, 5))?.title, 'Renamed');
  });

  it('keeps the latest of many reads of one story written at once, whatever order they land in', async () => {
    const { store } = await open();
    const reads = Array.from({ length: 20 }, (_, i) => i + 1).sort((a, b) => ((a * 7) % 20) - ((b * 7) % 20));

    const writes = await Promise.all(
      reads.map((at) => store.milestones.upsertStory(story(5, { title: `read at ${at}` }), at)),
    );

    assert.equal((await store.milestones.getStory(REPO_KEY, 5))?.title, 'read at 20');
    assert.equal(writes[reads.indexOf(20)]?.written, true);
  });

  it("lists a milestone's stories ascending, and nothing of another milestone or repository", async () => {
    const { store } = await open();
    for (const number of [8, 3, 5]) await store.milestones.upsertStory(story(number), 1);
    await store.milestones.upsertStory(story(4, { tracking: 2 }), 1);
    await store.milestones.upsertStory(story(6, { tracking: undefined }), 1);
    await store.milestones.upsertStory(story(7, { repo: OTHER_REPO }), 1);

    const stories = await store.milestones.storiesOf(REPO_KEY, 1);

    assert.deepEqual(
      stories.map((s) => s.number),
      [3, 5, 8],
    );
  });

  it('answers the issues it knows of those asked, linked to a milestone or not, ascending', async () => {
    const { store } = await open();
    await store.milestones.upsertStory(story(12, { tracking: undefined, title: 'Outside', state: 'not-planned' }), 1);
    await store.milestones.upsertStory(story(3, { tracking: 9 }), 1);
    await store.milestones.upsertStory(story(4), 1);

    const issues = await store.milestones.issuesOf(REPO_KEY, [12, 40, 3]);

    assert.deepEqual(
      issues.map((i) => [i.number, i.tracking, i.state]),
      [
        [3, 9, 'open'],
        [12, undefined, 'not-planned'],
      ],
    );
    assert.deepEqual(await store.milestones.issuesOf(REPO_KEY, []), []);
  });
});
