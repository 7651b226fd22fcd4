/**
 * Loads the configuration: YAML file (if any) → environment overrides → zod validation → secret
 * resolution → one frozen `Config`. Every problem is collected and returned at once — shape errors,
 * unset secrets and missing skill files together — each naming the key, the expected form and
 * where the value came from (file:line:column, or the environment variable), so an operator fixes
 * everything in one pass.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { nearest } from '../lib/nearest.js';
import { err, ok, type Result } from '../lib/result.js';
import { Secret } from '../lib/secret.js';
import { knownKeys } from './known-keys.js';
import { roleWorkingIn, type Role } from './roles.js';
import {
  configSchema,
  secretRefSchema,
  storeSchema,
  type ParsedConfig,
  type SecretRef,
  type StoreInput,
} from './schema.js';
import type { AgentConfig, Config, ModelConfig, RenamedKey, StoreConfig, StoreLocation } from './types.js';
import { isRecord } from '../lib/is-record.js';

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
  /** Where the value came from: `claude-hooks.yaml:12:5`, or the environment variable that set it. */
  readonly source?: string;
}

export function loadConfig(options: LoadConfigOptions): Result<Config, ConfigProblem[]> {
  const located = locateFile(options);
  if (!located.ok) return located;
  const file = located.value;

  let raw: unknown = {};
  let doc: ParsedFile | undefined;
  if (file !== undefined) {
    const read = readYaml(file, options.cwd);
    if (!read.ok) return read;
    doc = read.value;
    raw = doc.document.toJS() ?? {};
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return err([{ key: '(file)', message: `${file}: expected a YAML mapping at the top level` }]);
  }

  const problems: ConfigProblem[] = [];
  const envSources = new Map<string, string>();
  const merged = applyEnvOverrides(raw as Record<string, unknown>, options.env, problems, envSources);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap(toProblems));

  const ctx: ResolveContext = {
    baseDir: file !== undefined ? dirname(file) : options.cwd,
    cwd: options.cwd,
    env: options.env,
    file,
    envSources,
    secretsInFile: new Set(),
    renamedKeys: [],
  };
  // Secrets and skill files are checked even when the shape is wrong elsewhere: one pass, every problem.
  const resolved = parsed.success ? resolveConfig(parsed.data, ctx, problems) : checkReferences(merged, ctx, problems);
  if (problems.length > 0 || resolved === undefined)
    return err(problems.map((problem) => locate(problem, envSources, doc)));
  const offset = (key: string) => (doc ? offsetOf(doc.document, key.split('.')) : undefined) ?? 0;
  const secretsInFile = [...ctx.secretsInFile]
    .sort((a, b) => offset(a) - offset(b))
    .map((key) => ({ key, source: locate({ key, message: '' }, envSources, doc).source }));
  const renamedKeys = ctx.renamedKeys.map((renamed) => ({
    ...renamed,
    source: locate({ key: renamed.key, message: '' }, envSources, doc).source,
  }));
  return ok(deepFreeze({ ...resolved, secretsInFile, renamedKeys }));
}

/**
 * Only where the state is, for commands that read it (`jobs`, `deliveries`, `migrate`): the data
 * dir and the store, from the file and the environment overrides, resolving only the store's
 * database URL — an operator with a copied example config must not need every agent's token set
 * to list jobs.
 */
export function loadStoreLocation(options: LoadConfigOptions): Result<StoreLocation, ConfigProblem[]> {
  const located = locateFile(options);
  if (!located.ok) return located;
  const file = located.value;
  let raw: unknown = {};
  let doc: ParsedFile | undefined;
  if (file !== undefined) {
    const read = readYaml(file, options.cwd);
    if (!read.ok) return read;
    doc = read.value;
    raw = doc.document.toJS() ?? {};
  }
  const fields = isRecord(raw) ? raw : {};
  const fromEnv = options.env.CLAUDE_HOOKS_DATA_DIR;
  const problems: ConfigProblem[] = [];
  const dataDir = configSchema.shape.dataDir.safeParse(
    fromEnv !== undefined && fromEnv !== '' ? fromEnv : fields.dataDir,
  );
  if (!dataDir.success)
    problems.push({ key: 'dataDir', message: dataDir.error.issues[0]?.message ?? 'expected a path' });
  const store = storeSchema.safeParse(fields.store);
  if (!store.success)
    problems.push(...store.error.issues.flatMap((issue) => toProblems({ ...issue, path: ['store', ...issue.path] })));
  const ctx: ResolveContext = {
    baseDir: file !== undefined ? dirname(file) : options.cwd,
    cwd: options.cwd,
    env: options.env,
    file,
    envSources: new Map(),
    secretsInFile: new Set(),
    renamedKeys: [],
  };
  const resolved = store.success ? resolveStore(store.data, ctx, problems) : undefined;
  if (problems.length > 0 || !dataDir.success || resolved === undefined)
    return err(problems.map((problem) => locate(problem, ctx.envSources, doc)));
  return ok(deepFreeze({ dataDir: resolve(options.cwd, dataDir.data), store: resolved }));
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

interface ParsedFile {
  readonly document: Document;
  readonly lines: LineCounter;
  /** The file as the operator would name it: relative to the working directory when inside it. */
  readonly label: string;
}

function readYaml(file: string, cwd: string): Result<ParsedFile, ConfigProblem[]> {
  const label = relative(cwd, file).startsWith('..') ? file : relative(cwd, file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return err([{ key: '(file)', message: `${file}: cannot read: ${(error as Error).message}` }]);
  }
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (document.errors.length > 0) {
    return err(
      document.errors.map((error) => {
        const at = error.linePos?.[0];
        return {
          key: '(file)',
          message: `not valid YAML: ${error.message}`,
          source: at ? `${label}:${at.line}:${at.col}` : label,
        };
      }),
    );
  }
  return ok({ document, lines, label });
}

/** Names where a problem's value came from: the environment variable that set it, or file:line:column. */
function locate(
  problem: ConfigProblem,
  envSources: ReadonlyMap<string, string>,
  doc: ParsedFile | undefined,
): ConfigProblem {
  if (problem.source !== undefined || problem.key === '(file)' || /^[A-Z_]+$/.test(problem.key)) return problem;
  for (const [key, variable] of envSources) {
    if (problem.key === key || problem.key.startsWith(`${key}.`)) return { ...problem, source: variable };
  }
  if (!doc) return problem;
  const offset = offsetOf(doc.document, problem.key.split('.'));
  if (offset === undefined) return { ...problem, source: doc.label };
  const { line, col } = doc.lines.linePos(offset);
  return { ...problem, source: `${doc.label}:${line}:${col}` };
}

/** Where the deepest existing part of `path` starts in the file (a key's own position for a mapping entry). */
function offsetOf(document: Document, path: readonly string[]): number | undefined {
  let node: unknown = document.contents;
  let offset: number | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === segment);
      if (!pair) break;
      offset = isScalar(pair.key) ? pair.key.range?.[0] : offset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (!item) break;
      offset = (item as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
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
  sources: Map<string, string>,
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
    sources.set(override.path.join('.'), override.name);
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

function toProblems(issue: z.core.$ZodIssue): ConfigProblem[] {
  const path = issue.path.map(String);
  const key = path.length > 0 ? path.join('.') : '(file)';
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(configSchema, issue.path);
    return issue.keys.map((unknown) => {
      const suggestion = nearest(unknown, known);
      const hint = suggestion
        ? `; did you mean ${suggestion}?`
        : known.length > 0
          ? `; expected one of ${known.join(', ')}`
          : '';
      return { key: [...path, unknown].join('.'), message: `unknown key${hint}` };
    });
  }
  // Secret references (`…token`, `…Secret`, the database URL) are unions whose own messages say little.
  if (issue.code === 'invalid_union' && (/(token|secret)$/i.test(key) || key === 'store.postgres.url'))
    return [{ key, message: 'expected { env: NAME } or { file: PATH }' }];
  if (issue.code === 'invalid_union' && key === 'store') return storeProblems(issue);
  return [{ key, message: issue.message }];
}

/**
 * `store` is `sqlite` or `{ postgres: … }`: a mapping is held to the postgres form (so a typo'd
 * key gets its "did you mean"); anything else is told the two forms.
 */
function storeProblems(issue: z.core.$ZodIssueInvalidUnion): ConfigProblem[] {
  const objectBranch = issue.errors.find((branch) =>
    branch.some((inner) => inner.path.length > 0 || inner.code === 'unrecognized_keys'),
  );
  if (!objectBranch)
    return [{ key: 'store', message: 'expected sqlite, or { postgres: { url: { env: DATABASE_URL } } }' }];
  // A typo'd `postgres` is said once, as the unknown key, not again as `postgres` missing.
  const typo = objectBranch.some((inner) => inner.code === 'unrecognized_keys' && inner.path.length === 0);
  const kept = typo
    ? objectBranch.filter((inner) => !(inner.code === 'invalid_type' && inner.path.length === 1))
    : objectBranch;
  return kept.flatMap((inner) => toProblems({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue));
}

interface ResolveContext {
  readonly baseDir: string;
  readonly cwd: string;
  readonly env: LoadConfigOptions['env'];
  readonly file: string | undefined;
  /** Dotted keys set by environment overrides → the variable. */
  readonly envSources: ReadonlyMap<string, string>;
  /** Collects the keys of secrets written in the file as `{ value: … }` (not set by an environment override). */
  readonly secretsInFile: Set<string>;
  /** Collects the keys written under an old name (`agents.dev.workspace`). */
  readonly renamedKeys: RenamedKey[];
}

function resolveSecret(
  ref: SecretRef,
  key: string,
  ctx: ResolveContext,
  problems: ConfigProblem[],
): Secret | undefined {
  if ('value' in ref) {
    const variable = ctx.envSources.get(key);
    if (variable === undefined) ctx.secretsInFile.add(key);
    return new Secret(ref.value, variable ? { env: variable } : undefined);
  }
  if ('env' in ref) {
    const value = ctx.env[ref.env];
    if (value === undefined || value === '') {
      problems.push({ key, message: `environment variable ${ref.env} is not set` });
      return undefined;
    }
    return new Secret(value, { env: ref.env });
  }
  const path = isAbsolute(ref.file) ? ref.file : resolve(ctx.baseDir, ref.file);
  try {
    const value = readFileSync(path, 'utf8').trim();
    if (value === '') throw new Error('file is empty');
    return new Secret(value, { file: path });
  } catch (error) {
    problems.push({ key, message: `cannot read secret file ${path}: ${(error as Error).message}` });
    return undefined;
  }
}

/**
 * The role that works in the agent's `worktree` — or in its `workspace`, the old name, noted for
 * `config check` to say so. The schema has made sure one of them is given (the last fallback only
 * satisfies the type).
 */
function roleOf(name: string, agent: ParsedConfig['agents'][string], ctx: ResolveContext): Role {
  if (agent.worktree === undefined && agent.workspace !== undefined)
    ctx.renamedKeys.push({ key: `agents.${name}.workspace`, now: `agents.${name}.worktree` });
  return roleWorkingIn(agent.worktree ?? agent.workspace ?? 'issue-branch');
}

function skillPath(skill: string, ctx: ResolveContext): string {
  return isAbsolute(skill) ? skill : resolve(ctx.baseDir, skill);
}

function checkSkill(path: string, key: string, problems: ConfigProblem[]): void {
  if (!existsSync(path)) problems.push({ key, message: `skill prompt file not found: ${path}` });
}

/**
 * When the shape is wrong somewhere, the secret references and skill paths that are well-formed
 * are still resolved and checked, so their problems show up in the same pass.
 */
function checkReferences(merged: Record<string, unknown>, ctx: ResolveContext, problems: ConfigProblem[]): undefined {
  const at = (path: readonly string[]) =>
    path.reduce<unknown>((node, segment) => (isRecord(node) ? node[segment] : undefined), merged);
  const secrets = [
    ['adminToken'],
    ['forge', 'webhookSecret'],
    ['forge', 'serviceToken'],
    ['server', 'metricsToken'],
    ['store', 'postgres', 'url'],
  ];
  const agents = at(['agents']);
  for (const name of isRecord(agents) ? Object.keys(agents) : []) {
    secrets.push(['agents', name, 'token']);
    const skill = at(['agents', name, 'skill']);
    if (typeof skill === 'string' && skill !== '') checkSkill(skillPath(skill, ctx), `agents.${name}.skill`, problems);
  }
  for (const path of secrets) {
    const ref = secretRefSchema.safeParse(at(path));
    if (ref.success) resolveSecret(ref.data, path.join('.'), ctx, problems);
  }
  return undefined;
}

function resolveConfig(parsed: ParsedConfig, ctx: ResolveContext, problems: ConfigProblem[]): Config {
  const agents: AgentConfig[] = Object.entries(parsed.agents).map(([name, agent]) => ({
    name,
    login: agent.login,
    token: resolveSecret(agent.token, `agents.${name}.token`, ctx, problems) ?? new Secret(''),
    git: agent.git,
    skillPath: skillPath(agent.skill, ctx),
    role: roleOf(name, agent, ctx),
    triggers: agent.triggers,
    limits: agent.limits,
    model: resolveModel(parsed.model, agent.model, `agents.${name}.model`, ctx, problems),
    network: agent.network,
    scratchWorktree: agent.scratchWorktree,
    webTools: agent.webTools,
    projectInstructions: agent.projectInstructions,
  }));
  checkAgents(agents, parsed, problems);
  checkMilestones(parsed, problems);

  const forgeUrl = parsed.forge.url?.replace(/\/+$/, '');
  if (agents.length > 0 && forgeUrl === undefined) {
    problems.push({
      key: 'forge.url',
      message: 'agents are configured, so the forge base URL is required (or CLAUDE_HOOKS_FORGE_URL)',
    });
  }

  return {
    source: ctx.file,
    server: {
      ...parsed.server,
      metricsToken:
        parsed.server.metricsToken && resolveSecret(parsed.server.metricsToken, 'server.metricsToken', ctx, problems),
    },
    dataDir: resolve(ctx.cwd, parsed.dataDir),
    store: resolveStore(parsed.store, ctx, problems) ?? { kind: 'sqlite' },
    logLevel: parsed.logLevel,
    isolation: parsed.isolation,
    adminToken: parsed.adminToken && resolveSecret(parsed.adminToken, 'adminToken', ctx, problems),
    forge: {
      kind: parsed.forge.kind,
      url: forgeUrl,
      webhookSecret:
        parsed.forge.webhookSecret && resolveSecret(parsed.forge.webhookSecret, 'forge.webhookSecret', ctx, problems),
      serviceToken:
        parsed.forge.serviceToken && resolveSecret(parsed.forge.serviceToken, 'forge.serviceToken', ctx, problems),
      repositories: parsed.forge.repositories,
      requestTimeoutSeconds: parsed.forge.requestTimeoutSeconds,
      startupWaitSeconds: parsed.forge.startupWaitSeconds,
    },
    intake: parsed.intake,
    dispatch: parsed.dispatch,
    workdir: parsed.workdir,
    housekeeping: parsed.housekeeping,
    health: parsed.health,
    dashboard: parsed.dashboard,
    milestones: parsed.milestones,
    pulls: parsed.pulls,
    agents,
  };
}

function resolveStore(store: StoreInput, ctx: ResolveContext, problems: ConfigProblem[]): StoreConfig | undefined {
  if (store === 'sqlite') return { kind: 'sqlite' };
  const url = resolveSecret(store.postgres.url, 'store.postgres.url', ctx, problems);
  if (url === undefined) return undefined;
  const { maxConnections, affinityWaitMs, leaseSeconds, connectTimeoutSeconds, statementTimeoutSeconds } =
    store.postgres;
  return {
    kind: 'postgres',
    url,
    maxConnections,
    affinityWaitMs,
    leaseSeconds,
    connectTimeoutSeconds,
    statementTimeoutSeconds,
  };
}

type ModelInput = NonNullable<ParsedConfig['model']>;
type AgentModelInput = ParsedConfig['agents'][string]['model'];

/** The global model with the agent's overrides on top; undefined when neither names a credential. */
function resolveModel(
  global: ModelInput | undefined,
  own: AgentModelInput,
  key: string,
  ctx: ResolveContext,
  problems: ConfigProblem[],
): ModelConfig | undefined {
  const credential = own?.credential ?? global?.credential;
  if (credential === undefined) return undefined;
  const name = own?.name ?? global?.name;
  if (name === undefined) {
    problems.push({
      key: `${key}.name`,
      message:
        'required: this agent names a model credential but no model, and there is no model.name to fall back on; write e.g. `name: claude-sonnet-4-5` here, or under the global model:',
    });
    return undefined;
  }
  const credentialKey = own?.credential ? `${key}.credential` : 'model.credential';
  const secret = resolveSecret(credential, credentialKey, ctx, problems);
  if (secret === undefined) return undefined;
  const kind =
    (own?.credential ? own.credentialKind : undefined) ?? global?.credentialKind ?? credentialKindOf(credential);
  const runtimeRetries = own?.runtimeRetries ?? global?.runtimeRetries;
  const streamIdleSeconds = own?.streamIdleSeconds ?? global?.streamIdleSeconds;
  return {
    name,
    credential: { kind, secret },
    baseUrl: (own?.baseUrl ?? global?.baseUrl)?.replace(/\/+$/, ''),
    ...(runtimeRetries === undefined ? {} : { runtimeRetries }),
    ...(streamIdleSeconds === undefined ? {} : { streamIdleSeconds }),
  };
}

function credentialKindOf(ref: SecretRef): 'api-key' | 'oauth-token' {
  return 'env' in ref && ref.env === 'CLAUDE_CODE_OAUTH_TOKEN' ? 'oauth-token' : 'api-key';
}

function checkAgents(agents: readonly AgentConfig[], parsed: ParsedConfig, problems: ConfigProblem[]): void {
  const seen = new Map<string, string>();
  for (const agent of agents) {
    const other = seen.get(agent.login.toLowerCase());
    if (other)
      problems.push({
        key: `agents.${agent.name}.login`,
        message: `login "${agent.login}" is also used by agent ${other}`,
      });
    seen.set(agent.login.toLowerCase(), agent.name);
    checkSkill(agent.skillPath, `agents.${agent.name}.skill`, problems);
    if (agent.limits.concurrency > parsed.dispatch.concurrency) {
      problems.push({
        key: `agents.${agent.name}.limits.concurrency`,
        message: `is ${agent.limits.concurrency}, above dispatch.concurrency (${parsed.dispatch.concurrency}); lower it or raise the global limit`,
      });
    }
  }
}

/** A repository opted in for milestones, or for merging when green, must be one the service works on. */
function checkMilestones(parsed: ParsedConfig, problems: ConfigProblem[]): void {
  const configured = new Set(parsed.forge.repositories.map((repo) => repo.toLowerCase()));
  if (configured.size === 0) return;
  const optIns = [
    ['milestones.repositories', parsed.milestones.repositories],
    ['pulls.mergeWhenGreen', parsed.pulls.mergeWhenGreen],
  ] as const;
  for (const [key, repositories] of optIns)
    repositories.forEach((repo, i) => {
      if (!configured.has(repo.toLowerCase()))
        problems.push({
          key: `${key}.${i}`,
          message: `${repo} is not in forge.repositories, so the service reads none of its events; add it there or remove it here`,
        });
    });
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || value instanceof Secret || Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}
