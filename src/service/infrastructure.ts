/**
 * Start-up, stage 1: what everything else stands on — the data dir (private, locked), the store,
 * this worker's identity, the webhook secret and the intake, the metrics, each agent's forge
 * client and the token check, the workdirs and the disk sampler.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { createLiveStatus, type LiveStatus } from '../agent/status/live-status.js';
import type { AgentConfig, Config } from '../config/types.js';
import { ensureWebhookSecret } from '../config/webhook-secret.js';
import { createDiskSampler, type DiskSampler } from '../dashboard/disk-sampler.js';
import { createRejectionTally, type RejectionTally } from '../dashboard/rejection-tally.js';
import { AgentCheckError, createForgeReadiness, type ForgeReadiness } from '../forge/check-agents.js';
import type { ForgeClient } from '../forge/client.js';
import { createGiteaClient } from '../forge/rest/gitea-client.js';
import { loopbackOrToken } from '../housekeeping/listen-guard.js';
import { createMetrics, type Metrics } from '../http/metrics.js';
import { createAcceptDelivery, type AcceptDelivery } from '../intake/accept-delivery.js';
import type { Clock } from '../lib/clock.js';
import { lockDataDir } from '../lib/data-dir-lock.js';
import type { Logger } from '../lib/logger.js';
import { ensurePrivateDir } from '../lib/private-files.js';
import type { Secret } from '../lib/secret.js';
import { openStore, storeFiles } from '../store/open-store.js';
import type { Store } from '../store/ports.js';
import {
  createBackgroundFetch,
  createKnownHeads,
  createWorkdirs,
  type KnownHeads,
  watchHeads,
  type Workdirs,
} from '../workdir/index.js';
import type { WorkerDisk, WorkerIdentity } from '../workers/ports.js';
import type { ServiceContext } from './types.js';

export interface Infrastructure {
  readonly store: Store;
  readonly identity: WorkerIdentity;
  /** Several workers share the store (PostgreSQL); with SQLite this process is the only one. */
  readonly several: boolean;
  /** How long this worker counts as alive after a heartbeat. */
  readonly leaseMs: number;
  readonly webhookSecret: WebhookSecret;
  readonly metrics: Metrics;
  readonly acceptDelivery: AcceptDelivery;
  /** Each configured agent's forge client, by agent name. */
  readonly clients: ReadonlyMap<string, ForgeClient>;
  /** The agents' token check; undefined without agents. */
  readonly tokenCheck: TokenCheck | undefined;
  readonly workdirs: Workdirs;
  readonly diskSampler: DiskSampler;
  /** The last disk measurement, reported with each heartbeat. */
  lastDisk(): WorkerDisk | undefined;
  readonly rejections: RejectionTally;
  readonly live: LiveStatus;
  /**
   * Whether this worker leads the sweeper (its disk samples make the dashboard's history): with
   * SQLite always; with several workers, set once leadership is known (`housekeeping` stage).
   */
  leadsSweeps: () => boolean;
}

export async function openInfrastructure(ctx: ServiceContext): Promise<Infrastructure> {
  const { config, log, clock, lifecycle, options } = ctx;
  loopbackOrToken(config);
  const tightened = ensurePrivateDir(config.dataDir);
  if (tightened)
    log.warn(
      { dataDir: tightened.path, was: tightened.was, now: '0700' },
      'data dir was readable by other users; tightened it to 0700',
    );
  const dataDirLock = lockDataDir(config.dataDir);
  lifecycle.defer('data dir lock', () => dataDirLock.release());
  const identity = workerIdentity(config.dataDir, options.workerId);
  const store = await openStore(config.store, {
    dataDir: config.dataDir,
    workerId: identity.id,
    clock,
    dedupWindowMs: config.intake.dedupWindowHours * 3600_000,
    onBackgroundError: (error) => log.warn({ error }, 'WAL checkpoint failed; the WAL grows until one succeeds'),
    onConnectionError: ({ connection, error }) =>
      log.warn({ connection, err: error }, 'a connection to PostgreSQL failed; the store reconnects by itself'),
  });
  lifecycle.defer('database', () => store.close());
  const several = config.store.kind === 'postgres';

  const webhookSecret = resolveWebhookSecret(config);
  // A generated secret is known only from here on.
  ctx.redactor.add(webhookSecret.secret);
  const metrics = createMetrics({ jobCounts: () => store.jobs.countByState() });
  const acceptDelivery = createAcceptDelivery({
    secret: webhookSecret.secret,
    secretSetting: webhookSecret.setting,
    store: store.deliveries,
    clock,
    forgeUrl: config.forge.url,
  });

  const clients = new Map(
    config.agents.map((agent) => [agent.name, (options.forgeClientFor ?? agentForgeClient(config, log))(agent)]),
  );
  const tokenCheck = checkAgentTokens(config, clients, clock, log);
  const knownHeads = createKnownHeads({ clock, maxAgeMs: config.workdir.knownHeadMaxAgeSeconds * 1000 });
  const workdirs = createWorkdirs({
    dataDir: config.dataDir,
    minFreeBytes: config.workdir.minFreeBytes,
    gitIdleTimeoutSeconds: config.workdir.gitIdleTimeoutSeconds,
    gitTimeoutMs: config.workdir.gitTimeoutMinutes * 60_000,
    lockWaitMs: config.workdir.lockWaitSeconds * 1000,
    forgeUrl: config.forge.url,
    env: options.env ?? {},
    log,
    clock,
    alsoMeasure: { transcripts: [join(config.dataDir, 'claude')], database: storeFiles(config.store, config.dataDir) },
    knownHeads,
  });
  learnHeads(ctx, store, workdirs, knownHeads);
  let lastDisk: WorkerDisk | undefined;
  const infra: Infrastructure = {
    store,
    identity,
    several,
    leaseMs: config.store.kind === 'postgres' ? config.store.leaseSeconds * 1000 : 30_000,
    webhookSecret,
    metrics,
    acceptDelivery,
    clients,
    tokenCheck,
    workdirs,
    diskSampler: createDiskSampler({
      measure: () => workdirs.diskUsage({ maxAgeMs: 0 }),
      // Every worker measures its own disk (its heartbeat reports it); the dashboard's history is
      // the sweeper leader's, so several workers do not interleave their disks in one chart.
      samples: { record: (sample) => (infra.leadsSweeps() ? store.diskSamples.record(sample) : Promise.resolve()) },
      clock,
      log: log.child({ module: 'dashboard' }),
      intervalMs: config.dashboard.diskSampleMinutes * 60_000,
      onSample: (sample) => {
        for (const [kind, bytes] of Object.entries(sample.kinds)) metrics.diskBytes.set({ kind }, bytes);
        lastDisk = {
          freeBytes: sample.freeBytes,
          worktreesBytes: sample.kinds.worktrees,
          cachesBytes: sample.kinds.caches,
        };
      },
    }),
    lastDisk: () => lastDisk,
    rejections: createRejectionTally({ total: () => rejectedTotal(metrics), clock }),
    live: createLiveStatus(),
    leadsSweeps: () => !several,
  };
  infra.diskSampler.start();
  lifecycle.defer('disk sampler', () => infra.diskSampler.stop());
  infra.rejections.start();
  lifecycle.defer('rejection tally', () => infra.rejections.stop());
  return infra;
}

/**
 * Every stored event tells the known heads what it says of the forge's heads, and a push is
 * fetched into its repository's cache in the background, with the first agent's token, so the
 * job that follows it need not ask the forge (decisions.md §51).
 */
function learnHeads(ctx: ServiceContext, store: Store, workdirs: Workdirs, heads: KnownHeads): void {
  const agent = ctx.config.agents[0];
  const fetcher =
    agent && heads.enabled
      ? createBackgroundFetch({
          fetch: (repo, branches, signal) => workdirs.refresh(repo, branches, { agent, signal }),
          clock: ctx.clock,
          log: ctx.log.child({ module: 'workdir' }),
        })
      : undefined;
  if (fetcher) ctx.lifecycle.defer('background fetches', () => fetcher.stop());
  store.onEvent(watchHeads({ heads, fetchSoon: fetcher && ((repo, branch) => fetcher.request(repo, branch)) }));
}

/** Who this worker is: a fresh id per start, so a restarted worker never inherits its old leases. */
function workerIdentity(dataDir: string, id: string | undefined): WorkerIdentity {
  return {
    id: id ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    host: hostname(),
    pid: process.pid,
    dataDir: resolve(dataDir),
  };
}

export interface WebhookSecret {
  readonly secret: Secret;
  /** Generated on this start (and so announced once with the webhook URL). */
  readonly generated: boolean;
  /** Where a generated secret is kept. */
  readonly path: string;
  /** Where the secret comes from, for the intake's messages. */
  readonly setting: string;
}

function resolveWebhookSecret(config: Config): WebhookSecret {
  if (config.forge.webhookSecret) {
    return {
      secret: config.forge.webhookSecret,
      generated: false,
      path: '',
      setting: 'CLAUDE_HOOKS_WEBHOOK_SECRET (forge.webhookSecret)',
    };
  }
  const generated = ensureWebhookSecret(config.dataDir);
  return { ...generated, setting: `the generated secret in ${generated.path}` };
}

/** Deliveries refused so far (bad signature, bad payload, …), from the intake's counter. */
async function rejectedTotal(metrics: Metrics): Promise<number> {
  const { values } = await metrics.deliveries.get();
  return values.filter((v) => String(v.labels.outcome).startsWith('rejected')).reduce((sum, v) => sum + v.value, 0);
}

/** `forge.serviceToken`'s client, which reads who may trigger; undefined without one (the first agent reads, and needs admin). */
export function serviceForgeClient(config: Config, log: Logger): ForgeClient | undefined {
  const token = config.forge.serviceToken;
  if (token === undefined || config.forge.url === undefined) return undefined;
  return createGiteaClient({
    baseUrl: config.forge.url,
    token,
    timeoutMs: config.forge.requestTimeoutSeconds * 1000,
    log: log.child({ module: 'forge', agent: 'service' }),
  });
}

function agentForgeClient(config: Config, log: Logger) {
  return (agent: AgentConfig): ForgeClient => {
    if (!config.forge.url) throw new Error('forge.url is required when agents are configured');
    return createGiteaClient({
      baseUrl: config.forge.url,
      token: agent.token,
      timeoutMs: config.forge.requestTimeoutSeconds * 1000,
      log: log.child({ module: 'forge', agent: agent.name }),
    });
  };
}

export interface TokenCheck {
  readonly readiness: ForgeReadiness;
  /** Before listening: a wrong token the forge answered quickly fails start-up. */
  beforeListen(): Promise<void>;
}

/**
 * Every agent's token and login, checked with the forge while the service starts — never holding
 * it up (a forge that hangs must not keep webhooks out): start-up waits for the answer at most
 * `forge.startupWaitSeconds` after the check began. A wrong token in that answer fails start-up naming the agent; one found
 * later is logged as an error and keeps `/readyz` failing, naming it. An unreachable forge is a
 * warning, and `/readyz` says "forge unreachable: …" until a later check gets through.
 */
function checkAgentTokens(
  config: Config,
  clients: ReadonlyMap<string, ForgeClient>,
  clock: Clock,
  log: Logger,
): TokenCheck | undefined {
  const agents = config.agents.flatMap((agent) => {
    const client = clients.get(agent.name);
    return client ? [{ name: agent.name, login: agent.login, client }] : [];
  });
  if (agents.length === 0) return undefined;
  const readiness = createForgeReadiness({ agents, clock, cacheMs: 30_000 });
  const first = readiness.check();
  const waitMs = config.forge.startupWaitSeconds * 1000;
  const deadline = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), waitMs).unref());
  let started = false;
  void first.then((report) => {
    for (const problem of report.unreachable)
      log.warn(
        { agent: problem.agent, detail: problem.message },
        'forge unreachable at start-up: agent token not checked; /readyz fails until a check gets through',
      );
    if (started && report.fatal.length > 0)
      log.error(
        { problems: report.fatal.map((p) => p.message) },
        'the forge does not accept the agents as configured; /readyz fails until this is fixed',
      );
  });
  return {
    readiness,
    async beforeListen() {
      const report = await Promise.race([first, deadline]);
      started = true;
      if (report === undefined)
        log.warn(
          { waitedMs: waitMs },
          'the forge has not answered the token check yet: starting anyway; the check goes on in the background',
        );
      else if (report.fatal.length > 0) throw new AgentCheckError(report.fatal);
    },
  };
}
