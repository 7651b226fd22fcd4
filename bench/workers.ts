/**
 * Several workers on one PostgreSQL (docs/decisions.md §33). Three parts, each on a fresh schema
 * dropped afterwards; needs PostgreSQL at CLAUDE_HOOKS_TEST_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test).
 *
 * 1. Intake: deliveries/s answered 202 by one `claude-hooks serve` on SQLite (the baseline), by
 *    one on PostgreSQL and by two on PostgreSQL with the load split over both — child processes,
 *    intake.ts's real captured payloads, every 202 after its transaction committed.
 * 2. Event-to-claim latency across workers: two in-process workers on one schema; a signed
 *    comment POSTed to worker A; from the POST's start to the (no-op) job runner being called on
 *    whichever worker claimed it. Once with both idle, once with A's slots held full so that B
 *    must claim (woken by LISTEN/NOTIFY). Target: p99 < 100 ms.
 * 3. A simulated fleet: N = 1, 2, 4, 8 in-process workers with no-op runners drain a backlog of
 *    routed jobs (one per issue); jobs/s against N = 1, with what bounds it: PostgreSQL sessions
 *    waiting on the claim advisory lock, and how busy the two cores were; beside it, what one
 *    claim costs with nobody else claiming (its transaction holds that lock), so the ceiling of
 *    claims per second for all workers together.
 */
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { until } from '../test/support/wait.js';
import { inFreshSchema, post, postgres, recordingRunner, type Claim, type Pg } from './lib/bench-postgres.js';
import { commentDelivery, startBenchWorker, type BenchWorker } from './lib/bench-worker.js';
import { serveInTempDir, type ServedService } from './lib/child-server.js';
import { fleetRun, serialClaims, type FleetRun } from './lib/fleet.js';
import { closedLoop, type LoadResult } from './lib/load.js';
import { percentile, writeReport } from './lib/report.js';
import { makeDeliveries, SECRET as INTAKE_SECRET } from './intake.js';

const INTAKE_N = Number(process.env.BENCH_WORKERS_INTAKE_N ?? 4000);
const INTAKE_CONCURRENCY = 64;
const LATENCY_SAMPLES = Number(process.env.BENCH_WORKERS_SAMPLES ?? 150);
const BACKLOG = Number(process.env.BENCH_WORKERS_BACKLOG ?? 2000);
const FLEET = [1, 2, 4, 8] as const;
const SERIAL_CLAIMS = 300;
/** Worker A's slots in the latency part: held full so that B must claim. */
const A_SLOTS = 2;

// ---------------------------------------------------------------- 1. intake

function serve(name: string, storeYaml: string, env: NodeJS.ProcessEnv): Promise<ServedService> {
  return serveInTempDir({
    prefix: `claude-hooks-bench-workers-${name}-`,
    webhookSecret: INTAKE_SECRET,
    configYaml: storeYaml,
    env,
  });
}

/** The same total load split evenly over `urls` (each its share of the requests and senders); one figure for all. */
async function splitLoad(
  urls: readonly string[],
  salt: string,
  total: number,
  concurrency: number,
): Promise<LoadResult> {
  const share = Math.floor(total / urls.length);
  const runs = await Promise.all(
    urls.map((url, i) => closedLoop(url, makeDeliveries(share, `${salt}-${i}`), Math.floor(concurrency / urls.length))),
  );
  const statuses: Record<number, number> = {};
  for (const run of runs)
    for (const [status, n] of Object.entries(run.statuses))
      statuses[Number(status)] = (statuses[Number(status)] ?? 0) + n;
  const count = runs.reduce((sum, r) => sum + r.count, 0);
  const seconds = Math.max(...runs.map((r) => r.seconds));
  return {
    count,
    seconds,
    perSecond: count / seconds,
    latencies: runs.flatMap((r) => r.latencies).sort((a, b) => a - b),
    statuses,
  };
}

async function intakeRun(
  name: string,
  storeYaml: string,
  env: NodeJS.ProcessEnv,
  workers: number,
): Promise<LoadResult> {
  const started: ServedService[] = [];
  try {
    for (let i = 0; i < workers; i++) started.push(await serve(`${name}-${i}`, storeYaml, env));
    const urls = started.map((s) => s.server.url);
    await splitLoad(urls, `${name}-warm`, 1000, INTAKE_CONCURRENCY);
    const result = await splitLoad(urls, name, INTAKE_N, INTAKE_CONCURRENCY);
    const accepted = result.statuses[202] ?? 0;
    if (accepted !== result.count)
      throw new Error(
        `${name}: only ${accepted} of ${result.count} deliveries were accepted: ${JSON.stringify(result.statuses)}`,
      );
    return result;
  } finally {
    for (const s of started) {
      await s.server.stop();
      rmSync(s.dataDir, { recursive: true, force: true });
    }
  }
}

async function intake(pg: Pg) {
  const sqlite = await intakeRun('sqlite', 'store: sqlite\n', {}, 1);
  const postgresYaml = 'store: { postgres: { url: { env: DATABASE_URL } } }\n';
  const one = await inFreshSchema(pg, 'bench_intake1', (schema) =>
    intakeRun('pg1', postgresYaml, { DATABASE_URL: pg.urlInSchema(schema) }, 1),
  );
  const two = await inFreshSchema(pg, 'bench_intake2', (schema) =>
    intakeRun('pg2', postgresYaml, { DATABASE_URL: pg.urlInSchema(schema) }, 2),
  );
  return { sqlite, one, two };
}

// ---------------------------------------------------------------- 2. event-to-claim latency

interface LatencyPhase {
  readonly latencies: number[];
  readonly claimedByB: number;
}

async function eventToClaim(pg: Pg) {
  return inFreshSchema(pg, 'bench_latency', async (schema) => {
    const claims = new Map<number, Claim>();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const hold = (text: string) => (text.includes('hold') ? released : undefined);
    const workers: BenchWorker[] = [];
    try {
      const databaseUrl = pg.urlInSchema(schema);
      workers.push(
        await startBenchWorker({
          name: 'a',
          databaseUrl,
          concurrency: A_SLOTS,
          runner: recordingRunner('a', claims, hold),
          maxConnections: 10,
        }),
      );
      workers.push(
        await startBenchWorker({
          name: 'b',
          databaseUrl,
          concurrency: 64,
          runner: recordingRunner('b', claims),
          maxConnections: 10,
        }),
      );
      const a = workers[0]!.service;
      let issue = 1;

      const phase = async (count: number): Promise<LatencyPhase> => {
        const latencies: number[] = [];
        let claimedByB = 0;
        for (let i = 0; i < count; i++) {
          const { request, commentId } = commentDelivery(issue++, `sample ${i}`);
          const started = performance.now();
          await post(a.url, request);
          await until(() => claims.has(commentId), `comment ${commentId} to be claimed`, 30_000);
          const claim = claims.get(commentId)!;
          latencies.push(claim.at - started);
          if (claim.worker === 'b') claimedByB++;
          await sleep(20); // spaced out: each sample meets idle workers, not the previous one's tail
        }
        return { latencies: latencies.sort((x, y) => x - y), claimedByB };
      };

      await phase(20); // warm-up: connections, JIT, prepared plans
      const idle = await phase(LATENCY_SAMPLES);
      // Fill A's slots with runs that do not end (a hold B claims ends at once: dispatch.concurrency is
      // also a cap across workers, so a run held on B would count against A's two).
      const holds = new Set<number>();
      const heldOnA = () => [...holds].filter((id) => claims.get(id)?.worker === 'a').length;
      for (let tries = 0; heldOnA() < A_SLOTS; tries++) {
        if (tries > 40) throw new Error('could not fill worker A with held runs');
        const { request, commentId } = commentDelivery(issue++, 'hold');
        holds.add(commentId);
        await post(a.url, request);
        await until(() => claims.has(commentId), `held comment ${commentId} to be claimed`, 30_000);
      }
      const busy = await phase(LATENCY_SAMPLES);
      if (heldOnA() !== A_SLOTS) throw new Error('worker A was not busy throughout the busy phase');
      release();
      return { idle, busy };
    } finally {
      release();
      for (const w of workers.reverse()) await w.close();
    }
  });
}

// ---------------------------------------------------------------- report

export async function run(): Promise<void> {
  const pg = await postgres();
  const { sqlite, one, two } = await intake(pg);
  const latency = await eventToClaim(pg);
  const fleet: FleetRun[] = [];
  for (const n of FLEET) fleet.push(await fleetRun(pg, n, BACKLOG));
  const serial = await serialClaims(pg, SERIAL_CLAIMS);

  const all = [...latency.idle.latencies, ...latency.busy.latencies].sort((a, b) => a - b);
  const base = fleet[0]!;
  const figures: Record<string, number> = {
    intake_deliveries: INTAKE_N,
    intake_sqlite_per_s: sqlite.perSecond,
    intake_pg_1_worker_per_s: one.perSecond,
    intake_pg_2_workers_per_s: two.perSecond,
    intake_pg_1_worker_ratio_to_sqlite: one.perSecond / sqlite.perSecond,
    intake_pg_2_workers_ratio_to_sqlite: two.perSecond / sqlite.perSecond,
    intake_pg_2_workers_ratio_to_1: two.perSecond / one.perSecond,
    intake_sqlite_p99_ms: percentile(sqlite.latencies, 99),
    intake_pg_1_worker_p99_ms: percentile(one.latencies, 99),
    intake_pg_2_workers_p99_ms: percentile(two.latencies, 99),
    event_to_claim_samples: all.length,
    event_to_claim_p50_ms: percentile(all, 50),
    event_to_claim_p99_ms: percentile(all, 99),
    event_to_claim_idle_p50_ms: percentile(latency.idle.latencies, 50),
    event_to_claim_idle_p99_ms: percentile(latency.idle.latencies, 99),
    event_to_claim_idle_claimed_by_b: latency.idle.claimedByB,
    event_to_claim_a_busy_p50_ms: percentile(latency.busy.latencies, 50),
    event_to_claim_a_busy_p99_ms: percentile(latency.busy.latencies, 99),
    event_to_claim_a_busy_claimed_by_b: latency.busy.claimedByB,
    fleet_backlog_jobs: BACKLOG,
  };
  for (const f of fleet) {
    figures[`fleet_${f.workers}_jobs_per_s`] = f.jobsPerSecond;
    figures[`fleet_${f.workers}_ratio_to_1_worker`] = f.jobsPerSecond / base.jobsPerSecond;
    figures[`fleet_${f.workers}_claims_per_s`] = f.claimsPerSecond;
    figures[`fleet_${f.workers}_claim_attempts_per_job`] = f.claimAttemptsPerJob;
    figures[`fleet_${f.workers}_refused_claims_per_job`] = f.refusedClaimsPerJob;
    figures[`fleet_${f.workers}_window_reads_per_job`] = f.windowReadsPerJob;
    figures[`fleet_${f.workers}_claim_lock_waiters_mean`] = f.lockWaitersMean;
    figures[`fleet_${f.workers}_pg_active_sessions_mean`] = f.activeBackendsMean;
    figures[`fleet_${f.workers}_machine_busy_pct`] = f.machineBusy * 100;
    figures[`fleet_${f.workers}_bench_process_cores`] = f.processCores;
    figures[`fleet_${f.workers}_min_share_of_one_worker`] = Math.min(...f.perWorker) / BACKLOG;
  }
  figures.serial_claim_p50_ms = percentile(serial.claimMs, 50);
  figures.serial_finish_p50_ms = percentile(serial.finishMs, 50);
  figures.claim_lock_ceiling_per_s = 1000 / percentile(serial.claimMs, 50);
  const best = fleet.reduce((a, b) => (b.jobsPerSecond > a.jobsPerSecond ? b : a));
  figures.fleet_peak_workers = best.workers;

  writeReport({
    name: 'workers',
    figures,
    targets: {
      event_to_claim_p99_ms: { value: percentile(all, 99), max: 100 },
    },
    notes: [
      `intake: ${INTAKE_N} deliveries (intake.ts's captured payloads), ${INTAKE_CONCURRENCY} senders in all, after 1,000 not counted; child processes \`claude-hooks serve\`; baseline: one on SQLite, same run; two workers: each half the deliveries and half the senders, figure = all / the slower half's time`,
      `event to claim: ${LATENCY_SAMPLES} comments (each its own issue) POSTed to worker A with both idle, then ${LATENCY_SAMPLES} with A's ${A_SLOTS} slots held so B must claim; from the POST's start to the no-op runner's call on the worker that claimed it; 20 ms between samples`,
      `fleet: ${BACKLOG} comments on ${BACKLOG} issues routed into queued jobs while dispatch was paused, then resumed on N in-process workers (one Node process, each worker its own pool of 4); jobs/s until every job finished; baseline N = 1`,
      `serial claims: ${SERIAL_CLAIMS} queued jobs claimed (startJob) and finished one after another through the ports, nobody else claiming; the claim holds the advisory lock throughout, so claim_lock_ceiling_per_s = 1000 / its p50 is all the workers' claims per second together`,
      "claim_attempts / refused_claims / window_reads per job: claim transactions each worker's dispatcher ran (refused: another worker had claimed the job first, or a limit), and runnable-window reads, counted around the workers' job stores",
      'claim_lock_waiters_mean: PostgreSQL sessions waiting on an advisory lock (sampled every 25 ms); bench_process_cores: CPU of the one process holding every worker, in cores',
    ],
  });
}
