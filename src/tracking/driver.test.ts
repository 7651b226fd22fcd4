import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { issueLabelled, pullRef, REPO, user } from '../../test/support/events.js';
import {
  type FakeForge,
  fakeForge,
  putIssue,
  REPO_KEY,
  SETTINGS,
  storyBody,
  tempStore,
} from '../../test/support/tracking.js';
import type { ForgeEvent, IssueEvent, PullEvent } from '../core/events.js';
import type { StoredEvent } from '../core/stored-event.js';
import { fingerprintOf } from '../forge/webhook/fingerprint.js';
import { manualClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import type { Store } from '../store/ports.js';
import { createMilestoneDriver, type MilestoneDriver } from './driver.js';

let nextId = 1;
const stored = (event: ForgeEvent): StoredEvent => ({ id: nextId++, deliveryId: `d${nextId}`, receivedAt: 0, event });

/** The forge's `issues` `edited` event for an issue as the fake forge has it. */
function edited(forge: FakeForge, number: number): IssueEvent {
  const draft = {
    type: 'issue',
    action: 'edited',
    forge: 'forgejo',
    repo: REPO,
    actor: user('alice'),
    issue: { ...forge.issues.get(number)!, updatedAt: new Date(nextId * 1000).toISOString() },
  } as const;
  return { ...draft, fingerprint: fingerprintOf(draft) };
}

function pullEvent(number: number, story: number, state: 'open' | 'merged'): PullEvent {
  const draft = {
    type: 'pull_request',
    action: state === 'open' ? 'opened' : 'closed',
    forge: 'forgejo',
    repo: REPO,
    actor: user('alice'),
    pull: pullRef(number, {
      headRef: `issue-${story}-work`,
      merged: state === 'merged',
      state: state === 'open' ? 'open' : 'closed',
    }),
  } as const;
  return { ...draft, fingerprint: fingerprintOf(draft) };
}

describe('the milestone driver', () => {
  const clock = manualClock(1_000);
  let store: Store;
  let forge: FakeForge;
  let driver: MilestoneDriver;

  const start = async () => {
    driver = createMilestoneDriver({
      milestones: store.milestones,
      jobs: store.jobs,
      events: store.deliveries,
      reader: forge,
      mayOpenStories: async () => true,
      mayOpenStoryPulls: async () => true,
      writer: forge,
      redact: (text) => text,
      settings: SETTINGS,
      implementers: ['dev'],
      repositories: [],
      forge: 'forgejo',
      clock,
      log: silentLogger(),
    });
    await driver.start();
  };
  /** The stories handed out so far (their `ready` events, routed or not), in order. */
  const handed = async () =>
    (await store.deliveryHistory.recent(100))
      .filter((d) => d.eventType === 'milestones' && d.deliveryId.includes(':ready:'))
      .map((d) => Number(/:issue:(\d+):ready/.exec(d.deliveryId)?.[1]))
      .reverse();
  /** The diamond: tracking issue 1 (opted in), A=2, B=3←2, C=4←2, D=5←3,4, each told by an event. */
  const diamond = async () => {
    putIssue(forge, 1, { title: 'Milestone', labels: ['milestone'] });
    putIssue(forge, 2, { title: 'A', body: storyBody([]) });
    putIssue(forge, 3, { title: 'B', body: storyBody([2]) });
    putIssue(forge, 4, { title: 'C', body: storyBody([2]) });
    putIssue(forge, 5, { title: 'D', body: storyBody([3, 4]) });
    for (const n of [1, 2, 3, 4, 5]) driver.notice(stored(edited(forge, n)));
    await driver.idle();
  };

  beforeEach(async () => {
    store = await tempStore(clock);
    forge = fakeForge();
    await start();
  });
  afterEach(async () => {
    await driver.stop();
    await store.close();
  });

  it('hands out only A of the diamond, then B and C when A’s pull request merges; D waits', async () => {
    await diamond();
    const first = await handed();

    driver.notice(stored(pullEvent(20, 2, 'open')));
    driver.notice(stored(pullEvent(20, 2, 'merged')));
    await driver.idle();

    assert.deepEqual(first, [2]);
    assert.deepEqual(await handed(), [2, 3, 4]);
    assert.match(forge.issues.get(1)?.body ?? '', /- #2 A ✅ PR #20\n/);
    assert.match(forge.issues.get(1)?.body ?? '', /- #5 D <-- #3, #4\n/);
  });

  it('reads a burst of events on one issue at most twice and keeps the tracking issue’s block edited once per change', async () => {
    await diamond();
    const reads = forge.count('getIssue');
    const edits = forge.count('editIssueBody');

    for (let i = 0; i < 10; i++) driver.notice(stored(edited(forge, 3)));
    await driver.idle();

    assert.ok(forge.count('getIssue') - reads <= 2, `${forge.count('getIssue') - reads} reads`);
    assert.equal(forge.count('editIssueBody'), edits, 'nothing changed, nothing edited');
  });

  it('learns from the catch-up a native dependency no event announced', async () => {
    await diamond();
    putIssue(forge, 6, { title: 'E', body: storyBody([5]) });
    driver.notice(stored(edited(forge, 6)));
    await driver.idle();
    forge.dependencies.set(6, [2]);

    driver.caughtUp(REPO, [{ issue: forge.issues.get(6)! }]);
    await driver.idle();

    assert.deepEqual((await store.milestones.getStory(REPO_KEY, 6))?.upstream, [2, 5]);
    assert.match(forge.issues.get(1)?.body ?? '', /- #6 E <-- #2, #5\n/);
  });

  it('tries an issue the forge could not read again with the next event', async () => {
    putIssue(forge, 1, { title: 'Milestone', labels: ['milestone'] });
    driver.notice(stored(edited(forge, 1)));
    await driver.idle();
    putIssue(forge, 2, { title: 'A', body: storyBody([]) });
    forge.failNext('getIssue', 502);

    driver.notice(stored(edited(forge, 2)));
    await driver.idle();
    const before = await handed();
    driver.notice(stored(edited(forge, 1)));
    await driver.idle();

    assert.deepEqual(before, []);
    assert.deepEqual(await handed(), [2]);
  });

  it('rebuilds every opted-in milestone when it starts: a hand-out a stop left undone happens then, once', async () => {
    await diamond();
    await driver.stop();
    await store.milestones.upsertStory(
      { repo: REPO_KEY, number: 2, tracking: 1, title: 'A', state: 'completed', upstream: [], mergedPull: 20 },
      clock.now() + 1,
    );
    driver.notice(stored(pullEvent(20, 2, 'merged')));

    await start();
    await driver.idle();
    await driver.stop();
    await start();
    await driver.idle();

    assert.deepEqual(await handed(), [2, 3, 4]);
  });

  it('asks the planner to plan an issue labelled with the plan label, once per label event, not one planned already', async () => {
    putIssue(forge, 1, { title: 'Milestone', labels: ['milestone'] });
    putIssue(forge, 2, { title: 'A', body: storyBody([]) });
    driver.notice(stored(edited(forge, 2)));
    await driver.idle();
    const asked = issueLabelled(9, ['plan'], 'alice');

    driver.notice(stored(asked));
    driver.notice(stored(asked));
    driver.notice(stored(issueLabelled(1, ['milestone', 'plan'], 'alice')));
    driver.notice(stored(issueLabelled(10, ['bug'], 'alice')));
    await driver.idle();

    const plans = (await store.jobs.undispatchedEvents(100)).flatMap(({ event }) =>
      event.type === 'issue' && event.action === 'plan' ? [`#${event.issue.number} by ${event.actor.login}`] : [],
    );
    assert.deepEqual(plans, ['#9 by alice']);
  });

  it('finds, when a milestone is opted in, the stories written before it ever heard of them, with their open pull requests', async () => {
    putIssue(forge, 1, { title: 'Milestone' });
    putIssue(forge, 2, { title: 'A', body: storyBody([]) });
    putIssue(forge, 3, { title: 'B', body: storyBody([2]) });
    putIssue(forge, 4, { title: 'Elsewhere', body: storyBody([], 9) });
    forge.pulls.push(pullRef(20, { headRef: 'issue-2-work' }));
    forge.issues.set(1, { ...forge.issues.get(1)!, labels: ['milestone'] });

    driver.notice(stored(edited(forge, 1)));
    await driver.idle();

    assert.deepEqual(
      (await store.milestones.storiesOf(REPO_KEY, 1)).map((s) => [s.number, s.openPull?.number]),
      [
        [2, 20],
        [3, undefined],
      ],
    );
    assert.match(forge.issues.get(1)?.body ?? '', /- #2 A — in progress, PR #20\n/);
    assert.deepEqual(await handed(), []);
  });

  it('does nothing while it does not lead (before start, after stop)', async () => {
    await driver.stop();
    putIssue(forge, 1, { title: 'Milestone', labels: ['milestone'] });

    driver.notice(stored(edited(forge, 1)));
    driver.caughtUp(REPO, [{ issue: forge.issues.get(1)! }]);
    await driver.idle();

    assert.deepEqual(forge.calls, []);
    await start();
  });
});
