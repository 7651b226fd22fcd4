/**
 * Start-up, stage 5: the HTTP app — the webhook, health and readiness, metrics, the operator API,
 * the dashboard and the admin routes — listening; then where the CLI finds it, and the one-time
 * notice of a generated webhook secret.
 */
import { rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '../agent/claude/budget.js';
import { sweepHistory, withHousekeeping } from '../dashboard/housekeeping-actions.js';
import { jobStoreActions } from '../dashboard/job-actions.js';
import { withMilestones } from '../dashboard/milestone-actions.js';
import { milestoneReads } from '../dashboard/milestone-reads.js';
import { reset } from '../housekeeping/reset.js';
import { adminRoutes } from '../http/admin-routes.js';
import { buildHttpApp } from '../http/build-app.js';
import { dashboardRoute } from '../http/dashboard-route.js';
import { deliveriesRoute } from '../http/deliveries-route.js';
import { dataDirWritableCheck, freeDiskCheck } from '../http/health.js';
import { jobsRoute } from '../http/jobs-route.js';
import { milestonesRoute } from '../http/milestones-route.js';
import { pullsRoute } from '../http/pulls-route.js';
import { runsRoute } from '../http/runs-route.js';
import { workersRoute } from '../http/workers-route.js';
import { SERVICE_URL_FILE } from '../lib/data-dir-lock.js';
import { doctorReadiness, doctorSummary } from '../onboarding/last-result.js';
import type { Agents } from './agents.js';
import type { Dispatch } from './dispatch.js';
import type { Housekeeping } from './housekeeping.js';
import type { MilestoneDriver } from '../tracking/driver.js';
import type { Infrastructure } from './infrastructure.js';
import type { ServiceContext } from './types.js';

export interface Parts {
  readonly infra: Infrastructure;
  readonly agents: Agents;
  readonly dispatch: Dispatch;
  readonly housekeeping: Housekeeping;
  /** The milestone driver, rebuilt at once when an operator pauses or resumes a milestone. */
  readonly milestones?: MilestoneDriver | undefined;
}

/** Listens, and answers the URL it listens on (`http://host:port`; the configured port may be 0). */
export async function startHttp(
  ctx: ServiceContext,
  { infra, agents, dispatch, housekeeping, milestones: driver }: Parts,
): Promise<string> {
  const { config, log, clock, lifecycle } = ctx;
  const { store, tokenCheck } = infra;
  const { dispatcher } = dispatch;
  const { sweeper, resetDeps } = housekeeping;
  const admin = adminRoutes({
    adminToken: config.adminToken,
    resetDeps,
    cancelJob: (id, reason) => dispatcher.cancel(id, reason),
    pauses: store.pauses,
    resumed: () => dispatcher.notify(),
    forgeHost: config.forge.url ? new URL(config.forge.url).host.toLowerCase() : undefined,
    sessions: store.sessions,
    workdirs: infra.workdirs,
    sweeps: store.sweeps,
    audit: store.audit,
    sweep: (sweepOptions) => sweeper.sweep({ ...sweepOptions, trigger: 'api' }),
    clock,
  });
  const milestones = milestoneReads(store, config);
  const dashboard = dashboardRoute({
    adminToken: config.adminToken,
    status: {
      jobs: store.jobs,
      reads: store.dashboard,
      diskSamples: store.diskSamples,
      agents: config.agents,
      isolation: config.isolation,
      forgeUrl: config.forge.url,
      defaultMaxDailyUsd: DEFAULT_LIMITS.maxDailyUsd,
      rejections: infra.rejections,
      liveStatus: infra.live.of,
      sweeps: sweepHistory(store.sweeps),
      doctor: () => doctorSummary(config.dataDir),
      milestones,
      pulls: { watched: store.pulls, cap: config.pulls.fixAttempts },
    },
    runs: store.runs,
    actions: withMilestones(
      withHousekeeping(jobStoreActions(store.jobs, clock), {
        sweep: () => sweeper.sweep({ trigger: 'dashboard' }),
        reset: (request) => reset(resetDeps, request),
        audit: store.audit,
        clock,
      }),
      { milestones: store.milestones, audit: store.audit, clock, touched: (repo, n) => driver?.touch(repo, n) },
    ),
    clock,
    secureCookie: config.server.publicUrl?.startsWith('https:') ?? false,
    sessionTtlMs: config.dashboard.sessionHours * 3600_000,
  });
  const app = buildHttpApp({
    acceptDelivery: infra.acceptDelivery,
    metrics: infra.metrics,
    metricsToken: config.server.metricsToken,
    log,
    bodyLimitBytes: config.server.bodyLimitBytes,
    connections: {
      requestTimeoutMs: config.server.requestTimeoutSeconds * 1000,
      headersTimeoutMs: config.server.headersTimeoutSeconds * 1000,
      keepAliveTimeoutMs: config.server.keepAliveTimeoutSeconds * 1000,
      maxConnections: config.server.maxConnections,
    },
    readiness: [
      store.readiness,
      dataDirWritableCheck(config.dataDir),
      freeDiskCheck(config.dataDir, config.health.minFreeBytes),
      doctorReadiness(config.dataDir),
      ...(agents.sandboxCheck ? [agents.sandboxCheck] : []),
      ...(tokenCheck ? [{ name: 'forge', run: () => tokenCheck.readiness.status() }] : []),
    ],
    routes: [
      jobsRoute({ store: store.jobs, adminToken: config.adminToken }),
      workersRoute({ workers: store.workers, adminToken: config.adminToken, clock, self: infra.identity.id }),
      deliveriesRoute({ history: store.deliveryHistory, adminToken: config.adminToken }),
      runsRoute({ runs: store.runs, adminToken: config.adminToken }),
      milestonesRoute({
        adminToken: config.adminToken,
        reads: milestones,
        milestones: store.milestones,
        touched: (repo, n) => driver?.touch(repo, n),
        audit: store.audit,
        clock,
      }),
      pullsRoute({ adminToken: config.adminToken, pulls: store.pulls, cap: config.pulls.fixAttempts }),
      dashboard,
      admin,
    ],
  });
  await tokenCheck?.beforeListen();
  await app.listen({ host: config.server.host, port: config.server.port });
  lifecycle.defer('http', () => app.close());
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
  log.info(
    { url, dataDir: config.dataDir, store: store.location, agents: config.agents.map((a) => a.name) },
    'claude-hooks listening',
  );
  // Where the CLI finds this service's admin API.
  writeFileSync(join(config.dataDir, SERVICE_URL_FILE), `${url}\n`, { mode: 0o600 });
  lifecycle.defer('service url', () => rmSync(join(config.dataDir, SERVICE_URL_FILE), { force: true }));
  const { webhookSecret } = infra;
  if (webhookSecret.generated)
    ctx.options.announce?.(
      secretNotice(config.server.publicUrl ?? url, webhookSecret.path, webhookSecret.secret.reveal()),
    );
  return url;
}

function secretNotice(baseUrl: string, path: string, secret: string): string {
  return [
    '',
    'No webhook secret was configured, so one was generated and saved in',
    `  ${path}`,
    'Add a webhook in the forge (repository or organisation settings → Webhooks → Forgejo/Gitea):',
    `  Target URL:   ${baseUrl.replace(/\/+$/, '')}/webhook`,
    '  Content type: application/json',
    `  Secret:       ${secret}`,
    'This notice is printed once; the secret stays in the file above.',
    '',
  ].join('\n');
}
