/**
 * A milestone's layers, as its tracking issue shows them: layer 0 holds the stories with no
 * upstream story in the milestone, and every other story sits one layer below its deepest
 * upstream story. Upstream issues outside the milestone do not count. Layers are structure, not
 * progress: every edge counts, a done story's too, so a story stays in its layer as work moves on.
 * The stories of a cycle share one layer (the one the cycle as a whole would have), so a graph
 * with a problem still renders.
 */
import type { MilestoneGraph } from './graph.js';
import { stronglyConnected } from './strongly-connected.js';

/** The stories of each layer, ascending; `layers[0]` is layer 0. */
export function layersOf(graph: Pick<MilestoneGraph, 'stories'>): number[][] {
  const components = stronglyConnected(graph.stories.keys(), (n) => graph.stories.get(n)!.downstream);
  const componentOf = new Map<number, number>();
  components.forEach((members, c) => {
    for (const n of members) componentOf.set(n, c);
  });
  const layerOf = new Map<number, number>();
  // Tarjan's algorithm finishes a component after every component downstream of it, so the
  // components in reverse come upstream first.
  for (let c = components.length - 1; c >= 0; c--) {
    const members = components[c]!;
    let layer = 0;
    for (const n of members) {
      for (const u of graph.stories.get(n)!.upstream) {
        const upstreamLayer = componentOf.get(u) === c ? undefined : layerOf.get(u);
        if (upstreamLayer !== undefined) layer = Math.max(layer, upstreamLayer + 1);
      }
    }
    for (const n of members) layerOf.set(n, layer);
  }
  const layers: number[][] = [];
  for (const [n, layer] of [...layerOf].sort((a, b) => a[0] - b[0])) (layers[layer] ??= []).push(n);
  return layers;
}
