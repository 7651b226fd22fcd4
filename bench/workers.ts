/**
 * Several workers on one PostgreSQL (issue 12's benchmark). Three parts, each on a fresh schema
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
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Service } from '../src/main.js';
import type { AgentRunner, JobStore } from '../src/queue/ports.js';
import { commentDelivery, startBenchWorker, type BenchWorker } from './lib/bench-worker.js';
import { freePort, startChild, type ChildServer } from './lib/child-server.js';
import { closedLoop, type LoadRequest, type LoadResult } from './lib/load.js';
import { measureLoad } from './lib/machine-load.js';
import { percentile, writeReport } from './lib/report.js';
import { makeDeliveries, SECRET as INTAKE_SECRET } from './intake.js';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const INTAKE_N = Number(process.env.BENCH_WORKERS_INTAKE_N ?? 4000);
const INTAKE_CONCURRENCY = 64;
const LATENCY_SAMPLES = Number(process.env.BENCH_WORKERS_SAMPLES ?? 150);
const BACKLOG = Number(process.env.BENCH_WORKERS_BACKLOG ?? 2000);
const FLEET = [1, 2, 4, 8] as const;
const SERIAL_CLAIMS = 300;
/** Slots of each fleet worker; dispatch.concurrency is also the cap across workers, so it is ample. */
const FLEET_SLOTS = 64;
/** Worker A's slots in the latency part: held full so that B must claim. */
const A_SLOTS = 2;
const root = join(import.meta.dirname, '..');

type Pg = typeof import('../test/support/postgres.js');

/** The PostgreSQL helpers, after the database URL is settled (the module reads it as it loads). */
async function postgres(): Promise<Pg> {
  process.env.CLAUDE_HOOKS_TEST_DATABASE_URL ||= DEFAULT_DATABASE_URL;
  return import('../test/support/postgres.js');
}

/** Runs `body` on a fresh schema, dropped afterwards whatever happens. */
async function inFreshSchema<T>(pg: Pg, prefix: string, body: (schema: string) => Promise<T>): Promise<T> {
  const schema = pg.freshSchemaName(prefix);
  await pg.createSchema(schema);
  try {
    return await body(schema);
  } finally {
    await pg.dropSchema(schema);
  }
}

// ---------------------------------------------------------------- 1. intake

async function serve(name: string, storeYaml: string, env: NodeJS.ProcessEnv): Promise<{ server: ChildServer; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), `claude-hooks-bench-workers-${name}-`));
  const config = join(dataDir, 'claude-hooks.yaml');
  writeFileSync(config, storeYaml);
  const port = await freePort();
  const childEnv = { ...process.env, ...env, CLAUDE_HOOKS_CONFIG: config, CLAUDE_HOOKS_PORT: String(port), CLAUDE_HOOKS_DATA_DIR: dataDir, CLAUDE_HOOKS_WEBHOOK_SECRET: INTAKE_SECRET, CLAUDE_HOOKS_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn' };
  try {
    const server = await startChild(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'serve'], childEnv, `http://127.0.0.1:${port}`, '/healthz');
    return { server, dataDir };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** The same total load split evenly over `urls` (each its share of the requests and senders); one figure for all. */
async function splitLoad(urls: readonly string[], salt: string, total: number, concurrency: number): Promise<LoadResult> {
  const share = Math.floor(total / urls.length);
  const runs = await Promise.all(urls.map((url, i) => closedLoop(url, makeDeliveries(share, `${salt}-${i}`), Math.floor(concurrency / urls.length))));
  const statuses: Record<number, number> = {};
  for (const run of runs) for (const [status, n] of Object.entries(run.statuses)) statuses[Number(status)] = (statuses[Number(status)] ?? 0) + n;
  const count = runs.reduce((sum, r) => sum + r.count, 0);
  const seconds = Math.max(...runs.map((r) => r.seconds));
  return { count, seconds, perSecond: count / seconds, latencies: runs.flatMap((r) => r.latencies).sort((a, b) => a - b), statuses };
}

async function intakeRun(name: string, storeYaml: string, env: NodeJS.ProcessEnv, workers: number): Promise<LoadResult> {
  const started: Array<{ server: ChildServer; dataDir: string }> = [];
  try {
    for (let i = 0; i < workers; i++) started.push(await serve(`${name}-${i}`, storeYaml, env));
    const urls = started.map((s) => s.server.url);
    await splitLoad(urls, `${name}-warm`, 1000, INTAKE_CONCURRENCY);
    const result = await splitLoad(urls, name, INTAKE_N, INTAKE_CONCURRENCY);
    const accepted = result.statuses[202] ?? 0;
    if (accepted !== result.count) throw new Error(`${name}: only ${accepted} of ${result.count} deliveries were accepted: ${JSON.stringify(result.statuses)}`);
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
  const one = await inFreshSchema(pg, 'bench_intake1', (schema) => intakeRun('pg1', postgresYaml, { DATABASE_URL: pg.urlInSchema(schema) }, 1));
  const two = await inFreshSchema(pg, 'bench_intake2', (schema) => intakeRun('pg2', postgresYaml, { DATABASE_URL: pg.urlInSchema(schema) }, 2));
  return { sqlite, one, two };
}

// ---------------------------------------------------------------- deliveries and runners

interface Claim {
  readonly at: number;
  readonly worker: string;
}

/** A job runner that records when (and on which worker) it was called with each comment; `hold` keeps a run going. */
function recordingRunner(worker: string, claims: Map<number, Claim>, onClaim: () => void, hold?: (text: string) => Promise<void> | undefined): AgentRunner {
  return {
    async run(request) {
      const at = performance.now();
      let held: Promise<void> | undefined;
      for (const { event } of request.events) {
        if (event.type !== 'comment') continue;
        claims.set(event.comment.id, { at, worker });
        held ??= hold?.(event.comment.body);
      }
      onClaim();
      if (held) await held;
      return { ok: true };
    },
  };
}

async function post(url: string, request: LoadRequest): Promise<void> {
  const res = await fetch(`${url}${request.path}`, { method: 'POST', headers: request.headers, body: request.body });
  if (res.status !== 202) throw new Error(`delivery answered ${res.status}: ${await res.text()}`);
}

/** Waits until `ready()`; throws after `ms` naming what was awaited. */
async function until(ready: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!ready()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
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
      workers.push(await startBenchWorker({ name: 'a', databaseUrl, concurrency: A_SLOTS, runner: recordingRunner('a', claims, () => undefined, hold), maxConnections: 10 }));
      workers.push(await startBenchWorker({ name: 'b', databaseUrl, concurrency: 64, runner: recordingRunner('b', claims, () => undefined), maxConnections: 10 }));
      const a = workers[0]!.service;
      let issue = 1;

      const phase = async (count: number): Promise<LatencyPhase> => {
        const latencies: number[] = [];
        let claimedByB = 0;
        for (let i = 0; i < count; i++) {
          const { request, commentId } = commentDelivery(issue++, `sample ${i}`);
          const started = performance.now();
          await post(a.url, request);
          await until(() => claims.has(commentId), `comment ${commentId} to be claimed`);
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
        await until(() => claims.has(commentId), `held comment ${commentId} to be claimed`);
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

// ---------------------------------------------------------------- 3. fleet

interface FleetRun {
  readonly workers: number;
  readonly jobsPerSecond: number;
  readonly claimsPerSecond: number;
  readonly seconds: number;
  readonly lockWaitersMean: number;
  readonly activeBackendsMean: number;
  readonly machineBusy: number;
  readonly processCores: number;
  readonly claimAttemptsPerJob: number;
  readonly refusedClaimsPerJob: number;
  readonly windowReadsPerJob: number;
  readonly perWorker: number[];
}

interface ClaimTally {
  /** Claim transactions (each holds the claim lock), and those that started nothing. */
  attempts: number;
  refused: number;
  /** Reads of the runnable window (one per scheduling pass). */
  windows: number;
}

/** Counts, from outside, what a worker's dispatcher asks of its job store: claims tried and refused, windows read. */
function countClaims(jobs: JobStore, tally: ClaimTally): void {
  const startJob = jobs.startJob.bind(jobs);
  const runnableJobs = jobs.runnableJobs.bind(jobs);
  Object.assign(jobs, {
    startJob: async (...args: Parameters<JobStore['startJob']>) => {
      tally.attempts++;
      const job = await startJob(...args);
      if (!job) tally.refused++;
      return job;
    },
    runnableJobs: async (...args: Parameters<JobStore['runnableJobs']>) => {
      tally.windows++;
      return runnableJobs(...args);
    },
  } satisfies Partial<JobStore>);
}

/** Samples PostgreSQL's sessions until stopped: how many wait on an advisory lock, how many are active. */
function sampleBackends(pg: Pg, schema: string): { stop(): Promise<{ waiting: number; active: number }> } {
  let running = true;
  const samples: Array<{ waiting: number; active: number }> = [];
  const loop = (async () => {
    while (running) {
      const rows = await pg.queryIn<{ waiting: number; active: number }>(
        schema,
        `SELECT count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event = 'advisory')::int AS waiting,
                count(*) FILTER (WHERE state = 'active' AND pid <> pg_backend_pid())::int AS active
           FROM pg_stat_activity WHERE datname = current_database()`,
      );
      samples.push(rows[0]!);
      await sleep(25);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const mean = (f: (s: { waiting: number; active: number }) => number) => samples.reduce((sum, s) => sum + f(s), 0) / Math.max(1, samples.length);
      return { waiting: mean((s) => s.waiting), active: mean((s) => s.active) };
    },
  };
}

/** Pauses dispatch and routes `count` comments (one per issue) into queued jobs through `service`'s intake. */
async function queueBacklog(service: Service, count: number): Promise<void> {
  await service.store.pauses.pause('*', 'benchmark backlog', Date.now());
  const backlog = Array.from({ length: count }, (_, i) => commentDelivery(1 + i, 'go').request);
  const sent = await closedLoop(service.url, backlog, 16);
  if ((sent.statuses[202] ?? 0) !== count) throw new Error(`backlog: ${JSON.stringify(sent.statuses)}`);
  for (;;) {
    const counts = await service.store.jobs.countByState();
    if ((counts.queued ?? 0) === count) break;
    await sleep(50);
  }
}

/**
 * What one claim costs with nobody else claiming: queued jobs claimed and finished one after
 * another through the store's ports. A claim holds the claim advisory lock for its whole
 * transaction, so 1 / claim time is what every worker together can claim per second.
 */
async function serialClaims(pg: Pg): Promise<{ claimMs: number[]; finishMs: number[] }> {
  return inFreshSchema(pg, 'bench_claims', async (schema) => {
    const worker = await startBenchWorker({ name: 'serial', databaseUrl: pg.urlInSchema(schema), concurrency: FLEET_SLOTS, runner: recordingRunner('serial', new Map(), () => undefined) });
    try {
      const jobs = worker.service.store.jobs;
      await queueBacklog(worker.service, SERIAL_CLAIMS);
      const queued = await jobs.listJobs({ states: ['queued'], limit: SERIAL_CLAIMS });
      const claimMs: number[] = [];
      const finishMs: number[] = [];
      for (const job of queued) {
        let at = performance.now();
        const started = await jobs.startJob(job.id, Date.now(), { concurrency: FLEET_SLOTS, perRepository: FLEET_SLOTS, perAgent: FLEET_SLOTS });
        if (!started) throw new Error(`job ${job.id} could not be claimed`);
        claimMs.push(performance.now() - at);
        at = performance.now();
        await jobs.finishJob(job.id, { state: 'succeeded' }, Date.now());
        finishMs.push(performance.now() - at);
      }
      return { claimMs: claimMs.sort((a, b) => a - b), finishMs: finishMs.sort((a, b) => a - b) };
    } finally {
      await worker.close();
    }
  });
}

async function fleetRun(pg: Pg, n: number): Promise<FleetRun> {
  return inFreshSchema(pg, `bench_fleet${n}`, async (schema) => {
    const claims = new Map<number, Claim>();
    let finished = 0;
    const workers: BenchWorker[] = [];
    try {
      const databaseUrl = pg.urlInSchema(schema);
      for (let i = 0; i < n; i++) workers.push(await startBenchWorker({ name: `w${i + 1}`, databaseUrl, concurrency: FLEET_SLOTS, runner: recordingRunner(`w${i + 1}`, claims, () => undefined) }));
      for (const w of workers) w.service.dispatcher.subscribe((notice) => void (notice.type === 'job-finished' && finished++));
      const first = workers[0]!.service;
      await queueBacklog(first, BACKLOG);

      const tally: ClaimTally = { attempts: 0, refused: 0, windows: 0 };
      for (const w of workers) countClaims(w.service.store.jobs, tally);
      const backends = sampleBackends(pg, schema);
      const load = measureLoad();
      const opened = performance.now();
      await first.store.pauses.resume('*');
      for (const w of workers) w.service.dispatcher.notify();
      await until(() => finished >= BACKLOG, `${BACKLOG} jobs to finish on ${n} workers`, 300_000);
      const seconds = (performance.now() - opened) / 1000;
      const machine = load.end();
      const waits = await backends.stop();
      const claimTimes = [...claims.values()].map((c) => c.at).sort((a, b) => a - b);
      const claimSpan = (claimTimes[claimTimes.length - 1]! - claimTimes[0]!) / 1000;
      return {
        workers: n,
        jobsPerSecond: BACKLOG / seconds,
        claimsPerSecond: claimTimes.length / claimSpan,
        seconds,
        lockWaitersMean: waits.waiting,
        activeBackendsMean: waits.active,
        machineBusy: machine.machineBusy,
        processCores: machine.processCores,
        claimAttemptsPerJob: tally.attempts / BACKLOG,
        refusedClaimsPerJob: tally.refused / BACKLOG,
        windowReadsPerJob: tally.windows / BACKLOG,
        perWorker: workers.map((w) => [...claims.values()].filter((c) => c.worker === w.name).length),
      };
    } finally {
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
  for (const n of FLEET) fleet.push(await fleetRun(pg, n));
  const serial = await serialClaims(pg);

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
      'claim_attempts / refused_claims / window_reads per job: claim transactions each worker\'s dispatcher ran (refused: another worker had claimed the job first, or a limit), and runnable-window reads, counted around the workers\' job stores',
      'claim_lock_waiters_mean: PostgreSQL sessions waiting on an advisory lock (sampled every 25 ms); bench_process_cores: CPU of the one process holding every worker, in cores',
    ],
  });
}
