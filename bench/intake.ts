/**
 * Intake benchmark (docs/decisions.md §6). Sends signed deliveries made from the real captured payloads to
 * the real service (a child process: `claude-hooks serve`; group commit fsyncs the WAL before
 * any 202) and, in the same run, to a bare `node:http` server that only reads the body and
 * answers 202 — the floor for Node on this machine. Prints throughput and latency for both and
 * the ratio. Targets: throughput at least 30% of the bare server's; p99 under 20 ms at 500/s.
 *
 * Both servers run side by side and each measurement on the service follows the same one on the
 * bare server, so a change in the machine's load falls on both sides of a ratio alike. The
 * service's CPU time per delivery (all threads, and its main thread alone — the thread that bounds
 * its throughput) is read from /proc (Linux; NaN elsewhere): it moves less with other work on the
 * machine than the rates do.
 */
import { readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { deliveryHeaders, deliveryIdFor, loadSamplePayloads } from '../test/support/payloads.js';
import { freePort, serveInTempDir, startChild, type ChildServer } from './lib/child-server.js';
import { closedLoop, openLoop, type LoadRequest, type LoadResult } from './lib/load.js';
import { percentile, writeReport } from './lib/report.js';

export const SECRET = 'bench-secret';
const TOTAL = Number(process.env.BENCH_INTAKE_N ?? 20_000);
/** The target is read at the higher concurrency; the lower one is printed beside it. */
const CONCURRENCIES = [32, 64] as const;
const RATE = 500;
const RATE_SECONDS = 10;
const TARGET_RATIO = 0.3;
const TARGET_P99_MS = 20;

const BARE_SERVER = `
const http = require('node:http');
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => { Buffer.concat(chunks); res.writeHead(202, { 'content-type': 'application/json' }); res.end('{"delivery":"x"}'); });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

let made = 0;

/** Distinct deliveries: each sample with a fresh id inside the body, so every one is a new event. */
export function makeDeliveries(count: number, salt: string): LoadRequest[] {
  const samples = loadSamplePayloads({ forge: 'forgejo' });
  return Array.from({ length: count }, () => {
    const i = made++;
    const sample = samples[i % samples.length]!;
    const payload = JSON.parse(sample.body.toString('utf8')) as Record<string, any>;
    if (payload.comment) payload.comment.id = 1_000_000 + i;
    if (payload.issue) payload.issue.updated_at = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
    // An opened issue is opened once: each opening needs its own issue number.
    if (payload.action === 'opened' && payload.issue) payload.issue.number = payload.number = 10_000 + i;
    if (payload.pull_request) {
      payload.pull_request.updated_at = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
      if (payload.pull_request.head) payload.pull_request.head.sha = i.toString(16).padStart(40, '0');
    }
    if (payload.ref && payload.ref_type) payload.ref = `issue-${i}-bench`;
    const body = Buffer.from(JSON.stringify(payload, null, 2));
    const headers = deliveryHeaders({
      forge: 'forgejo',
      deliveryId: deliveryIdFor(`${salt}-${i}`),
      body,
      secret: SECRET,
      event: sample.event,
      eventType: sample.eventType,
    });
    return { path: '/webhook', headers, body };
  });
}

async function startBare(): Promise<ChildServer> {
  const port = await freePort();
  return startChild(
    process.execPath,
    ['-e', BARE_SERVER],
    { ...process.env, PORT: String(port) },
    `http://127.0.0.1:${port}`,
    '/',
  );
}

/** CPU milliseconds a process (or, with `thread`, one of its threads) has used so far; NaN off Linux. */
function cpuMs(pid: number | undefined, thread?: number): number {
  if (pid === undefined) return Number.NaN;
  try {
    const path = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`;
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, in clock ticks of 10 ms (fields 14 and 15 of proc(5), counted after the name).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** Runs `measure` and answers its result with the server's CPU µs per delivery, whole process and main thread. */
async function withCpu<T>(
  server: ChildServer,
  deliveries: number,
  measure: () => Promise<T>,
): Promise<{ result: T; cpuUs: number; mainThreadCpuUs: number }> {
  const pid = server.child.pid;
  const [process0, main0] = [cpuMs(pid), cpuMs(pid, pid)];
  const result = await measure();
  const [process1, main1] = [cpuMs(pid), cpuMs(pid, pid)];
  return {
    result,
    cpuUs: ((process1 - process0) * 1000) / deliveries,
    mainThreadCpuUs: ((main1 - main0) * 1000) / deliveries,
  };
}

export async function run(): Promise<void> {
  const loadAtStart = loadavg()[0] ?? Number.NaN;
  const bare = await startBare();
  const { server, dataDir } = await serveInTempDir({
    prefix: 'claude-hooks-bench-intake-',
    webhookSecret: SECRET,
    logLevel: 'info',
  });
  await closedLoop(bare.url, makeDeliveries(2000, 'bare-warm'), 32);
  await closedLoop(server.url, makeDeliveries(2000, 'svc-warm'), 32);

  const bareRuns: LoadResult[] = [];
  const svcRuns: Array<{ result: LoadResult; cpuUs: number; mainThreadCpuUs: number }> = [];
  for (const c of CONCURRENCIES) {
    bareRuns.push(await closedLoop(bare.url, makeDeliveries(TOTAL, `bare-${c}`), c));
    const deliveries = makeDeliveries(TOTAL, `svc-${c}`);
    svcRuns.push(await withCpu(server, TOTAL, () => closedLoop(server.url, deliveries, c)));
  }
  const bareRate = await openLoop(bare.url, makeDeliveries(RATE * RATE_SECONDS, 'bare-rate'), RATE);
  const svcRate = await openLoop(server.url, makeDeliveries(RATE * RATE_SECONDS, 'svc-rate'), RATE);
  await bare.stop();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  const loadAtEnd = loadavg()[0] ?? Number.NaN;

  for (const { result } of svcRuns) {
    const accepted = result.statuses[202] ?? 0;
    if (accepted !== TOTAL)
      throw new Error(`only ${accepted} of ${TOTAL} deliveries were accepted: ${JSON.stringify(result.statuses)}`);
  }
  const figures: Record<string, number> = {
    deliveries: TOTAL,
    load_average_1min_at_start: loadAtStart,
    load_average_1min_at_end: loadAtEnd,
  };
  CONCURRENCIES.forEach((c, i) => {
    const bareRun = bareRuns[i]!;
    const { result: svcRun, cpuUs, mainThreadCpuUs } = svcRuns[i]!;
    figures[`c${c}_bare_throughput_per_s`] = bareRun.perSecond;
    figures[`c${c}_service_throughput_per_s`] = svcRun.perSecond;
    figures[`c${c}_throughput_ratio`] = svcRun.perSecond / bareRun.perSecond;
    figures[`c${c}_bare_p99_ms`] = percentile(bareRun.latencies, 99);
    figures[`c${c}_service_p50_ms`] = percentile(svcRun.latencies, 50);
    figures[`c${c}_service_p99_ms`] = percentile(svcRun.latencies, 99);
    figures[`c${c}_service_cpu_us_per_delivery`] = cpuUs;
    figures[`c${c}_service_main_thread_cpu_us_per_delivery`] = mainThreadCpuUs;
  });
  const ratio = figures[`c${CONCURRENCIES[1]}_throughput_ratio`]!;
  const p99AtRate = percentile(svcRate.latencies, 99);
  writeReport({
    name: 'intake',
    figures: {
      ...figures,
      bare_at_500_per_s_p99_ms: percentile(bareRate.latencies, 99),
      service_at_500_per_s_p50_ms: percentile(svcRate.latencies, 50),
      service_at_500_per_s_p99_ms: p99AtRate,
      service_at_500_per_s_p99_ratio_to_bare: p99AtRate / percentile(bareRate.latencies, 99),
    },
    targets: {
      throughput_ratio_to_bare: { value: ratio, min: TARGET_RATIO },
      p99_ms_at_500_per_s: { value: p99AtRate, max: TARGET_P99_MS },
    },
    notes: [
      `baseline: a bare node:http server that reads the body and answers 202, measured in this run, each of its runs just before the service's`,
      `service: claude-hooks serve (Fastify, HMAC, zod normalisation, SQLite WAL; group commit fsyncs the WAL before answering a batch), every 202 on disk`,
      `closed loop: ${TOTAL} deliveries at each concurrency (${CONCURRENCIES.join(', ')}); the throughput target is read at ${CONCURRENCIES[1]}`,
      `at ${CONCURRENCIES[1]} senders the service is bound by its main thread's CPU per delivery; at lower concurrency by clients / (batch time + one WAL fsync)`,
      `open loop: ${RATE}/s for ${RATE_SECONDS} s; load generator in this process, servers in child processes`,
      `machine load (1-min average) ${loadAtStart.toFixed(2)} at the start, ${loadAtEnd.toFixed(2)} at the end: above ~0.5 other work shares the cores and the disk`,
    ],
  });
}
