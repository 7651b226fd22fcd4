/**
 * Intake benchmark (docs/decisions.md §6). Sends signed deliveries made from the real captured payloads to
 * the real service (a child process: `claude-hooks serve`; group commit fsyncs the WAL before
 * any 202) and, in the same run, to a bare `node:http` server that only reads the body and
 * answers 202 — the floor for Node on this machine. Prints throughput and latency for both and
 * the ratio. Targets: throughput at least 25% of the bare server's; p99 under 20 ms at 500/s.
 */
import { rmSync } from 'node:fs';
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

export async function run(): Promise<void> {
  const bare = await startBare();
  await closedLoop(bare.url, makeDeliveries(2000, 'bare-warm'), 32);
  const bareRuns: LoadResult[] = [];
  for (const c of CONCURRENCIES) bareRuns.push(await closedLoop(bare.url, makeDeliveries(TOTAL, `bare-${c}`), c));
  const bareRate = await openLoop(bare.url, makeDeliveries(RATE * RATE_SECONDS, 'bare-rate'), RATE);
  await bare.stop();

  const { server, dataDir } = await serveInTempDir({
    prefix: 'claude-hooks-bench-intake-',
    webhookSecret: SECRET,
    logLevel: 'info',
  });
  await closedLoop(server.url, makeDeliveries(2000, 'svc-warm'), 32);
  const svcRuns: LoadResult[] = [];
  for (const c of CONCURRENCIES) svcRuns.push(await closedLoop(server.url, makeDeliveries(TOTAL, `svc-${c}`), c));
  const svcRate = await openLoop(server.url, makeDeliveries(RATE * RATE_SECONDS, 'svc-rate'), RATE);
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });

  for (const run of svcRuns) {
    const accepted = run.statuses[202] ?? 0;
    if (accepted !== TOTAL)
      throw new Error(`only ${accepted} of ${TOTAL} deliveries were accepted: ${JSON.stringify(run.statuses)}`);
  }
  const figures: Record<string, number> = { deliveries: TOTAL };
  CONCURRENCIES.forEach((c, i) => {
    const bareRun = bareRuns[i]!;
    const svcRun = svcRuns[i]!;
    figures[`c${c}_bare_throughput_per_s`] = bareRun.perSecond;
    figures[`c${c}_service_throughput_per_s`] = svcRun.perSecond;
    figures[`c${c}_throughput_ratio`] = svcRun.perSecond / bareRun.perSecond;
    figures[`c${c}_bare_p99_ms`] = percentile(bareRun.latencies, 99);
    figures[`c${c}_service_p50_ms`] = percentile(svcRun.latencies, 50);
    figures[`c${c}_service_p99_ms`] = percentile(svcRun.latencies, 99);
  });
  const ratio = figures[`c${CONCURRENCIES[1]}_throughput_ratio`]!;
  writeReport({
    name: 'intake',
    figures: {
      ...figures,
      bare_at_500_per_s_p99_ms: percentile(bareRate.latencies, 99),
      service_at_500_per_s_p50_ms: percentile(svcRate.latencies, 50),
      service_at_500_per_s_p99_ms: percentile(svcRate.latencies, 99),
      service_at_500_per_s_p99_ratio_to_bare: percentile(svcRate.latencies, 99) / percentile(bareRate.latencies, 99),
    },
    targets: {
      throughput_ratio_to_bare: { value: ratio, min: 0.25 },
      p99_ms_at_500_per_s: { value: percentile(svcRate.latencies, 99), max: 20 },
    },
    notes: [
      `baseline: a bare node:http server that reads the body and answers 202, measured in this run`,
      `service: claude-hooks serve (Fastify, HMAC, zod normalisation, SQLite WAL; group commit fsyncs the WAL before answering a batch), every 202 on disk`,
      `closed loop: ${TOTAL} deliveries at each concurrency (${CONCURRENCIES.join(', ')}); the throughput target is read at ${CONCURRENCIES[1]}`,
      `at lower concurrency the service is bound by clients / (batch time + one WAL fsync): every 202 waits for its batch's fsync`,
      `open loop: ${RATE}/s for ${RATE_SECONDS} s; load generator in this process, servers in child processes`,
    ],
  });
}
