/**
 * The commit statuses the checks benchmark sends (`bench/checks.ts`), as a CI posts them over a
 * day of dev's pull requests: each PR's first head is built, tested and fails one check, dev pushes
 * a second head, the first head's slow checks still report late, and the second head fails again.
 * Per PR, ten statuses — two failures on its current head (the ones that wake dev), three for its
 * old head, five passes or pending results on its current head — interleaved across the PRs in
 * an order fixed by the seed, each PR's own statuses in the order above.
 */

/** What a status is to the pull watch: only `fails-head` wakes anyone. */
export type StatusKind = 'fails-head' | 'old-head' | 'green' | 'pending';

export interface PlannedStatus {
  /** Index of the PR (0-based) among the benchmark's PRs. */
  readonly pull: number;
  /** The PR's first head (0) or the one dev pushed after its first failure (1). */
  readonly head: 0 | 1;
  readonly context: string;
  readonly state: 'pending' | 'success' | 'failure';
  readonly kind: StatusKind;
}

export interface ChecksStream {
  /** Statuses for the first heads, all current. */
  readonly beforePush: readonly PlannedStatus[];
  /** Statuses after every PR's second head was pushed: late ones for the first heads among them. */
  readonly afterPush: readonly PlannedStatus[];
}

type Step = Omit<PlannedStatus, 'pull' | 'kind'>;

const FIRST_HEAD: readonly Step[] = [
  { head: 0, context: 'ci/build', state: 'pending' },
  { head: 0, context: 'ci/build', state: 'success' },
  { head: 0, context: 'ci/lint', state: 'success' },
  { head: 0, context: 'ci/test', state: 'failure' },
];

/** Late results for the old head, between the new head's own. */
const SECOND_HEAD: readonly Step[] = [
  { head: 0, context: 'ci/test', state: 'success' },
  { head: 1, context: 'ci/build', state: 'success' },
  { head: 0, context: 'ci/e2e', state: 'failure' },
  { head: 1, context: 'ci/lint', state: 'success' },
  { head: 0, context: 'ci/e2e', state: 'success' },
  { head: 1, context: 'ci/test', state: 'failure' },
];

export function checksStream(pulls: number, seed: number): ChecksStream {
  const random = mulberry32(seed);
  return {
    beforePush: interleave(pulls, FIRST_HEAD, 0, random),
    afterPush: interleave(pulls, SECOND_HEAD, 1, random),
  };
}

/** Each PR's `steps` in order, the PRs' turns drawn at random. */
function interleave(pulls: number, steps: readonly Step[], current: 0 | 1, random: () => number): PlannedStatus[] {
  const next = Array.from({ length: pulls }, () => 0);
  const open = Array.from({ length: pulls }, (_, pull) => pull);
  const planned: PlannedStatus[] = [];
  while (open.length > 0) {
    const at = Math.floor(random() * open.length);
    const pull = open[at] as number;
    const step = steps[next[pull] ?? 0] as Step;
    planned.push({ ...step, pull, kind: kindOf(step, current) });
    next[pull] = (next[pull] ?? 0) + 1;
    if (next[pull] === steps.length) open.splice(at, 1);
  }
  return planned;
}

function kindOf(step: Step, current: 0 | 1): StatusKind {
  if (step.head !== current) return 'old-head';
  if (step.state === 'failure') return 'fails-head';
  return step.state === 'success' ? 'green' : 'pending';
}

/** A small seeded generator, so every run sends the same order. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
