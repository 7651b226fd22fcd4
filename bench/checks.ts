/**
 * `npm run bench -- checks` (docs/until-merged.md, decisions.md §59): what the pull watch costs on
 * each commit status, over dev's 50 open pull requests watched by the real service (HTTP intake,
 * SQLite, routing, the pull watch) on the forge double (`lib/checks-service.ts`).
 *
 * 500 commit-status webhooks (`lib/checks-stream.ts`), one at a time, each sent once the service
 * settled the one before: per PR two failures on its current head, the rest passes or pending
 * results on its head and late results for its old head.
 *
 * - **A failure on a watched head → dev's job queued**: from the webhook sent to the decision that
 *   queues dev's job for its `checks_failed` event written. Target: p99 under 100 ms. Baseline in
 *   the same run, after each such failure: one comment webhook mentioning dev, until its job is
 *   queued.
 * - **Forge calls for the rest**: the requests the service made to the forge from sending a
 *   webhook for an old head, a pass or a pending result until everything it caused settled.
 *   Target: none. The failures' own calls (reading the head's Actions runs for their logs) are
 *   counted beside them.
 */
import { loadavg } from 'node:os';
import { startChecksService, type StatusSample } from './lib/checks-service.js';
import { checksStream, type StatusKind } from './lib/checks-stream.js';
import { measureLoad } from './lib/machine-load.js';
import { percentile, writeReport } from './lib/report.js';

const PULLS = 50;
const SEED = 22;
const TARGET_P99_MS = 100;

export async function run(): Promise<void> {
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const started = performance.now();
  const stream = checksStream(PULLS, SEED);
  const service = await startChecksService(PULLS);
  const load = measureLoad();
  const samples: StatusSample[] = [];
  const baseline: number[] = [];
  let runnerCalls: number;
  let devJobs: number;
  try {
    const send = async (status: (typeof stream.beforePush)[number]) => {
      const sample = await service.sendStatus(status);
      samples.push(sample);
      if (sample.queuedMs !== undefined) baseline.push(await service.sendComment(`baseline ${baseline.length}`));
    };
    for (const status of stream.beforePush) await send(status);
    await service.pushSecondHeads();
    for (const status of stream.afterPush) await send(status);
    runnerCalls = service.runnerCalls();
    devJobs = await service.devJobsQueued();
  } finally {
    await service.close();
  }
  const busy = load.end();
  if (runnerCalls > 0) throw new Error(`the runner was called ${runnerCalls} times while dispatch was paused`);

  const of = (...kinds: StatusKind[]) => samples.filter((s) => kinds.includes(s.status.kind));
  const sorted = (values: number[]) => values.sort((a, b) => a - b);
  const failures = of('fails-head');
  const rest = of('old-head', 'green', 'pending');
  const queued = sorted(failures.map((s) => s.queuedMs ?? Number.NaN));
  const comment = sorted(baseline);
  const dropped = sorted(rest.map((s) => s.routedMs));
  const calls = (list: readonly StatusSample[]) => list.reduce((sum, s) => sum + s.calls.length, 0);
  const restCalls = rest.flatMap((s) => s.calls.map((c) => `${s.status.kind}: ${c.method} ${c.path}${c.query}`));
  const failureCalls = [
    ...new Set(failures.flatMap((s) => s.calls.map((c) => `${c.method} ${c.path.replace(/\/\d+$/, '/N')}`))),
  ];
  const p = percentile;
  writeReport({
    name: 'checks',
    figures: {
      pulls: PULLS,
      webhooks: samples.length,
      failures_on_watched_heads: failures.length,
      old_head_results: of('old-head').length,
      passes_on_watched_heads: of('green').length,
      pending_on_watched_heads: of('pending').length,
      baseline_comment_to_job_queued_p50_ms: p(comment, 50),
      baseline_comment_to_job_queued_p99_ms: p(comment, 99),
      failure_to_job_queued_p50_ms: p(queued, 50),
      failure_to_job_queued_p99_ms: p(queued, 99),
      failure_to_job_queued_max_ms: queued.at(-1) ?? Number.NaN,
      failure_to_queued_p99_over_baseline_p99: p(queued, 99) / p(comment, 99),
      forge_calls_per_failure: calls(failures) / Math.max(1, failures.length),
      forge_calls_old_heads: calls(of('old-head')),
      forge_calls_passes: calls(of('green')),
      forge_calls_pending: calls(of('pending')),
      rest_to_routed_p50_ms: p(dropped, 50),
      rest_to_routed_p99_ms: p(dropped, 99),
      dev_jobs_queued: devJobs,
      duration_s: (performance.now() - started) / 1000,
      load_average_1m_before: loadBefore,
      machine_busy_share: busy.machineBusy,
    },
    targets: {
      failure_webhook_to_dev_job_queued_p99_ms: { value: p(queued, 99), max: TARGET_P99_MS },
      forge_calls_for_old_heads_passes_and_pending: { value: calls(rest), max: 0 },
    },
    notes: [
      `${samples.length} commit-status webhooks over ${PULLS} of dev's PRs, sent one at a time through the real service (HTTP intake, SQLite, routing, the pull watch) over the forge double, dispatch paused so dev's jobs stay queued; order fixed by seed ${SEED}.`,
      'failure_to_job_queued: a failure on a watched PR’s head, from its webhook sent to the decision queuing dev’s job for the checks_failed event written.',
      'baseline_comment: after each such failure, one comment webhook mentioning dev, until its job is queued (same service, same run).',
      `forge calls of a failure: ${failureCalls.join(', ') || 'none'}.`,
      `forge calls for old heads, passes and pending results: ${restCalls.length === 0 ? 'none' : restCalls.join('; ')}.`,
      'rest_to_routed: a result that wakes nobody, from its webhook sent to its routing (dropped) written.',
    ],
  });
}
