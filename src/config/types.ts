/**
 * The validated, resolved configuration every module receives. Paths are absolute, secrets are
 * `Secret`s, the whole object is frozen. Modules take the slice they need, not the whole.
 */
import type { Secret } from '../lib/secret.js';
import type { Role } from './roles.js';
import type { ParsedConfig, Trigger } from './schema.js';

export interface AgentConfig {
  /** The config key: `boss`, `dev`, `reviewer`. Part of every work key. */
  readonly name: string;
  /** The agent's forge user. */
  readonly login: string;
  readonly token: Secret;
  readonly git: { readonly name: string; readonly email: string };
  readonly skillPath: string;
  /**
   * What the agent does, read from `agents.<name>.worktree` (the role that works in that kind of
   * worktree); everything else about the role — its worktree included — is in `ROLE_POLICY`.
   */
  readonly role: Role;
  readonly triggers: readonly Trigger[];
  readonly limits: {
    readonly runsPerHour: number;
    readonly concurrency: number;
    readonly maxTurns: number;
    readonly maxBudgetUsd: number;
    /** The loader always sets these three; hand-built configs may leave them to the runner's defaults. */
    readonly maxRunMinutes?: number;
    readonly maxIssueUsd?: number;
    readonly maxDailyUsd?: number;
    /** Issues one run may open with `create_issue` (the forge tools' default when absent). */
    readonly maxIssuesPerRun?: number;
  };
  /** The global `model` with the agent's overrides; undefined when no credential is configured. */
  readonly model?: ModelConfig;
  /** Hosts a sandboxed run may reach through the egress proxy (none when absent). */
  readonly network?: { readonly allow: readonly string[] };
  /** A reader's runs get a throw-away writable copy of its worktree (off when absent). */
  readonly scratchWorktree?: boolean;
  /** WebFetch and WebSearch (off when absent). */
  readonly webTools?: boolean;
  /** The default branch's CLAUDE.md, read by the service, goes into the prompt (off when absent). */
  readonly projectInstructions?: boolean;
}

/** What the runner needs to reach a model. */
export interface ModelConfig {
  readonly name: string;
  readonly credential: { readonly kind: 'api-key' | 'oauth-token'; readonly secret: Secret };
  readonly baseUrl: string | undefined;
  /** `CLAUDE_CODE_MAX_RETRIES`: the runtime's own retries of a failed request (2 when absent). */
  readonly runtimeRetries?: number;
  /** The model proxy cuts a stream silent this long (120 when absent). */
  readonly streamIdleSeconds?: number;
}

/**
 * Where the state is kept: SQLite under the data dir, or a PostgreSQL database (its URL resolved
 * from the secret reference; `maxConnections` undefined leaves the pool's default).
 */
export type StoreConfig =
  | { readonly kind: 'sqlite' }
  | {
      readonly kind: 'postgres';
      readonly url: Secret;
      readonly maxConnections: number | undefined;
      readonly affinityWaitMs: number;
      readonly leaseSeconds: number;
      /** How long opening a connection may take; the store's default (5) when undefined. */
      readonly connectTimeoutSeconds?: number;
      /** How long one statement may run (and a transaction sit idle); the store's default (30) when undefined. */
      readonly statementTimeoutSeconds?: number;
    };

/** Where the state is: what the commands that only read it need (`jobs`, `migrate`). */
export interface StoreLocation {
  readonly dataDir: string;
  readonly store: StoreConfig;
}

export interface Config {
  /** The file the config came from, if any. */
  readonly source: string | undefined;
  readonly server: Readonly<Omit<ParsedConfig['server'], 'metricsToken'>> & {
    readonly metricsToken: Secret | undefined;
  };
  readonly dataDir: string;
  readonly store: StoreConfig;
  readonly logLevel: ParsedConfig['logLevel'];
  /** How agent runs are confined (`bwrap` unless the operator wrote `none`). */
  readonly isolation: ParsedConfig['isolation'];
  readonly adminToken: Secret | undefined;
  readonly forge: {
    readonly kind: ParsedConfig['forge']['kind'];
    readonly url: string | undefined;
    readonly webhookSecret: Secret | undefined;
    /** The service's own forge credential (permission reads); undefined: the first agent's token. */
    readonly serviceToken: Secret | undefined;
    readonly repositories: readonly string[];
    readonly requestTimeoutSeconds: number;
    /** How long start-up waits for the token check's answer before it listens anyway. */
    readonly startupWaitSeconds: number;
  };
  readonly intake: Readonly<ParsedConfig['intake']>;
  readonly dispatch: Readonly<ParsedConfig['dispatch']>;
  readonly workdir: Readonly<ParsedConfig['workdir']>;
  readonly health: Readonly<ParsedConfig['health']>;
  readonly dashboard: Readonly<ParsedConfig['dashboard']>;
  readonly housekeeping: Readonly<ParsedConfig['housekeeping']>;
  /** Milestones (docs/milestones.md): the opt-in and plan labels, stacking, the in-flight cap. */
  readonly milestones: Readonly<ParsedConfig['milestones']>;
  /** Pull requests until merged (docs/until-merged.md): the fix-attempt cap, the label, log sizes, merge when green. */
  readonly pulls: Readonly<ParsedConfig['pulls']>;
  readonly agents: readonly AgentConfig[];
  /**
   * The secrets written in the file itself as `{ value: … }` rather than as a reference, each with
   * where (file:line:column): accepted, for tests and throw-away setups, and warned about by
   * `config check`. Absent from a configuration that `loadConfig` did not read.
   */
  readonly secretsInFile?: readonly SecretInFile[];
  /** Keys written under an old name, still read: `config check` says to rename each. Absent as `secretsInFile` is. */
  readonly renamedKeys?: readonly RenamedKey[];
}

export interface RenamedKey {
  /** Dotted key as written: `agents.dev.workspace`. */
  readonly key: string;
  /** Its name now: `agents.dev.worktree`. */
  readonly now: string;
  readonly source?: string;
}

export interface SecretInFile {
  /** Dotted key: `adminToken`, `agents.dev.token`, `model.credential`. */
  readonly key: string;
  readonly source?: string;
}
