/**
 * Several workers on one database (docs/decisions.md §31): who is alive, what each runs, and which one leads
 * the tasks that must run once (the poller, the sweeper, recovering a dead worker's jobs).
 *
 * Liveness is a lease: a worker renews `leaseUntil` with each heartbeat; one whose lease has
 * passed is dead to the others — its running jobs go back to the queue — even if it is only
 * stalled. A stalled worker that wakes up finds its lease lost and stops its runs.
 */

export interface WorkerIdentity {
  /** Unique per process start (`<host>:<pid>:<random>`). */
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly dataDir: string;
}

/** A worker's disk, as its last measurement found it (for `claude-hooks workers`). */
export interface WorkerDisk {
  readonly freeBytes: number;
  readonly worktreesBytes: number;
  readonly cachesBytes: number;
}

export interface WorkerStatus extends WorkerIdentity {
  readonly startedAt: number;
  readonly heartbeatAt: number;
  readonly leaseUntil: number;
  readonly stoppedAt: number | null;
  readonly alive: boolean;
  readonly disk: WorkerDisk | null;
  /** The jobs it runs now. */
  readonly running: ReadonlyArray<{ readonly jobId: number; readonly key: string; readonly startedAt: number | null }>;
  /** Which leader leases it holds (`poller`, `sweeper`, `recovery`). */
  readonly leads: readonly string[];
}

export interface WorkerRegistry {
  /** Enters this worker, alive until `now + leaseMs` unless renewed. */
  register(worker: WorkerIdentity, now: number, leaseMs: number): Promise<void>;
  /**
   * Renews the lease. False when it was lost — it had passed, or the worker was marked stopped —
   * in which case other workers may already have taken its jobs: the caller stops its runs and
   * registers again.
   */
  heartbeat(id: string, now: number, leaseMs: number, disk?: WorkerDisk): Promise<boolean>;
  /** A clean stop: the worker's lease ends now. */
  stopped(id: string, now: number): Promise<void>;
  /** Every worker seen within `sinceMs` (alive or not), alive first. */
  list(now: number, sinceMs?: number): Promise<WorkerStatus[]>;
  /**
   * Takes or renews the named leader lease for `holder` until `now + ttlMs`; true when held.
   * A lease held by another holder is taken only once it has passed.
   */
  lead(name: string, holder: string, now: number, ttlMs: number): Promise<boolean>;
  /** Gives up a leader lease this holder has (at a clean stop), so another takes it at once. */
  resign(name: string, holder: string): Promise<void>;
}
