import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { REPO } from '../../test/support/events.js';
import { REPO_KEY, SETTINGS, tempStore } from '../../test/support/tracking.js';
import type { IssueEvent } from '../core/events.js';
import { manualClock } from '../lib/clock.js';
import type { StoryRead } from '../milestones/ports.js';
import type { Store } from '../store/ports.js';
import { handOut } from './hand-out.js';
import { type MilestoneView, milestoneView } from './milestone-view.js';

describe('handOut and the milestone’s view', () => {
  const clock = manualClock(1_000);
  let store: Store;

  const story = (number: number, upstream: number[], fields: Partial<StoryRead> = {}) =>
    store.milestones.upsertStory(
      { repo: REPO_KEY, number, tracking: 1, title: `Story ${number}`, state: 'open', upstream, ...fields },
      clock.now(),
    );
  const view = async (settings = SETTINGS): Promise<MilestoneView> => {
    const found = await milestoneView(
      { milestones: store.milestones, jobs: store.jobs, implementers: ['dev'], settings },
      REPO_KEY,
      1,
    );
    assert.ok(found);
    return found;
  };
  const hand = async (handed = new Set<string>()) =>
    handOut({ events: store.deliveries, forge: 'forgejo', clock, handed }, REPO, await view());
  /** The `ready` events recorded (not routed: no dispatcher runs here), as `#story on base`. */
  const recorded = async () =>
    (await store.jobs.undispatchedEvents(100)).flatMap(({ event }) =>
      event.type === 'issue' && event.action === 'ready'
        ? [`#${event.issue.number} ${(event as IssueEvent).ready?.base?.branch ?? 'default'}`]
        : [],
    );

  beforeEach(async () => {
    store = await tempStore(clock);
    await store.milestones.upsertMilestone(REPO_KEY, 1, { optedIn: true }, 1);
  });
  afterEach(() => store.close());

  it('hands out the ready stories the cap leaves room for, longest chain after them first, with their upstream', async () => {
    await story(2, [], { state: 'completed' });
    await story(3, [2]);
    await story(4, [2]);
    await story(5, [4]);
    await story(6, []);

    const started = await hand();

    assert.deepEqual(started, [4, 3]);
    const [event] = (await store.jobs.undispatchedEvents(10)).map((e) => e.event as IssueEvent);
    assert.deepEqual(
      [event?.issue.number, event?.issue.title, event?.ready],
      [4, 'Story 4', { tracking: 1, upstream: [2] }],
    );
  });

  it('counts a hand-out not routed yet as in flight: the next look fills no more places', async () => {
    for (const n of [2, 3, 4]) await story(n, []);
    await hand();

    const again = await view();

    assert.deepEqual([...again.working].sort(), [2, 3]);
    assert.deepEqual(again.plan.next, []);
  });

  it('counts a queued job of the implementer on a story as in flight, another agent’s not', async () => {
    for (const n of [2, 3]) await story(n, []);
    const event = await store.deliveries.record({
      deliveryId: 'd1',
      source: 'webhook',
      forge: 'forgejo',
      eventType: 'issues',
      receivedAt: 1,
      headers: {},
      body: Buffer.from('{}'),
      outcome: {
        kind: 'event',
        event: {
          type: 'issue',
          action: 'edited',
          forge: 'forgejo',
          repo: REPO,
          actor: { login: 'alice', id: 1 },
          fingerprint: 'f1',
          issue: {
            number: 2,
            title: '',
            body: '',
            author: { login: 'alice', id: 1 },
            state: 'open',
            isPull: false,
            labels: [],
            assignees: [],
            updatedAt: '',
          },
        },
      },
    });
    assert.equal(event.status, 'accepted');
    const [stored] = await store.jobs.undispatchedEvents(1);
    await store.jobs.commitRouting(
      [
        {
          eventId: stored!.id,
          decisions: [
            { kind: 'work', key: { agent: 'dev', repo: REPO_KEY, issue: 2 }, repoRef: REPO, trigger: 'mention' },
            { kind: 'work', key: { agent: 'boss', repo: REPO_KEY, issue: 3 }, repoRef: REPO, trigger: 'mention' },
          ],
        },
      ],
      1,
    );

    const seen = await view();

    assert.deepEqual([...seen.working], [2]);
    assert.equal(seen.plan.statuses.get(2)?.kind, 'in-progress');
    assert.equal(seen.plan.statuses.get(3)?.kind, 'ready');
  });

  it('hands out nothing while the milestone is paused', async () => {
    await story(2, []);
    await store.milestones.setPaused(REPO_KEY, 1, true, 2);

    assert.deepEqual(await hand(), []);
    assert.deepEqual(await recorded(), []);
  });

  it('hands a story out once per base, across a restart too (the store refuses the same hand-out)', async () => {
    await story(2, []);
    await hand();
    await store.jobs.commitRouting(
      (await store.jobs.undispatchedEvents(10)).map((e) => ({ eventId: e.id, decisions: [] })),
      2,
    );

    const afterRestart = await hand(new Set());

    assert.deepEqual(afterRestart, []);
    assert.equal((await store.deliveryHistory.recent(10)).filter((d) => d.eventType === 'milestones').length, 1);
  });

  it('hands a stacked story out on its upstream story’s branch, and again when that story has a new pull request', async () => {
    await store.milestones.upsertMilestone(REPO_KEY, 1, { stacking: true }, 2);
    await story(2, [], { openPull: { number: 20, branch: 'issue-2-spike' } });
    await story(3, [2]);
    await hand();
    await store.jobs.commitRouting(
      (await store.jobs.undispatchedEvents(10)).map((e) => ({ eventId: e.id, decisions: [] })),
      2,
    );
    await story(2, [], { openPull: { number: 21, branch: 'issue-2-spike-again' } });

    await hand();

    assert.deepEqual(
      (await store.deliveryHistory.recent(10))
        .filter((d) => d.eventType === 'milestones')
        .map((d) => d.deliveryId.replace(/^.*:issue:/, ''))
        .sort(),
      ['3:ready:1:20', '3:ready:1:21'],
    );
  });
});
