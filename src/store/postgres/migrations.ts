/**
 * The PostgreSQL schema, applied in order under an advisory lock (`migrate.ts`); the table
 * `schema_migrations` records which ran. Append only: never edit a migration that has shipped.
 *
 * Migration 1 is the SQLite schema (its migrations 1–7) as PostgreSQL spells it — the same
 * tables, columns and meaning, so the two implementations stay one contract — plus what several
 * workers need: the workers and their leases, the worker holding each running job, the worker
 * that last ran each key, and session transcripts kept in the database.
 * Times are milliseconds since the epoch (BIGINT), as in SQLite.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  /* 1: the SQLite schema 1–7, and workers */ `
  CREATE TABLE deliveries (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id  TEXT    NOT NULL UNIQUE,
    source       TEXT    NOT NULL CHECK (source IN ('webhook', 'poll')),
    forge        TEXT    NOT NULL,
    event_type   TEXT    NOT NULL,
    received_at  BIGINT  NOT NULL,
    headers      TEXT    NOT NULL,
    body         BYTEA   NOT NULL,
    outcome      TEXT    NOT NULL CHECK (outcome IN ('accepted', 'ignored', 'duplicate')),
    reason       TEXT,
    fingerprint  TEXT,
    event_id     BIGINT,
    body_sha256  TEXT,
    body_of      TEXT
  );
  CREATE INDEX deliveries_received ON deliveries (received_at);
  CREATE INDEX deliveries_body_sha256 ON deliveries (body_sha256) WHERE body_of IS NULL;
  CREATE INDEX deliveries_body_of ON deliveries (body_of) WHERE body_of IS NOT NULL;

  CREATE TABLE events (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id   TEXT    NOT NULL,
    fingerprint   TEXT    NOT NULL,
    repo          TEXT    NOT NULL,
    type          TEXT    NOT NULL,
    event         TEXT    NOT NULL,
    received_at   BIGINT  NOT NULL,
    dispatched_at BIGINT
  );
  CREATE INDEX events_fingerprint ON events (fingerprint, received_at);
  CREATE INDEX events_undispatched ON events (id) WHERE dispatched_at IS NULL;

  CREATE TABLE workers (
    id           TEXT    PRIMARY KEY,
    host         TEXT    NOT NULL,
    pid          INTEGER NOT NULL,
    data_dir     TEXT    NOT NULL,
    started_at   BIGINT  NOT NULL,
    heartbeat_at BIGINT  NOT NULL,
    lease_until  BIGINT  NOT NULL,
    stopped_at   BIGINT,
    disk         TEXT
  );

  CREATE TABLE jobs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent       TEXT    NOT NULL,
    repo        TEXT    NOT NULL,
    issue       INTEGER NOT NULL,
    work_key    TEXT    NOT NULL,
    repo_ref    TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL,
    started_at  BIGINT,
    finished_at BIGINT,
    error       TEXT,
    -- The worker running it (while running) or that last ran it.
    worker_id   TEXT
  );
  -- The mailbox rule, enforced by the database: at most one queued and one running job per key.
  CREATE UNIQUE INDEX jobs_one_queued ON jobs (work_key) WHERE state = 'queued';
  CREATE UNIQUE INDEX jobs_one_running ON jobs (work_key) WHERE state = 'running';
  CREATE INDEX jobs_state ON jobs (state, id);
  CREATE INDEX jobs_key_started ON jobs (work_key, started_at);
  CREATE INDEX jobs_queued_not_before ON jobs (not_before) WHERE state = 'queued';
  CREATE INDEX jobs_running_worker ON jobs (worker_id) WHERE state = 'running';

  CREATE TABLE job_events (
    job_id   BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    event_id BIGINT NOT NULL REFERENCES events (id),
    trigger  TEXT   NOT NULL,
    PRIMARY KEY (job_id, event_id)
  );
  CREATE INDEX job_events_event ON job_events (event_id);

  CREATE TABLE routing_skips (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events (id),
    agent    TEXT   NOT NULL,
    reason   TEXT   NOT NULL,
    at       BIGINT NOT NULL
  );
  CREATE INDEX routing_skips_event ON routing_skips (event_id);
  CREATE INDEX routing_skips_at ON routing_skips (at);

  CREATE TABLE key_pauses (
    work_key TEXT   PRIMARY KEY,
    until    BIGINT NOT NULL,
    reason   TEXT   NOT NULL
  );

  CREATE TABLE poll_cursors (
    repo      TEXT PRIMARY KEY,
    polled_at TEXT NOT NULL
  );

  CREATE TABLE label_sets (
    repo     TEXT    NOT NULL,
    issue    INTEGER NOT NULL,
    labels   TEXT    NOT NULL,
    event_id BIGINT  NOT NULL,
    PRIMARY KEY (repo, issue)
  );

  CREATE TABLE sessions (
    agent            TEXT    NOT NULL,
    repo             TEXT    NOT NULL,
    issue            INTEGER NOT NULL,
    session_id       TEXT,
    worktree         TEXT    NOT NULL,
    created_at       BIGINT  NOT NULL,
    last_used_at     BIGINT  NOT NULL,
    run_count        INTEGER NOT NULL DEFAULT 0,
    cost_usd         DOUBLE PRECISION NOT NULL DEFAULT 0,
    state            TEXT    NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'closed')),
    cursor           TEXT,
    forgotten_reason TEXT,
    -- The worker that last ran the key: claiming prefers it (its worktree is warm).
    worker_id        TEXT,
    PRIMARY KEY (agent, repo, issue)
  );

  -- Session transcripts, mirrored by the SDK's sessionStore so any worker can resume any session.
  CREATE TABLE transcript_entries (
    session_id TEXT    NOT NULL,
    subpath    TEXT    NOT NULL DEFAULT '',
    seq        BIGINT GENERATED ALWAYS AS IDENTITY,
    uuid       TEXT,
    entry      TEXT    NOT NULL,
    PRIMARY KEY (session_id, subpath, seq)
  );
  CREATE UNIQUE INDEX transcript_entries_uuid ON transcript_entries (session_id, subpath, uuid) WHERE uuid IS NOT NULL;

  CREATE TABLE runs (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id            BIGINT  NOT NULL,
    agent             TEXT    NOT NULL,
    repo              TEXT    NOT NULL,
    issue             INTEGER NOT NULL,
    attempt           INTEGER NOT NULL,
    started_at        BIGINT  NOT NULL,
    finished_at       BIGINT,
    session_id        TEXT,
    session           TEXT    CHECK (session IN ('new', 'resumed')),
    resume_fallback   TEXT,
    prompt_kind       TEXT    CHECK (prompt_kind IN ('full', 'delta')),
    prompt_bytes      INTEGER,
    prompt            TEXT,
    turns             INTEGER,
    tokens            TEXT,
    cost_usd          DOUBLE PRECISION NOT NULL DEFAULT 0,
    outcome           TEXT,
    error             TEXT,
    tool_calls        TEXT,
    changes           TEXT,
    status_comment_id BIGINT,
    worker_id         TEXT
  );
  CREATE INDEX runs_agent_started ON runs (agent, started_at);
  CREATE INDEX runs_job ON runs (job_id);
  CREATE INDEX runs_started ON runs (started_at);

  CREATE TABLE cleanup_tasks (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    BIGINT  NOT NULL,
    repo        TEXT    NOT NULL,
    repo_ref    TEXT    NOT NULL,
    issues      TEXT,
    task        TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL,
    finished_at BIGINT,
    result      TEXT,
    error       TEXT,
    -- The worker running it (while running).
    worker_id   TEXT
  );
  CREATE INDEX cleanup_tasks_open ON cleanup_tasks (state, not_before) WHERE state IN ('queued', 'running');

  CREATE TABLE dispatch_pauses (
    scope  TEXT   PRIMARY KEY,
    reason TEXT   NOT NULL,
    at     BIGINT NOT NULL
  );

  CREATE TABLE sweeps (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trigger     TEXT    NOT NULL,
    dry_run     BOOLEAN NOT NULL,
    started_at  BIGINT  NOT NULL,
    finished_at BIGINT,
    report      TEXT
  );

  CREATE TABLE audit (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     BIGINT  NOT NULL,
    source TEXT    NOT NULL,
    action TEXT    NOT NULL,
    params TEXT    NOT NULL,
    status INTEGER NOT NULL,
    result TEXT    NOT NULL
  );

  CREATE TABLE disk_samples (
    measured_at       BIGINT PRIMARY KEY,
    free_bytes        BIGINT NOT NULL,
    total_bytes       BIGINT NOT NULL,
    caches_bytes      BIGINT NOT NULL,
    worktrees_bytes   BIGINT NOT NULL,
    attic_bytes       BIGINT NOT NULL,
    transcripts_bytes BIGINT NOT NULL,
    database_bytes    BIGINT NOT NULL,
    detail            TEXT   NOT NULL
  );
  `,
  /* 2: leader leases */ `
  -- The tasks that must run on one worker at a time (poller, sweeper, recovery) and who has them.
  CREATE TABLE leader_leases (
    name   TEXT   PRIMARY KEY,
    holder TEXT   NOT NULL,
    until  BIGINT NOT NULL
  );
  `,
  /* 3: cancel requests */ `
  -- An operator's cancel of a job another worker runs: that worker sees it and stops the run.
  ALTER TABLE jobs ADD COLUMN cancel_request TEXT;
  `,
  /* 4: how each run was isolated (SQLite 9) */ `
  -- Stored at the run's start (an interrupted run still says how it ran) and again at its end;
  -- NULL on runs from before sandboxing. blocked is JSON {connections, pushes, hosts}: what the
  -- run's egress and git proxies refused it.
  ALTER TABLE runs ADD COLUMN isolation TEXT CHECK (isolation IN ('bwrap', 'none'));
  ALTER TABLE runs ADD COLUMN blocked TEXT;
  `,
  /* 5: the processes of each run (SQLite 10) */ `
  -- JSON {host, list, mark}: the processes a run's runtimes run as, stored as each starts, so a
  -- later start can end what a killed service left running; leftovers_ended is how many of them
  -- it found still alive and ended (NULL until a start on their machine looked).
  ALTER TABLE runs ADD COLUMN processes TEXT;
  ALTER TABLE runs ADD COLUMN leftovers_ended INTEGER;
  `,
  /* 6: milestones (SQLite 11) */ `
  -- What the service learned of each milestone (decisions.md §55): its tracking issue's settings
  -- and what was last said on it, and every issue read — a story with its tracking link, or any
  -- other issue (tracking NULL), whose state an upstream edge waits on. upstream is a JSON array.
  CREATE TABLE milestones (
    repo          TEXT    NOT NULL,
    tracking      INTEGER NOT NULL,
    opted_in      BOOLEAN NOT NULL DEFAULT false,
    paused        BOOLEAN NOT NULL DEFAULT false,
    stacking      BOOLEAN,
    rendered_hash TEXT,
    problems_said TEXT,
    updated_at    BIGINT  NOT NULL,
    PRIMARY KEY (repo, tracking)
  );

  CREATE TABLE milestone_issues (
    repo             TEXT    NOT NULL,
    issue            INTEGER NOT NULL,
    tracking         INTEGER,
    title            TEXT    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('open', 'completed', 'not-planned')),
    upstream         TEXT    NOT NULL,
    merged_pull      INTEGER,
    open_pull        INTEGER,
    open_pull_branch TEXT,
    updated_at       BIGINT  NOT NULL,
    PRIMARY KEY (repo, issue),
    CHECK ((open_pull IS NULL) = (open_pull_branch IS NULL))
  );
  CREATE INDEX milestone_issues_tracking ON milestone_issues (repo, tracking) WHERE tracking IS NOT NULL;
  `,
  /* 7: watched pull requests (SQLite 12) */ `
  -- The agents' PRs the service sees through to the merge (docs/until-merged.md): record is the
  -- whole WatchedPull as JSON; the columns are what is looked up and ordered by. A check result
  -- names a repository and a head, so (repo, head_sha) is indexed: a result for an old head costs
  -- one indexed read that finds nothing.
  CREATE TABLE watched_pulls (
    repo       TEXT    NOT NULL,
    number     INTEGER NOT NULL,
    head_sha   TEXT    NOT NULL,
    state      TEXT    NOT NULL CHECK (state IN ('open', 'merged', 'closed')),
    updated_at BIGINT  NOT NULL,
    record     TEXT    NOT NULL,
    PRIMARY KEY (repo, number)
  );
  CREATE INDEX watched_pulls_head ON watched_pulls (repo, head_sha);
  `,
];
