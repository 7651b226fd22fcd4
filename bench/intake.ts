/**
 * Intake benchmark (issue #2). Sends signed deliveries made from the real captured payloads to
 * the real service (a child process: `claude-hooks serve`, SQLite `synchronous=FULL`, group
 * commit) and, in the same run, to a bare `node:http` server that only reads the body and
 * answers 202 — the floor for Node on this machine. Prints throughput and latency for both and
 * the ratio. Targets: throughput at least 25% of the bare server's; p99 under 20 ms at 500/s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deliveryHeaders, deliveryIdFor, loadSamplePayloads } from '../test/support/payloads.js';
import { startChild, freePort, type ChildServer } from './lib/child-server.js';
import { closedLoop, openLoop, type LoadRequest } from './lib/load.js';
import { percentile, writeReport } from './lib/report.js';

const SECRET = 'bench-secret';
const TOTAL = Number(process.env.BENCH_INTAKE_N ?? 20_000);
const CONCURRENCY = 32;
const RATE = 500;
const RATE_SECONDS = 10;
const root = join(import.meta.dirname, '..');

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
function makeDeliveries(count: number, salt: string): LoadRequest[] {
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
    const headers = deliveryHeaders({ forge: 'forgejo', deliveryId: deliveryIdFor(`${salt}-${i}`), body, secret: SECRET, event: sample.event, eventType: sample.eventType });
    return { path: '/webhook', headers, body };
  });
}

async function startService(): Promise<{ server: ChildServer; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-bench-intake-'));
  const port = await freePort();
  const env = { ...process.env, CLAUDE_HOOKS_PORT: String(port), CLAUDE_HOOKS_DATA_DIR: dataDir, CLAUDE_HOOKS_WEBHOOK_SECRET: SECRET, CLAUDE_HOOKS_CONFIG: '', CLAUDE_HOOKS_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info' };
  const server = await startChild(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'serve'], env, `http://127.0.0.1:${port}`, '/healthz');
  return { server, dataDir };
}

async function startBare(): Promise<ChildServer> {
  const port = await freePort();
  return startChild(process.execPath, ['-e', BARE_SERVER], { ...process.env, PORT: String(port) }, `http://127.0.0.1:${port}`, '/');
}

export async function run(): Promise<void> {
  const bare = await startBare();
  const bareWarm = await closedLoop(bare.url, makeDeliveries(2000, 'bare-warm'), CONCURRENCY);
  const bareRun = await closedLoop(bare.url, makeDeliveries(TOTAL, 'bare'), CONCURRENCY);
  const bareRate = await openLoop(bare.url, makeDeliveries(RATE * RATE_SECONDS, 'bare-rate'), RATE);
  await bare.stop();

  const { server, dataDir } = await startService();
  await closedLoop(server.url, makeDeliveries(2000, 'svc-warm'), CONCURRENCY);
  const svcRun = await closedLoop(server.url, makeDeliveries(TOTAL, 'svc'), CONCURRENCY);
  const svcRate = await openLoop(server.url, makeDeliveries(RATE * RATE_SECONDS, 'svc-rate'), RATE);
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });

  const accepted = svcRun.statuses[202] ?? 0;
  if (accepted !== TOTAL) throw new Error(`only ${accepted} of ${TOTAL} deliveries were accepted: ${JSON.stringify(svcRun.statuses)}`);
  void bareWarm;
  const ratio = svcRun.perSecond / bareRun.perSecond;
  writeReport({
    name: 'intake',
    figures: {
      deliveries: TOTAL,
      concurrency: CONCURRENCY,
      bare_throughput_per_s: bareRun.perSecond,
      service_throughput_per_s: svcRun.perSecond,
      throughput_ratio: ratio,
      bare_p50_ms: percentile(bareRun.latencies, 50),
      bare_p99_ms: percentile(bareRun.latencies, 99),
      service_p50_ms: percentile(svcRun.latencies, 50),
      service_p99_ms: percentile(svcRun.latencies, 99),
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
      `service: claude-hooks serve (Fastify, HMAC, zod normalisation, SQLite WAL synchronous=FULL with group commit), every 202 on disk`,
      `closed loop: ${TOTAL} deliveries at concurrency ${CONCURRENCY}; open loop: ${RATE}/s for ${RATE_SECONDS} s; load generator in this process, servers in child processes`,
    ],
  });
}
