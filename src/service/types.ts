/**
 * What `startService` takes and gives: the options tests, the CLI and the benchmarks pass, and the
 * running service they get back.
 */
import type { ClaudeRunnerOptions } from '../agent/claude/claude-runner.js';
import type { PromptComposer } from '../agent/prompt/types.js';
import type { WorkspaceAgentRunner } from '../agent/workspace-runner.js';
import type { AgentConfig, Config } from '../config/types.js';
import type { DiskSampler } from '../dashboard/disk-sampler.js';
import type { ForgeClient } from '../forge/client.js';
import type { CleanupWorker } from '../housekeeping/cleanup-worker.js';
import type { Sweeper } from '../housekeeping/sweeper.js';
import type { Clock } from '../lib/clock.js';
import type { Lifecycle } from '../lib/lifecycle.js';
import type { Logger } from '../lib/logger.js';
import type { Redactor } from '../lib/redactor.js';
import type { Dispatcher } from '../queue/dispatcher.js';
import type { Poller } from '../queue/poller.js';
import type { AgentRunner } from '../queue/ports.js';
import type { SandboxProbe } from '../sandbox/probe.js';
import type { Store } from '../store/ports.js';
import type { PullWatch } from '../watch/driver.js';
import type { MilestoneDriver } from '../tracking/driver.js';
import type { Workdirs } from '../workdir/index.js';

export interface ServiceOptions {
  readonly config: Config;
  readonly log: Logger;
  readonly clock?: Clock;
  /** Where one-time notices for the operator go (the generated webhook secret); stdout in the CLI. */
  readonly announce?: (text: string) => void;
  /** Runs an agent inside the job's prepared worktree; tests and the demo pass a scripted one. */
  readonly runner?: WorkspaceAgentRunner;
  /**
   * Replaces worktree preparation and the agent: the dispatcher calls it directly. For
   * benchmarks that measure dispatch alone.
   */
  readonly jobRunner?: AgentRunner;
  /**
   * The environment git and du start from (PATH, HOME, proxy and CA settings); the CLI passes the
   * process environment. Agents' tokens are never taken from it.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The forge API as one agent; the REST client by default. */
  readonly forgeClientFor?: (agent: AgentConfig) => ForgeClient;
  /**
   * The Claude runner's collaborators (prompt composer, forge tools, status comment). Until the
   * real ones are wired here by default, the runner needs at least `prompts`.
   */
  readonly agentParts?: Pick<ClaudeRunnerOptions, 'forgeTools' | 'status'> & { readonly prompts?: PromptComposer };
  /** False starts the Claude runtime only once the prompt is ready (the benchmark's baseline); true by default. */
  readonly startRuntimeEarly?: boolean;
  /** This worker's id (PostgreSQL: the holder of its jobs and leases); `<host>:<pid>:<random>` by default. */
  readonly workerId?: string;
  /**
   * The one redactor of every string that leaves the service (log lines, run records, job errors,
   * status comments); the CLI makes it before the logger. One from the config when omitted.
   */
  readonly redactor?: Redactor;
  /** Whether a sandbox can be made here; `probeSandbox` by default (tests make it fail). */
  readonly sandboxProbe?: () => Promise<SandboxProbe>;
}

export interface Service {
  /** `http://host:port` the service listens on. */
  readonly url: string;
  readonly store: Store;
  readonly dispatcher: Dispatcher;
  readonly workdirs: Workdirs;
  /** The reconciliation poller, when repositories are configured and agents can call the API. */
  readonly poller: Poller | undefined;
  /** Measures disk use in the background for the dashboard (`sampleOnce` for tests). */
  readonly diskSampler: DiskSampler;
  /** Cleanup on the forge's events (docs/decisions.md §24). */
  readonly cleanup: CleanupWorker;
  /** The sweeper (docs/decisions.md §35): scheduled by `housekeeping.sweepCron`, and on demand. */
  readonly sweeper: Sweeper;
  /**
   * The milestone driver (docs/milestones.md): `view` decides one milestone from the store,
   * `touch` rebuilds one now, `idle` settles when it has nothing left to do. Undefined without agents.
   */
  readonly milestones: MilestoneDriver | undefined;
  /** The pull watch (docs/until-merged.md): `idle` settles when it has nothing left to do. Undefined without agents. */
  readonly watch: PullWatch | undefined;
  /** This worker's id in the store's worker registry. */
  readonly workerId: string;
  /**
   * Settles once the part of start-up that may wait for the forge — finishing the runs a stopped
   * service left, then starting the dispatcher — is done; the service listens before it.
   */
  readonly started: Promise<void>;
  /** The run-once tasks this worker leads now (`recovery`, `sweeper`, `poller` with the milestone driver and the pull watch, or `milestones` and `pulls` alone without a poller). */
  leads(): string[];
  close(): Promise<void>;
}

/** What every stage of start-up takes: the options, and the lifecycle each resource registers its release with. */
export interface ServiceContext {
  readonly options: ServiceOptions;
  readonly config: Config;
  readonly log: Logger;
  readonly clock: Clock;
  readonly redactor: Redactor;
  readonly lifecycle: Lifecycle;
}
