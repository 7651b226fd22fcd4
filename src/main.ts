/**
 * The composition root: the only place that opens infrastructure and wires modules together.
 * Each resource registers its release with the lifecycle as it is opened; `close` releases them
 * in reverse order (stop accepting → drain → close the database).
 */
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createClaudeRunner, type ClaudeRunnerOptions } from './agent/claude/claude-runner.js';
import { liveFollowUps } from './agent/claude/live-follow-ups.js';
import type { PromptComposer } from './agent/prompt/types.js';
import { unavailableRunner } from './agent/unavailable-runner.js';
import { createAgentParts } from './agent/agent-parts.js';
import { createLiveStatus, type LiveStatus } from './agent/status/live-status.js';
import { finishOrphanedRuns } from './agent/orphaned-runs.js';
import { createWorkspaceRunner, type WorkspaceAgentRunner } from './agent/workspace-runner.js';
import type { AgentConfig, Config } from './config/types.js';
import { ensureWebhookSecret } from './config/webhook-secret.js';
import { AgentCheckError, createForgeReadiness } from './forge/check-agents.js';
import type { ForgeClient } from './forge/client.js';
import { createForgeLookup } from './queue/forge-lookup.js';
import { createStackForge } from './housekeeping/stack-forge.js';
import { createGiteaClient } from './forge/rest/gitea-client.js';
import { createDiskSampler, type DiskSampler } from './dashboard/disk-sampler.js';
import { jobStoreActions } from './dashboard/job-actions.js';
import { sweepHistory, withHousekeeping } from './dashboard/housekeeping-actions.js';
import { createRejectionTally } from './dashboard/rejection-tally.js';
import { DEFAULT_LIMITS } from './agent/claude/budget.js';
import { buildHttpApp } from './http/build-app.js';
import { dashboardRoute } from './http/dashboard-route.js';
import { dataDirWritableCheck, freeDiskCheck, type ReadinessCheck } from './http/health.js';
import { deliveriesRoute } from './http/deliveries-route.js';
import { jobsRoute } from './http/jobs-route.js';
import { runsRoute } from './http/runs-route.js';
import { adminRoutes } from './http/admin-routes.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { createAcceptDelivery } from './intake/accept-delivery.js';
import { systemClock, type Clock } from './lib/clock.js';
import { lockDataDir, SERVICE_URL_FILE } from './lib/data-dir-lock.js';
import { createLifecycle } from './lib/lifecycle.js';
import { ensurePrivateDir } from './lib/private-files.js';
import type { Logger } from './lib/logger.js';
import { createDispatcher, type Dispatcher } from './queue/dispatcher.js';
import { createPoller, type Poller } from './queue/poller.js';
import type { AgentRunner } from './queue/ports.js';
import { openStore, storeFiles } from './store/open-store.js';
import type { Store } from './store/ports.js';
import { doctorReadiness, readLastDoctorResult } from './onboarding/last-result.js';
import { createWorkdirs, type Workdirs } from './workdir/index.js';
import { createTranscripts, withStoredTranscripts } from './agent/claude/transcripts.js';
import { workersRoute } from './http/workers-route.js';
import { createLeadership, type LeaderRole } from './workers/leadership.js';
import { periodicRole } from './workers/periodic-role.js';
import type { WorkerDisk, WorkerIdentity } from './workers/ports.js';
import { createPresence } from './workers/presence.js';
import type { StackDeps, StackForge } from './housekeeping/cleanup-actions.js';
import { createCleanupFollower } from './housekeeping/cleanup-follower.js';
import { createCleanupWorker, type CleanupWorker } from './housekeeping/cleanup-worker.js';
import { loopbackOrToken } from './housekeeping/listen-guard.js';
import { reset } from './housekeeping/reset.js';
import { scheduleSweeps } from './housekeeping/schedule.js';
import { createSweeper, sweepLimits, sweepStorePorts, type Sweeper } from './housekeeping/sweeper.js';
import { repeat } from './lib/repeat.js';
import type { TriggerRule } from './queue/route-event.js';
import type { Isolation } from './sandbox/isolation.js';
import type { SandboxProbe } from './sandbox/probe.js';
import { startIsolation } from './sandbox/start-isolation.js';
import { configSecrets } from './config/config-secrets.js';
import { createRedactor, type Redactor } from './lib/redactor.js';


/** How often a worker applies ended cleanup tasks to its own disk (several workers). */
const CLEANUP_FOLLOW_MS = 10_000;

export interface ServiceOptions {
  readonly config: Config;
  readonly log: Logger;
  readonly clock?: Clock;
  /** Where one-time notices for the operator go (the generated webhook secret); stdout in the CLI. */
  readonly announce?: (text: string) => void;
  /** Runs an agent inside the job's prepared worktree; tests and the demo pass a scripted one. */
  readonly runner?: WorkspaceAgentRunner;
  /**
   * Replaces worktree preparation and the agent: the dispatcher calls it directly. For
   * benchmarks that measure dispatch alone.
   */
  readonly jobRunner?: AgentRunner;
  /**
   * The environment git and du start from (PATH, HOME, proxy and CA settings); the CLI passes the
   * process environment. Agents' tokens are never taken from it.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The forge API as one agent; the REST client by default. */
  readonly forgeClientFor?: (agent: AgentConfig) => ForgeClient;
  /**
   * The Claude runner's collaborators (prompt composer, forge tools, status comment). Until the
   * real ones are wired here by default, the runner needs at least `prompts`.
   */
  readonly agentParts?: Pick<ClaudeRunnerOptions, 'forgeTools' | 'status'> & { readonly prompts?: PromptComposer };
  /** False starts the Claude runtime only once the prompt is ready (the benchmark's baseline); true by default. */
  readonly startRuntimeEarly?: boolean;
  /** This worker's id (PostgreSQL: the holder of its jobs and leases); `<host>:<pid>:<random>` by default. */
  readonly workerId?: string;
  /**
   * The one redactor of every string that leaves the service (log lines, run records, job errors,
   * status comments); the CLI makes it before the logger. One from the config when omitted.
   */
  readonly redactor?: Redactor;
  /** Whether a sandbox can be made here; `probeSandbox` by default (tests make it fail). */
  readonly sandboxProbe?: () => Promise<SandboxProbe>;
}

export interface Service {
  /** `http://host:port` the service listens on. */
  readonly url: string;
  readonly store: Store;
  readonly dispatcher: Dispatcher;
  readonly workdirs: Workdirs;
  /** The reconciliation poller, when repositories are configured and agents can call the API. */
  readonly poller: Poller | undefined;
  /** Measures disk use in the background for the dashboard (`sampleOnce` for tests). */
  readonly diskSampler: DiskSampler;
  /** Cleanup on the forge's events (docs/decisions.md §24). */
  readonly cleanup: CleanupWorker;
  /** The sweeper (docs/decisions.md §35): scheduled by `housekeeping.sweepCron`, and on demand. */
  readonly sweeper: Sweeper;
  /** This worker's id in the store's worker registry. */
  readonly workerId: string;
  /**
   * Settles once the part of start-up that may wait for the forge — finishing the runs a stopped
   * service left, then starting the dispatcher — is done; the service listens before it.
   */
  readonly started: Promise<void>;
  /** The run-once tasks this worker leads now (`recovery`, `sweeper`, `poller`). */
  leads(): string[];
  close(): Promise<void>;
}

export async function startService(options: ServiceOptions): Promise<Service> {
  const { config, log } = options;
  const clock = options.clock ?? systemClock;
  const redactor = options.redactor ?? createRedactor(configSecrets(config));
  const lifecycle = createLifecycle(log);
  try {
    loopbackOrToken(config);
    const tightened = ensurePrivateDir(config.dataDir);
    if (tightened) log.warn({ dataDir: tightened.path, was: tightened.was, now: '0700' }, 'data dir was readable by other users; tightened it to 0700');
    const dataDirLock = lockDataDir(config.dataDir);
    lifecycle.defer('data dir lock', () => dataDirLock.release());
    const identity = workerIdentity(config.dataDir, options.workerId);
    const store = await openStore(config.store, {
      dataDir: config.dataDir,
      workerId: identity.id,
      clock,
      dedupWindowMs: config.intake.dedupWindowHours * 3600_000,
      onBackgroundError: (error) => log.warn({ error }, 'WAL checkpoint failed; the WAL grows until one succeeds'),
      onConnectionError: ({ connection, error }) => log.warn({ connection, err: error }, 'a connection to PostgreSQL failed; the store reconnects by itself'),
    });
    lifecycle.defer('database', () => store.close());
    /** Several workers share the store (PostgreSQL); with SQLite this process is the only one. */
    const several = config.store.kind === 'postgres';
    const leaseMs = config.store.kind === 'postgres' ? config.store.leaseSeconds * 1000 : 30_000;
    let lastDisk: WorkerDisk | undefined;
    let leadsSweeps = (): boolean => !several;

    const webhookSecret = resolveWebhookSecret(config);
    // A generated secret is known only from here on.
    redactor.add(webhookSecret.secret);
    const metrics = createMetrics({ jobCounts: () => store.jobs.countByState() });
    const acceptDelivery = createAcceptDelivery({
      secret: webhookSecret.secret,
      secretSetting: webhookSecret.setting,
      store: store.deliveries,
      clock,
      forgeUrl: config.forge.url,
    });

    const clients = new Map(config.agents.map((agent) => [agent.name, (options.forgeClientFor ?? defaultForgeClient(config, log))(agent)]));
    const tokenCheck = checkAgentTokens(config, clients, clock, log);
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
    });
    const diskSampler = createDiskSampler({
      measure: () => workdirs.diskUsage({ maxAgeMs: 0 }),
      // Every worker measures its own disk (its heartbeat reports it); the dashboard's history is
      // the sweeper leader's, so several workers do not interleave their disks in one chart.
      samples: { record: (sample) => (leadsSweeps() ? store.diskSamples.record(sample) : Promise.resolve()) },
      clock,
      log: log.child({ module: 'dashboard' }),
      intervalMs: config.dashboard.diskSampleMinutes * 60_000,
      onSample: (sample) => {
        for (const [kind, bytes] of Object.entries(sample.kinds)) metrics.diskBytes.set({ kind }, bytes);
        lastDisk = { freeBytes: sample.freeBytes, worktreesBytes: sample.kinds.worktrees, cachesBytes: sample.kinds.caches };
      },
    });
    diskSampler.start();
    lifecycle.defer('disk sampler', () => diskSampler.stop());
    const rejections = createRejectionTally({ total: () => rejectedTotal(metrics), clock });
    rejections.start();
    lifecycle.defer('rejection tally', () => rejections.stop());
    const live = createLiveStatus();
    const forgeLookup = createForgeLookup({ clients, permissionReader: serviceForgeClient(config, log), cacheMs: config.dispatch.permissionCacheSeconds * 1000, clock });
    const trigger: TriggerRule = { agents: config.agents, allowUsers: config.dispatch.allowUsers, forge: forgeLookup };
    const agentsRun = !options.runner && !options.jobRunner && config.agents.some((agent) => agent.model);
    const { isolation, unavailable } = await startIsolation({ kind: config.isolation, dataDir: config.dataDir, env: options.env ?? {}, log: log.child({ module: 'sandbox' }), agentsRun, probe: options.sandboxProbe });
    lifecycle.defer('isolation', () => isolation.close());
    const claude = options.runner || options.jobRunner || unavailable ? undefined : claudeRunnerFor(config, store, options, { clients, live, isolation, trigger, redactor }, clock, log);
    if (claude) store.onEvent(liveFollowUps(claude, trigger, log.child({ module: 'agent' })));
    const runner = redactingRunner(
      options.jobRunner ??
      createWorkspaceRunner({
        workdirs,
        inner: options.runner ?? claude ?? unavailableRunner(unavailable),
        pullHead: async (repo, number) => {
          const client = clients.values().next().value;
          if (!client) throw new Error('no agent is configured, so there is no forge token to read the pull request with');
          return client.getPull(repo.fullName, number);
        },
        log: log.child({ module: 'workspace' }),
        clock,
      }),
      redactor.redact,
    );
    const dispatcher = createDispatcher({
      store: store.jobs,
      runner,
      route: { ...trigger, forge: forgeLookup, repositories: config.forge.repositories },
      limits: {
        concurrency: config.dispatch.concurrency,
        perRepository: config.dispatch.perRepository,
        maxAttempts: config.dispatch.maxAttempts,
        backoffMs: config.dispatch.backoffSeconds * 1000,
        maxBackoffMs: config.dispatch.maxBackoffSeconds * 1000,
        outageHorizonMs: config.dispatch.outageHorizonMinutes * 60_000,
        pauseMs: 3600_000,
      },
      clock,
      log: log.child({ module: 'dispatch' }),
    });
    // This worker's lease, renewed by heartbeats; lost (it stalled past it), its runs stop: their
    // jobs may already run on another worker. Registered before the dispatcher claims anything,
    // and ended after it has stopped. With SQLite there is one worker and nobody to tell.
    const presence = createPresence({
      registry: store.workers,
      identity,
      leaseMs,
      clock,
      log: log.child({ module: 'workers' }),
      onLeaseLost: (reason) => dispatcher.abandonRunning(`this worker lost its lease (${reason})`),
      disk: () => lastDisk,
    });
    await presence.start();
    lifecycle.defer('worker presence', () => presence.stop());
    store.onEvent((stored) => dispatcher.notify(stored));
    // Another worker queued a job or freed a slot (PostgreSQL): look for what can start.
    store.onJobsChanged(() => dispatcher.notify());
    if (several) {
      // The safety net under LISTEN/NOTIFY: a wake-up lost with a dropped connection is found here.
      const safetyPoll = repeat(10_000, async () => dispatcher.notify());
      lifecycle.defer('safety poll', () => safetyPoll.stop());
    }
    dispatcher.subscribe((notice) => {
      if (notice.type !== 'job-finished') return;
      const outcome = notice.outcome.ok ? 'succeeded' : notice.outcome.retryable ? 'failed-retryable' : 'failed';
      metrics.jobsFinished.inc({ agent: notice.job.key.agent, outcome });
      if (notice.job.startedAt !== null) metrics.jobSeconds.observe({ agent: notice.job.key.agent }, (clock.now() - notice.job.startedAt) / 1000);
      const runId = notice.outcome.facts?.runId;
      if (runId !== undefined) void countRun(store, metrics, runId).catch((error: unknown) => log.warn({ err: error, runId }, 'could not read a run record for the metrics'));
    });
    const orphans = () => finishOrphanedRuns({ runs: store.runs, clients, clock, moved: several, log: log.child({ module: 'agent' }) });
    lifecycle.defer('dispatcher', () => dispatcher.stop());
    const transcripts = withStoredTranscripts(createTranscripts(join(config.dataDir, 'claude')), store.transcripts);
    const cleanup = createCleanupWorker({
      queue: store.cleanup,
      workdirs,
      sessions: store.sessions,
      rows: store.housekeepingSessions,
      transcripts,
      agents: config.agents,
      deleteOnClose: config.housekeeping.deleteSessionsOnClose,
      stack: stackDeps(createStackForge(config.agents, clients), store, config, clock),
      clock,
      log: log.child({ module: 'housekeeping' }),
    });
    store.onEvent(() => cleanup.kick());
    dispatcher.subscribe((notice) => {
      if (notice.type === 'job-finished' || notice.type === 'job-waiting') cleanup.kick();
    });
    await cleanup.start();
    lifecycle.defer('cleanup', () => cleanup.stop());
    if (several) {
      // A cleanup task runs on one worker; each worker applies its disk part to its own disk.
      const follower = createCleanupFollower({ queue: store.cleanup, workdirs, agents: config.agents, cursorFile: join(config.dataDir, 'cleanup-cursor'), log: log.child({ module: 'housekeeping' }) });
      const following = repeat(CLEANUP_FOLLOW_MS, async () => {
        await follower.catchUp().catch((error: unknown) => log.warn({ err: error }, 'following the cleanup queue failed; will try again'));
      });
      await following.round();
      lifecycle.defer('cleanup follower', () => following.stop());
    }
    const sweeper = countSweeps(createSweeper({
      ...sweepStorePorts(store),
      workdirs,
      transcripts,
      limits: sweepLimits(config),
      clock,
      log: log.child({ module: 'sweeper' }),
    }), metrics);
    const cancelJob = (id: number, reason: string) => dispatcher.cancel(id, reason);
    const resetDeps = {
      agents: config.agents,
      workdirs,
      sessions: store.sessions,
      rows: store.housekeepingSessions,
      transcripts,
      jobs: store.jobs,
      cancelJob,
      forgeUrl: config.forge.url,
    };
    const admin = adminRoutes({
      adminToken: config.adminToken,
      resetDeps,
      cancelJob,
      pauses: store.pauses,
      resumed: () => dispatcher.notify(),
      forgeHost: config.forge.url ? new URL(config.forge.url).host.toLowerCase() : undefined,
      sessions: store.sessions,
      workdirs,
      sweeps: store.sweeps,
      audit: store.audit,
      sweep: (sweepOptions) => sweeper.sweep({ ...sweepOptions, trigger: 'api' }),
      clock,
    });

    const pollClient = clients.values().next().value;
    let poller: Poller | undefined;
    if (pollClient && config.forge.repositories.length > 0) {
      poller = createPoller({
        repositories: config.forge.repositories,
        forgeKind: config.forge.kind,
        client: pollClient,
        deliveries: store.deliveries,
        cursors: store.pollCursors,
        clock,
        log: log.child({ module: 'poller' }),
        intervalMs: config.dispatch.pollIntervalSeconds * 1000,
      });
    }

    // What must run on one worker at a time — recovery of dead workers' work, the poller, the
    // sweeper's database tasks — each behind a leader lease (with SQLite this worker always leads).
    const started = poller;
    const roles: LeaderRole[] = [
      // With one process its start-up recovery was all there was to do.
      ...(several
        ? [
            periodicRole('recovery', Math.max(1000, Math.floor(leaseMs / 2)), async () => {
              await orphans();
              await dispatcher.recover();
              if ((await store.cleanup.requeueInterrupted()) > 0) cleanup.kick();
            }, log.child({ module: 'workers' })),
          ]
        : []),
      // Held, not run: the schedule below asks who holds it at each tick.
      { name: 'sweeper', start: () => undefined, stop: () => undefined },
      ...(started ? [{ name: 'poller', start: () => started.start(), stop: () => started.stop() }] : []),
    ];
    const leadership = createLeadership({ registry: store.workers, holder: identity.id, roles, ttlMs: leaseMs, clock, log: log.child({ module: 'workers' }) });
    leadsSweeps = () => leadership.leads().includes('sweeper');
    await leadership.start();
    lifecycle.defer('leadership', () => leadership.stop());
    // Every worker sweeps its own disk on the schedule; the sweeper's leader sweeps the database too.
    const schedule = scheduleSweeps(config.housekeeping.sweepCron, sweeper, log.child({ module: 'sweeper' }), { leads: leadsSweeps, worker: identity.id });
    lifecycle.defer('sweep schedule', () => schedule.stop());

    const app = buildHttpApp({
      acceptDelivery,
      metrics,
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
        ...(unavailable ? [sandboxReadiness(unavailable)] : []),
        ...(tokenCheck ? [{ name: 'forge', run: () => tokenCheck.readiness.status() }] : []),
      ],
      routes: [jobsRoute({ store: store.jobs, adminToken: config.adminToken }), workersRoute({ workers: store.workers, adminToken: config.adminToken, clock, self: identity.id }), deliveriesRoute({ history: store.deliveryHistory, adminToken: config.adminToken }), runsRoute({ runs: store.runs, adminToken: config.adminToken }),
        dashboardRoute({
          adminToken: config.adminToken,
          status: {
            jobs: store.jobs,
            reads: store.dashboard,
            diskSamples: store.diskSamples,
            agents: config.agents,
            isolation: config.isolation,
            forgeUrl: config.forge.url,
            defaultMaxDailyUsd: DEFAULT_LIMITS.maxDailyUsd,
            rejections,
            liveStatus: live.of,
            sweeps: sweepHistory(store.sweeps),
            doctor: async () => {
              const last = await readLastDoctorResult(config.dataDir);
              if (!last) return undefined;
              const failing = last.checks.filter((check) => !check.ok).map((check) => check.title);
              return { at: Date.parse(last.at), ok: last.ok, summary: failing.length === 0 ? `${last.checks.length} checks passed` : `failing: ${failing.join(', ')}` };
            },
          },
          runs: store.runs,
          actions: withHousekeeping(jobStoreActions(store.jobs, clock), {
            sweep: () => sweeper.sweep({ trigger: 'dashboard' }),
            reset: (request) => reset(resetDeps, request),
            audit: store.audit,
            clock,
          }),
          clock,
          secureCookie: config.server.publicUrl?.startsWith('https:') ?? false,
          sessionTtlMs: config.dashboard.sessionHours * 3600_000,
        }),
        admin,
      ],
    });
    await tokenCheck?.beforeListen();
    await app.listen({ host: config.server.host, port: config.server.port });
    lifecycle.defer('http', () => app.close());
    // After listening: finishing old runs edits their status comments on the forge, which may
    // hang. Before the dispatcher re-queues the interrupted jobs, so the old runs and their
    // comments are closed first; deliveries meanwhile are stored and routed once it starts.
    const dispatching = (async () => {
      await orphans().catch((error: unknown) => log.warn({ err: error }, 'could not finish the runs a stopped service left; the recovery tries again'));
      await dispatcher.start();
    })().catch((error: unknown) => log.error({ err: error }, 'the dispatcher could not start; jobs wait until the next start'));
    lifecycle.defer('dispatcher start', () => dispatching);
    const { port } = app.server.address() as AddressInfo;
    const url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
    log.info({ url, dataDir: config.dataDir, store: store.location, agents: config.agents.map((a) => a.name) }, 'claude-hooks listening');
    // Where the CLI finds this service's admin API (the configured port may be 0).
    writeFileSync(join(config.dataDir, SERVICE_URL_FILE), `${url}\n`, { mode: 0o600 });
    lifecycle.defer('service url', () => rmSync(join(config.dataDir, SERVICE_URL_FILE), { force: true }));
    if (webhookSecret.generated) options.announce?.(secretNotice(config.server.publicUrl ?? url, webhookSecret.path, webhookSecret.secret.reveal()));

    return { url, store, dispatcher, workdirs, poller, diskSampler, cleanup, sweeper, workerId: identity.id, started: dispatching, leads: () => leadership.leads(), close: () => lifecycle.close() };
  } catch (error) {
    await lifecycle.close();
    throw error;
  }
}

/**
 * A job's error is kept in the store and shown by the CLI, the API and the dashboard: whatever a
 * runner said (a forge or model error may quote a credential) passes the redactor first.
 */
function redactingRunner(inner: AgentRunner, redact: (text: string) => string): AgentRunner {
  return {
    async run(request) {
      try {
        const outcome = await inner.run(request);
        return outcome.ok ? outcome : { ...outcome, error: redact(outcome.error) };
      } catch (error) {
        // Redacted in place: the error keeps its class, and so whether it counts as transient.
        if (error instanceof Error) error.message = redact(error.message);
        throw error;
      }
    },
  };
}

/** `/readyz` fails while agents cannot run for want of a sandbox (the log and the jobs say how to fix it). */
function sandboxReadiness(why: string): ReadinessCheck {
  return { name: 'sandbox', run: async () => ({ ok: false, detail: 'no working sandbox: agents do not run (install bubblewrap, or see docs/security.md)', internal: why }) };
}

/** Retargeting stacked PRs, when there is an agent to do it; the rebase job is queued in the store. */
function stackDeps(forge: StackForge | undefined, store: Store, config: Config, clock: Clock): StackDeps | undefined {
  return forge ? { forge, deliveries: store.deliveries, forgeKind: config.forge.kind, clock } : undefined;
}

/**
 * Every agent's token and login, checked with the forge while the service starts — never holding
 * it up (a forge that hangs must not keep webhooks out): start-up waits for the answer at most
 * `STARTUP_FORGE_WAIT_MS`. A wrong token in that answer fails start-up naming the agent; one found
 * later is logged as an error and keeps `/readyz` failing, naming it. An unreachable forge is a
 * warning, and `/readyz` says "forge unreachable: …" until a later check gets through.
 */
function checkAgentTokens(config: Config, clients: ReadonlyMap<string, ForgeClient>, clock: Clock, log: Logger) {
  const agents = config.agents.flatMap((agent) => {
    const client = clients.get(agent.name);
    return client ? [{ name: agent.name, login: agent.login, client }] : [];
  });
  if (agents.length === 0) return undefined;
  const readiness = createForgeReadiness({ agents, clock, cacheMs: 30_000 });
  const first = readiness.check();
  const deadline = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), STARTUP_FORGE_WAIT_MS).unref());
  let started = false;
  void first.then((report) => {
    for (const problem of report.unreachable) log.warn({ agent: problem.agent, detail: problem.message }, 'forge unreachable at start-up: agent token not checked; /readyz fails until a check gets through');
    if (started && report.fatal.length > 0) log.error({ problems: report.fatal.map((p) => p.message) }, 'the forge does not accept the agents as configured; /readyz fails until this is fixed');
  });
  return {
    readiness,
    /** Before listening: a wrong token the forge answered quickly fails start-up. */
    async beforeListen(): Promise<void> {
      const report = await Promise.race([first, deadline]);
      started = true;
      if (report === undefined) log.warn({ waitedMs: STARTUP_FORGE_WAIT_MS }, 'the forge has not answered the token check yet: starting anyway; the check goes on in the background');
      else if (report.fatal.length > 0) throw new AgentCheckError(report.fatal);
    },
  };
}

/** How long after the token check began start-up may wait for its answer before it listens anyway. */
const STARTUP_FORGE_WAIT_MS = 1000;

/**
 * The Claude runner, when some agent has a model credential, with the real prompt composer, forge
 * tools and status comments (each agent through its own forge client) unless a test replaces one;
 * else undefined, said once at start-up, and jobs fail with the unavailable runner's message.
 */
interface RunnerParts {
  readonly clients: ReadonlyMap<string, ForgeClient>;
  readonly live: LiveStatus;
  readonly isolation: Isolation;
  readonly trigger: TriggerRule;
  readonly redactor: Redactor;
}

function claudeRunnerFor(config: Config, store: Store, options: ServiceOptions, { clients, live, isolation, trigger, redactor }: RunnerParts, clock: Clock, log: Logger) {
  if (!config.agents.some((agent) => agent.model)) {
    if (config.agents.length > 0) log.warn('no model credential is configured (model.credential): jobs are routed and their worktrees prepared, but no agent runs');
    return undefined;
  }
  const defaults = createAgentParts({ clients, clock, live, log: log.child({ module: 'status' }), redact: redactor.redact });
  const parts = {
    prompts: options.agentParts?.prompts ?? defaults.prompts,
    forgeTools: options.agentParts?.forgeTools ?? defaults.forgeTools,
    status: options.agentParts?.status ?? defaults.status,
  };
  const publicUrl = config.server.publicUrl?.replace(/\/+$/, '');
  return createClaudeRunner({
    sessions: store.sessions,
    runs: store.runs,
    prompts: parts.prompts,
    forgeTools: parts.forgeTools,
    status: parts.status,
    configDir: join(config.dataDir, 'claude'),
    baseEnv: options.env ?? {},
    isolation,
    trigger,
    reviewers: config.agents.filter((agent) => agent.workspace === 'pr-head').map((agent) => agent.login),
    redactor,
    runUrl: publicUrl ? (id) => `${publicUrl}/api/runs/${id}` : undefined,
    startRuntimeEarly: options.startRuntimeEarly,
    transcripts: store.transcripts,
    clock,
    log: log.child({ module: 'agent' }),
  });
}

/** Who this worker is: a fresh id per start, so a restarted worker never inherits its old leases. */
function workerIdentity(dataDir: string, id: string | undefined): WorkerIdentity {
  return { id: id ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`, host: hostname(), pid: process.pid, dataDir: resolve(dataDir) };
}

/** A finished run in the metrics: its outcome, duration and cost, from its record. */
async function countRun(store: Store, metrics: Metrics, runId: number): Promise<void> {
  const run = await store.runs.get(runId);
  if (!run) return;
  const agent = run.key.agent;
  metrics.runs.inc({ agent, outcome: run.outcome ?? 'unknown' });
  if (run.durationMs !== undefined) metrics.runSeconds.observe({ agent }, run.durationMs / 1000);
  if (run.costUsd) metrics.costUsd.inc({ agent }, run.costUsd);
}

/** Deliveries refused so far (bad signature, bad payload, …), from the intake's counter. */
async function rejectedTotal(metrics: Metrics): Promise<number> {
  const { values } = await metrics.deliveries.get();
  return values.filter((v) => String(v.labels.outcome).startsWith('rejected')).reduce((sum, v) => sum + v.value, 0);
}

function resolveWebhookSecret(config: Config) {
  if (config.forge.webhookSecret) {
    return { secret: config.forge.webhookSecret, generated: false, path: '', setting: 'CLAUDE_HOOKS_WEBHOOK_SECRET (forge.webhookSecret)' };
  }
  const generated = ensureWebhookSecret(config.dataDir);
  return { ...generated, setting: `the generated secret in ${generated.path}` };
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

/** `forge.serviceToken`'s client, which reads who may trigger; undefined without one (the first agent reads, and needs admin). */
function serviceForgeClient(config: Config, log: Logger): ForgeClient | undefined {
  const token = config.forge.serviceToken;
  if (token === undefined || config.forge.url === undefined) return undefined;
  return createGiteaClient({ baseUrl: config.forge.url, token, timeoutMs: config.forge.requestTimeoutSeconds * 1000, log: log.child({ module: 'forge', agent: 'service' }) });
}

function defaultForgeClient(config: Config, log: Logger) {
  return (agent: AgentConfig): ForgeClient => {
    if (!config.forge.url) throw new Error('forge.url is required when agents are configured');
    return createGiteaClient({ baseUrl: config.forge.url, token: agent.token, timeoutMs: config.forge.requestTimeoutSeconds * 1000, log: log.child({ module: 'forge', agent: agent.name }) });
  };
}

/** Every sweep's reclaimed bytes and failures go to `/metrics`, whoever started it. */
function countSweeps(sweeper: Sweeper, metrics: Metrics): Sweeper {
  return {
    async sweep(options) {
      const report = await sweeper.sweep(options);
      if (report.dryRun) return report;
      for (const task of report.tasks) {
        metrics.sweeperReclaimedBytes.inc(task.reclaimedBytes);
        if (task.failures.length > 0) metrics.sweeperFailures.inc({ kind: task.task }, task.failures.length);
      }
      return report;
    },
  };
}
