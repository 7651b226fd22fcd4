/**
 * Loads the configuration: YAML file (if any) → environment overrides → zod validation → secret
 * resolution → one frozen `Config`. Every problem is collected and returned at once, each naming
 * the key and the expected form, so an operator fixes the file in one pass.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { err, ok, type Result } from '../lib/result.js';
import { Secret } from '../lib/secret.js';
import { configSchema, type ParsedConfig, type SecretRef } from './schema.js';
import type { AgentConfig, Config, ModelConfig } from './types.js';

export const DEFAULT_CONFIG_FILE = 'claude-hooks.yaml';

export interface LoadConfigOptions {
  /** `--config PATH`; else `CLAUDE_HOOKS_CONFIG`; else `claude-hooks.yaml` in `cwd` when present. */
  readonly path?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export interface ConfigProblem {
  /** Dotted key (`forge.kind`, `agents.dev.token`), or `(file)` for the file as a whole. */
  readonly key: string;
  readonly message: string;
}

export function loadConfig(options: LoadConfigOptions): Result<Config, ConfigProblem[]> {
  const located = locateFile(options);
  if (!located.ok) return located;
  const file = located.value;

  let raw: unknown = {};
  if (file !== undefined) {
    const read = readYaml(file);
    if (!read.ok) return read;
    raw = read.value ?? {};
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return err([{ key: '(file)', message: `${file}: expected a YAML mapping at the top level` }]);
  }

  const envProblems: ConfigProblem[] = [];
  const merged = applyEnvOverrides(raw as Record<string, unknown>, options.env, envProblems);
  const parsed = configSchema.safeParse(merged);
  const problems = [...envProblems, ...(parsed.success ? [] : parsed.error.issues.map(toProblem))];
  if (!parsed.success) return err(problems);

  const baseDir = file !== undefined ? dirname(file) : options.cwd;
  const resolved = resolveConfig(parsed.data, { baseDir, cwd: options.cwd, env: options.env, file }, problems);
  if (problems.length > 0) return err(problems);
  return ok(deepFreeze(resolved));
}

function locateFile(options: LoadConfigOptions): Result<string | undefined, ConfigProblem[]> {
  const explicit = options.path ?? options.env.CLAUDE_HOOKS_CONFIG;
  if (explicit !== undefined && explicit !== '') {
    const path = resolve(options.cwd, explicit);
    if (!existsSync(path)) return err([{ key: '(file)', message: `config file not found: ${path}` }]);
    return ok(path);
  }
  const fallback = resolve(options.cwd, DEFAULT_CONFIG_FILE);
  return ok(existsSync(fallback) ? fallback : undefined);
}

function readYaml(file: string): Result<unknown, ConfigProblem[]> {
  try {
    return ok(parseYaml(readFileSync(file, 'utf8')));
  } catch (error) {
    const detail = error instanceof YAMLParseError ? error.message : String(error);
    return err([{ key: '(file)', message: `${file}: not valid YAML: ${detail}` }]);
  }
}

/** Environment variables that override (or stand in for) keys of the file. */
const ENV_OVERRIDES: ReadonlyArray<{ name: string; path: readonly string[]; as: 'string' | 'port' | 'secret' }> = [
  { name: 'CLAUDE_HOOKS_HOST', path: ['server', 'host'], as: 'string' },
  { name: 'CLAUDE_HOOKS_PORT', path: ['server', 'port'], as: 'port' },
  { name: 'CLAUDE_HOOKS_PUBLIC_URL', path: ['server', 'publicUrl'], as: 'string' },
  { name: 'CLAUDE_HOOKS_DATA_DIR', path: ['dataDir'], as: 'string' },
  { name: 'CLAUDE_HOOKS_LOG_LEVEL', path: ['logLevel'], as: 'string' },
  { name: 'CLAUDE_HOOKS_WEBHOOK_SECRET', path: ['forge', 'webhookSecret'], as: 'secret' },
  { name: 'CLAUDE_HOOKS_ADMIN_TOKEN', path: ['adminToken'], as: 'secret' },
  { name: 'CLAUDE_HOOKS_FORGE_URL', path: ['forge', 'url'], as: 'string' },
  { name: 'CLAUDE_HOOKS_FORGE_KIND', path: ['forge', 'kind'], as: 'string' },
];

function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: LoadConfigOptions['env'],
  problems: ConfigProblem[],
): Record<string, unknown> {
  const merged = structuredClone(raw);
  for (const override of ENV_OVERRIDES) {
    const value = env[override.name];
    if (value === undefined || value === '') continue;
    let converted: unknown = value;
    if (override.as === 'port') {
      converted = /^\d+$/.test(value) ? Number(value) : value;
      if (typeof converted === 'string') {
        problems.push({ key: override.name, message: `expected a port number, got "${value}"` });
        continue;
      }
    }
    if (override.as === 'secret') converted = { value };
    setPath(merged, override.path, converted);
  }
  return merged;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function toProblem(issue: z.core.$ZodIssue): ConfigProblem {
  const key = issue.path.length > 0 ? issue.path.map(String).join('.') : '(file)';
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') message = `unknown key(s): ${issue.keys.join(', ')}`;
  // Secret references (`…token`, `…Secret`) are unions whose own messages say little.
  if (issue.code === 'invalid_union' && /(token|secret)$/i.test(key)) message = 'expected { env: NAME } or { file: PATH }';
  return { key, message };
}

interface ResolveContext {
  readonly baseDir: string;
  readonly cwd: string;
  readonly env: LoadConfigOptions['env'];
  readonly file: string | undefined;
}

function resolveSecret(ref: SecretRef, key: string, ctx: ResolveContext, problems: ConfigProblem[]): Secret | undefined {
  if ('value' in ref) return new Secret(ref.value);
  if ('env' in ref) {
    const value = ctx.env[ref.env];
    if (value === undefined || value === '') {
      problems.push({ key, message: `environment variable ${ref.env} is not set` });
      return undefined;
    }
    return new Secret(value);
  }
  const path = isAbsolute(ref.file) ? ref.file : resolve(ctx.baseDir, ref.file);
  try {
    const value = readFileSync(path, 'utf8').trim();
    if (value === '') throw new Error('file is empty');
    return new Secret(value);
  } catch (error) {
    problems.push({ key, message: `cannot read secret file ${path}: ${(error as Error).message}` });
    return undefined;
  }
}

function resolveConfig(parsed: ParsedConfig, ctx: ResolveContext, problems: ConfigProblem[]): Config {
  const agents: AgentConfig[] = Object.entries(parsed.agents).map(([name, agent]) => ({
    name,
    login: agent.login,
    token: resolveSecret(agent.token, `agents.${name}.token`, ctx, problems) ?? new Secret(''),
    git: agent.git,
    skillPath: isAbsolute(agent.skill) ? agent.skill : resolve(ctx.baseDir, agent.skill),
    workspace: agent.workspace,
    triggers: agent.triggers,
    limits: agent.limits,
    model: resolveModel(parsed.model, agent.model, `agents.${name}.model`, ctx, problems),
  }));
  checkAgents(agents, parsed, problems);

  const forgeUrl = parsed.forge.url?.replace(/\/+$/, '');
  if (agents.length > 0 && forgeUrl === undefined) {
    problems.push({ key: 'forge.url', message: 'agents are configured, so the forge base URL is required (or CLAUDE_HOOKS_FORGE_URL)' });
  }

  return {
    source: ctx.file,
    server: parsed.server,
    dataDir: resolve(ctx.cwd, parsed.dataDir),
    logLevel: parsed.logLevel,
    adminToken: parsed.adminToken && resolveSecret(parsed.adminToken, 'adminToken', ctx, problems),
    forge: {
      kind: parsed.forge.kind,
      url: forgeUrl,
      webhookSecret: parsed.forge.webhookSecret && resolveSecret(parsed.forge.webhookSecret, 'forge.webhookSecret', ctx, problems),
      repositories: parsed.forge.repositories,
    },
    intake: parsed.intake,
    dispatch: parsed.dispatch,
    workdir: parsed.workdir,
    health: parsed.health,
    agents,
  };
}

type ModelInput = NonNullable<ParsedConfig['model']>;
type AgentModelInput = ParsedConfig['agents'][string]['model'];

/** The global model with the agent's overrides on top; undefined when neither names a credential. */
function resolveModel(global: ModelInput | undefined, own: AgentModelInput, key: string, ctx: ResolveContext, problems: ConfigProblem[]): ModelConfig | undefined {
  const credential = own?.credential ?? global?.credential;
  if (credential === undefined) return undefined;
  const name = own?.name ?? global?.name;
  if (name === undefined) {
    problems.push({ key: `${key}.name`, message: 'a model name is required when no global model is configured' });
    return undefined;
  }
  const credentialKey = own?.credential ? `${key}.credential` : 'model.credential';
  const secret = resolveSecret(credential, credentialKey, ctx, problems);
  if (secret === undefined) return undefined;
  const kind = (own?.credential ? own.credentialKind : undefined) ?? global?.credentialKind ?? credentialKindOf(credential);
  return { name, credential: { kind, secret }, baseUrl: (own?.baseUrl ?? global?.baseUrl)?.replace(/\/+$/, '') };
}

function credentialKindOf(ref: SecretRef): 'api-key' | 'oauth-token' {
  return 'env' in ref && ref.env === 'CLAUDE_CODE_OAUTH_TOKEN' ? 'oauth-token' : 'api-key';
}

function checkAgents(agents: readonly AgentConfig[], parsed: ParsedConfig, problems: ConfigProblem[]): void {
  const seen = new Map<string, string>();
  for (const agent of agents) {
    const other = seen.get(agent.login.toLowerCase());
    if (other) problems.push({ key: `agents.${agent.name}.login`, message: `login "${agent.login}" is also used by agent ${other}` });
    seen.set(agent.login.toLowerCase(), agent.name);
    if (!existsSync(agent.skillPath)) {
      problems.push({ key: `agents.${agent.name}.skill`, message: `skill prompt file not found: ${agent.skillPath}` });
    }
    if (agent.limits.concurrency > parsed.dispatch.concurrency) {
      problems.push({
        key: `agents.${agent.name}.limits.concurrency`,
        message: `is ${agent.limits.concurrency}, above dispatch.concurrency (${parsed.dispatch.concurrency}); lower it or raise the global limit`,
      });
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || value instanceof Secret || Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}
