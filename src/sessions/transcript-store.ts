/**
 * Session transcripts kept in the shared database (PostgreSQL mode), so that any worker can
 * resume any session: the runner mirrors each transcript line here as the runtime writes it, and
 * a resume on a worker that never saw the session loads it from here. With the embedded store
 * transcripts stay on the data dir's disk only, and this port is absent.
 *
 * Entries are opaque JSON objects (one transcript line each). Most carry a `uuid`, which is an
 * idempotency key: the same entry appended twice (a retried batch) is kept once.
 */
export interface TranscriptEntry {
  readonly type: string;
  readonly uuid?: string;
  readonly [field: string]: unknown;
}

export interface TranscriptStore {
  /** Adds entries after those already stored, in order; entries whose `uuid` is stored are skipped. */
  append(sessionId: string, subpath: string | undefined, entries: readonly TranscriptEntry[]): Promise<void>;
  /** Every entry of one transcript in append order; null when none was ever stored. */
  load(sessionId: string, subpath: string | undefined): Promise<TranscriptEntry[] | null>;
  /** Whether the session's main transcript holds anything. */
  exists(sessionId: string): Promise<boolean>;
  /** The subagent transcripts (`subagents/agent-…`) stored under a session. */
  subpaths(sessionId: string): Promise<string[]>;
  /** Removes a session's transcripts (with its subagents'); answers the bytes they held. */
  remove(sessionId: string): Promise<number>;
}
