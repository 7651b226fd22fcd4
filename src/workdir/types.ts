/**
 * The workdir module's public types: what dispatch asks for (`acquire`), what the agent runner
 * gets (a `Lease`: a path to use as `cwd` and an `env` to run with), what housekeeping removes and
 * what the dashboard shows.
 */
import type { AgentConfig } from '../config/types.js';
import type { Result } from '../lib/result.js';

/** A repository on the forge. The forge's `RepoRef` satisfies it. */
export interface RepoSpec {
  /** Forge host, as in the clone URL (`forge.example.com`, `127.0.0.1:3000`). */
  readonly host: string;
  readonly owner: string;
  readonly name: string;
  /**
   * `http(s)://…` without credentials: the token is never part of a URL. Used only when the
   * workdirs have no `forgeUrl`; with one (the service), the URL is built from it instead.
   */
  readonly cloneUrl: string;
  readonly defaultBranch: string;
}

/** What a worktree is for, within one (repository, agent): its identity. */
export type WorktreeTarget =
  /** A writable branch (`issue-<N>-<slug>` for dev), locked to this worktree by git. */
  | { readonly kind: 'issue-branch'; readonly branch: string }
  /** A detached checkout of a pull request's head (reviewer); follows the PR as it is updated. */
  | { readonly kind: 'pr-head'; readonly number: number }
  /** A detached checkout of the default branch (boss, read-only use). */
  | { readonly kind: 'default-branch' };

/** A target plus what to check out: a PR target names the head commit the job is about. */
export type AcquireTarget =
  | {
      readonly kind: 'issue-branch';
      readonly branch: string;
      /**
       * Where a new branch starts when the remote does not have it yet: this branch's head (a
       * stacked story starts from its upstream story's branch) instead of the default branch's.
       * The default branch's when the remote has no such branch either. Not part of the
       * worktree's identity, and nothing once the branch exists.
       */
      readonly startFrom?: string;
    }
  | {
      readonly kind: 'pr-head';
      readonly number: number;
      /** The head commit to check out (40 or 64 hex digits). */
      readonly sha: string;
      /** The PR's head branch, fetched when the forge has no `refs/pull/<N>/head`. */
      readonly ref?: string;
    }
  | { readonly kind: 'default-branch' };

export interface AcquireRequest {
  readonly repo: RepoSpec;
  readonly agent: AgentConfig;
  readonly target: AcquireTarget;
  /** Who holds the lease, for `list()` and logs (a job id). */
  readonly holder?: string;
  readonly signal?: AbortSignal;
}

/**
 * What happened to an existing worktree when it was acquired again.
 * - `created`: new worktree (from the remote branch if it existed, else the target's `startFrom`
 *   branch when given and on the remote, else the default branch).
 * - `unchanged`: nothing upstream to take.
 * - `fast-forwarded` / `moved`: a clean worktree followed its remote (branch / detached head).
 * - `reset`: the branch was force-pushed; the worktree was clean and every local commit was on the
 *   remote before, so it was reset to the new head.
 * - `kept-local-work`: the remote moved but the worktree has uncommitted or unpushed work, which
 *   was kept; the agent must be told (`Lease.remoteMoved`).
 * - `remote-branch-deleted`: the branch was deleted on the forge; the worktree was kept as it was.
 */
export type SyncOutcome =
  | {
      readonly kind: 'created';
      readonly from: 'remote-branch' | 'start-branch' | 'default-branch' | 'local-branch' | 'commit';
    }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'fast-forwarded'; readonly from: string; readonly to: string }
  | { readonly kind: 'moved'; readonly from: string; readonly to: string }
  | { readonly kind: 'reset'; readonly from: string; readonly to: string }
  | {
      readonly kind: 'kept-local-work';
      readonly remoteHead: string | undefined;
      readonly uncommitted: boolean;
      readonly unpushedCommits: number;
    }
  | { readonly kind: 'remote-branch-deleted' };

/**
 * A worktree held by one job. `path` is the agent's cwd. `env` is the service's own git
 * environment for it — the git identity and the credential helper configuration, including the
 * agent's token (it serialises with the token redacted) — for in-process runners; a sandboxed run
 * gets only `identity`, and reaches the forge through the service's git proxy. `env` owns
 * `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`. Release exactly once, in `finally`.
 */
export interface Lease {
  readonly id: string;
  readonly path: string;
  /** The local branch checked out, or undefined for a detached worktree. */
  readonly branch: string | undefined;
  /** The commit checked out after syncing. */
  readonly head: string;
  /** The remote's view after the fetch: the branch head, PR head or default-branch head. */
  readonly remoteHead: string | undefined;
  readonly sync: SyncOutcome;
  /** Whether the forge was asked: false when every head the job needed was known (decisions.md §51). */
  readonly fetched: boolean;
  /** The remote moved (or vanished) and the worktree kept local work: tell the agent. */
  readonly remoteMoved: boolean;
  readonly env: Readonly<Record<string, string>>;
  /** The agent's git identity alone (`GIT_AUTHOR_*`, `GIT_COMMITTER_*`): what a sandboxed run gets. */
  readonly identity: Readonly<Record<string, string>>;
  /** Where the worktree's git files are, for a sandbox to bind exactly those. */
  readonly gitDirs: GitDirs;
  /** Where the cache fetches from (built from `forge.url`): the URL a run's git proxy serves. */
  readonly remoteUrl: string;
  /**
   * A file as the default branch has it (as just fetched), read by the service's own git in the
   * cache — not from the worktree, which the agent (or a PR's author) may have changed.
   * Undefined when the file is not there.
   */
  readDefaultBranchFile(path: string): Promise<string | undefined>;
  /**
   * What the worktree holds that is on no remote: uncommitted changes, and commits on HEAD that no
   * remote-tracking ref has (as last fetched or pushed from this machine; no fetch). Read-only, run
   * with the lease's git environment; ask while the lease is held. A worktree lives on one worker
   * only, so this is what is lost if the next job of the key runs on another (docs/decisions.md §30).
   */
  localWork(): Promise<LocalWork>;
  /**
   * Tells of refs the forge accepted from a push the service relayed for this worktree's agent
   * (its git proxy): their new heads are known without a fetch (decisions.md §51).
   */
  pushed(updates: readonly PushedRef[]): void;
  release(): Promise<void>;
}

/** One ref a push updated: `0000…` as old means created, as new means deleted. */
export interface PushedRef {
  readonly ref: string;
  readonly oldSha: string;
  readonly newSha: string;
}

/** A worktree's git files: its admin folder (`<cache>/worktrees/<name>`) and the cache itself. */
export interface GitDirs {
  readonly adminDir: string;
  readonly commonDir: string;
}

/** Work in a worktree that is not on the remote. */
export interface LocalWork {
  readonly uncommitted: boolean;
  readonly unpushedCommits: number;
}

export type AcquireError =
  | { readonly kind: 'invalid-request'; readonly message: string }
  | { readonly kind: 'leased'; readonly id: string; readonly message: string }
  | { readonly kind: 'low-disk'; readonly freeBytes: number; readonly minFreeBytes: number; readonly message: string }
  | { readonly kind: 'commit-not-found'; readonly sha: string; readonly message: string };

/** Names a worktree for removal: by id (from `list()`), or by what it is. */
export type WorktreeRef =
  | { readonly id: string }
  | { readonly repo: RepoSpec; readonly agent: string; readonly target: WorktreeTarget };

export interface RemoveOptions {
  /** Credentials for the fetch that decides what is already on the remote; without them, the
   * remote-tracking refs as last fetched decide (a conservative answer: more may be saved). */
  readonly auth?: AgentConfig;
  readonly signal?: AbortSignal;
}

/** Work saved to the attic before a worktree was deleted. */
export interface SavedWork {
  readonly dir: string;
  /** `git bundle` of commits not on the remote; restore with `git fetch <bundle> <ref>`. */
  readonly bundle: string | undefined;
  readonly unpushedCommits: number;
  /** Binary patch of uncommitted changes (tracked and untracked), against `head`. */
  readonly patch: string | undefined;
  readonly head: string | undefined;
}

export interface Removal {
  readonly id: string;
  readonly path: string;
  /** false when there was nothing to remove. */
  readonly removed: boolean;
  readonly saved: SavedWork | undefined;
}

export type RemovalError =
  | { readonly kind: 'leased'; readonly ids: readonly string[]; readonly message: string }
  | { readonly kind: 'locked'; readonly id: string; readonly reason: string; readonly message: string }
  | { readonly kind: 'unreadable'; readonly id: string; readonly path: string; readonly message: string };

export interface CacheRemoval {
  readonly repoKey: string;
  readonly worktrees: readonly Removal[];
  readonly removed: boolean;
}

/** Which worktree: its id, what it is for, and where it lives. */
export interface WorktreeIdentity {
  readonly id: string;
  readonly repo: RepoSpec;
  readonly repoKey: string;
  readonly agent: string;
  readonly target: WorktreeTarget;
  readonly path: string;
}

export interface WorktreeInfo extends WorktreeIdentity {
  readonly branch: string | undefined;
  readonly head: string | undefined;
  readonly state: 'creating' | 'ready';
  readonly createdAt: number;
  readonly lastUsedAt: number;
  /** Held by a job right now (in this or another process). */
  readonly leased: boolean;
  readonly holder: string | undefined;
}

export interface DiskUsage {
  /** When it was measured (clock milliseconds); answers are cached and may be older than now. */
  readonly measuredAt: number;
  readonly freeBytes: number;
  readonly totalBytes: number;
  readonly caches: readonly { readonly repoKey: string; readonly repository: string; readonly bytes: number }[];
  readonly worktrees: readonly {
    readonly id: string;
    readonly repository: string;
    readonly agent: string;
    readonly path: string;
    readonly bytes: number;
  }[];
  /** Worktree bytes by agent name. */
  readonly byAgent: Readonly<Record<string, number>>;
  /** Cache plus worktree bytes by `host/owner/name`. */
  readonly byRepository: Readonly<Record<string, number>>;
  readonly atticBytes: number;
  readonly totalUsedBytes: number;
  /** Bytes of each named group of `alsoMeasure` paths (not in `totalUsedBytes`). */
  readonly others?: Readonly<Record<string, number>>;
}

/**
 * Persistent workdirs: one cached partial clone per repository, one worktree per (agent, target),
 * kept between jobs and removed only safely. Only this module runs git.
 *
 * `acquire` leases the worktree (one job at a time, across processes), fetches what the job needs
 * (one fetch per repository at a time), creates or syncs the worktree and returns the lease;
 * expected refusals are error values. `removeWorktree` saves any unpushed or uncommitted work to
 * the attic before deleting, and refuses while the worktree is leased. `diskUsage` measures off
 * the event loop and caches the answer for `maxAgeMs`.
 */
export interface Workdirs {
  acquire(request: AcquireRequest): Promise<Result<Lease, AcquireError>>;
  /**
   * Whether a live holder has the lease of the worktree `acquire` would give for this request —
   * a hint for callers deciding whether to start work ahead of `acquire`; it may change at once.
   */
  isLeased(request: Pick<AcquireRequest, 'repo' | 'agent' | 'target'>): Promise<boolean>;
  removeWorktree(ref: WorktreeRef, options?: RemoveOptions): Promise<Result<Removal, RemovalError>>;
  /** Removes every worktree of the repository (saving work as `removeWorktree` does), then the cache. */
  removeCache(repo: RepoSpec, options?: RemoveOptions): Promise<Result<CacheRemoval, RemovalError>>;
  list(): Promise<WorktreeInfo[]>;
  diskUsage(options?: { readonly maxAgeMs?: number }): Promise<DiskUsage>;
  /** Saved work in the attic, oldest first (the sweeper expires it). */
  attic(): Promise<Array<{ readonly dir: string; readonly savedAt: number; readonly bytes: number }>>;
  removeAttic(dir: string): Promise<void>;
  /** Folders under the trees no record names, and ids of records whose folder is gone. */
  strays(): Promise<{ readonly folders: readonly string[]; readonly records: readonly string[] }>;
  /** Moves a stray folder into the attic (nothing is lost); answers the attic folder. */
  adoptStray(folder: string): Promise<string>;
  /** `git worktree prune` in every cache with a worktree record; answers how many. */
  prune(): Promise<number>;
  /** Runs `git gc` on one cache, serialised with its fetches (automatic gc is off in caches). */
  maintain(repo: RepoSpec, options?: { readonly signal?: AbortSignal }): Promise<void>;
  /**
   * Fetches `branches` and the default branch into the repository's cache — only if it has one —
   * bringing the new commits' files too (small ones), and learns their heads; answers whether it
   * fetched. For pushes the forge told of, ahead of the jobs that need them (decisions.md §51).
   */
  refresh(repo: RepoSpec, branches: readonly string[], options: RefreshOptions): Promise<boolean>;
}

export interface RefreshOptions {
  /** Whose credentials the fetch uses. */
  readonly agent: AgentConfig;
  readonly signal?: AbortSignal;
}
