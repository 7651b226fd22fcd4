/**
 * Isolation: how each agent run is enclosed. `open` gives a run its enclosure — a per-run token,
 * the service's proxies behind one endpoint (model, git, egress), the environment that points
 * the runtime at them, and (with `bwrap`) the wrapper that starts the runtime in its sandbox.
 * The real credentials stay in the service: the model key in the model proxy, the agent's forge
 * token in the git proxy; the run holds only its token, which dies with `close()`.
 *
 * With `none` the same proxies serve the run over loopback and nothing wraps the runtime: it runs
 * as the service's own user and can read what that user can (docs/security.md).
 */
import { randomBytes } from 'node:crypto';
import { access, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AgentConfig, ModelConfig } from '../config/types.js';
import type { Logger } from '../lib/logger.js';
import { createEgressProxy, type Blocked } from './egress-proxy.js';
import { createGitProxy, type PushPolicy, type RefUpdate } from './git-proxy.js';
import { ensureInitScript } from './init-script.js';
import { createModelProxy, type ModelUsage, type ModelWatch } from './model-proxy.js';
import { bwrapArgs, type Mount } from './mounts.js';
import { outboundFrom } from './outbound.js';
import { INSIDE, runMounts, type WorktreeView } from './run-mounts.js';
import { startRunEndpoint, type RunEndpoint } from './run-endpoint.js';
import { systemMounts } from './system-mounts.js';

export type IsolationKind = 'bwrap' | 'none';

/** The loopback port the in-sandbox init forwards to the service's socket. */
const SANDBOX_PORT = 41_741;
const ANTHROPIC_API = 'https://api.anthropic.com';

export interface IsolationOptions {
  readonly kind: IsolationKind;
  /** Holds the init script (`<dataDir>/sandbox`). */
  readonly dataDir: string;
  /** The service's environment: the operator's egress proxy, if any, is taken from it (never passed in). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  /** The bubblewrap executable (`bwrap` from PATH). */
  readonly bwrap?: string;
}

export interface EnclosureRequest {
  /** For logs: the job and agent. */
  readonly label: string;
  readonly agent: AgentConfig;
  readonly model: ModelConfig;
  /** Dollars this run may spend, enforced by the model proxy. */
  readonly budgetUsd: number | undefined;
  /** The model proxy's timeouts (stream idle, response) and whom it tells of the API's trouble. */
  readonly modelWatch?: ModelWatch;
  /** `scratch`: a reader gets a throw-away writable copy of its worktree (for running tests). */
  readonly worktree: WorktreeView & { readonly scratch?: boolean };
  readonly git: {
    /** The repository's URL on the forge, as the cache's `origin` names it. */
    readonly upstream: string;
    /** What the run may push; undefined: fetch only. */
    readonly push: PushPolicy | undefined;
    readonly onPushed?: (updates: readonly RefUpdate[]) => void;
  };
  /** The run's `CLAUDE_CONFIG_DIR` (its session's own folder). */
  readonly configDir: string;
}

/** What the run's proxies counted: cost and usage, the model API's stalls and failures (`model`), refusals. */
export interface EnclosureReport extends ModelUsage {
  readonly blocked: Blocked & { readonly pushes: number };
}

export interface RunEnclosure {
  readonly isolation: IsolationKind;
  /** The run's token: the only credential inside. Redact it like a secret. */
  readonly token: string;
  /** What the runtime's environment takes from the enclosure: model URL and token, git routing, proxies. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * The command that starts `command args` in the sandbox (unchanged with `none`). `env` is the
   * runtime's: a `CLAUDE_CONFIG_DIR` other than the run's own (the SDK's private copy of a session
   * resumed from the database) is bound too.
   */
  wrap(
    command: string,
    args: readonly string[],
    env: Readonly<Record<string, string | undefined>>,
  ): { readonly command: string; readonly args: string[] };
  report(): EnclosureReport;
  /** Ends the run's token and proxies. Call once the runtime has exited. */
  close(): Promise<void>;
}

export interface Isolation {
  readonly kind: IsolationKind;
  open(request: EnclosureRequest): Promise<RunEnclosure>;
  /** Removes the socket folder. */
  close(): Promise<void>;
}

export function createIsolation(options: IsolationOptions): Isolation {
  const outbound = outboundFrom(options.env);
  const system = systemMounts({ node: process.execPath });
  let sockets: Promise<string> | undefined;
  let init: Promise<string> | undefined;
  // Unix socket paths are limited to ~108 bytes; a private folder under the temp dir keeps them short.
  const socketDir = () => (sockets ??= mkdtemp(join(tmpdir(), 'claude-hooks-')));
  const initScript = () => (init ??= ensureInitScript(join(options.dataDir, 'sandbox')));
  // Copies left by runs of an earlier process (a crash) are nobody's: cleared before the first run.
  const scratchRoot = join(options.dataDir, 'sandbox', 'scratch');
  let scratchReady: Promise<void> | undefined;
  const scratchDir = async () => {
    await (scratchReady ??= rm(scratchRoot, { recursive: true, force: true }));
    return mkdtemp(join(await ensureDir(scratchRoot), 'run-'));
  };

  return {
    kind: options.kind,
    async open(request) {
      const token = randomBytes(32).toString('hex');
      const log = options.log.child({ run: request.label });
      const upstream = request.model.baseUrl ?? ANTHROPIC_API;
      const model = createModelProxy({
        ...request.modelWatch,
        upstream,
        credential: request.model.credential,
        budgetUsd: request.budgetUsd,
        agent: outbound.agentFor(new URL(upstream)),
        log,
      });
      const git = createGitProxy({
        upstream: request.git.upstream,
        credentials: { username: request.agent.login, password: request.agent.token },
        push: request.git.push,
        agent: outbound.agentFor(new URL(request.git.upstream)),
        log,
        onPushed: request.git.onPushed,
      });
      const egress = createEgressProxy({ allow: request.agent.network?.allow ?? [], outbound, log });
      const routes = { model, git, egress };
      const bwrap = options.kind === 'bwrap';
      if (bwrap) await prepareGitFiles(request.worktree);
      const socket = bwrap ? join(await socketDir(), `${randomBytes(6).toString('hex')}.sock`) : undefined;
      const copy =
        bwrap && request.worktree.scratch && !request.worktree.writable
          ? await copyOf(request.worktree.path, await scratchDir())
          : undefined;
      const worktree: WorktreeView = copy ? { ...request.worktree, source: copy } : request.worktree;
      const endpoint: RunEndpoint = await startRunEndpoint(token, routes, socket ? { socket } : { loopback: true });
      const base = endpoint.url ?? `http://127.0.0.1:${SANDBOX_PORT}`;
      const script = bwrap ? await initScript() : '';
      return {
        isolation: options.kind,
        token,
        env: { ...runtimeEnv(base, token, request), ...(bwrap ? sandboxEnv(request.worktree) : {}) },
        wrap(command, args, env) {
          if (!socket) return { command, args: [...args] };
          const configDirs = [
            request.configDir,
            ...(env.CLAUDE_CONFIG_DIR && env.CLAUDE_CONFIG_DIR !== request.configDir ? [env.CLAUDE_CONFIG_DIR] : []),
          ];
          const mounts: Mount[] = runMounts({ system, worktree, configDirs, command, initScript: script, socket });
          const argv = [process.execPath, INSIDE.init, INSIDE.socket, String(SANDBOX_PORT), command, ...args];
          return { command: options.bwrap ?? 'bwrap', args: bwrapArgs({ mounts, cwd: request.worktree.path, argv }) };
        },
        report: () => ({ ...model.usage(), blocked: { ...egress.blocked(), pushes: git.refusals() } }),
        async close() {
          await endpoint.close();
          if (socket) await rm(socket, { force: true });
          if (copy) await rm(dirname(copy), { recursive: true, force: true });
        },
      };
    },
    async close() {
      if (sockets) await rm(await sockets, { recursive: true, force: true });
    },
  };
}

/**
 * The environment that routes a run through its endpoint. Git fetches and pushes of the job's
 * repository go to the git proxy (`url.<proxy>.insteadOf`, the run's token as the password); no
 * other URL is rewritten, and with no network nothing else is reachable. Tools that honour
 * `HTTPS_PROXY` reach the listed hosts through the egress proxy.
 */
function runtimeEnv(base: string, token: string, request: EnclosureRequest): Record<string, string> {
  const authority = base.replace('://', `://run:${token}@`);
  const credential = request.model.credential.kind === 'api-key' ? 'ANTHROPIC_API_KEY' : 'CLAUDE_CODE_OAUTH_TOKEN';
  const config: [string, string][] = [
    // An empty entry clears every credential helper: the run has no credential to give git.
    ['credential.helper', ''],
    [`url.${authority}/git/.insteadOf`, request.git.upstream],
  ];
  return {
    ANTHROPIC_BASE_URL: base,
    [credential]: token,
    HTTPS_PROXY: authority,
    HTTP_PROXY: authority,
    https_proxy: authority,
    http_proxy: authority,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_COUNT: String(config.length),
    ...Object.fromEntries(
      config.flatMap(([key, value], i) => [
        [`GIT_CONFIG_KEY_${i}`, key],
        [`GIT_CONFIG_VALUE_${i}`, value],
      ]),
    ),
  };
}

/**
 * Inside a sandbox: a home in its private `/tmp`, and for a reader (whose cache is read-only) a
 * scratch object store in front of the cache's, so that the blobs a partial clone fetches on demand
 * (a reviewer's `git diff` against the base) have somewhere to go — and vanish with the run.
 */
function sandboxEnv(worktree: WorktreeView): Record<string, string> {
  const env: Record<string, string> = { HOME: INSIDE.home, TMPDIR: '/tmp' };
  if (worktree.writable || worktree.adminDir === worktree.commonDir) return env;
  return {
    ...env,
    GIT_OBJECT_DIRECTORY: INSIDE.objects,
    GIT_ALTERNATE_OBJECT_DIRECTORIES: join(worktree.commonDir, 'objects'),
  };
}

/** A throw-away copy of a worktree's files (its `.git` pointer included, bound read-only over it). */
async function copyOf(path: string, into: string): Promise<string> {
  const copy = join(into, 'worktree');
  await cp(path, copy, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  return copy;
}

async function ensureDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return `${dir}/`;
}

/** The git files the sandbox binds read-only must exist first, and a writer's reflog folder too. */
async function prepareGitFiles(worktree: WorktreeView): Promise<void> {
  const configWorktree = join(worktree.adminDir, 'config.worktree');
  await access(configWorktree).catch(() => writeFile(configWorktree, '', { mode: 0o644 }));
  if (worktree.writable) await mkdir(join(worktree.commonDir, 'logs'), { recursive: true });
}
