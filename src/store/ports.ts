/**
 * The store as the rest of the service sees it: one object holding every port that persists
 * something, opened by `openStore` from the configuration. Two implementations stand behind it —
 * SQLite under the data dir (the embedded default) and PostgreSQL (several workers) — and one
 * contract suite (`test/store-contract/`) holds both to the same behaviour. Nothing outside
 * `store/` sees a driver type or writes SQL.
 */
import type { DashboardReads, DiskSamples } from '../dashboard/ports.js';
import type {
  AuditLog,
  CleanupQueue,
  DispatchPauses,
  HousekeepingSessions,
  RecordRetention,
  SweepRecords,
} from '../housekeeping/ports.js';
import type { DeliveryHistory, DeliveryRetention, DeliveryStore } from '../intake/ports.js';
import type { EventListener } from '../core/stored-event.js';
import type { MilestoneStore } from '../milestones/ports.js';
import type { PullWatchStore } from '../pulls/ports.js';
import type { PollCursors } from '../queue/poller.js';
import type { JobStore } from '../queue/ports.js';
import type { RunRecords, SessionStore } from '../sessions/ports.js';
import type { TranscriptStore } from '../sessions/transcript-store.js';
import type { WorkerRegistry } from '../workers/ports.js';

/** Whether the store answers and accepts writes (`/readyz`). */
export interface StoreReadiness {
  readonly name: string;
  /** `detail` is public (`/readyz`): no path or address; `internal` says where, for the log. */
  run(): Promise<{ readonly ok: boolean; readonly detail: string; readonly internal?: string }>;
}

export interface Store {
  /** `sqlite` or `postgres`, and where (a file, or a database URL with its password removed). */
  readonly kind: 'sqlite' | 'postgres';
  readonly location: string;
  readonly deliveries: DeliveryStore & DeliveryRetention;
  readonly deliveryHistory: DeliveryHistory;
  readonly jobs: JobStore;
  readonly pollCursors: PollCursors;
  readonly sessions: SessionStore;
  readonly runs: RunRecords;
  readonly dashboard: DashboardReads;
  readonly diskSamples: DiskSamples;
  readonly readiness: StoreReadiness;
  /** Housekeeping (docs/decisions.md §24): the cleanup queue, session rows, pauses, sweeps and the audit. */
  readonly cleanup: CleanupQueue;
  readonly housekeepingSessions: HousekeepingSessions;
  readonly pauses: DispatchPauses;
  readonly sweeps: SweepRecords;
  readonly audit: AuditLog;
  readonly recordRetention: RecordRetention;
  /** The workers sharing this store and their leader leases (with SQLite: this one process). */
  readonly workers: WorkerRegistry;
  /** Each milestone's settings and every issue the service learned of it (decisions.md §55). */
  readonly milestones: MilestoneStore;
  /** The agents' pull requests the service sees through to the merge (docs/until-merged.md). */
  readonly pulls: PullWatchStore;
  /**
   * Session transcripts kept in the database, so any worker resumes any session (PostgreSQL);
   * absent with SQLite, where they stay on the data dir's disk.
   */
  readonly transcripts?: TranscriptStore;
  /**
   * Adds a listener told of each new event after it is committed — by this process, and (with
   * PostgreSQL) by any other worker on the same database.
   */
  onEvent(listener: EventListener): void;
  /**
   * Adds a listener told when another worker changed the jobs (a job became queued or runnable,
   * or a running job ended), so this worker's dispatcher can schedule within milliseconds. On
   * SQLite it is never called: one process, and its dispatcher already knows what it changed.
   */
  onJobsChanged(listener: () => void): void;
  /** Waits for pending writes, then releases the database. */
  close(): Promise<void>;
}
