/**
 * The HTTP app with the dashboard route over a freshly seeded SQLite store (temp dir), built as
 * `main` builds it but without the rest of the service: for the route tests (`inject`), the
 * browser test (listening on loopback) and the benchmark.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { jobStoreActions } from '../../src/dashboard/job-actions.js';
import { withMilestones } from '../../src/dashboard/milestone-actions.js';
import { milestoneReads } from '../../src/dashboard/milestone-reads.js';
import { buildHttpApp } from '../../src/http/build-app.js';
import { dashboardRoute } from '../../src/http/dashboard-route.js';
import { createMetrics } from '../../src/http/metrics.js';
import { manualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { Secret } from '../../src/lib/secret.js';
import type { RunIsolation } from '../../src/sessions/ports.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/ports.js';
import { PULL_CAP, seedDashboard, seedPulls, type SeedOptions, type Seeded } from './dashboard-seed.js';
import { seedMilestones } from './milestone-seed.js';

export const ADMIN_TOKEN = 'dashboard-admin-token';
/** Three stories of a milestone in flight at once; stacked starts only where a tracking issue asks. */
export const MILESTONE_SETTINGS = { stacking: false, maxInFlight: 3 } as const;

export interface DashboardApp {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly seeded: Seeded;
  readonly clock: ReturnType<typeof manualClock>;
  close(): Promise<void>;
}

export interface DashboardAppOptions {
  /** ADMIN_TOKEN when not given; `undefined` given closes the dashboard. */
  readonly adminToken?: string | undefined;
  /** How the service says it confines runs (`bwrap` when not given). */
  readonly isolation?: RunIsolation;
  /** Seeds the milestones of `milestone-seed.ts` too (the section is there either way). */
  readonly milestones?: boolean;
  /** Seeds the watched pull requests of `dashboard-seed.ts` too (the section is there either way). */
  readonly pulls?: boolean;
}

export async function dashboardApp(seed: SeedOptions = {}, options: DashboardAppOptions = {}): Promise<DashboardApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-dashboard-app-'));
  const clock = manualClock(seed.now ?? Date.parse('2026-11-20T12:00:00Z'));
  const store = await openStore({ kind: 'sqlite' }, { dataDir, clock, dedupWindowMs: 3600_000 });
  const seeded = await seedDashboard(store, seed);
  if (options.milestones) await seedMilestones(store, seeded.now);
  if (options.pulls) await seedPulls(store, seeded.now);
  clock.set(seeded.now);
  const token = 'adminToken' in options ? options.adminToken : ADMIN_TOKEN;
  const adminToken = token === undefined ? undefined : new Secret(token);
  const app = buildHttpApp({
    acceptDelivery: async () => ({ kind: 'rejected', reason: 'bad-headers', message: 'unused' }),
    metrics: createMetrics({ defaultMetrics: false }),
    log: silentLogger(),
    bodyLimitBytes: 1024 * 1024,
    readiness: [],
    routes: [
      dashboardRoute({
        adminToken,
        status: {
          jobs: store.jobs,
          reads: store.dashboard,
          diskSamples: store.diskSamples,
          agents: [
            { name: 'boss', limits: {} },
            { name: 'dev', limits: {} },
            { name: 'reviewer', limits: {} },
          ],
          forgeUrl: 'http://forge.test',
          defaultMaxDailyUsd: 50,
          isolation: options.isolation ?? 'bwrap',
          rejections: { countSince: async () => 0 },
          milestones: milestoneReads(store, {
            agents: [
              { name: 'boss', role: 'planner' },
              { name: 'dev', role: 'implementer' },
              { name: 'reviewer', role: 'reviewer' },
            ],
            milestones: MILESTONE_SETTINGS,
          }),
          pulls: { watched: store.pulls, cap: PULL_CAP },
        },
        runs: store.runs,
        actions: withMilestones(jobStoreActions(store.jobs, clock), {
          milestones: store.milestones,
          audit: store.audit,
          clock,
        }),
        clock,
      }),
    ],
  });
  await app.ready();
  return {
    app,
    store,
    seeded,
    clock,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

/** Signs in with the admin token and returns the session cookie (for `inject`'s headers). */
export async function signedInCookie(d: DashboardApp): Promise<string> {
  const response = await d.app.inject({
    method: 'POST',
    url: '/dashboard/sign-in',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ token: ADMIN_TOKEN }).toString(),
  });
  const cookie = String(response.headers['set-cookie'] ?? '').split(';')[0];
  if (!cookie) throw new Error(`sign-in answered ${response.statusCode} without a cookie`);
  return cookie;
}
