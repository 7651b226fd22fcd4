/**
 * Dashboard benchmark (docs/decisions.md §22): with 10,000 runs, 1,000 sessions and a year of disk samples in
 * the store, how fast `/api/status` and `/` answer over loopback HTTP (sequential requests, p50
 * and p99), and how big the page is. Baseline, same run: `/healthz` on the same server.
 *
 * Targets: p99 < 50 ms for both; the page's HTML under 200 KB. Disk use is read from the newest
 * stored sample — nothing is measured per request (the sampler runs in the background).
 */
import type { AddressInfo } from 'node:net';
import { ADMIN_TOKEN, dashboardApp } from '../test/support/dashboard-app.js';
import { percentile, writeReport } from './lib/report.js';

const REQUESTS = 400;

interface Timing {
  readonly p50: number;
  readonly p99: number;
  readonly bytes: number;
}
const WARMUP = 30;

export async function run(): Promise<void> {
  const seedStarted = performance.now();
  const d = await dashboardApp({ runs: 10_000, sessions: 1_000, diskDays: 365 });
  const seedMs = performance.now() - seedStarted;
  try {
    await d.app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(d.app.server.address() as AddressInfo).port}`;
    const signIn = await fetch(`${base}/dashboard/sign-in`, {
      method: 'POST',
      body: new URLSearchParams({ token: ADMIN_TOKEN }),
      redirect: 'manual',
    });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    if (!cookie.startsWith('claude_hooks_session=')) throw new Error('bench dashboard: sign-in gave no cookie');

    // Interleaved, so a busy moment on the machine falls on all three alike.
    const [health, status, page] = (await timeRequests([
      { url: `${base}/healthz`, headers: {} },
      { url: `${base}/api/status`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
      { url: `${base}/`, headers: { cookie } },
    ])) as [Timing, Timing, Timing];
    const json = (await (
      await fetch(`${base}/api/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).json()) as { runs: unknown[]; disk: { history: unknown[] } };
    if (json.runs.length === 0 || json.disk.history.length < 2)
      throw new Error('bench dashboard: the seeded data is not in the status');

    writeReport({
      name: 'dashboard',
      figures: {
        seed_s: seedMs / 1000,
        healthz_p50_ms: health.p50,
        healthz_p99_ms: health.p99,
        status_p50_ms: status.p50,
        status_p99_ms: status.p99,
        status_json_kb: status.bytes / 1024,
        page_p50_ms: page.p50,
        page_p99_ms: page.p99,
        page_html_kb: page.bytes / 1024,
      },
      targets: {
        status_p99_ms: { value: status.p99, max: 50 },
        page_p99_ms: { value: page.p99, max: 50 },
        page_html_kb: { value: page.bytes / 1024, max: 200 },
      },
      notes: [
        `store: 10,000 runs, 1,000 extra sessions, 365 days of disk samples (thinned); ${REQUESTS} sequential requests each after ${WARMUP} warm-up`,
        'baseline: GET /healthz on the same server',
      ],
    });
  } finally {
    await d.close();
  }
}

async function timeRequests(
  targets: ReadonlyArray<{ url: string; headers: Record<string, string> }>,
): Promise<Timing[]> {
  const samples = targets.map(() => [] as number[]);
  const bytes = targets.map(() => 0);
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    for (const [t, target] of targets.entries()) {
      const started = performance.now();
      const response = await fetch(target.url, { headers: target.headers });
      const body = await response.arrayBuffer();
      const ms = performance.now() - started;
      if (!response.ok) throw new Error(`bench dashboard: ${target.url} answered ${response.status}`);
      bytes[t] = body.byteLength;
      if (i >= WARMUP) samples[t]!.push(ms);
    }
  }
  return samples.map((list, t) => {
    list.sort((a, b) => a - b);
    return { p50: percentile(list, 50), p99: percentile(list, 99), bytes: bytes[t] ?? 0 };
  });
}
