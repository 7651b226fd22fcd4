/**
 * A real forge for workdir tests: bare repositories served by the real `git http-backend` on
 * loopback (Basic auth, the password being an agent's token), a pusher clone to change them as a
 * human would, and a `Workdirs` over a fresh data dir. The server counts requests per repository
 * and can hold them at a gate, so a test can crash a process in the middle of a fetch.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentConfig } from '../../../src/config/types.js';
import { manualClock } from '../../../src/lib/clock.js';
import { silentLogger, type Logger } from '../../../src/lib/logger.js';
import { Secret } from '../../../src/lib/secret.js';
import { createGitHttpHandler } from '../git-http-backend.js';
import { createWorkdirs, type WorkdirsOptions } from '../../../src/workdir/index.js';
import type { RepoSpec, Workdirs } from '../../../src/workdir/types.js';

/** The environment tests run git with: PATH only, a throw-away HOME, no user config. */
export function testEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    LC_ALL: 'C',
  };
}

/** Local git only: a synchronous call blocks the in-process forge, so nothing that talks to it. */
export function git(cwd: string, args: readonly string[], env: Record<string, string> = testEnv(cwd)): string {
  return execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Git that may talk to the forge. */
export async function gitAsync(cwd: string, args: readonly string[], env: Record<string, string>): Promise<string> {
  const { stdout } = await promisify(execFile)('git', args, { cwd, env, encoding: 'utf8' });
  return stdout.trim();
}

export function makeAgent(name: string, token: string): AgentConfig {
  return {
    name,
    login: `${name}-bot`,
    token: new Secret(token),
    git: { name: `${name} agent`, email: `${name}@agents.test` },
    skillPath: '/dev/null',
    role: name === 'dev' ? 'implementer' : name === 'reviewer' ? 'reviewer' : 'planner',
    triggers: [{ on: 'mention' }],
    limits: { runsPerHour: 6, concurrency: 2, maxTurns: 10, maxBudgetUsd: 1 },
  };
}

export interface Gate {
  /** Holds the next matching request until `open()`; resolves when one is being held. */
  readonly held: Promise<void>;
  open(): void;
}

export interface Forge {
  readonly url: string;
  readonly root: string;
  readonly tokens: Set<string>;
  /** Tokens the server was offered (Basic-auth passwords), for leak checks. */
  readonly offered: string[];
  /** Highest number of requests in flight at once, per repository path. */
  readonly maxInFlight: Map<string, number>;
  /** Requests received so far (answered or not), per repository path (`acme/app`). */
  readonly requests: Map<string, number>;
  /** Holds the next request for `repoPath` whose URL contains `match`. */
  gate(repoPath: string, match: string): Gate;
  close(): Promise<void>;
}

export async function startForge(root: string, tokens: Iterable<string>): Promise<Forge> {
  const allowed = new Set(tokens);
  const offered: string[] = [];
  const inFlight = new Map<string, number>();
  const maxInFlight = new Map<string, number>();
  const requests = new Map<string, number>();
  const gates: Array<{ repoPath: string; match: string; hold: (release: () => void) => void }> = [];
  const handler = createGitHttpHandler({
    projectRoot: root,
    authorize: ({ token }) => {
      if (token !== undefined) offered.push(token);
      return token !== undefined && allowed.has(token);
    },
  });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const repoPath = /^\/([^/]+\/[^/]+?)(?:\.git)?\//.exec(req.url ?? '')?.[1] ?? '';
    requests.set(repoPath, (requests.get(repoPath) ?? 0) + 1);
    const count = (inFlight.get(repoPath) ?? 0) + 1;
    inFlight.set(repoPath, count);
    maxInFlight.set(repoPath, Math.max(maxInFlight.get(repoPath) ?? 0, count));
    res.on('close', () => inFlight.set(repoPath, (inFlight.get(repoPath) ?? 1) - 1));
    const gate = req.headers.authorization
      ? gates.findIndex((g) => g.repoPath === repoPath && (req.url ?? '').includes(g.match))
      : -1;
    if (gate < 0) {
      handler(req, res);
      return;
    }
    const [held] = gates.splice(gate, 1);
    held?.hold(() => handler(req, res));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    root,
    tokens: allowed,
    offered,
    maxInFlight,
    requests,
    gate(repoPath, match) {
      let opened = false;
      let release: (() => void) | undefined;
      let onHeld!: () => void;
      const held = new Promise<void>((resolve) => {
        onHeld = resolve;
      });
      gates.push({
        repoPath,
        match,
        hold: (go) => {
          release = go;
          onHeld();
          if (opened) go();
        },
      });
      return {
        held,
        open() {
          opened = true;
          release?.();
        },
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Origin {
  readonly repo: RepoSpec;
  /** `owner/name` as the server sees it. */
  readonly repoPath: string;
  readonly bare: string;
  /** A clone with push access (file path), to change the repository as a human would. */
  readonly pusher: string;
  commit(branch: string, file: string, content: string, message?: string): string;
  /** Rewrites `branch` to a new commit on top of its parent and force-pushes it. */
  forcePush(branch: string, file: string, content: string): string;
  deleteBranch(branch: string): void;
  /** Points `refs/pull/<n>/head` at `sha`, as the forge does for a PR. */
  setPullHead(number: number, sha: string): void;
  head(ref: string): string;
}

export function createOrigin(root: string, forgeUrl: string, owner: string, name: string, files = 20): Origin {
  const bare = join(root, owner, `${name}.git`);
  mkdirSync(bare, { recursive: true });
  git(bare, ['init', '--quiet', '--bare', '--initial-branch=main']);
  const pusher = join(root, '.pushers', `${owner}-${name}`);
  mkdirSync(pusher, { recursive: true });
  git(pusher, ['init', '--quiet', '--initial-branch=main']);
  git(pusher, ['config', 'user.name', 'Human']);
  git(pusher, ['config', 'user.email', 'human@example.test']);
  git(pusher, ['remote', 'add', 'origin', bare]);
  for (let i = 0; i < files; i++) {
    mkdirSync(join(pusher, `dir${i % 4}`), { recursive: true });
    writeFileSync(join(pusher, `dir${i % 4}`, `file${i}.txt`), `file ${i}\n${randomBytes(64).toString('hex')}\n`);
  }
  git(pusher, ['add', '--all']);
  git(pusher, ['commit', '--quiet', '-m', 'initial']);
  git(pusher, ['push', '--quiet', 'origin', 'main']);

  const checkout = (branch: string) => {
    git(pusher, ['fetch', '--quiet', 'origin', `+refs/heads/*:refs/remotes/origin/*`]);
    const exists = git(pusher, ['ls-remote', '--heads', 'origin', branch]) !== '';
    git(pusher, ['checkout', '--quiet', '-B', branch, exists ? `origin/${branch}` : 'origin/main']);
  };
  return {
    repo: {
      host: new URL(forgeUrl).host,
      owner,
      name,
      cloneUrl: `${forgeUrl}/${owner}/${name}.git`,
      defaultBranch: 'main',
    },
    repoPath: `${owner}/${name}`,
    bare,
    pusher,
    commit(branch, file, content, message = `change ${file}`) {
      checkout(branch);
      writeFileSync(join(pusher, file), content);
      git(pusher, ['add', '--all']);
      git(pusher, ['commit', '--quiet', '-m', message]);
      git(pusher, ['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`]);
      return git(pusher, ['rev-parse', 'HEAD']);
    },
    forcePush(branch, file, content) {
      checkout(branch);
      git(pusher, ['reset', '--quiet', '--hard', 'HEAD~1']);
      writeFileSync(join(pusher, file), content);
      git(pusher, ['add', '--all']);
      git(pusher, ['commit', '--quiet', '-m', `rewrite ${file}`]);
      git(pusher, ['push', '--quiet', '--force', 'origin', `HEAD:refs/heads/${branch}`]);
      return git(pusher, ['rev-parse', 'HEAD']);
    },
    deleteBranch(branch) {
      git(bare, ['update-ref', '-d', `refs/heads/${branch}`]);
    },
    setPullHead(number, sha) {
      git(bare, ['update-ref', `refs/pull/${number}/head`, sha]);
    },
    head(ref) {
      return git(bare, ['rev-parse', ref]);
    },
  };
}

export interface Harness {
  readonly dir: string;
  readonly dataDir: string;
  readonly home: string;
  readonly env: Record<string, string>;
  readonly forge: Forge;
  readonly clock: ReturnType<typeof manualClock>;
  readonly agents: { readonly dev: AgentConfig; readonly reviewer: AgentConfig; readonly boss: AgentConfig };
  origin(owner: string, name: string, files?: number): Origin;
  workdirs(overrides?: Partial<WorkdirsOptions>): Workdirs;
  /** Runs git in a worktree the way an agent's Bash tool would: our env plus the lease's. */
  agentGit(cwd: string, leaseEnv: Readonly<Record<string, string>>, args: readonly string[]): Promise<string>;
  close(): Promise<void>;
}

export async function createHarness(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'workdir-test-'));
  const home = join(dir, 'home');
  mkdirSync(home);
  const token = (name: string) => `tok-${name}-${randomBytes(12).toString('hex')}`;
  const agents = {
    dev: makeAgent('dev', token('dev')),
    reviewer: makeAgent('reviewer', token('reviewer')),
    boss: makeAgent('boss', token('boss')),
  };
  const forge = await startForge(
    join(dir, 'forge'),
    Object.values(agents).map((a) => a.token.reveal()),
  );
  const env = testEnv(home);
  const clock = manualClock();
  const dataDir = join(dir, 'data');
  return {
    dir,
    dataDir,
    home,
    env,
    forge,
    clock,
    agents,
    origin: (owner, name, files) => createOrigin(forge.root, forge.url, owner, name, files),
    workdirs: (overrides = {}) =>
      createWorkdirs({
        dataDir,
        minFreeBytes: 0,
        env,
        log: silentLogger() as Logger,
        clock,
        staleLockMs: 2000,
        ...overrides,
      }),
    agentGit: (cwd, leaseEnv, args) => gitAsync(cwd, args, { ...env, ...leaseEnv }),
    async close() {
      await forge.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
