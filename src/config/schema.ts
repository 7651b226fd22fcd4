/**
 * The configuration file's shape, validated once at start-up. Every key has a default except what
 * only the operator can know (forge URL, agents, the model's name), so an empty file — or none —
 * is a valid config.
 *
 * Secrets are references (`{ env: NAME }` or `{ file: PATH }`), resolved by `load-config.ts`; the
 * file itself never has to hold one.
 */
import { z } from 'zod';
import { cronProblem } from '../lib/cron-problem.js';

export const secretRefSchema = z.union([
  z.strictObject({ env: z.string().min(1).describe('name of an environment variable holding the secret') }),
  z.strictObject({ file: z.string().min(1).describe('path of a file holding the secret') }),
  // What environment overrides become; written in the file it is accepted (tests, throw-away
  // setups), and `config check` warns about each one.
  z.strictObject({ value: z.string().min(1).describe('the secret itself') }),
]);
export type SecretRef = z.infer<typeof secretRefSchema>;

const login = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a forge login (letters, digits, _ . -)');
const repoName = z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'owner/name');
/** A label's name as the forge shows it: one line, no comma (a label list separates by commas), no outer blanks. */
const labelName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[^\s,](?:[^,\n\r]*[^\s,])?$/, 'a label name (no comma, no leading or trailing blank)');

export const triggerSchema = z.discriminatedUnion('on', [
  z.strictObject({ on: z.literal('issue_opened') }),
  z.strictObject({ on: z.literal('mention') }),
  z.strictObject({ on: z.literal('assigned') }),
  z.strictObject({ on: z.literal('label'), label: z.string().min(1) }),
  z.strictObject({ on: z.literal('review_requested') }),
  z.strictObject({ on: z.literal('pr_feedback') }),
]);
export type Trigger = z.infer<typeof triggerSchema>;

/**
 * What kind of worktree an agent works in (see the workdir module): `default-branch` is a detached
 * checkout of the default branch, `issue-branch` a writable `issue-<N>-<slug>` branch, `pr-head` a
 * detached checkout of a PR's head commit. The agent's role is the one that works in it
 * (`roles.ts`: planner, implementer, reviewer).
 */
export const worktreeSchema = z.enum(['default-branch', 'issue-branch', 'pr-head']);
export type WorktreeKind = z.infer<typeof worktreeSchema>;

const WORKTREE_REQUIRED =
  'required: the kind of worktree the agent works in — default-branch (it plans), issue-branch (it implements) or pr-head (it reviews)';
const BOTH_WORKTREE_NAMES = 'is the old name of worktree, and both are given: keep worktree only';

/**
 * No default model: the model sets what every run costs and how it behaves, and a name built into
 * the service would go stale with each release of Claude — so the operator names one.
 */
const MODEL_NAME_REQUIRED =
  'required, no default: name the model agents run on, e.g. `name: claude-sonnet-4-5` (any model the Messages API serves)';

/**
 * The model an agent runs on and the credential the Claude Code runtime is given: an API key
 * (`ANTHROPIC_API_KEY`) or an OAuth token (`CLAUDE_CODE_OAUTH_TOKEN`). Which of the two is read
 * from `credentialKind`, else from the name of the credential's environment variable.
 */
const modelFields = {
  name: z
    .string({ error: (issue) => (issue.input === undefined ? MODEL_NAME_REQUIRED : undefined) })
    .min(1, MODEL_NAME_REQUIRED)
    .describe('model name passed to the SDK, e.g. claude-sonnet-4-5'),
  credential: secretRefSchema,
  credentialKind: z.enum(['api-key', 'oauth-token']).optional(),
  /** `ANTHROPIC_BASE_URL`: a proxy or gateway in front of the Messages API. */
  baseUrl: z.url().optional(),
  /**
   * How often the Claude Code runtime itself retries a failed model request (429, 5xx, 529, no
   * answer) before it gives up and the service's retry policy takes over (default 2).
   */
  runtimeRetries: z.number().int().nonnegative().max(20).optional(),
  /** A model stream that sends nothing for this long is cut, and counted as a stall (default 120). */
  streamIdleSeconds: z.number().positive().optional(),
};
export const modelSchema = z.strictObject(modelFields);
/** Per-agent override: any field of the global `model`. */
export const agentModelSchema = z.strictObject({
  name: modelFields.name.optional(),
  credential: secretRefSchema.optional(),
  credentialKind: modelFields.credentialKind,
  baseUrl: modelFields.baseUrl,
  runtimeRetries: modelFields.runtimeRetries,
  streamIdleSeconds: modelFields.streamIdleSeconds,
});

const agentFields = z.strictObject({
  login,
  token: secretRefSchema,
  git: z.strictObject({
    name: z.string().min(1),
    email: z.string().regex(/^[^\s@]+@[^\s@]+$/, 'an e-mail address'),
  }),
  skill: z.string().min(1).describe('path of the skill prompt file, relative to the config file'),
  worktree: worktreeSchema.optional(),
  /** The old name of `worktree`, still read; `config check` says to rename it (docs/decisions.md §48). */
  workspace: worktreeSchema.optional(),
  triggers: z.array(triggerSchema).min(1),
  limits: z
    .strictObject({
      runsPerHour: z.number().int().positive().default(6),
      concurrency: z.number().int().positive().default(2),
      maxTurns: z.number().int().positive().default(50),
      maxBudgetUsd: z.number().positive().default(5),
      /** Wall-clock limit of one run. */
      maxRunMinutes: z.number().positive().default(30),
      /** Cumulative cost of one issue's session across resumes; `@<agent> continue` lifts it for one run. */
      maxIssueUsd: z.number().positive().default(20),
      /** Cost of all of the agent's runs in one UTC day. */
      maxDailyUsd: z.number().positive().default(50),
      /** Issues one run may open (the planner's `create_issue`); a run that needs more says what is left. */
      maxIssuesPerRun: z.number().int().positive().default(30),
    })
    .prefault({}),
  model: agentModelSchema.optional(),
  /**
   * What a sandboxed run may reach besides the service's own proxies: hosts (`registry.npmjs.org`,
   * `*.pypi.org`) reached through the service's egress proxy. Nothing by default.
   */
  network: z
    .strictObject({
      allow: z
        .array(z.string().regex(/^(\*\.)?[A-Za-z0-9.-]+(:\d+)?$/, 'a host name, optionally *.-prefixed and with :port'))
        .default([]),
    })
    .prefault({}),
  /**
   * A reader (boss, reviewer) whose runs need to write — to run the tests — gets a throw-away
   * writable copy of its worktree in its sandbox; its worktree itself stays read-only and untouched.
   */
  scratchWorktree: z.boolean().default(false),
  /** WebFetch and WebSearch: off unless the operator turns them on (fetched text is untrusted too). */
  webTools: z.boolean().default(false),
  /**
   * The repository's CLAUDE.md, read by the service from the default branch and put into the
   * prompt. No repository file is ever loaded by the runtime itself (settings, hooks, MCP servers).
   */
  projectInstructions: z.boolean().default(false),
});
/** `worktree` or its old name `workspace`: one of them, not both. */
export const agentSchema = agentFields.superRefine((agent, ctx) => {
  if (agent.worktree === undefined && agent.workspace === undefined)
    ctx.addIssue({ code: 'custom', path: ['worktree'], message: WORKTREE_REQUIRED });
  if (agent.worktree !== undefined && agent.workspace !== undefined)
    ctx.addIssue({ code: 'custom', path: ['workspace'], message: BOTH_WORKTREE_NAMES });
});
export type AgentConfigInput = z.infer<typeof agentSchema>;

/**
 * Where the service keeps its state: `sqlite` (the default, one file under the data dir) or
 * `{ postgres: { url } }` — one database that several workers share (docs/decisions.md §31).
 */
export const storeSchema = z
  .union([
    z.literal('sqlite'),
    z.strictObject({
      postgres: z.strictObject({
        url: secretRefSchema.describe('the database URL, e.g. { env: DATABASE_URL }'),
        /** Pool size of each worker (the pg default, 10, when unset). */
        maxConnections: z.number().int().positive().optional(),
        /** How long a job waits for the worker that last ran its key before any worker takes it. */
        affinityWaitMs: z.number().int().nonnegative().default(30_000),
        /**
         * How long a worker counts as alive after its last heartbeat (it beats every third of it):
         * when it passes, the worker's running jobs go back to the queue for the others.
         */
        leaseSeconds: z.number().positive().max(3600).default(30),
        /** How long opening a connection to the database may take. */
        connectTimeoutSeconds: z.number().positive().max(300).default(5),
        /**
         * How long one statement may run before PostgreSQL cancels it (and a transaction may sit
         * idle); the worker stops waiting for an answer a second later, so a stalled database costs
         * this long at most, never a hang.
         */
        statementTimeoutSeconds: z.number().positive().max(3600).default(30),
      }),
    }),
  ])
  .default('sqlite');
export type StoreInput = z.infer<typeof storeSchema>;

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      /** The address the forge reaches us at, for the webhook URL printed on first start. */
      publicUrl: z.url().optional(),
      bodyLimitBytes: z
        .number()
        .int()
        .positive()
        .default(5 * 1024 * 1024),
      /** A request not received whole (headers and body) within this is answered 408 and closed. */
      requestTimeoutSeconds: z.number().positive().default(30),
      /** A request whose headers are not all in within this is answered 408 and closed. */
      headersTimeoutSeconds: z.number().positive().default(10),
      /** An idle keep-alive connection is closed after this. */
      keepAliveTimeoutSeconds: z.number().positive().default(5),
      /** Connections beyond this many open ones are closed at once. */
      maxConnections: z.number().int().positive().default(1024),
      /** When set, `GET /metrics` asks for `Authorization: Bearer <token>`; open otherwise. */
      metricsToken: secretRefSchema.optional(),
    })
    .prefault({})
    .refine((server) => server.headersTimeoutSeconds <= server.requestTimeoutSeconds, {
      message: 'headersTimeoutSeconds must not be longer than requestTimeoutSeconds',
      path: ['headersTimeoutSeconds'],
    }),
  dataDir: z.string().min(1).default('./data'),
  store: storeSchema,
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * How agent runs are confined: `bwrap` (the default) runs each in a bubblewrap sandbox that sees
   * its worktree and nothing of the service; `none` runs the runtime as the service's own user —
   * every run record, the dashboard and the log then say so (docs/security.md).
   */
  isolation: z.enum(['bwrap', 'none']).default('bwrap'),
  adminToken: secretRefSchema.optional(),
  /** The model agents run on; without a credential no agent runs (jobs fail saying so). */
  model: modelSchema.optional(),
  forge: z
    .strictObject({
      // GitHub webhooks are normalised, but only a Forgejo/Gitea API client exists: agents could
      // not act on a GitHub forge, so configuring one is refused until a GitHub client exists.
      kind: z
        .enum(['forgejo', 'gitea', 'github'])
        .refine((kind) => kind !== 'github', {
          message:
            'github is not supported yet: only a Forgejo/Gitea API client exists, so agents could not act on GitHub. Use forgejo or gitea',
        })
        .default('forgejo'),
      url: z.url().optional(),
      webhookSecret: secretRefSchema.optional(),
      /**
       * The service's own forge credential, held by no agent: it reads who may trigger an agent
       * (a collaborator's permission needs admin on the repository). Without it the first agent's
       * token is used, which then needs admin.
       */
      serviceToken: secretRefSchema.optional(),
      /** Repositories the service works on (boss triage, the reconciliation poller). */
      repositories: z.array(repoName).default([]),
      /** A forge API call with no whole answer within this fails (and is retried where the caller retries). */
      requestTimeoutSeconds: z.number().positive().max(600).default(30),
      /** How long start-up waits for the forge's answer to the agents' token check before it listens anyway. */
      startupWaitSeconds: z.number().nonnegative().max(60).default(1),
    })
    .prefault({}),
  intake: z
    .strictObject({
      /** A change seen again within this window (same fingerprint, new delivery id) is a duplicate. */
      dedupWindowHours: z.number().positive().default(72),
    })
    .prefault({}),
  dispatch: z
    .strictObject({
      concurrency: z.number().int().positive().default(2),
      perRepository: z.number().int().positive().default(2),
      maxAttempts: z.number().int().positive().default(3),
      backoffSeconds: z.number().positive().default(30),
      /** The longest wait between two attempts of a job. */
      maxBackoffSeconds: z.number().positive().default(300),
      /** A job that failed because the model, the forge or git was away is retried for this long. */
      outageHorizonMinutes: z.number().nonnegative().default(20),
      pollIntervalSeconds: z.number().int().nonnegative().default(300),
      /** Logins allowed to trigger agents in addition to users with write access. */
      allowUsers: z.array(login).default([]),
      permissionCacheSeconds: z.number().int().nonnegative().default(600),
    })
    .prefault({}),
  workdir: z
    .strictObject({
      /** Worktree creation refuses when free space under the data dir falls below this. */
      minFreeBytes: z
        .number()
        .int()
        .nonnegative()
        .default(2 * 1024 ** 3),
      /** A git transfer that moves less than a byte a second for this long fails (curl's low-speed limit). */
      gitIdleTimeoutSeconds: z.number().int().positive().default(60),
      /** Any git command the service runs is killed after this long. */
      gitTimeoutMinutes: z.number().positive().default(10),
      /** A job waits this long at most for another job's fetch of the same repository, then is retried. */
      lockWaitSeconds: z.number().positive().default(120),
      /** A head learned from a webhook, a relayed push or a fetch spares a job's fetch for this long; 0: always fetch. */
      knownHeadMaxAgeSeconds: z.number().int().nonnegative().default(300),
    })
    .prefault({}),
  housekeeping: z
    .strictObject({
      /** When the sweeper runs (a cron expression, read by croner); daily at 03:17 by default. */
      sweepCron: z
        .string()
        .min(1)
        .superRefine((pattern, ctx) => {
          const problem = cronProblem(pattern);
          if (problem) ctx.addIssue({ code: 'custom', message: `not a cron expression croner reads: ${problem}` });
        })
        .default('17 3 * * *'),
      /** A session not used for this long has its transcript and row deleted by the sweeper. */
      sessionTtlDays: z.number().positive().default(30),
      /** A worktree not used for this long is removed by the sweeper (its work saved to the attic first). */
      worktreeTtlDays: z.number().positive().default(14),
      /** Saved work in the attic is deleted after this long. */
      atticTtlDays: z.number().positive().default(90),
      /** Deliveries (with their bodies), finished jobs and runs older than this are deleted. */
      retentionDays: z.number().positive().default(30),
      /** Below this much free space under the data dir, the sweeper evicts least-recently-used idle worktrees. */
      diskHighWaterBytes: z
        .number()
        .int()
        .nonnegative()
        .default(5 * 1024 ** 3),
      /** An issue closed deletes its sessions and transcripts at once, instead of keeping them until their TTL. */
      deleteSessionsOnClose: z.boolean().default(false),
    })
    .prefault({}),
  /** Milestones that run themselves (docs/milestones.md): which tracking issues, and how many stories at once. */
  milestones: z
    .strictObject({
      /** The label that opts a tracking issue in: the service hands its ready stories to the implementer. */
      label: labelName.default('milestone'),
      /** Repositories whose tracking issues are opted in without the label (an issue a story's `Tracking:` line names). */
      repositories: z.array(repoName).default([]),
      /** Whether a story may start on its upstream story's open pull request; the label `<label>/stacked` turns it on for one milestone. */
      stacking: z.boolean().default(false),
      /** Stories of one milestone in flight at once (an open pull request, or a job of the implementer). */
      maxInFlight: z.number().int().positive().default(2),
      /** The label that asks the planner to plan an issue. */
      planLabel: labelName.default('plan'),
    })
    .prefault({})
    .refine((m) => m.label.toLowerCase() !== m.planLabel.toLowerCase(), {
      message: 'must differ from milestones.label: one label opts a tracking issue in, the other asks for a plan',
      path: ['planLabel'],
    }),
  /** Pull requests until merged (docs/until-merged.md): fixing failed checks within a cap, merging when green. */
  pulls: z
    .strictObject({
      /** Times dev is woken to fix its pull request's failed checks, counted across restarts; then a person is asked. */
      fixAttempts: z.number().int().min(0).max(50).default(3),
      /** The label set on a pull request whose fix attempts are used up. */
      needsHumanLabel: labelName.default('needs-human'),
      /** Bytes of each failing job's log quoted in dev's prompt (its end); the whole log is put in the worktree. */
      logTailBytes: z.number().int().min(256).max(200_000).default(6000),
      /** Bytes of a job's log fetched at most (its end); a longer log is cut at its start. */
      logMaxBytes: z
        .number()
        .int()
        .min(1024)
        .max(64 * 1024 * 1024)
        .default(4 * 1024 * 1024),
      /** Repositories (`owner/name`) whose agents' pull requests the service merges once required checks pass and a person or the reviewer approved. */
      mergeWhenGreen: z.array(repoName).default([]),
      /** Seconds after a push to a watched pull request's base before the service reads whether it still merges (the forge works it out in the background). */
      conflictProbeSeconds: z.number().int().min(0).max(3600).default(20),
      /** How the forge merges them. */
      mergeStyle: z.enum(['merge', 'rebase', 'rebase-merge', 'squash', 'fast-forward-only']).default('merge'),
    })
    .prefault({}),
  health: z
    .strictObject({
      /** /readyz fails when free space under the data dir falls below this. */
      minFreeBytes: z
        .number()
        .int()
        .nonnegative()
        .default(1024 ** 3),
    })
    .prefault({}),
  dashboard: z
    .strictObject({
      /** How often the data dir's disk use is measured in the background (and a sample kept). */
      diskSampleMinutes: z.number().int().min(1).max(1440).default(5),
      /** How long a dashboard sign-in lasts. */
      sessionHours: z.number().int().min(1).max(720).default(12),
    })
    .prefault({}),
  agents: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'a lower-case agent name'), agentSchema).default({}),
});

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.infer<typeof configSchema>;
