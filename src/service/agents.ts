/**
 * Start-up, stage 2: who may trigger the agents (the forge lookup), the sandbox every run is put
 * in, and the runner dispatch calls — a worktree per job, then the Claude runner (or a test's
 * runner, or one that says why no agent can run), its errors redacted.
 */
import { join } from 'node:path';
import { createAgentParts } from '../agent/agent-parts.js';
import { createClaudeRunner } from '../agent/claude/claude-runner.js';
import { liveFollowUps } from '../agent/claude/live-follow-ups.js';
import { unavailableRunner } from '../agent/unavailable-runner.js';
import { createWorkspaceRunner } from '../agent/workspace-runner.js';
import type { CheckLogPlacer } from '../agent/check-logs.js';
import { checkLogsFor } from './watch.js';
import type { ReadinessCheck } from '../http/health.js';
import { createForgeLookup } from '../queue/forge-lookup.js';
import type { AgentRunner, ForgeLookup } from '../queue/ports.js';
import type { TriggerRule } from '../queue/route-event.js';
import { startIsolation } from '../sandbox/start-isolation.js';
import { type Infrastructure, serviceForgeClient } from './infrastructure.js';
import type { ServiceContext } from './types.js';

export interface Agents {
  readonly forgeLookup: ForgeLookup;
  readonly trigger: TriggerRule;
  /** What dispatch runs each job with. */
  readonly runner: AgentRunner;
  /** Why no agent can run here (no working sandbox), when none can: `/readyz` says so. */
  readonly sandboxCheck: ReadinessCheck | undefined;
}

export async function startAgents(ctx: ServiceContext, infra: Infrastructure): Promise<Agents> {
  const { config, log, clock, options, lifecycle, redactor } = ctx;
  const { store, clients } = infra;
  const forgeLookup = createForgeLookup({
    clients,
    permissionReader: serviceForgeClient(config, log),
    cacheMs: config.dispatch.permissionCacheSeconds * 1000,
    clock,
  });
  const trigger: TriggerRule = { agents: config.agents, allowUsers: config.dispatch.allowUsers, forge: forgeLookup };
  const agentsRun = !options.runner && !options.jobRunner && config.agents.some((agent) => agent.model);
  const { isolation, unavailable } = await startIsolation({
    kind: config.isolation,
    dataDir: config.dataDir,
    env: options.env ?? {},
    log: log.child({ module: 'sandbox' }),
    agentsRun,
    probe: options.sandboxProbe,
  });
  lifecycle.defer('isolation', () => isolation.close());
  const claude =
    options.runner || options.jobRunner || unavailable ? undefined : claudeRunner(ctx, infra, isolation, trigger);
  if (claude) store.onEvent(liveFollowUps(claude, trigger, log.child({ module: 'agent' })));
  const runner =
    options.jobRunner ??
    createWorkspaceRunner({
      workdirs: infra.workdirs,
      inner: options.runner ?? claude ?? unavailableRunner(unavailable),
      pullHead: async (repo, number) => {
        const client = clients.values().next().value;
        if (!client)
          throw new Error('no agent is configured, so there is no forge token to read the pull request with');
        return client.getPull(repo.fullName, number);
      },
      log: log.child({ module: 'workspace' }),
      clock,
      ...placeFiles(checkLogsFor(ctx, infra)),
    });
  return {
    forgeLookup,
    trigger,
    runner: redactingRunner(runner, redactor.redact),
    sandboxCheck: unavailable ? sandboxReadiness(unavailable) : undefined,
  };
}

/**
 * The Claude runner, when some agent has a model credential, with the real prompt composer, forge
 * tools and status comments (each agent through its own forge client) unless a test replaces one;
 * else undefined, said once at start-up, and jobs fail with the unavailable runner's message.
 */
function claudeRunner(
  ctx: ServiceContext,
  infra: Infrastructure,
  isolation: Parameters<typeof createClaudeRunner>[0]['isolation'],
  trigger: TriggerRule,
) {
  const { config, options, clock, log, redactor } = ctx;
  const { store } = infra;
  if (!config.agents.some((agent) => agent.model)) {
    if (config.agents.length > 0)
      log.warn(
        'no model credential is configured (model.credential): jobs are routed and their worktrees prepared, but no agent runs',
      );
    return undefined;
  }
  const defaults = createAgentParts({
    clients: infra.clients,
    clock,
    live: infra.live,
    log: log.child({ module: 'status' }),
    redact: redactor.redact,
  });
  const publicUrl = config.server.publicUrl?.replace(/\/+$/, '');
  return createClaudeRunner({
    sessions: store.sessions,
    runs: store.runs,
    prompts: options.agentParts?.prompts ?? defaults.prompts,
    forgeTools: options.agentParts?.forgeTools ?? defaults.forgeTools,
    status: options.agentParts?.status ?? defaults.status,
    configDir: join(config.dataDir, 'claude'),
    baseEnv: options.env ?? {},
    isolation,
    trigger,
    reviewers: config.agents.filter((agent) => agent.role === 'reviewer').map((agent) => agent.login),
    redactor,
    runUrl: publicUrl ? (id) => `${publicUrl}/api/runs/${id}` : undefined,
    startRuntimeEarly: options.startRuntimeEarly,
    transcripts: store.transcripts,
    clock,
    log: log.child({ module: 'agent' }),
  });
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
  return {
    name: 'sandbox',
    run: async () => ({
      ok: false,
      detail: 'no working sandbox: agents do not run (install bubblewrap, or see docs/security.md)',
      internal: why,
    }),
  };
}

const placeFiles = (placer: CheckLogPlacer | undefined) => (placer ? { placeFiles: placer } : {});
