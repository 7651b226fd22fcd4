/**
 * What the dashboard reads and does, owned here and implemented elsewhere: aggregate reads and
 * disk samples in `store/`, actions by the job store today and by housekeeping later. Every read
 * is bounded (a count, a group, a limit) so `/api/status` costs the same with 10,000 runs as
 * with ten.
 */
import type { PullWatchStore } from '../pulls/ports.js';
import type { RunIsolation } from '../sessions/ports.js';

/** Bytes by kind at one measurement. */
export interface DiskKinds {
  readonly caches: number;
  readonly worktrees: number;
  readonly attic: number;
  readonly transcripts: number;
  readonly database: number;
}

/** One background measurement of the data dir. */
export interface DiskSample {
  readonly measuredAt: number;
  readonly freeBytes: number;
  readonly totalBytes: number;
  readonly kinds: DiskKinds;
  /** Worktree bytes by agent; cache plus worktree bytes by repository (`host/owner/name`). */
  readonly byAgent: Readonly<Record<string, number>>;
  readonly byRepository: Readonly<Record<string, number>>;
}

export interface DiskPoint {
  readonly at: number;
  readonly usedBytes: number;
  readonly freeBytes: number;
}

/**
 * The history of disk samples. `record` keeps every sample of the last day, one per hour for the
 * last 30 days and one per day before that, so a year is about 1,100 rows.
 */
export interface DiskSamples {
  record(sample: DiskSample): Promise<void>;
  latest(): Promise<DiskSample | undefined>;
  /** Used (all kinds) and free bytes of each sample since `since`, oldest first: the chart. */
  history(since: number): Promise<DiskPoint[]>;
}

export interface AgentRunsToday {
  readonly agent: string;
  readonly runs: number;
  readonly costUsd: number;
}

export interface SessionCounts {
  readonly agent: string;
  readonly active: number;
  readonly closed: number;
  /** Last use of the agent's least recently used active session. */
  readonly oldestActiveAt: number | undefined;
}

export interface KeyPause {
  /** `agent:host/owner/name#issue`. */
  readonly key: string;
  readonly agent: string;
  readonly until: number;
  readonly reason: string;
}

export interface SkipCount {
  readonly agent: string;
  readonly reason: string;
  readonly count: number;
}

/** A run as the dashboard lists it: no prompt, tool calls or changes (the run page reads those). */
export interface RunSummary {
  readonly id: number;
  readonly agent: string;
  readonly repo: string;
  readonly issue: number;
  readonly startedAt: number;
  readonly finishedAt: number | undefined;
  readonly outcome: string | undefined;
  readonly costUsd: number;
  readonly session: 'new' | 'resumed' | undefined;
  readonly promptKind: 'full' | 'delta' | undefined;
  /** How the run was confined; undefined on runs from before sandboxing. */
  readonly isolation: RunIsolation | undefined;
}

/** Aggregates over the store, each one query. */
export interface DashboardReads {
  /** The newest runs, newest first. */
  recentRuns(limit: number): Promise<RunSummary[]>;
  runsSince(since: number): Promise<AgentRunsToday[]>;
  sessionCounts(): Promise<SessionCounts[]>;
  /** Stored deliveries received at or after `since`, by outcome. */
  deliveriesSince(since: number): Promise<Readonly<Record<string, number>>>;
  skipsSince(since: number, limit: number): Promise<SkipCount[]>;
  pausesAt(now: number): Promise<KeyPause[]>;
  /** The newest poll cursor (forge time, ISO), if the poller ever ran. */
  lastPoll(): Promise<string | undefined>;
  /** The events a job answered (the run page), oldest first. */
  eventsOfJob(jobId: number): Promise<AnsweredEvent[]>;
}

export interface AnsweredEvent {
  readonly id: number;
  readonly type: string;
  readonly deliveryId: string;
  readonly receivedAt: number;
  readonly trigger: string;
}

/** The pull requests the service sees through to the merge, and the cap their fix attempts count against. */
export interface PullReads {
  readonly watched: Pick<PullWatchStore, 'listWatched'>;
  /** `pulls.fixAttempts`. */
  readonly cap: number;
}

/** One sweeper pass, as housekeeping records it. */
export interface SweepSummary {
  readonly startedAt: number;
  readonly reclaimedBytes: number;
  readonly failures: readonly { readonly target: string; readonly reason: string }[];
}

/** Housekeeping's sweep history; absent until housekeeping is wired (shown as "no sweep has run yet"). */
export interface SweepHistory {
  lastSweep(): Promise<SweepSummary | undefined>;
}

/** The last `claude-hooks doctor` result, when the doctor command is wired (`readLastDoctorResult`). */
export interface DoctorResult {
  readonly at: number;
  readonly ok: boolean;
  readonly summary: string;
}

/** Rejected deliveries are not stored (they are not ours to keep): the intake counts them in memory. */
export interface RejectionCounter {
  countSince(since: number): Promise<number>;
}

export type ActionResult =
  | { readonly ok: true; readonly message: string }
  | { readonly ok: false; readonly message: string };

/**
 * What an operator can do from the page. Each takes validated arguments and says what happened
 * in one sentence. Today: cancel a queued job, pause and resume a work key; housekeeping's
 * reset and sweep implement the optional ones when they land.
 */
export interface DashboardActions {
  cancelJob(jobId: number): Promise<ActionResult>;
  pauseKey(
    key: { readonly agent: string; readonly repo: string; readonly issue: number },
    hours: number,
  ): Promise<ActionResult>;
  resumeKey(key: { readonly agent: string; readonly repo: string; readonly issue: number }): Promise<ActionResult>;
  runSweeper?(): Promise<ActionResult>;
  resetSession?(key: { readonly agent: string; readonly repo: string; readonly issue: number }): Promise<ActionResult>;
  /** Stops (or lets again) new stories of a milestone from starting; `repo` is `host/owner/name`. */
  pauseMilestone?(milestone: MilestoneKey): Promise<ActionResult>;
  resumeMilestone?(milestone: MilestoneKey): Promise<ActionResult>;
}

export interface MilestoneKey {
  readonly repo: string;
  readonly tracking: number;
}
