/**
 * Milestone graphs for the tests and the benchmark of src/milestones/: stories written as briefly
 * as the cases need, and a generated tree of many stories over many layers.
 */
import { buildGraph, type GraphInput, type MilestoneGraph, type StoryInput } from '../../src/milestones/graph.js';

export const TRACKING = 1;

/** Story `number`, open, with the footer's upstream stories in `after`. */
export function story(
  number: number,
  fields: Partial<StoryInput> & { readonly after?: readonly number[] } = {},
): StoryInput {
  const { after = [], ...rest } = fields;
  return { number, title: `Story ${number}`, state: 'open', footerUpstream: after, ...rest };
}

/** Closed as completed by merging pull request `pull`. */
export const merged = (pull: number) => ({ state: 'completed', mergedPull: pull }) as const;

/** In progress with open pull request `pull` from branch `issue-<story>-work`. */
export const pullOpen = (story: number, pull: number) => ({
  openPull: { number: pull, branch: `issue-${story}-work` },
});

export function milestone(stories: readonly StoryInput[], rest: Partial<GraphInput> = {}): MilestoneGraph {
  return buildGraph({ tracking: TRACKING, stories, ...rest });
}

/**
 * `count` stories (numbered from 2) spread evenly over `layers` layers; each story after layer 0
 * names one to three upstream stories, one of them in the layer just above (so it sits in its
 * layer) and the rest from any layer above. The first `doneLayers` layers are merged and a few
 * stories of the next layer are in progress. Deterministic: the same arguments give the same tree.
 */
export function layeredTree(count: number, layers: number, doneLayers = 0): GraphInput {
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed / 2 ** 31);
  const perLayer = Math.ceil(count / layers);
  const stories: StoryInput[] = [];
  for (let i = 0; i < count; i++) {
    const layer = Math.floor(i / perLayer);
    const number = i + 2;
    const pick = (from: number, to: number) => 2 + from + Math.floor(random() * (to - from));
    const after =
      layer === 0
        ? []
        : [
            pick((layer - 1) * perLayer, layer * perLayer),
            ...Array.from({ length: Math.floor(random() * 3) }, () => pick(0, layer * perLayer)),
          ];
    const state = layer < doneLayers ? merged(1000 + number) : {};
    const working = layer === doneLayers && i % perLayer < 3 ? pullOpen(number, 1000 + number) : {};
    stories.push(story(number, { after, ...state, ...working, title: `Story ${number} of layer ${layer}` }));
  }
  return { tracking: TRACKING, stories };
}
