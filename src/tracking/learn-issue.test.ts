import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { REPO } from '../../test/support/events.js';
import {
  type FakeForge,
  fakeForge,
  putIssue,
  REPO_KEY,
  SETTINGS,
  storyBody,
  tempStore,
} from '../../test/support/tracking.js';
import { manualClock } from '../lib/clock.js';
import type { Store } from '../store/ports.js';
import { type LearnDeps, type LearnRequest, learnIssue } from './learn-issue.js';
import type { MilestoneSettings } from './ports.js';

describe('learnIssue', () => {
  const clock = manualClock(1_000);
  let store: Store;
  let forge: FakeForge;
  let upstreamOf: Set<number>;

  const deps = (settings: MilestoneSettings = SETTINGS): LearnDeps => ({
    milestones: store.milestones,
    reader: forge,
    settings,
    clock,
    isUpstream: (_repo, n) => upstreamOf.has(n),
    mayOpenStories: async (_repo, login) => login !== 'stranger',
    mayOpenStoryPulls: async (_repo, login) => login !== 'stranger',
  });
  const learn = async (request: Omit<LearnRequest, 'repo'>, settings?: MilestoneSettings) => {
    clock.advance(10);
    const learned = await learnIssue(deps(settings), { repo: REPO, ...request });
    return { touched: [...learned.touched].sort(), optedIn: [...learned.optedIn] };
  };
  const row = (n: number) => store.milestones.getStory(REPO_KEY, n);

  beforeEach(async () => {
    store = await tempStore(clock);
    forge = fakeForge();
    upstreamOf = new Set();
    putIssue(forge, 1, { title: 'Milestone', labels: ['milestone'] });
  });
  afterEach(() => store.close());

  it('records a story with its footer’s upstream ∪ the forge’s dependencies, and touches its milestone', async () => {
    putIssue(forge, 2);
    putIssue(forge, 3);
    putIssue(forge, 4, { body: storyBody([2]) });
    forge.dependencies.set(4, [3]);

    const learned = await learn({ number: 4, force: true });

    assert.deepEqual(learned.touched, [1]);
    assert.deepEqual((await row(4))?.upstream, [2, 3]);
    assert.equal((await row(4))?.tracking, 1);
  });

  it('keeps an issue whose author may not start runs out of the milestone, whatever its footer says', async () => {
    putIssue(forge, 2);
    putIssue(forge, 4, { body: storyBody([2]), author: { login: 'stranger', id: 666 } });

    const learned = await learn({ number: 4, force: true });

    assert.deepEqual(learned.touched, [], 'no milestone is touched by it');
    assert.equal((await row(4))?.tracking, undefined, 'recorded as an issue, not as a story');
    assert.equal((await row(2))?.number, undefined, 'and what it names upstream is not read for it');
  });

  it('lets no stranger’s pull request from a branch named like the story’s mark it in progress or done', async () => {
    putIssue(forge, 4, { body: storyBody([]) });
    await learn({ number: 4, force: true });

    await learn({
      number: 4,
      force: true,
      pull: { number: 21, branch: 'issue-4-x', state: 'open', author: 'stranger' },
    });
    await learn({
      number: 4,
      force: true,
      pull: { number: 22, branch: 'issue-4-y', state: 'merged', author: 'stranger' },
    });

    assert.deepEqual([(await row(4))?.openPull, (await row(4))?.mergedPull], [undefined, undefined]);
  });

  it('reads the footer alone where the forge keeps no dependencies', async () => {
    putIssue(forge, 2);
    putIssue(forge, 4, { body: storyBody([2]) });
    forge.dependencies.set(4, 'unsupported');

    await learn({ number: 4, force: true });

    assert.deepEqual((await row(4))?.upstream, [2]);
  });

  it('reads a story’s tracking issue and unknown upstream issues at once, and records them; one that does not exist is not', async () => {
    putIssue(forge, 2, { state: 'closed' });
    putIssue(forge, 4, { body: storyBody([2, 9]) });

    await learn({ number: 4, force: true });

    assert.deepEqual(
      (await store.milestones.issuesOf(REPO_KEY, [1, 2, 9])).map((s) => [s.number, s.state]),
      [
        [1, 'open'],
        [2, 'completed'],
      ],
    );
    assert.equal((await store.milestones.getMilestone(REPO_KEY, 1))?.optedIn, true);
  });

  it('sets the story’s open pull request from a pull request’s event, its merged one on merge, and keeps them on a later read', async () => {
    putIssue(forge, 4, { body: storyBody([]) });

    await learn({ number: 4, force: true, pull: { number: 20, branch: 'issue-4-x', state: 'open', author: 'dev' } });
    const open = await row(4);
    await learn({ number: 4, force: true, pull: { number: 20, branch: 'issue-4-x', state: 'merged', author: 'dev' } });
    await learn({ number: 4, force: true });
    const merged = await row(4);

    assert.deepEqual([open?.openPull, open?.mergedPull], [{ number: 20, branch: 'issue-4-x' }, undefined]);
    assert.deepEqual([merged?.openPull, merged?.mergedPull], [undefined, 20]);
  });

  it('forgets an open pull request closed unmerged', async () => {
    putIssue(forge, 4, { body: storyBody([]) });
    await learn({ number: 4, force: true, pull: { number: 20, branch: 'issue-4-x', state: 'open', author: 'dev' } });

    await learn({ number: 4, force: true, pull: { number: 20, branch: 'issue-4-x', state: 'closed', author: 'dev' } });

    assert.equal((await row(4))?.openPull, undefined);
  });

  it('touches both milestones when a story moves to another tracking issue', async () => {
    putIssue(forge, 5, { title: 'Other milestone' });
    putIssue(forge, 4, { body: storyBody([]) });
    await learn({ number: 4, force: true });
    forge.issues.set(4, { ...forge.issues.get(4)!, body: storyBody([], 5) });

    const learned = await learn({ number: 4 });

    assert.deepEqual(learned.touched, [1, 5]);
    assert.deepEqual(
      (await store.milestones.storiesOf(REPO_KEY, 1)).map((s) => s.number),
      [],
    );
  });

  it('opts a tracking issue in by its label, says so once, takes stacking from its `/stacked` label, and opts it out when the label goes', async () => {
    const first = await learn({ number: 1, hint: forge.issues.get(1) });
    forge.issues.set(1, { ...forge.issues.get(1)!, labels: ['milestone', 'milestone/stacked'] });
    const stacked = await learn({ number: 1 });
    const afterStacked = await store.milestones.getMilestone(REPO_KEY, 1);
    forge.issues.set(1, { ...forge.issues.get(1)!, labels: [] });
    await learn({ number: 1 });

    assert.deepEqual(first, { touched: [1], optedIn: [1] });
    assert.deepEqual(stacked, { touched: [1], optedIn: [] });
    assert.equal(afterStacked?.stacking, true);
    const after = await store.milestones.getMilestone(REPO_KEY, 1);
    assert.deepEqual([after?.optedIn, after?.stacking], [false, undefined]);
  });

  it('opts in, without the label, a tracking issue a story names in a repository of `milestones.repositories`', async () => {
    putIssue(forge, 6, { title: 'Unlabelled milestone' });
    putIssue(forge, 4, { body: storyBody([], 6) });

    await learn({ number: 4, force: true }, { ...SETTINGS, repositories: ['Acme/Widget'] });

    assert.equal((await store.milestones.getMilestone(REPO_KEY, 6))?.optedIn, true);
  });

  it('records, not opted in, a tracking issue a story names elsewhere', async () => {
    putIssue(forge, 6, { title: 'Unlabelled milestone' });
    putIssue(forge, 4, { body: storyBody([], 6) });

    await learn({ number: 4, force: true });

    assert.equal((await store.milestones.getMilestone(REPO_KEY, 6))?.optedIn, false);
  });

  it('does not read an issue that concerns no milestone: unknown, no footer link, no label, named by none', async () => {
    const plain = putIssue(forge, 7, { body: 'Just a bug. See #1.' });

    const learned = await learn({ number: 7, hint: plain });

    assert.deepEqual(learned.touched, []);
    assert.deepEqual(forge.calls, []);
    assert.equal(await row(7), undefined);
  });

  it('reads an issue a milestone names as an outside upstream, though nothing else says it concerns one', async () => {
    const plain = putIssue(forge, 7, { state: 'closed' });
    upstreamOf.add(7);

    await learn({ number: 7, hint: plain });

    assert.equal((await row(7))?.state, 'completed');
  });

  it('keeps a newer read when an older one lands later', async () => {
    putIssue(forge, 4, { body: storyBody([]), title: 'Newer' });
    await learn({ number: 4, force: true });
    await store.milestones.upsertStory(
      { repo: REPO_KEY, number: 4, tracking: 1, title: 'Much newer', state: 'open', upstream: [] },
      clock.now() + 1_000,
    );

    const learned = await learn({ number: 4, force: true });

    assert.deepEqual(learned.touched, []);
    assert.equal((await row(4))?.title, 'Much newer');
  });
});
