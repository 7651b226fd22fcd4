/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many ran. Append only:
 * never edit a migration that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  /* 1: intake */ `
  CREATE TABLE deliveries (
    seq          INTEGER PRIMARY KEY,
    delivery_id  TEXT    NOT NULL UNIQUE,
    source       TEXT    NOT NULL CHECK (source IN ('webhook', 'poll')),
    forge        TEXT    NOT NULL,
    event_type   TEXT    NOT NULL,
    received_at  INTEGER NOT NULL,
    headers      TEXT    NOT NULL,
    body         BLOB    NOT NULL,
    outcome      TEXT    NOT NULL CHECK (outcome IN ('accepted', 'ignored', 'duplicate')),
    reason       TEXT,
    fingerprint  TEXT,
    event_id     INTEGER
  );
  CREATE INDEX deliveries_received ON deliveries (received_at);

  CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    delivery_id   TEXT    NOT NULL,
    fingerprint   TEXT    NOT NULL,
    repo          TEXT    NOT NULL,
    type          TEXT    NOT NULL,
    event         TEXT    NOT NULL,
    received_at   INTEGER NOT NULL,
    dispatched_at INTEGER
  );
  CREATE INDEX events_fingerprint ON events (fingerprint, received_at);
  CREATE INDEX events_undispatched ON events (id) WHERE dispatched_at IS NULL;
  `,
  /* 2: dispatch */ `
  CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    agent       TEXT    NOT NULL,
    repo        TEXT    NOT NULL,
    issue       INTEGER NOT NULL,
    work_key    TEXT    NOT NULL,
    repo_ref    TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER,
    error       TEXT
  );
  -- The mailbox rule, enforced by the database: at most one queued and one running job per key.
  CREATE UNIQUE INDEX jobs_one_queued ON jobs (work_key) WHERE state = 'queued';
  CREATE UNIQUE INDEX jobs_one_running ON jobs (work_key) WHERE state = 'running';
  CREATE INDEX jobs_state ON jobs (state, id);
  CREATE INDEX jobs_key_started ON jobs (work_key, started_at);

  CREATE TABLE job_events (
    job_id   INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    event_id INTEGER NOT NULL REFERENCES events (id),
    trigger  TEXT    NOT NULL,
    PRIMARY KEY (job_id, event_id)
  );

  CREATE TABLE routing_skips (
    event_id INTEGER NOT NULL REFERENCES events (id),
    agent    TEXT    NOT NULL,
    reason   TEXT    NOT NULL,
    at       INTEGER NOT NULL
  );

  CREATE TABLE key_pauses (
    work_key TEXT    PRIMARY KEY,
    until    INTEGER NOT NULL,
    reason   TEXT    NOT NULL
  );

  CREATE TABLE poll_cursors (
    repo      TEXT    PRIMARY KEY,
    polled_at TEXT    NOT NULL
  );
  `,
  /* 3: label sets and routing decisions */ `
  -- Gitea's label events carry the whole set: the last one seen tells which label was added.
  CREATE TABLE label_sets (
    repo     TEXT    NOT NULL,
    issue    INTEGER NOT NULL,
    labels   TEXT    NOT NULL,
    event_id INTEGER NOT NULL,
    PRIMARY KEY (repo, issue)
  );
  -- When to look again (nextWakeAt) without reading every queued job: item 15's backlog.
  CREATE INDEX jobs_queued_not_before ON jobs (not_before) WHERE state = 'queued';
  -- What became of each event, per agent (claude-hooks deliveries, GET /api/deliveries).
  CREATE INDEX routing_skips_event ON routing_skips (event_id);
  CREATE INDEX job_events_event ON job_events (event_id);
  `,
  /* 4: delivery bodies by reference */ `
  -- A body already stored (same bytes, same SHA-256) is not stored again: the later delivery keeps
  -- an empty body and names, in body_of, the delivery that holds it. A signed delivery replayed
  -- under new ids (hardening issue, item 4) then costs a row, not a copy.
  ALTER TABLE deliveries ADD COLUMN body_sha256 TEXT;
  ALTER TABLE deliveries ADD COLUMN body_of TEXT;
  CREATE INDEX deliveries_body_sha256 ON deliveries (body_sha256) WHERE body_of IS NULL;
  CREATE INDEX deliveries_body_of ON deliveries (body_of) WHERE body_of IS NOT NULL;
  `,
  /* 5: sessions and runs */ `
  CREATE TABLE sessions (
    agent            TEXT    NOT NULL,
    repo             TEXT    NOT NULL,
    issue            INTEGER NOT NULL,
    session_id       TEXT,
    worktree         TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    last_used_at     INTEGER NOT NULL,
    run_count        INTEGER NOT NULL DEFAULT 0,
    cost_usd         REAL    NOT NULL DEFAULT 0,
    state            TEXT    NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'closed')),
    cursor           TEXT,
    forgotten_reason TEXT,
    PRIMARY KEY (agent, repo, issue)
  );

  CREATE TABLE runs (
    id                INTEGER PRIMARY KEY,
    job_id            INTEGER NOT NULL,
    agent             TEXT    NOT NULL,
    repo              TEXT    NOT NULL,
    issue             INTEGER NOT NULL,
    attempt           INTEGER NOT NULL,
    started_at        INTEGER NOT NULL,
    finished_at       INTEGER,
    session_id        TEXT,
    session           TEXT    CHECK (session IN ('new', 'resumed')),
    resume_fallback   TEXT,
    prompt_kind       TEXT    CHECK (prompt_kind IN ('full', 'delta')),
    prompt_bytes      INTEGER,
    prompt            TEXT,
    turns             INTEGER,
    tokens            TEXT,
    cost_usd          REAL    NOT NULL DEFAULT 0,
    outcome           TEXT,
    error             TEXT,
    tool_calls        TEXT,
    changes           TEXT,
    status_comment_id INTEGER
  );
  CREATE INDEX runs_agent_started ON runs (agent, started_at);
  CREATE INDEX runs_job ON runs (job_id);
  `,
  /* 6: housekeeping */ `
  -- Cleanup is durable work: routed from events in the routing commit, run when no job
  -- of its keys is queued or running; 'running' left by a dead process goes back to 'queued'.
  CREATE TABLE cleanup_tasks (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL,
    repo        TEXT    NOT NULL,
    repo_ref    TEXT    NOT NULL,
    issues      TEXT,
    task        TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    finished_at INTEGER,
    result      TEXT,
    error       TEXT
  );
  CREATE INDEX cleanup_tasks_open ON cleanup_tasks (state, not_before) WHERE state IN ('queued', 'running');

  CREATE TABLE dispatch_pauses (
    scope  TEXT    PRIMARY KEY,
    reason TEXT    NOT NULL,
    at     INTEGER NOT NULL
  );

  CREATE TABLE sweeps (
    id          INTEGER PRIMARY KEY,
    trigger     TEXT    NOT NULL,
    dry_run     INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    report      TEXT
  );

  CREATE TABLE audit (
    id     INTEGER PRIMARY KEY,
    at     INTEGER NOT NULL,
    source TEXT    NOT NULL,
    action TEXT    NOT NULL,
    params TEXT    NOT NULL,
    status INTEGER NOT NULL,
    result TEXT    NOT NULL
  );
  `,
  /* 7: dashboard */ `
  -- Disk usage over time, one row per background measurement, thinned with age (dashboard).
  CREATE TABLE disk_samples (
    measured_at     INTEGER PRIMARY KEY,
    free_bytes      INTEGER NOT NULL,
    total_bytes     INTEGER NOT NULL,
    caches_bytes    INTEGER NOT NULL,
    worktrees_bytes INTEGER NOT NULL,
    attic_bytes     INTEGER NOT NULL,
    transcripts_bytes INTEGER NOT NULL,
    database_bytes  INTEGER NOT NULL,
    detail          TEXT    NOT NULL
  );
  -- The dashboard reads today's runs of every agent and the last hour's routing skips.
  CREATE INDEX runs_started ON runs (started_at);
  CREATE INDEX routing_skips_at ON routing_skips (at);
  `,
  /* 8: cancel requests */ `
  -- An operator's cancel of a job another worker runs: that worker sees it and stops the run.
  ALTER TABLE jobs ADD COLUMN cancel_request TEXT;
  `,
  /* 9: how each run was isolated */ `
  -- Stored at the run's start (an interrupted run still says how it ran) and again at its end;
  -- NULL on runs from before sandboxing. blocked is JSON {connections, pushes, hosts}: what the
  -- run's egress and git proxies refused it.
  ALTER TABLE runs ADD COLUMN isolation TEXT CHECK (isolation IN ('bwrap', 'none'));
  ALTER TABLE runs ADD COLUMN blocked TEXT;
  `,
  /* 10: the processes of each run */ `
  -- JSON {host, list, mark}: the processes a run's runtimes run as, stored as each starts, so a
  -- later start can end what a killed service left running; leftovers_ended is how many of them
  -- it found still alive and ended (NULL until a start on their machine looked).
  ALTER TABLE runs ADD COLUMN processes TEXT;
  ALTER TABLE runs ADD COLUMN leftovers_ended INTEGER;
  `,
  /* 11: milestones */ `
  -- What the service learned of each milestone (decisions.md §55): its tracking issue's settings
  -- and what was last said on it, and every issue read — a story with its tracking link, or any
  -- other issue (tracking NULL), whose state an upstream edge waits on. upstream is a JSON array.
  CREATE TABLE milestones (
    repo          TEXT    NOT NULL,
    tracking      INTEGER NOT NULL,
    opted_in      INTEGER NOT NULL DEFAULT 0 CHECK (opted_in IN (0, 1)),
    paused        INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    stacking      INTEGER CHECK (stacking IN (0, 1)),
    rendered_hash TEXT,
    problems_said TEXT,
    updated_at    INTEGER NOT NULL,
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
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (repo, issue),
    CHECK ((open_pull IS NULL) = (open_pull_branch IS NULL))
  );
  CREATE INDEX milestone_issues_tracking ON milestone_issues (repo, tracking) WHERE tracking IS NOT NULL;
  `,
  /* 12: watched pull requests */ `
  -- The agents' PRs the service sees through to the merge (docs/until-merged.md): record is the
  -- whole WatchedPull as JSON; the columns are what is looked up and ordered by. A check result
  -- names a repository and a head, so (repo, head_sha) is indexed: a result for an old head costs
  -- one indexed read that finds nothing.
  CREATE TABLE watched_pulls (
    repo       TEXT    NOT NULL,
    number     INTEGER NOT NULL,
    head_sha   TEXT    NOT NULL,
    state      TEXT    NOT NULL CHECK (state IN ('open', 'merged', 'closed')),
    updated_at INTEGER NOT NULL,
    record     TEXT    NOT NULL,
    PRIMARY KEY (repo, number)
  );
  CREATE INDEX watched_pulls_head ON watched_pulls (repo, head_sha);
  `,
];
