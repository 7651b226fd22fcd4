/**
 * Strongly connected components (Tarjan's algorithm, iterative so a chain of any length cannot
 * overflow the stack) and one cycle through a component, for the milestone graph: a component of
 * more than one story, or a story that names itself, is a cycle. Deterministic for a given order
 * of `nodes` and of each `next` list.
 */

/** Every component of the graph, each a list of its nodes. */
export function stronglyConnected(nodes: Iterable<number>, next: (node: number) => readonly number[]): number[][] {
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const components: number[][] = [];
  const visit = (node: number) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
  };
  for (const root of nodes) {
    if (index.has(root)) continue;
    visit(root);
    const frames: Array<{ node: number; edge: number }> = [{ node: root, edge: 0 }];
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const edges = next(frame.node);
      if (frame.edge < edges.length) {
        const to = edges[frame.edge++]!;
        if (!index.has(to)) {
          visit(to);
          frames.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) components.push(popComponent(stack, onStack, frame.node));
    }
  }
  return components;
}

function popComponent(stack: number[], onStack: Set<number>, root: number): number[] {
  const component: number[] = [];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    onStack.delete(node);
    component.push(node);
    if (node === root) break;
  }
  return component;
}

/**
 * The shortest cycle from `start` back to itself that stays inside `members` (breadth first, so
 * with `next` in ascending order the same graph always gives the same cycle), as the nodes along
 * it from `start`; empty when there is none.
 */
export function cycleThrough(
  start: number,
  members: ReadonlySet<number>,
  next: (node: number) => readonly number[],
): number[] {
  const cameFrom = new Map<number, number>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    for (const to of next(node)) {
      if (!members.has(to)) continue;
      if (to === start) return pathTo(node, start, cameFrom);
      if (cameFrom.has(to)) continue;
      cameFrom.set(to, node);
      queue.push(to);
    }
  }
  return [];
}

function pathTo(last: number, start: number, cameFrom: ReadonlyMap<number, number>): number[] {
  const path = [last];
  for (let node = last; node !== start; ) {
    node = cameFrom.get(node)!;
    path.push(node);
  }
  return path.reverse();
}
