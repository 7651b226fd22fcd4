/**
 * The top-level modules of `src/` and which may import which — type imports included — kept as a
 * table, so the graph stays acyclic (docs/decisions.md §47). `core/` holds the vocabulary every
 * module speaks (work keys, events, jobs' states, run outcomes, transient errors, the status
 * marker) and imports nothing; a port is owned by the module that uses it, and implemented by a
 * module further down the table (`store/` implements `queue/`'s `JobStore`). A new edge goes in
 * the table — where this test checks that it closes no cycle — or the code moves.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';

const SRC = import.meta.dirname;

/** Every module the composition root's stages wire (all of them but `main` and `cli`). */
const BELOW_THE_ROOT: readonly string[] = [
  'agent',
  'config',
  'core',
  'dashboard',
  'forge',
  'housekeeping',
  'http',
  'intake',
  'lib',
  'milestones',
  'onboarding',
  'pulls',
  'queue',
  'sandbox',
  'sessions',
  'store',
  'tracking',
  'watch',
  'workdir',
  'workers',
];

/** Each module, and the modules it may import. `main` is `src/main.ts`, the composition root, and `service/` its stages. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  core: [],
  lib: [],
  config: ['lib'],
  workers: ['lib'],
  sessions: ['core'],
  forge: ['core', 'lib'],
  milestones: ['core', 'lib'],
  pulls: ['core', 'lib'],
  workdir: ['config', 'core', 'lib'],
  sandbox: ['config', 'lib'],
  intake: ['core', 'forge', 'lib'],
  onboarding: ['config', 'forge', 'lib'],
  queue: ['config', 'core', 'forge', 'intake', 'lib'],
  housekeeping: ['config', 'core', 'forge', 'intake', 'lib', 'queue', 'sessions', 'workdir'],
  tracking: ['config', 'core', 'forge', 'intake', 'lib', 'milestones', 'queue'],
  watch: ['config', 'core', 'forge', 'intake', 'lib', 'pulls'],
  agent: ['config', 'core', 'forge', 'housekeeping', 'lib', 'milestones', 'queue', 'sandbox', 'sessions', 'workdir'],
  dashboard: ['core', 'housekeeping', 'lib', 'milestones', 'pulls', 'queue', 'sessions', 'tracking', 'workdir'],
  store: [
    'config',
    'core',
    'dashboard',
    'housekeeping',
    'intake',
    'lib',
    'milestones',
    'pulls',
    'queue',
    'sessions',
    'workers',
  ],
  http: [
    'core',
    'dashboard',
    'forge',
    'housekeeping',
    'intake',
    'lib',
    'milestones',
    'pulls',
    'queue',
    'sessions',
    'workdir',
    'workers',
  ],
  service: BELOW_THE_ROOT,
  main: ['config', 'lib', 'service'],
  cli: ['main', ...BELOW_THE_ROOT],
};

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]/g;

/** `src/queue/ports.ts` → `queue`; `src/main.ts` → `main`. */
function moduleOf(path: string): string {
  const [top, ...rest] = relative(SRC, path).split('/');
  return rest.length === 0 ? top!.replace(/\.[jt]s$/, '') : top!;
}

/** Production files only: tests and test support may reach anywhere. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every import from one module into another: `from → to` with the file that makes it. */
function edges(): Array<{ from: string; to: string; file: string }> {
  const found: Array<{ from: string; to: string; file: string }> = [];
  for (const file of sourceFiles(SRC)) {
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      if (!specifier!.startsWith('.')) continue;
      const target = normalize(join(dirname(file), specifier!));
      if (!target.startsWith(SRC)) continue;
      const from = moduleOf(file);
      const to = moduleOf(target);
      if (from !== to) found.push({ from, to, file: relative(SRC, file) });
    }
  }
  return found;
}

/** A cycle in `graph`, as the modules along it, or undefined. */
function cycleIn(graph: Readonly<Record<string, readonly string[]>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const walk = (node: string, path: string[]): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'open');
    for (const next of graph[node] ?? []) {
      const cycle = walk(next, [...path, node]);
      if (cycle) return cycle;
    }
    state.set(node, 'done');
    return undefined;
  };
  for (const node of Object.keys(graph)) {
    const cycle = walk(node, []);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('the module graph', () => {
  it('is acyclic as the table allows it', () => {
    assert.equal(cycleIn(ALLOWED)?.join(' → '), undefined);
  });

  it('has every top-level module of src/ in the table', () => {
    const modules = new Set(sourceFiles(SRC).map(moduleOf));
    assert.deepEqual([...modules].filter((m) => !(m in ALLOWED)).sort(), []);
  });

  it('holds: no module imports one the table does not allow it (type imports included)', () => {
    const outside = edges()
      .filter(({ from, to }) => !(ALLOWED[from] ?? []).includes(to))
      .map(({ from, to, file }) => `${file}: ${from} → ${to}`);
    assert.deepEqual(outside, [], 'move the code, or add the edge to the table if it closes no cycle');
  });

  it('finds a cycle when one is there', () => {
    assert.deepEqual(cycleIn({ a: ['b'], b: ['c'], c: ['a'] }), ['a', 'b', 'c', 'a']);
    assert.equal(cycleIn({ a: ['b'], b: ['c'], c: [] }), undefined);
  });
});
