/**
 * `npm run bench -- milestones` (docs/decisions.md §54, §58): what a milestone costs on each event,
 * over a tree of 200 stories in 10 layers.
 *
 * - **Recomputation** (the pure core): the tree (three layers merged, three stories in progress,
 *   stacking on) built into a graph with its problems found, scheduled and its tracking block
 *   rendered. Target: p99 under 5 ms. Baseline in the same run: a JSON round trip of the same
 *   input, about the least a recomputation from stored rows could cost.
 * - **Merge → next jobs queued, merge → tracking issue edited** (the service, `lib/milestone-service.ts`):
 *   each story of the tree merged in turn by a webhook; the time until the dev jobs of the stories
 *   it made ready are queued (target p99 under 200 ms), and until the tracking issue's edit showing
 *   it (target p99 under 1 s). Baseline in the same run, after each merge: one plain comment
 *   webhook mentioning dev, until its job is queued. The forge is in-process (no network): the
 *   figures are the service's own.
 */
import { loadavg } from 'node:os';
import { buildGraph, type GraphInput } from '../src/milestones/graph.js';
import { renderTrackingBlock } from '../src/milestones/render-tracking.js';
import { schedule } from '../src/milestones/schedule.js';
import { layeredTree } from '../test/support/milestones.js';
import { measureLoad } from './lib/machine-load.js';
import { type RoundFigures, serviceRound } from './lib/milestone-service.js';
import { percentile, writeReport } from './lib/report.js';

const STORIES = 200;
const LAYERS = 10;
const WARM_UP = 300;
const SAMPLES = Number(process.env.MILESTONES_BENCH_SAMPLES ?? 3000);
/** Service rounds: each merges the whole tree once, on a fresh service and data dir. */
const ROUNDS = Number(process.env.MILESTONES_BENCH_ROUNDS ?? 3);

function recompute(input: GraphInput): string {
  const graph = buildGraph(input);
  return renderTrackingBlock(graph, schedule(graph, { stacking: true, maxInFlight: 5 }));
}

function analyse(input: GraphInput): number {
  const graph = buildGraph(input);
  return schedule(graph, { stacking: true, maxInFlight: 5 }).next.length;
}

const roundTrip = (input: GraphInput): number => (JSON.parse(JSON.stringify(input)) as GraphInput).stories.length;

/** Milliseconds per call of each function, interleaved so that load on the machine falls on all alike. */
function sample(fns: ReadonlyArray<(input: GraphInput) => unknown>, input: GraphInput): number[][] {
  const times = fns.map(() => [] as number[]);
  for (let i = 0; i < WARM_UP + SAMPLES; i++) {
    fns.forEach((fn, f) => {
      const start = performance.now();
      fn(input);
      if (i >= WARM_UP) times[f]!.push(performance.now() - start);
    });
  }
  return times.map((t) => t.sort((a, b) => a - b));
}

export async function run(): Promise<void> {
  const input = layeredTree(STORIES, LAYERS, 3);
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const load = measureLoad();
  const [full, analysis, baseline] = sample([recompute, analyse, roundTrip], input);
  const busy = load.end();

  const serviceLoad = measureLoad();
  const rounds: RoundFigures[] = [];
  for (let round = 0; round < ROUNDS; round++) rounds.push(await serviceRound(layeredTree(STORIES, LAYERS), round));
  const serviceBusy = serviceLoad.end();
  const sorted = (pick: (r: RoundFigures) => number[]) => rounds.flatMap(pick).sort((a, b) => a - b);
  const queued = sorted((r) => r.queued);
  const edited = sorted((r) => r.edited);
  const comment = sorted((r) => r.baseline);
  const p = (times: readonly number[], q: number) => percentile(times, q);
  writeReport({
    name: 'milestones',
    figures: {
      stories: STORIES,
      layers: LAYERS,
      samples: SAMPLES,
      baseline_json_round_trip_p50_ms: p(baseline!, 50),
      baseline_json_round_trip_p99_ms: p(baseline!, 99),
      recompute_p50_ms: p(full!, 50),
      recompute_p99_ms: p(full!, 99),
      recompute_p99_over_baseline_p99: p(full!, 99) / p(baseline!, 99),
      graph_and_schedule_p99_ms: p(analysis!, 99),
      service_rounds: ROUNDS,
      merges_making_stories_ready: queued.length,
      merges: edited.length,
      baseline_comment_to_job_queued_p50_ms: p(comment, 50),
      baseline_comment_to_job_queued_p99_ms: p(comment, 99),
      merge_to_next_jobs_queued_p50_ms: p(queued, 50),
      merge_to_next_jobs_queued_p99_ms: p(queued, 99),
      merge_to_next_jobs_queued_max_ms: queued.at(-1) ?? Number.NaN,
      merge_to_queued_p99_over_baseline_p99: p(queued, 99) / p(comment, 99),
      merge_to_tracking_edit_p50_ms: p(edited, 50),
      merge_to_tracking_edit_p99_ms: p(edited, 99),
      merge_to_tracking_edit_max_ms: edited.at(-1) ?? Number.NaN,
      load_average_1m_before: loadBefore,
      machine_busy_share: busy.machineBusy,
      machine_busy_share_service_rounds: serviceBusy.machineBusy,
    },
    targets: {
      graph_recomputation_on_each_event_p99_ms: { value: p(full!, 99), max: 5 },
      merge_webhook_to_next_jobs_queued_p99_ms: { value: p(queued, 99), max: 200 },
      merge_webhook_to_tracking_issue_edit_p99_ms: { value: p(edited, 99), max: 1000 },
    },
    notes: [
      `recompute: graph + problems, schedule and the tracking block rendered, ${STORIES} stories over ${LAYERS} layers; ${SAMPLES} samples after ${WARM_UP} warm-up, interleaved with the baseline.`,
      'baseline: JSON.parse(JSON.stringify(input)) of the same input, same run. graph_and_schedule: the same without rendering.',
      `merge_to_*: ${ROUNDS} rounds, each merging all ${STORIES} stories in turn through the real service (HTTP intake, SQLite, routing, the milestone driver, a no-op runner) over an in-process forge; from the merge webhook sent to the ready stories' dev jobs queued (merges that made some ready), and to the tracking issue's edit showing the merge.`,
      'baseline_comment: after each merge, one comment webhook mentioning dev, until its job is queued (same service, same run).',
    ],
  });
}
