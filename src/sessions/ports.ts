/**
 * What the agent runner keeps between runs: one Claude session per work key, and a record of
 * every run. Owned here, implemented in `store/` (SQLite).
 *
 * The session key is exactly the job's `WorkKey` `(agent, repo, issue)`: boss shares one worktree
 * per repository across issues, so neither the worktree nor the agent alone may pick a session.
 */
import type { ForgeChange } from '../core/forge-change.js';
import type { RunOutcomeKind } from '../core/run-outcome.js';
import type { WorkKey } from '../core/work-key.js';
import type { SessionCursor } from './cursor.js';

export type SessionState = 'active' | 'closed';

export interface SessionRecord {
  readonly key: WorkKey;
  /** Undefined after the session was forgotten (its transcript is gone): the next run starts anew. */
  readonly sessionId: string | undefined;
  /** The worktree path the session last ran in. */
  readonly worktree: string;
  readonly createdAt: number;
  readonly lastUsedAt: number;
  readonly runCount: number;
  /** Every run's cost on this key, across sessions: the per-issue budget is measured on it. */
  readonly costUsd: number;
  readonly state: SessionState;
  /** What the agent has been shown; undefined before the first run finished. */
  readonly cursor: SessionCursor | undefined;
  /** Why the last session was forgotten, if it was. */
  readonly forgottenReason: string | undefined;
}

export interface SessionStore {
  get(key: WorkKey): Promise<SessionRecord | undefined>;
  /**
   * Called the moment the runtime's `system/init` names the session, before the run goes on, so a
   * run that crashes is still resumed next time. A different id replaces the stored one (and its
   * cursor); the cost and run count of the key are kept.
   */
  started(
    key: WorkKey,
    started: { readonly sessionId: string; readonly worktree: string; readonly at: number },
  ): Promise<void>;
  /** A run ended (any outcome): its cost is added, the run counted, the cursor moved when given. */
  finished(
    key: WorkKey,
    finished: {
      readonly sessionId: string;
      readonly cursor: SessionCursor | undefined;
      readonly costUsd: number;
      readonly at: number;
    },
  ): Promise<void>;
  /** The session cannot be resumed: drop its id and cursor (never retried), keep why. */
  forget(key: WorkKey, reason: string): Promise<void>;
  close(key: WorkKey): Promise<void>;
  reopen(key: WorkKey): Promise<void>;
  list(query?: { readonly agent?: string; readonly limit?: number }): Promise<SessionRecord[]>;
}

export interface ToolCall {
  readonly name: string;
  /** A short summary of the input (a command, a path), never the whole of it. */
  readonly summary: string;
}

export interface RunTokens {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheCreation: number;
}

/**
 * How a run was confined: `bwrap`, in a bubblewrap sandbox whose network goes through the
 * service's proxies; `none`, as the service's own user with its files and network.
 */
export type RunIsolation = 'bwrap' | 'none';

/** The most distinct refused host names a run's record keeps: enough to see what was tried, bounded whatever the run did. */
export const MAX_BLOCKED_HOSTS = 20;

/** What a sandboxed run's proxies refused it. */
export interface RunBlocked {
  /** Connections the egress proxy refused. */
  readonly connections: number;
  /** Ref updates and requests the git proxy refused. */
  readonly pushes: number;
  /** Distinct host names the egress proxy refused, at most `MAX_BLOCKED_HOSTS`, first refused first. */
  readonly hosts: readonly string[];
}

/** A run that was refused nothing (and what a run with `isolation: none`, which has no proxies, records). */
export const NOTHING_BLOCKED: RunBlocked = Object.freeze({ connections: 0, pushes: 0, hosts: Object.freeze([]) });

/** A run as it starts. */
export interface RunStart {
  readonly jobId: number;
  readonly key: WorkKey;
  readonly attempt: number;
  readonly startedAt: number;
  /**
   * Known before the model is called, so a run whose process dies still says how it ran (the
   * finish states it again). Absent on records from before runs were sandboxed.
   */
  readonly isolation?: RunIsolation;
}

/** Everything known at the end of a run. */
export interface RunFinish {
  readonly sessionId: string | undefined;
  readonly session: 'new' | 'resumed';
  readonly resumeFallback: string | undefined;
  readonly prompt: { readonly kind: 'full' | 'delta'; readonly bytes: number; readonly text: string } | undefined;
  readonly finishedAt: number;
  readonly turns: number;
  readonly tokens: RunTokens;
  readonly costUsd: number;
  readonly outcome: RunOutcomeKind;
  readonly error: string | undefined;
  readonly toolCalls: readonly ToolCall[];
  readonly changes: readonly ForgeChange[];
  readonly statusCommentId: number | undefined;
  readonly isolation: RunIsolation;
  /** Nothing refused is zeros and no hosts; a run with `isolation: none` had no proxy to refuse anything. */
  readonly blocked: RunBlocked;
}

/**
 * Where a pid names a process: one host, one boot of it, one pid namespace. A pid recorded
 * anywhere else (another machine or container, or before a reboot) names nothing here.
 */
export interface ProcessHost {
  readonly hostname: string;
  /** `/proc/sys/kernel/random/boot_id`. */
  readonly bootId: string;
  /** `/proc/self/ns/pid`'s target, e.g. `pid:[4026531836]`. */
  readonly pidNamespace: string;
}

/** A process a run started, told apart from a later process given the same pid by when it started. */
export interface RunProcess {
  readonly pid: number;
  /** Clock ticks after boot at which it started (`/proc/<pid>/stat` field 22). */
  readonly startTicks: number;
}

/**
 * The processes a run's runtimes run as, recorded as each starts, so a later start of the service
 * can end what a killed service left running before the run's worktree is used again.
 */
export interface RunProcesses {
  readonly host: ProcessHost;
  /** The top process of each runtime the run spawned: `bwrap`, or the runtime itself with `isolation: none`. */
  readonly list: readonly RunProcess[];
  /**
   * A random value in every runtime's environment (`CLAUDE_HOOKS_RUN_MARK`): what a runtime starts
   * inherits it, even a process that left the runtime's process group and session (its Bash
   * commands each get their own) or outlived the runtime.
   */
  readonly mark: string;
}

/** A stored run. `isolation` and `blocked` are undefined on records from before runs were sandboxed. */
export interface RunRecord extends RunStart, Partial<RunFinish> {
  readonly id: number;
  /** Milliseconds, once finished. */
  readonly durationMs: number | undefined;
  /** Undefined until a runtime of the run was spawned (and on records from before they were kept). */
  readonly processes?: RunProcesses;
  /** How many of the run's processes a later start found still alive and ended; undefined until one looked. */
  readonly leftoversEnded?: number;
}

export interface RunRecords {
  /** Stored before the model is called: a run that crashes leaves a record with no outcome. */
  start(run: RunStart): Promise<number>;
  finish(id: number, finish: RunFinish): Promise<void>;
  /** The run's status comment, stored as soon as it is posted, so a run whose process dies can still be finalised. */
  statusComment(id: number, commentId: number): Promise<void>;
  /** Runs with no outcome: their process died mid-run (at start-up, before any job runs). Oldest first. */
  unfinished(): Promise<RunRecord[]>;
  /** Finishes a run its process left unfinished: outcome `interrupted` with `error`, keeping what was stored. */
  interrupted(id: number, at: number, error: string): Promise<void>;
  /** Stores the processes of the run's runtimes, replacing what was stored: called as each runtime starts. */
  processes(id: number, processes: RunProcesses): Promise<void>;
  /** Stores how many of the run's processes a later start found still alive and ended (0: none were). */
  leftoversEnded(id: number, count: number): Promise<void>;
  /**
   * Runs finished as `interrupted` that have processes stored and no `leftoversEnded`: a worker on
   * another machine finished them, and only one on their own machine can end what they left. Oldest first.
   */
  leftoversUnchecked(): Promise<RunRecord[]>;
  get(id: number): Promise<RunRecord | undefined>;
  /** Newest first. */
  list(query?: { readonly agent?: string; readonly limit?: number }): Promise<RunRecord[]>;
  /** The cost of an agent's runs started at or after `since` (the daily budget). */
  costSince(agent: string, since: number): Promise<number>;
}
