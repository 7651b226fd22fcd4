/**
 * The whole system for flow tests and the demo: the forge double with a small real repository
 * and four people (alice with write access, mallory without, and the three agents as bot users),
 * and the real service — config file, SQLite, intake, dispatch, poller — pointed at it.
 */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/types.js';
import { silentLogger, type Logger } from '../../src/lib/logger.js';
import { startService, type Service, type ServiceOptions } from '../../src/main.js';
import type { WorkspaceAgentRunner } from '../../src/agent/workspace-runner.js';
import { startForgeDouble, type ForgeDouble, type RepoHandle } from './forge/forge-double.js';

export const WEBHOOK_SECRET = 'flow-webhook-secret';
export const ADMIN_TOKEN = 'flow-admin-token';
export const REPO = 'acme/widget';
export const AGENTS = ['boss', 'dev', 'reviewer'] as const;

export interface FlowOptions {
  readonly runner?: WorkspaceAgentRunner;
  /** Extra YAML merged under `dispatch:`. */
  readonly dispatch?: string;
  readonly log?: Logger;
  readonly dataDir?: string;
  /** Reuse a running forge (a restart of the service); a new one otherwise. */
  readonly scene?: Scene;
  /** Start the service with the forge's webhooks not reaching it (a delivery "lost"). */
  readonly detached?: boolean;
  /** Agents' tokens by login, replacing the scene's (a wrong token). */
  readonly tokens?: Readonly<Record<string, string>>;
  /** The forge URL the service is configured with, instead of the scene's (an unreachable forge). */
  readonly forgeUrl?: string;
  /** Configure a model (the scripted model's URL): the real Claude runner then runs the jobs. */
  readonly modelUrl?: string;
  /** See `ServiceOptions.startRuntimeEarly`. */
  readonly startRuntimeEarly?: boolean;
  /** dev's `limits.runsPerHour` (6 by default): benchmarks that run dev many times raise it. */
  readonly devRunsPerHour?: number;
  /** The Claude runner's collaborators (a prompt composer at least, with `modelUrl`). */
  readonly agentParts?: ServiceOptions['agentParts'];
  /** `isolation:` in the config (bwrap unless told). */
  readonly isolation?: 'bwrap' | 'none';
  /** Replaces the sandbox check at start-up (a machine without bubblewrap). */
  readonly sandboxProbe?: ServiceOptions['sandboxProbe'];
  /** More variables in the service's environment (a secret an agent must never see). */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra YAML merged under `agents.dev:` (network, webTools). */
  readonly dev?: string;
  /** More fields of the `model` section, as YAML (`runtimeRetries: 0, streamIdleSeconds: 1`). */
  readonly modelFields?: string;
  /** Return once the service listens, before its background start-up (finishing old runs, starting dispatch) is done. */
  readonly listenOnly?: boolean;
  /** The `milestones:` section, as YAML fields (`maxInFlight: 2, stacking: true`). */
  readonly milestones?: string;
  /** The `pulls:` section, as YAML fields (`fixAttempts: 2, mergeWhenGreen: [acme/widget]`). */
  readonly pulls?: string;
}

export interface Scene {
  readonly forge: ForgeDouble;
  readonly repo: RepoHandle;
  /** API tokens by login. */
  readonly tokens: Readonly<Record<string, string>>;
}

export interface Flow extends Scene {
  readonly service: Service;
  readonly config: Config;
  readonly repo: RepoHandle;
  readonly dataDir: string;
  /** Everything settled: pushes processed, webhooks delivered, jobs routed and run. */
  settle(): Promise<void>;
  /** Stops the service (not the forge). */
  stopService(): Promise<void>;
  close(): Promise<void>;
}

/** `flavour`: which forge the double plays (Forgejo unless said; Gitea sends `status` webhooks). */
export async function startScene(flavour: 'forgejo' | 'gitea' = 'forgejo'): Promise<Scene> {
  const forge = await startForgeDouble({ webhookSecret: WEBHOOK_SECRET, checkOpenApi: true, flavour });
  const tokens: Record<string, string> = {};
  for (const login of ['alice', 'mallory', 'claude-hooks-service', ...AGENTS])
    tokens[login] = forge.addUser(login).token;
  const repo = await forge.createRepo('acme', 'widget', {
    files: { 'README.md': '# widget\n', 'src/login.js': 'export function login(user) {\n  return user.name;\n}\n' },
    // No agent is an admin: the permission check runs as the service user (forge.serviceToken), which is.
    collaborators: { alice: 'write', boss: 'write', dev: 'write', reviewer: 'write', 'claude-hooks-service': 'admin' },
    labels: ['agent/dev', 'agent/boss', 'bug', 'needs-human'],
  });
  return { forge, repo, tokens };
}

export async function startFlow(options: FlowOptions = {}): Promise<Flow> {
  const scene = options.scene ?? (await startScene());
  const { forge, tokens } = scene;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'claude-hooks-flow-'));
  const config = flowConfig(options.forgeUrl ?? forge.url, dataDir, { ...tokens, ...options.tokens }, options);
  const service = await startService({
    config,
    log: options.log ?? silentLogger(),
    env: { PATH: process.env.PATH, ...(options.modelUrl ? { HOME: dataDir } : {}), ...options.env },
    ...(options.sandboxProbe ? { sandboxProbe: options.sandboxProbe } : {}),
    ...(options.runner ? { runner: options.runner } : {}),
    ...(options.agentParts ? { agentParts: options.agentParts } : {}),
    ...(options.startRuntimeEarly !== undefined ? { startRuntimeEarly: options.startRuntimeEarly } : {}),
  });
  if (!options.listenOnly) {
    await service.started;
    // The poller's first poll starts with the service: a test acts once it is over, so a poll
    // overlapping its first webhooks cannot record their changes before the webhooks do.
    await service.poller?.pollOnce();
  }
  if (!options.detached) forge.setWebhookUrl(`${service.url}/webhook`);
  let stopped = false;
  const flow: Flow = {
    ...scene,
    service,
    config,
    dataDir,
    async settle() {
      for (let i = 0; i < 20; i++) {
        await service.poller?.pollOnce();
        await forge.idle();
        await service.milestones?.idle();
        await service.watch?.idle();
        await service.dispatcher.idle();
        await service.cleanup.idle();
        // Cleanup may have stored events of its own (a stacked PR's rebase request), and the
        // milestone driver its hand-outs after a job ended: route and run them.
        await service.dispatcher.idle();
        await service.milestones?.idle();
        await service.watch?.idle();
        await service.dispatcher.idle();
        await forge.idle();
        const pending = forge.deliveries().some((d) => d.status === 'pending');
        if (!pending) return;
      }
    },
    async stopService() {
      if (stopped) return;
      stopped = true;
      forge.setWebhookUrl(undefined);
      await service.close();
    },
    async close() {
      await flow.stopService();
      await forge.close();
    },
  };
  return flow;
}

function flowConfig(
  forgeUrl: string,
  dataDir: string,
  tokens: Readonly<Record<string, string>>,
  options: FlowOptions,
): Config {
  const { modelUrl, devRunsPerHour } = options;
  const dispatch = options.dispatch ?? '';
  const skills = join(dataDir, 'skills');
  mkdirSync(skills, { recursive: true });
  for (const name of AGENTS) writeFileSync(join(skills, `${name}.md`), `# You are ${name}\n`);
  const env: Record<string, string> = {
    FLOW_WEBHOOK_SECRET: WEBHOOK_SECRET,
    FLOW_ADMIN_TOKEN: ADMIN_TOKEN,
    FLOW_MODEL_KEY: 'scripted-model-key',
  };
  for (const name of AGENTS) env[`${name.toUpperCase()}_TOKEN`] = tokens[name] ?? '';
  // In a file, like init writes it: tests that load this config again with their own environment need not know it.
  const serviceTokenFile = join(dataDir, 'service-forge-token');
  writeFileSync(serviceTokenFile, `${tokens['claude-hooks-service'] ?? ''}\n`, { mode: 0o600 });
  const yaml = `
server: { port: 0 }
dataDir: ${JSON.stringify(dataDir)}
adminToken: { env: FLOW_ADMIN_TOKEN }
isolation: ${options.isolation ?? 'bwrap'}
${modelUrl ? `model: { name: claude-sonnet-4-5, credential: { env: FLOW_MODEL_KEY }, baseUrl: ${JSON.stringify(modelUrl)}${options.modelFields ? `, ${options.modelFields}` : ''} }` : ''}
forge:
  kind: forgejo
  url: ${forgeUrl}
  webhookSecret: { env: FLOW_WEBHOOK_SECRET }
  serviceToken: { file: ${JSON.stringify(serviceTokenFile)} }
  repositories: [${REPO}]
  # A loaded test machine may answer the token check late; a test of the forge hanging keeps the default.
  startupWaitSeconds: ${options.listenOnly ? 1 : 10}
${options.milestones ? `milestones: { ${options.milestones} }\n` : ''}${options.pulls ? `pulls: { ${options.pulls} }\n` : ''}dispatch:
  backoffSeconds: 0.05
${dispatch
  .split('\n')
  .filter(Boolean)
  .map((l) => `  ${l}`)
  .join('\n')}
agents:
  boss:
    login: boss
    token: { env: BOSS_TOKEN }
    git: { name: Boss, email: boss@agents.test }
    skill: skills/boss.md
    worktree: default-branch
    triggers: [{ on: issue_opened }, { on: mention }, { on: label, label: agent/boss }]
    limits: { concurrency: 1 }
  dev:
    login: dev
    token: { env: DEV_TOKEN }
    git: { name: Dev, email: dev@agents.test }
    skill: skills/dev.md
    worktree: issue-branch
    triggers: [{ on: assigned }, { on: mention }, { on: pr_feedback }, { on: label, label: agent/dev }]
${devRunsPerHour ? `    limits: { runsPerHour: ${devRunsPerHour} }\n` : ''}${options.dev ? `    ${options.dev}\n` : ''}  reviewer:
    login: reviewer
    token: { env: REVIEWER_TOKEN }
    git: { name: Reviewer, email: reviewer@agents.test }
    skill: skills/reviewer.md
    worktree: pr-head
    triggers: [{ on: review_requested }, { on: mention }]
    limits: { concurrency: 1 }
`;
  writeFileSync(join(dataDir, 'claude-hooks.yaml'), yaml);
  const loaded = loadConfig({ path: join(dataDir, 'claude-hooks.yaml'), env, cwd: dataDir });
  if (!loaded.ok) throw new Error(`flow config invalid: ${JSON.stringify(loaded.error)}`);
  return loaded.value;
}
