import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { layeredTree, merged, milestone, pullOpen, story } from '../../test/support/milestones.js';
import { buildGraph } from './graph.js';
import { type ScheduleOptions, schedule, type StoryStatus } from './schedule.js';

const PLAIN: ScheduleOptions = { stacking: false, maxInFlight: Number.POSITIVE_INFINITY };
const STACKING: ScheduleOptions = { ...PLAIN, stacking: true };

const kinds = (statuses: ReadonlyMap<number, StoryStatus>) =>
  Object.fromEntries([...statuses].map(([n, s]) => [n, s.kind]));

// The diamond: A = #2; B = #3 and C = #4 build on A; D = #5 on B and C.
const diamond = (fields: Record<number, object> = {}) =>
  milestone([
    story(2, fields[2]),
    story(3, { after: [2], ...fields[3] }),
    story(4, { after: [2], ...fields[4] }),
    story(5, { after: [3, 4], ...fields[5] }),
  ]);

describe('schedule', () => {
  describe('statuses', () => {
    it('starts with the story nothing waits for: only A is ready', () => {
      const plan = schedule(diamond(), PLAIN);

      assert.deepEqual(kinds(plan.statuses), { 2: 'ready', 3: 'waiting', 4: 'waiting', 5: 'waiting' });
      assert.deepEqual(plan.statuses.get(5), { kind: 'waiting', on: [3, 4] });
    });

    it("makes B and C ready when A's pull request merges, and D waits for both", () => {
      const plan = schedule(diamond({ 2: merged(10) }), PLAIN);

      assert.deepEqual(plan.statuses.get(2), { kind: 'done', pull: 10 });
      assert.deepEqual(kinds(plan.statuses), { 2: 'done', 3: 'ready', 4: 'ready', 5: 'waiting' });
    });

    it('counts a story closed as completed without a pull request as done', () => {
      const plan = schedule(diamond({ 2: { state: 'completed' } }), PLAIN);

      assert.deepEqual(plan.statuses.get(2), { kind: 'done', pull: undefined });
      assert.equal(plan.statuses.get(3)?.kind, 'ready');
    });

    it('counts a merged pull request as done while its issue is still open', () => {
      assert.equal(schedule(diamond({ 2: { mergedPull: 10 } }), PLAIN).statuses.get(3)?.kind, 'ready');
    });

    it('shows a story with an open pull request, or a job, as in progress', () => {
      const plan = schedule(diamond({ 2: merged(10), 3: pullOpen(3, 11), 4: { inProgress: true } }), PLAIN);

      assert.deepEqual(plan.statuses.get(3), { kind: 'in-progress', pull: { number: 11, branch: 'issue-3-work' } });
      assert.deepEqual(plan.statuses.get(4), { kind: 'in-progress', pull: undefined });
    });

    it('shows a story closed as not planned as such', () => {
      assert.deepEqual(schedule(milestone([story(2, { state: 'not-planned' })]), PLAIN).statuses.get(2), {
        kind: 'not-planned',
      });
    });

    it('waits for an upstream issue outside the milestone until it is closed as completed', () => {
      const outside = (state: 'open' | 'completed') => ({ outside: [{ number: 40, title: 'Elsewhere', state }] });

      const waiting = schedule(milestone([story(2, { after: [40] })], outside('open')), PLAIN);
      const ready = schedule(milestone([story(2, { after: [40] })], outside('completed')), PLAIN);

      assert.deepEqual(waiting.statuses.get(2), { kind: 'waiting', on: [40] });
      assert.equal(ready.statuses.get(2)?.kind, 'ready');
    });

    it('blocks every story of a cycle, and starts none of them', () => {
      const graph = milestone([
        story(2),
        story(3, { after: [2, 4] }),
        story(4, { after: [3] }),
        story(5, { after: [4] }),
      ]);

      const plan = schedule(graph, PLAIN);

      assert.deepEqual(kinds(plan.statuses), { 2: 'ready', 3: 'blocked', 4: 'blocked', 5: 'waiting' });
      const status = plan.statuses.get(3);
      assert.deepEqual(status?.kind === 'blocked' && status.by.map((p) => p.kind), ['cycle']);
      assert.deepEqual(plan.next, [2]);
    });

    it('blocks a story whose upstream does not exist, even with nothing else to wait for', () => {
      assert.equal(schedule(milestone([story(2, { after: [40] })]), PLAIN).statuses.get(2)?.kind, 'blocked');
    });

    it('keeps a story in progress when a problem appears under it', () => {
      const graph = milestone([story(2, { after: [3], inProgress: true }), story(3, { after: [2] })]);

      assert.deepEqual(kinds(schedule(graph, PLAIN).statuses), { 2: 'in-progress', 3: 'blocked' });
    });
  });

  describe('stacked starts', () => {
    it("lets B start on A's branch while A's pull request is open", () => {
      const plan = schedule(diamond({ 2: pullOpen(2, 10) }), STACKING);

      assert.deepEqual(plan.statuses.get(3), {
        kind: 'ready-stacked',
        on: 2,
        base: { number: 10, branch: 'issue-2-work' },
      });
      assert.deepEqual(plan.next, [3, 4]);
    });

    it('does not stack with stacking off', () => {
      assert.deepEqual(schedule(diamond({ 2: pullOpen(2, 10) }), PLAIN).statuses.get(3), { kind: 'waiting', on: [2] });
    });

    it('does not stack on an upstream story that has no pull request yet', () => {
      assert.deepEqual(schedule(diamond({ 2: { inProgress: true } }), STACKING).statuses.get(3), {
        kind: 'waiting',
        on: [2],
      });
    });

    it('does not stack on an upstream story that a problem names, or that waits behind one', () => {
      const graph = milestone([
        story(2, { ...pullOpen(2, 10), tracking: 9 }),
        story(3, { after: [2] }),
        story(4, { after: [40], ...pullOpen(4, 11) }),
        story(5, { after: [4] }),
      ]);

      const plan = schedule(graph, STACKING);

      assert.deepEqual(plan.statuses.get(3), { kind: 'waiting', on: [2] });
      assert.deepEqual(plan.statuses.get(5), { kind: 'waiting', on: [4] });
      assert.deepEqual(plan.ready, []);
    });

    it('stacks on the one open upstream when the others are done', () => {
      const plan = schedule(diamond({ 2: merged(10), 3: merged(11), 4: pullOpen(4, 12) }), STACKING);

      assert.deepEqual(plan.statuses.get(5), {
        kind: 'ready-stacked',
        on: 4,
        base: { number: 12, branch: 'issue-4-work' },
      });
    });

    it('says why a story with two open upstream pull requests waits', () => {
      const plan = schedule(diamond({ 2: merged(10), 3: pullOpen(3, 11), 4: pullOpen(4, 12) }), STACKING);

      assert.deepEqual(plan.statuses.get(5), {
        kind: 'waiting',
        on: [3, 4],
        notStacked:
          '#3 and #4 each have an open pull request, and a stacked start takes one base branch: #5 waits until all but one of them merge',
      });
    });
  });

  describe('layers', () => {
    it('puts a story one layer below its deepest upstream story', () => {
      const graph = milestone([story(2), story(3, { after: [2] }), story(4), story(5, { after: [3, 4] })]);

      assert.deepEqual(schedule(graph, PLAIN).layers, [[2, 4], [3], [5]]);
    });

    it('counts done stories, so a story keeps its layer as work moves on', () => {
      const before = schedule(diamond(), PLAIN).layers;
      const after = schedule(diamond({ 2: merged(10), 3: merged(11) }), PLAIN).layers;

      assert.deepEqual(after, before);
      assert.deepEqual(after, [[2], [3, 4], [5]]);
    });

    it('does not count upstream issues outside the milestone', () => {
      const graph = milestone([story(2, { after: [40] })], { outside: [{ number: 40, title: 'x', state: 'open' }] });

      assert.deepEqual(schedule(graph, PLAIN).layers, [[2]]);
    });

    it('puts the stories of a cycle in one layer', () => {
      const graph = milestone([
        story(2),
        story(3, { after: [2, 4] }),
        story(4, { after: [3] }),
        story(5, { after: [4] }),
      ]);

      assert.deepEqual(schedule(graph, PLAIN).layers, [[2], [3, 4], [5]]);
    });
  });

  describe('waves and the critical path', () => {
    it('plans the work left in waves, from what can run now', () => {
      const plan = schedule(diamond({ 2: merged(10) }), PLAIN);

      assert.deepEqual(plan.waves, [[3, 4], [5]]);
    });

    it('puts a story in progress in the wave it runs in', () => {
      assert.deepEqual(schedule(diamond({ 2: pullOpen(2, 10) }), PLAIN).waves, [[2], [3, 4], [5]]);
    });

    it('leaves out what is blocked, and what waits behind it', () => {
      const graph = milestone([
        story(2),
        story(3, { after: [40] }),
        story(4, { after: [3] }),
        story(5, { after: [2] }),
      ]);

      const plan = schedule(graph, PLAIN);

      assert.deepEqual(plan.waves, [[2], [5]]);
      assert.deepEqual(plan.criticalPath, [2, 5]);
    });

    it('follows the longest chain of stories still to do', () => {
      // 2 → 3 → 5 → 6 is longer than 2 → 4.
      const graph = milestone([
        story(2),
        story(3, { after: [2] }),
        story(4, { after: [2] }),
        story(5, { after: [3] }),
        story(6, { after: [5, 4] }),
      ]);

      assert.deepEqual(schedule(graph, PLAIN).criticalPath, [2, 3, 5, 6]);
    });

    it('breaks a tie between chains by story number', () => {
      const graph = milestone([
        story(7),
        story(8, { after: [7] }),
        story(2),
        story(4, { after: [2] }),
        story(3, { after: [2] }),
      ]);

      assert.deepEqual(schedule(graph, PLAIN).criticalPath, [2, 3]);
    });

    it('leaves done stories off the critical path, and is empty when all are done', () => {
      assert.deepEqual(schedule(diamond({ 2: merged(10), 3: merged(11) }), PLAIN).criticalPath, [4, 5]);
      assert.deepEqual(
        schedule(diamond({ 2: merged(10), 3: merged(11), 4: merged(12), 5: merged(13) }), PLAIN).criticalPath,
        [],
      );
    });
  });

  describe('the hand-out order', () => {
    it('starts the ready story with the longest chain of work after it first, then by number', () => {
      // #9 has two stories after it, #2 one, #3 and #4 none.
      const graph = milestone([
        story(2),
        story(3),
        story(4),
        story(9),
        story(10, { after: [9] }),
        story(11, { after: [10] }),
        story(12, { after: [2] }),
      ]);

      assert.deepEqual(schedule(graph, PLAIN).ready, [9, 2, 3, 4]);
    });

    it('hands out no more than the free places under the cap of stories in flight', () => {
      const graph = milestone([
        story(2),
        story(3),
        story(4),
        story(5, pullOpen(5, 10)),
        story(6, { inProgress: true }),
      ]);

      const plan = schedule(graph, { stacking: false, maxInFlight: 3 });

      assert.equal(plan.inFlight, 2);
      assert.deepEqual(plan.ready, [2, 3, 4]);
      assert.deepEqual(plan.next, [2]);
    });

    it('hands out nothing when the milestone is at or over its cap', () => {
      const graph = milestone([story(2), story(3, { inProgress: true }), story(4, { inProgress: true })]);

      assert.deepEqual(schedule(graph, { stacking: false, maxInFlight: 1 }).next, []);
    });
  });

  it('plans a tree of 200 stories over 10 layers', () => {
    const graph = buildGraph(layeredTree(200, 10, 3));

    const plan = schedule(graph, { stacking: true, maxInFlight: 5 });

    assert.equal(graph.problems.length, 0);
    assert.equal(plan.layers.length, 10);
    assert.equal(plan.waves.length, 7);
    assert.equal(plan.criticalPath.length, 7);
    assert.equal(plan.inFlight, 3);
    assert.equal(plan.next.length, 2);
  });
});
