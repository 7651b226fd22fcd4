import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { merged, milestone, story, TRACKING } from '../../test/support/milestones.js';
import { buildGraph, type GraphProblem } from './graph.js';

const kinds = (problems: readonly GraphProblem[]) => problems.map((p) => `${p.kind} ${p.stories.join(',')}`);

describe('buildGraph', () => {
  describe('the edges', () => {
    it("takes a story's upstream from its footer and the forge's native dependencies together", () => {
      const graph = milestone([story(2), story(3), story(4), story(5, { after: [3, 2], forgeUpstream: [4, 3] })]);

      assert.deepEqual(graph.stories.get(5)?.upstream, [2, 3, 4]);
    });

    it('lists for each story the stories that name it, ascending', () => {
      const graph = milestone([story(2), story(7, { after: [2] }), story(3, { after: [2] })]);

      assert.deepEqual(graph.stories.get(2)?.downstream, [3, 7]);
      assert.deepEqual(graph.stories.get(7)?.downstream, []);
    });

    it('keeps the first of two stories given the same number', () => {
      const graph = milestone([story(2, { title: 'first' }), story(2, { title: 'second' })]);

      assert.equal(graph.stories.size, 1);
      assert.equal(graph.stories.get(2)?.title, 'first');
    });

    it('orders its stories by number', () => {
      assert.deepEqual([...milestone([story(9), story(2), story(5)]).stories.keys()], [2, 5, 9]);
    });

    it('has no problem for an upstream issue outside the milestone that exists', () => {
      const graph = milestone([story(2, { after: [40] })], {
        outside: [{ number: 40, title: 'Elsewhere', state: 'open' }],
      });

      assert.deepEqual(graph.problems, []);
    });
  });

  describe('a cycle', () => {
    it('is reported once, naming its stories in order from the lowest', () => {
      // 3 waits for 7, 5 for 3, 7 for 5: 3 → 5 → 7 → 3.
      const graph = milestone([
        story(2),
        story(3, { after: [2, 7] }),
        story(5, { after: [3] }),
        story(7, { after: [5] }),
      ]);

      assert.equal(graph.problems.length, 1);
      const [cycle] = graph.problems;
      assert.equal(cycle?.kind, 'cycle');
      assert.deepEqual(cycle?.kind === 'cycle' && cycle.cycle, [3, 5, 7]);
      assert.deepEqual(cycle?.stories, [3, 5, 7]);
      assert.match(cycle?.message ?? '', /^#3 → #5 → #7 → #3 is a cycle/);
    });

    it('is a story that names itself', () => {
      const graph = milestone([story(4, { after: [4] })]);

      assert.deepEqual(kinds(graph.problems), ['cycle 4']);
      assert.match(graph.problems[0]?.message ?? '', /^#4 → #4 is a cycle/);
    });

    it('names the other stories caught in the same loop', () => {
      // 2 ⇄ 3 and 3 ⇄ 4: one loop of three stories; the shortest cycle from #2 is #2 → #3 → #2.
      const graph = milestone([story(2, { after: [3] }), story(3, { after: [2, 4] }), story(4, { after: [3] })]);

      assert.deepEqual(kinds(graph.problems), ['cycle 2,3,4']);
      assert.match(graph.problems[0]?.message ?? '', /^#2 → #3 → #2 is a cycle \(#4 is in the same loop\)/);
    });

    it('made by a native dependency is found too', () => {
      const graph = milestone([story(2, { after: [3] }), story(3, { forgeUpstream: [2] })]);

      assert.deepEqual(kinds(graph.problems), ['cycle 2,3']);
    });

    it('is no problem once a story in it is done: what a done story waited for no longer matters', () => {
      // #3 was merged; later someone wrote #5 into its footer.
      const graph = milestone([story(3, { after: [5], ...merged(10) }), story(5, { after: [3] })]);

      assert.deepEqual(graph.problems, []);
    });

    it('is found along a chain of any length', () => {
      const count = 20_000;
      const stories = Array.from({ length: count }, (_, i) => story(i + 2, { after: [i === 0 ? count + 1 : i + 1] }));

      assert.deepEqual(
        kinds(milestone(stories).problems).map((k) => k.slice(0, 5)),
        ['cycle'],
      );
    });
  });

  describe('an upstream issue', () => {
    it('that does not exist is a problem of the story naming it', () => {
      const graph = milestone([story(2, { after: [40] })]);

      assert.deepEqual(graph.problems, [
        {
          kind: 'missing-upstream',
          story: 2,
          upstream: 40,
          stories: [2],
          message: "#2 depends on #40, which does not exist: correct #2's `## Dependencies` footer",
        },
      ]);
    });

    it('closed as not planned is a problem, in the milestone or outside it', () => {
      const graph = milestone([story(2, { state: 'not-planned' }), story(3, { after: [2, 40] })], {
        outside: [{ number: 40, title: 'Elsewhere', state: 'not-planned' }],
      });

      assert.deepEqual(kinds(graph.problems), ['not-planned-upstream 3', 'not-planned-upstream 3']);
      assert.equal(
        graph.problems[0]?.message,
        "#3 depends on #2, which was closed as not planned: remove the edge from #3's footer, or reopen #2",
      );
    });

    it('closed as not planned after its pull request merged is done, and no problem', () => {
      const graph = milestone([story(2, { state: 'not-planned', mergedPull: 9 }), story(3, { after: [2] })]);

      assert.deepEqual(graph.problems, []);
    });

    it("that is the milestone's own tracking issue is a problem", () => {
      const graph = milestone([story(2, { after: [TRACKING] })]);

      assert.deepEqual(kinds(graph.problems), ['tracking-upstream 2']);
      assert.match(graph.problems[0]?.message ?? '', /^#2 names its own tracking issue #1 as upstream/);
    });

    it('is not checked for a story that is done or closed as not planned', () => {
      const graph = milestone([
        story(2, { after: [40], ...merged(9) }),
        story(3, { after: [41], state: 'not-planned' }),
      ]);

      assert.deepEqual(graph.problems, []);
    });
  });

  describe('a story in two trees', () => {
    it('is a problem when another tracking issue lists it', () => {
      const graph = milestone([story(2), story(3)], { otherTrees: new Map([[3, [9]]]) });

      assert.deepEqual(graph.problems, [
        {
          kind: 'two-trees',
          story: 3,
          trees: [9],
          stories: [3],
          message:
            "#3 belongs to two milestones, #1 and #9: take it out of all but one (its footer's `Tracking:` line names the one it belongs to)",
        },
      ]);
    });

    it("is a problem when the story's own tracking link names another tracking issue", () => {
      const graph = milestone([story(2, { tracking: 9 }), story(3, { tracking: TRACKING })]);

      assert.deepEqual(kinds(graph.problems), ['two-trees 2']);
    });

    it('names every tree that claims it, this one listed by the others too', () => {
      const graph = milestone([story(2, { tracking: 12 })], { otherTrees: new Map([[2, [9, TRACKING]]]) });

      assert.match(graph.problems[0]?.message ?? '', /^#2 belongs to 3 milestones, #1, #9 and #12:/);
    });
  });

  it('orders problems by their first story, then by kind', () => {
    const graph = buildGraph({
      tracking: TRACKING,
      stories: [story(5, { after: [6] }), story(6, { after: [5] }), story(2, { after: [40, TRACKING], tracking: 9 })],
    });

    assert.deepEqual(kinds(graph.problems), ['two-trees 2', 'tracking-upstream 2', 'missing-upstream 2', 'cycle 5,6']);
  });
});
