/**
 * Human-readable output of `config check`: every problem with where it came from, or the effective
 * configuration in the file's own shape (agents as a map, secrets as their references), so it can
 * be pasted back as a config file.
 */
import { stringify } from 'yaml';
import type { ConfigProblem } from '../config/load-config.js';
import { policyOf } from '../config/roles.js';
import type { AgentConfig, Config, ModelConfig } from '../config/types.js';
import type { Secret } from '../lib/secret.js';

interface Out {
  write(text: string): unknown;
}

export function printProblems(problems: readonly ConfigProblem[], out: Out): void {
  out.write(`configuration is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n`);
  for (const problem of problems) {
    const where = problem.source === undefined ? '' : ` (${problem.source})`;
    out.write(`  - ${problem.key}${where}: ${problem.message}\n`);
  }
}

export function printConfig(config: Config, out: Out): void {
  out.write(
    `# effective configuration${config.source ? ` from ${config.source}` : ' (no file: defaults and environment)'}\n`,
  );
  out.write('# secrets are shown as their references ({ env: NAME } or { file: PATH }), never their values\n');
  out.write(stringify(JSON.parse(JSON.stringify(asFile(config))) as unknown));
}

/**
 * `config check`'s warning about every secret written in the file itself: accepted (tests and
 * throw-away setups), but whoever can read the file — or a copy, a backup, a commit of it — has it.
 */
export function printSecretsInFile(config: Config, out: Out): void {
  const written = config.secretsInFile ?? [];
  if (written.length === 0) return;
  out.write(
    `warning: ${written.length === 1 ? 'a secret is' : `${written.length} secrets are`} written in the config file itself (whoever reads the file, a copy or a commit of it has ${written.length === 1 ? 'it' : 'them'}):\n`,
  );
  for (const { key, source } of written) {
    out.write(
      `  - ${key}${source === undefined ? '' : ` (${source})`}: write { env: NAME } and set NAME in the service's environment, or { file: PATH } with the secret alone in that file (mode 0600)\n`,
    );
  }
}

/**
 * `config check`'s warning about every key written under its old name: still read, but the old
 * name will not be forever.
 */
export function printRenamedKeys(config: Config, out: Out): void {
  for (const { key, now, source } of config.renamedKeys ?? []) {
    out.write(
      `warning: ${key} is now ${now}${source === undefined ? '' : ` (${source})`}: rename the key; the old name is still read, for now\n`,
    );
  }
}

/** The config in the shape `configSchema` reads: what a file producing this configuration would say. */
function asFile(config: Config) {
  return {
    server: { ...config.server, metricsToken: reference(config.server.metricsToken) },
    dataDir: config.dataDir,
    store: storeAsFile(config.store),
    logLevel: config.logLevel,
    isolation: config.isolation,
    adminToken: reference(config.adminToken),
    forge: {
      ...config.forge,
      webhookSecret: reference(config.forge.webhookSecret),
      serviceToken: reference(config.forge.serviceToken),
    },
    intake: config.intake,
    dispatch: config.dispatch,
    workdir: config.workdir,
    health: config.health,
    dashboard: config.dashboard,
    housekeeping: config.housekeeping,
    milestones: config.milestones,
    agents: Object.fromEntries(config.agents.map((agent) => [agent.name, agentAsFile(agent)])),
  };
}

function agentAsFile(agent: AgentConfig) {
  return {
    login: agent.login,
    token: reference(agent.token),
    git: agent.git,
    skill: agent.skillPath,
    worktree: policyOf(agent).worktree,
    triggers: agent.triggers,
    limits: agent.limits,
    // The effective model of this agent: the global `model` with its overrides, written out whole
    // (a file saying it per agent loads to the same configuration).
    model: agent.model && modelAsFile(agent.model),
    network: agent.network,
    scratchWorktree: agent.scratchWorktree,
    webTools: agent.webTools,
    projectInstructions: agent.projectInstructions,
  };
}

function modelAsFile(model: ModelConfig) {
  return {
    name: model.name,
    credential: reference(model.credential.secret),
    credentialKind: model.credential.kind,
    baseUrl: model.baseUrl,
  };
}

function storeAsFile(store: Config['store']) {
  if (store.kind === 'sqlite') return 'sqlite';
  return {
    postgres: {
      url: reference(store.url),
      ...(store.maxConnections !== undefined ? { maxConnections: store.maxConnections } : {}),
      affinityWaitMs: store.affinityWaitMs,
      leaseSeconds: store.leaseSeconds,
      ...(store.connectTimeoutSeconds !== undefined ? { connectTimeoutSeconds: store.connectTimeoutSeconds } : {}),
      ...(store.statementTimeoutSeconds !== undefined
        ? { statementTimeoutSeconds: store.statementTimeoutSeconds }
        : {}),
    },
  };
}

/** A secret's reference; `[redacted]` (which no file accepts) only if it has none. */
function reference(secret: Secret | undefined) {
  if (secret === undefined) return undefined;
  return secret.origin ?? '[redacted]';
}
