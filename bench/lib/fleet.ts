/**
 * The workers benchmark's simulated fleet: N in-process workers with no-op runners drain a
 * backlog of queued jobs on one PostgreSQL schema, watched from outside — claims tried and
 * refused, PostgreSQL sessions waiting on the claim lock, how busy the cores were — and, beside
 * it, what one claim costs with nobody else claiming.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Service } from '../../src/main.js';
import type { JobStore } from '../../src/queue/ports.js';
import { commentDelivery, startBenchWorker, type BenchWorker } from './bench-worker.js';
import { until } from '../../test/support/wait.js';
import { inFreshSchema, recordingRunner, type Claim, type Pg } from './bench-postgres.js';
import { closedLoop } from './load.js';
import { measureLoad } from './machine-load.js';

/** Slots of each fleet worker; dispatch.concurrency is also the cap across workers, so it is ample. */
export const FLEET_SLOTS = 64;

export interface FleetRun {
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
      const mean = (f: (s: { waiting: number; active: number }) => number) =>
        samples.reduce((sum, s) => sum + f(s), 0) / Math.max(1, samples.length);
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
export async function serialClaims(pg: Pg, count: number): Promise<{ claimMs: number[]; finishMs: number[] }> {
  return inFreshSchema(pg, 'bench_claims', async (schema) => {
    const worker = await startBenchWorker({
      name: 'serial',
      databaseUrl: pg.urlInSchema(schema),
      concurrency: FLEET_SLOTS,
      runner: recordingRunner('serial', new Map()),
    });
    try {
      const jobs = worker.service.store.jobs;
      await queueBacklog(worker.service, count);
      const queued = await jobs.listJobs({ states: ['queued'], limit: count });
      const claimMs: number[] = [];
      const finishMs: number[] = [];
      for (const job of queued) {
        let at = performance.now();
        const started = await jobs.startJob(job.id, Date.now(), {
          concurrency: FLEET_SLOTS,
          perRepository: FLEET_SLOTS,
          perAgent: FLEET_SLOTS,
        });
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

export async function fleetRun(pg: Pg, n: number, backlog: number): Promise<FleetRun> {
  return inFreshSchema(pg, `bench_fleet${n}`, async (schema) => {
    const claims = new Map<number, Claim>();
    let finished = 0;
    const workers: BenchWorker[] = [];
    try {
      const databaseUrl = pg.urlInSchema(schema);
      for (let i = 0; i < n; i++)
        workers.push(
          await startBenchWorker({
            name: `w${i + 1}`,
            databaseUrl,
            concurrency: FLEET_SLOTS,
            runner: recordingRunner(`w${i + 1}`, claims),
          }),
        );
      for (const w of workers)
        w.service.dispatcher.subscribe((notice) => void (notice.type === 'job-finished' && finished++));
      const first = workers[0]!.service;
      await queueBacklog(first, backlog);

      const tally: ClaimTally = { attempts: 0, refused: 0, windows: 0 };
      for (const w of workers) countClaims(w.service.store.jobs, tally);
      const backends = sampleBackends(pg, schema);
      const load = measureLoad();
      const opened = performance.now();
      await first.store.pauses.resume('*');
      for (const w of workers) w.service.dispatcher.notify();
      await until(() => finished >= backlog, `${backlog} jobs to finish on ${n} workers`, 300_000);
      const seconds = (performance.now() - opened) / 1000;
      const machine = load.end();
      const waits = await backends.stop();
      const claimTimes = [...claims.values()].map((c) => c.at).sort((a, b) => a - b);
      const claimSpan = (claimTimes[claimTimes.length - 1]! - claimTimes[0]!) / 1000;
      return {
        workers: n,
        jobsPerSecond: backlog / seconds,
        claimsPerSecond: claimTimes.length / claimSpan,
        seconds,
        lockWaitersMean: waits.waiting,
        activeBackendsMean: waits.active,
        machineBusy: machine.machineBusy,
        processCores: machine.processCores,
        claimAttemptsPerJob: tally.attempts / backlog,
        refusedClaimsPerJob: tally.refused / backlog,
        windowReadsPerJob: tally.windows / backlog,
        perWorker: workers.map((w) => [...claims.values()].filter((c) => c.worker === w.name).length),
      };
    } finally {
      for (const w of workers.reverse()) await w.close();
    }
  });
}
