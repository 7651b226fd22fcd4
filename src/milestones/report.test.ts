import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { manualClock } from '../lib/clock.js';
import { openStore } from '../store/open-store.js';
import { buildGraph } from './graph.js';
import { findMilestone, parseMilestoneName } from './names.js';
import type { MilestoneRecord, StoryRecord } from './ports.js';
import { reportMilestone } from './report.js';
import { schedule } from './schedule.js';

interface Settings {
  readonly stacking: boolean;
  readonly maxInFlight: number;
}

interface ReportInput {
  readonly milestone: MilestoneRecord;
  readonly trackingIssue?: StoryRecord;
  readonly stories: readonly StoryRecord[];
  readonly outside?: readonly StoryRecord[];
  /** Stories with a job. */
  readonly withJobs?: ReadonlySet<number>;
  readonly settings: Settings;
}

const REPO = 'forge.test/acme/widget';
const PLAIN: Settings = { stacking: false, maxInFlight: Number.POSITIVE_INFINITY };

const record = (fields: Partial<MilestoneRecord> = {}): MilestoneRecord => ({
  repo: REPO,
  tracking: 1,
  optedIn: true,
  paused: false,
  stacking: undefined,
  renderedHash: undefined,
  problemsSaid: undefined,
  updatedAt: 5,
  ...fields,
});

const row = (number: number, fields: Partial<StoryRecord> = {}): StoryRecord => ({
  repo: REPO,
  number,
  tracking: 1,
  title: `Story ${number}`,
  state: 'open',
  upstream: [],
  mergedPull: undefined,
  openPull: undefined,
  updatedAt: 1,
  ...fields,
});

// The issue's diamond: A = #2; B = #3 and C = #4 build on A; D = #5 on B and C.
const diamond = (fields: Record<number, Partial<StoryRecord>> = {}): StoryRecord[] => [
  row(2, fields[2]),
  row(3, { upstream: [2], ...fields[3] }),
  row(4, { upstream: [2], ...fields[4] }),
  row(5, { upstream: [3, 4], ...fields[5] }),
];

/** Decided as the driver decides (`tracking/milestone-view.ts`), then reported. */
function view(given: Partial<ReportInput> = {}) {
  const input: ReportInput = { milestone: record(), stories: diamond(), settings: PLAIN, ...given };
  const graph = buildGraph({
    tracking: input.milestone.tracking,
    stories: input.stories.map((s) => ({
      ...s,
      inProgress: input.withJobs?.has(s.number) ?? false,
      footerUpstream: s.upstream,
    })),
    outside: input.outside ?? [],
  });
  const stacking = input.milestone.stacking ?? input.settings.stacking;
  const plan = schedule(graph, { stacking, maxInFlight: input.settings.maxInFlight });
  return reportMilestone({
    milestone: input.milestone,
    graph,
    plan,
    stacking,
    maxInFlight: input.settings.maxInFlight,
    trackingIssue: input.trackingIssue,
  });
}

describe('the milestone report', () => {
  it('shows a new diamond: only A is ready and starts, the rest wait on what they build on', () => {
    const v = view();

    assert.deepEqual(v.progress, { done: 0, total: 4, inProgress: 0, ready: 1, waiting: 3, blocked: 0, notPlanned: 0 });
    assert.deepEqual(v.ready, [{ number: 2, title: 'Story 2' }]);
    assert.deepEqual(v.next, [2]);
    assert.deepEqual(
      v.blocked.map((b) => [b.number, b.on]),
      [
        [3, [2]],
        [4, [2]],
        [5, [3, 4]],
      ],
    );
    assert.deepEqual(v.criticalPath, [2, 3, 5]);
    assert.deepEqual(v.waves, [[2], [3, 4], [5]]);
    assert.deepEqual(
      v.stories.map((s) => [s.number, s.layer]),
      [
        [2, 0],
        [3, 1],
        [4, 1],
        [5, 2],
      ],
    );
  });

  it("shows what A's merge makes ready, the in-flight stories with their pull requests, and the cap", () => {
    const v = view({
      stories: diamond({
        2: { state: 'completed', mergedPull: 10 },
        3: { openPull: { number: 11, branch: 'issue-3-b' } },
      }),
      withJobs: new Set([4]),
      settings: { stacking: false, maxInFlight: 2 },
    });

    assert.deepEqual(v.progress, { done: 1, total: 4, inProgress: 2, ready: 0, waiting: 1, blocked: 0, notPlanned: 0 });
    assert.deepEqual(v.inFlight, [
      { number: 3, title: 'Story 3', pull: 11 },
      { number: 4, title: 'Story 4' },
    ]);
    assert.deepEqual(v.stories[0], { number: 2, title: 'Story 2', status: 'done', layer: 0, upstream: [], pull: 10 });
    assert.equal(v.maxInFlight, 2);
  });

  it('starts nothing while paused or not opted in, and still says what is ready', () => {
    const paused = view({ milestone: record({ paused: true }) });
    const notOptedIn = view({ milestone: record({ optedIn: false }) });

    assert.deepEqual([paused.paused, paused.ready.length, paused.next], [true, 1, []]);
    assert.deepEqual([notOptedIn.optedIn, notOptedIn.next], [false, []]);
  });

  it("stacks where the tracking issue says so, over the configuration's word", () => {
    const stories = diamond({ 2: { openPull: { number: 10, branch: 'issue-2-a' } } });

    const said = view({ milestone: record({ stacking: true }), stories });
    const configured = view({ stories, settings: { ...PLAIN, stacking: true } });
    const saidOff = view({ milestone: record({ stacking: false }), stories, settings: { ...PLAIN, stacking: true } });

    const stackedOn = { story: 2, pull: 10, branch: 'issue-2-a' };
    assert.deepEqual(said.ready, [
      { number: 3, title: 'Story 3', stackedOn },
      { number: 4, title: 'Story 4', stackedOn },
    ]);
    assert.equal(said.stacking, true);
    assert.deepEqual(configured.ready, said.ready);
    assert.deepEqual([saidOff.stacking, saidOff.ready], [false, []]);
  });

  it('says what blocks a story of a cycle, and waits for an upstream issue outside the milestone', () => {
    const v = view({
      stories: [row(2, { upstream: [3] }), row(3, { upstream: [2] }), row(4, { upstream: [40] })],
      outside: [row(40, { tracking: undefined, title: 'Elsewhere' })],
    });

    assert.deepEqual(
      v.blocked.map((b) => ({ number: b.number, on: b.on, problems: b.problems.length })),
      [
        { number: 2, on: [], problems: 1 },
        { number: 3, on: [], problems: 1 },
        { number: 4, on: [40], problems: 0 },
      ],
    );
    assert.match(v.blocked[0]!.problems[0]!, /#2 → #3 → #2 is a cycle/);
    assert.deepEqual(
      v.problems.map((p) => [p.kind, p.stories]),
      [['cycle', [2, 3]]],
    );
    assert.deepEqual(v.next, []);
  });

  it('names the tracking issue by its row, and starts nothing once it is closed', () => {
    const v = view({ trackingIssue: row(1, { tracking: undefined, title: 'Milestone 1', state: 'completed' }) });

    assert.deepEqual([v.title, v.closed, v.next], ['Milestone 1', true, []]);
    assert.equal(view().maxInFlight, null);
  });
});

describe('naming a milestone', () => {
  async function seeded() {
    const store = await openStore(
      { kind: 'sqlite' },
      { dataDir: mkdtempSync(join(tmpdir(), 'claude-hooks-milestone-view-')), clock: manualClock(), dedupWindowMs: 0 },
    );
    await store.milestones.upsertMilestone(REPO, 1, { optedIn: true }, 1);
    await store.milestones.upsertMilestone('forge.test/acme/gadget', 7, {}, 1);
    for (const story of diamond()) await store.milestones.upsertStory(story, 2);
    await store.milestones.upsertStory(row(6, { upstream: [40] }), 2);
    await store.milestones.upsertStory(row(40, { tracking: undefined, title: 'Elsewhere', state: 'completed' }), 2);
    await store.milestones.upsertStory(row(1, { tracking: undefined, title: 'Milestone one' }), 2);
    return store;
  }

  it('finds a milestone by owner/name#N, or by its full key, and says why it cannot', async () => {
    const store = await seeded();
    try {
      const short = await findMilestone(store.milestones, 'Acme/Widget', 1);
      const full = await findMilestone(store.milestones, REPO, 1);
      const unknown = await findMilestone(store.milestones, 'acme/widget', 9);
      const bad = await findMilestone(store.milestones, 'widget', 1);

      assert.equal(short.ok && short.milestone.repo, REPO);
      assert.equal(full.ok && full.milestone.tracking, 1);
      assert.deepEqual(unknown.ok ? undefined : [unknown.reason, unknown.message], [
        'not-found',
        'no milestone acme/widget#9: the service has not seen that tracking issue',
      ]);
      assert.equal(bad.ok ? undefined : bad.reason, 'bad-name');
    } finally {
      await store.close();
    }
  });

  it('reads owner/name#N', () => {
    assert.deepEqual(parseMilestoneName('acme/widget#12'), { repo: 'acme/widget', tracking: 12 });
    assert.deepEqual(parseMilestoneName('forge.test/acme/widget#3'), { repo: 'forge.test/acme/widget', tracking: 3 });
    assert.equal(parseMilestoneName('acme/widget'), undefined);
    assert.equal(parseMilestoneName('acme#0'), undefined);
    assert.equal(parseMilestoneName('a/b/c/d#1'), undefined);
  });
});
