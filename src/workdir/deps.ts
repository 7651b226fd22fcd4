/** What the workdir operations share, built once by `createWorkdirs`. */
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentConfig } from '../config/types.js';
import type { Clock } from '../lib/clock.js';
import { cloneUrlOf } from '../lib/repo-url.js';
import type { Logger } from '../lib/logger.js';
import { authEnvironment, identityEnvironment } from './auth.js';
import type { GitContext } from './cache.js';
import type { KnownHeads } from './known-heads.js';
import type { Leases } from './lease.js';
import type { RepoLocks } from './locks.js';
import { cacheDirOf, type Layout } from './paths.js';
import type { WorktreeRegistry } from './registry.js';
import type { GitRunner } from './run-git.js';
import type { StaleLockCleaner } from './stale-locks.js';
import type { RepoSpec } from './types.js';

export interface WorkdirDeps {
  readonly layout: Layout;
  readonly git: GitRunner;
  readonly cleaner: StaleLockCleaner;
  readonly locks: RepoLocks;
  readonly leases: Leases;
  readonly registry: WorktreeRegistry;
  readonly log: Logger;
  readonly clock: Clock;
  readonly minFreeBytes: number;
  /** The configured forge (`forge.url`): every clone URL is built from it and credentials go only there. */
  readonly forgeUrl: string | undefined;
  /** Path of the credential helper script, written on first use. */
  credentialHelper(): Promise<string>;
  /** The heads the service knows (decisions.md §51); undefined: every job fetches. */
  readonly knownHeads: KnownHeads | undefined;
  /** Caches whose `origin` this process found pointing at the forge (`ensureRemoteUrl`). */
  readonly remotesChecked: Set<string>;
}

/**
 * Where git fetches `repo` from: built from the configured forge URL (docs/decisions.md §10: a payload's
 * clone URL once sent the agent's token to another host), the request's own only when no forge
 * is configured (tests that serve one repository).
 */
export function remoteUrlOf(deps: Pick<WorkdirDeps, 'forgeUrl'>, repo: RepoSpec): string {
  return deps.forgeUrl === undefined ? repo.cloneUrl : cloneUrlOf(deps.forgeUrl, repo.owner, repo.name);
}

/**
 * The git context for work on one repository as one agent: identity, credentials (the agent's
 * token, for fetches and the lazy blob fetches of a partial clone) and no hooks — the service's
 * own git never runs a hook an agent may have written into the cache.
 */
export async function gitContextFor(
  deps: WorkdirDeps,
  repoKey: string,
  repo: RepoSpec,
  agent: AgentConfig | undefined,
  signal: AbortSignal | undefined,
): Promise<GitContext> {
  const noHooks = [['core.hooksPath', '/dev/null']] as const;
  const env = agent
    ? {
        ...identityEnvironment(agent),
        ...authEnvironment({
          helperPath: await deps.credentialHelper(),
          agent,
          cloneUrl: remoteUrlOf(deps, repo),
          extraConfig: noHooks,
        }),
      }
    : { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: noHooks[0][0], GIT_CONFIG_VALUE_0: noHooks[0][1] };
  return {
    git: deps.git,
    cleaner: deps.cleaner,
    log: deps.log,
    env,
    repoDirs: [cacheDirOf(deps.layout, repoKey), join(deps.layout.trees, repoKey)],
    signal,
  };
}

export async function freeBytes(path: string): Promise<{ free: number; total: number }> {
  const stats = await statfs(path);
  return { free: stats.bavail * stats.bsize, total: stats.blocks * stats.bsize };
}
