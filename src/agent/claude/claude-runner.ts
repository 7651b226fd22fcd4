/**
 * The Claude agent runner: runs one job in its prepared worktree with the real Claude Agent SDK,
 * in the work key's own session.
 *
 * Per run: check the budgets → resume the key's session if it has one (else a new one) → compose
 * the full prompt (new session) or the delta since the session's cursor (resumed) → `query()` →
 * store the session id at `init` → classify the result → store the cursor, cost and run record →
 * report the status. What needs no worktree (the session, the budgets, the forge reads of the
 * prompt) is begun while the worktree is acquired (`begin`), and so is the `working` status
 * comment, posted as soon as the session and budgets say the run goes ahead: a person sees it
 * while the worktree is prepared, and the model's first request waits for neither
 * (docs/decisions.md §28, §50). A session that cannot be resumed (its transcript is gone) is
 * forgotten and the same job starts a new session with the full prompt, saying so
 * (`resumeFallback`); the dead id is never tried again.
 *
 * While a run goes on, `deliver` pushes a new comment for its key into the running session as a
 * delta (live follow-up); the cursor moves, so the mailbox's follow-up job then finds nothing new
 * and ends without calling the model.
 */
import type { TranscriptStore } from '../../sessions/transcript-store.js';
import { sdkSessionStore } from './sdk-session-store.js';
import type { Options } from '@anthropic-ai/claude-agent-sdk';
import { readFile } from 'node:fs/promises';
import type { AgentConfig, ModelConfig } from '../../config/types.js';
import type { StoredEvent } from '../../core/stored-event.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { createRedactor, type Redactor } from '../../lib/redactor.js';
import type { RunRequest } from '../../queue/ports.js';
import type { RunFacts, RunOutcome } from '../../core/run-outcome.js';
import { workKeyString, type WorkKey } from '../../core/work-key.js';
import type { SessionCursor } from '../../sessions/cursor.js';
import type { RunRecords, SessionStore } from '../../sessions/ports.js';
import type { ForgeTools, ForgeToolsOptions } from '../forge-tools/types.js';
import type { ForgeChange } from '../../core/forge-change.js';
import { describeUnpushedWork } from '../status/local-work.js';
import type { RunStatus } from '../status/types.js';
import type { ComposedPrompt, PromptComposer, PromptRequest, PromptWorkspace } from '../prompt/types.js';
import type { BegunRun, PreparedWorktree, WorkspaceAgentRunner, WorkspaceRunRequest } from '../workspace-runner.js';
import { checkBudgets, DEFAULT_LIMITS, startOfUtcDay } from './budget.js';
import { formatUsd } from '../../lib/format-usd.js';
import { classifyRun, describeTrouble } from './outcome.js';
import type { ModelTroubleListener } from '../../sandbox/model-health.js';
import { sdkPolicyFor } from './role-policy.js';
import { openRunEnclosure } from './run-enclosure.js';
import { summariseToolInput } from './tool-summary.js';
import { runEnv } from './run-env.js';
import { finished, outstandingOf, report, withdraw, type RunStatusReporter } from './run-status.js';
import { runSession, type LiveInput, type SessionRunResult } from './session-run.js';
import { startRuntime, type StartedRuntime } from './start-runtime.js';
import { createRuntimeProcesses, type RuntimeProcesses } from './runtime-processes.js';
import { recordRunProcesses, type RunProcessRecorder } from './record-run-processes.js';
import { createStopper, type Stopper } from './stopper.js';
import { adoptSharedTranscript, transcriptIn } from './transcripts.js';
import { sessionConfigDir } from '../../sessions/transcript-layout.js';
import { unpushedWorkOf } from './unpushed-work.js';
import type { TriggerRule } from '../../queue/route-event.js';
import type { EnclosureReport, Isolation, RunEnclosure } from '../../sandbox/isolation.js';
import type { RunTokens } from '../../sessions/ports.js';

export type { RunStatusReporter };

/** `attempt` > 1: a retried job, whose earlier attempt's status comment is edited rather than another posted. */
export type StatusReporterFactory = (target: {
  readonly agent: AgentConfig;
  readonly key: WorkKey;
  readonly jobId: number;
  readonly attempt?: number;
  readonly repo: WorkspaceRunRequest['repo'];
}) => RunStatusReporter;

export interface ClaudeRunnerOptions {
  readonly sessions: SessionStore;
  readonly runs: RunRecords;
  readonly prompts: PromptComposer;
  /** Where sessions live (`<dataDir>/claude`): each work key's runs get `<configDir>/sessions/<key>` as `CLAUDE_CONFIG_DIR`. */
  readonly configDir: string;
  /** The service's environment; only PATH, HOME and similar basics are passed on. */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** How each run is enclosed: its sandbox, its per-run token, and the proxies that hold the real credentials. */
  readonly isolation: Isolation;
  /** Who may say `@<agent> continue` (routing's rule). */
  readonly trigger: TriggerRule;
  /** Forge logins `request_review` may ask: the configured reviewers. */
  readonly reviewers?: readonly string[];
  /** Builds the per-run forge MCP server; without it the agent gets no forge tools. */
  readonly forgeTools?: (options: Omit<ForgeToolsOptions, 'client'> & { readonly agent: AgentConfig }) => ForgeTools;
  readonly status?: StatusReporterFactory;
  /**
   * The service's one redactor (every secret it knows): prompts, tool summaries, errors and status
   * text pass it before they are kept or shown; each run's token is added to it for the run.
   */
  readonly redactor?: Redactor;
  /** Where an operator reads a run (`<publicUrl>/api/runs/<id>`). */
  readonly runUrl?: (runId: number) => string | undefined;
  readonly readSkill?: (agent: AgentConfig) => Promise<string>;
  /**
   * Start the Claude Code runtime (the SDK's `startup()`) as soon as the run's options are known,
   * while the prompt is composed and the status comment posted, instead of after: its ~2 s start
   * leaves the path to the first model request. True unless set false (the benchmark's baseline).
   */
  readonly startRuntimeEarly?: boolean;
  /**
   * Where transcripts are mirrored so another worker can resume them (PostgreSQL mode); absent,
   * transcripts live only under `configDir`.
   */
  readonly transcripts?: TranscriptStore;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface ClaudeRunner extends WorkspaceAgentRunner {
  begin(request: RunRequest): BegunRun;
  /**
   * Delivers a new event to the running session of `key`, if there is one that still takes
   * input: composes its delta from the session's cursor and pushes it as a user message. False
   * when no run of the key is going (the mailbox's follow-up job will answer it).
   */
  deliver(key: WorkKey, stored: StoredEvent): Promise<boolean>;
}

interface LiveRun {
  input: LiveInput | undefined;
  cursor: SessionCursor | undefined;
  readonly request: WorkspaceRunRequest;
  readonly skill: string;
  /** Deliveries are composed one at a time, in order. */
  chain: Promise<unknown>;
}

export function createClaudeRunner(options: ClaudeRunnerOptions): ClaudeRunner {
  const live = new Map<string, LiveRun>();
  const readSkill = options.readSkill ?? ((agent: AgentConfig) => readFile(agent.skillPath, 'utf8'));

  /** Whether a session can be resumed here: its transcript in the key's folder (or moved there), or in the shared database. */
  const hasTranscript = async (key: WorkKey, sessionId: string): Promise<boolean> => {
    if (options.transcripts) return options.transcripts.exists(sessionId);
    const dir = sessionConfigDir(options.configDir, key);
    return transcriptIn(dir, sessionId) || (await adoptSharedTranscript(options.configDir, dir, sessionId));
  };

  /**
   * What a run needs that does not depend on the worktree, read while the worktree is acquired:
   * the session, the skill, whether the transcript is still there, the budgets, and (when the
   * composer can) the forge thread for the prompt.
   */
  async function prepare(request: RunRequest): Promise<Prepared> {
    const { agent, key } = request;
    const session = await options.sessions.get(key);
    const skill = await readSkill(agent);
    let resumeId = session?.sessionId;
    let fallback: string | undefined;
    if (resumeId && session && !(await hasTranscript(key, resumeId))) {
      fallback = options.transcripts
        ? `the transcript of session ${resumeId} is gone (not in the database)`
        : `the transcript of session ${resumeId} is gone (looked under ${sessionConfigDir(options.configDir, key)})`;
      resumeId = undefined;
    }
    const cursor = resumeId ? session?.cursor : undefined;
    // Budgets are read before composing so the runtime can start with the run's own cap while the
    // prompt is composed; a refusal is still acted on after composing (an empty delta ends first).
    const budget = await checkBudgets({
      agent,
      events: request.events,
      issueSpentUsd: session?.costUsd ?? 0,
      issueRuns: session?.runCount ?? 0,
      todaySpentUsd: await options.runs.costSince(agent.name, startOfUtcDay(options.clock.now())),
      trigger: options.trigger,
    });
    const composing = options.prompts.begin?.(promptRequest(request, skill, cursor));
    return { skill, resumeId, cursor, fallback, budget, composing };
  }

  function begin(request: RunRequest): BegunRun {
    const prepared = request.agent.model ? prepare(request) : undefined;
    // Awaited by `run`; a worktree that cannot be had must not leave it unhandled.
    prepared?.catch(() => undefined);
    const status = prepared
      ? options.status?.({
          agent: request.agent,
          key: request.key,
          jobId: request.jobId,
          attempt: request.attempt,
          repo: request.repo,
        })
      : undefined;
    const ahead = prepared ? postAhead(request, prepared, status) : Promise.resolve(undefined);
    return {
      run: (workspace) => runPrepared({ ...request, workspace }, prepared, status, ahead),
      // What was begun only reads (the session row, the budgets, the forge for the prompt) and
      // holds nothing: no runtime starts before the worktree is ready. Only the status comment
      // posted ahead is undone: the run it announced will not happen.
      abandon: () => void withdrawAhead(status, ahead, logFor(request)),
    };
  }

  /**
   * The `working` status, posted as soon as the run is begun — while its worktree is acquired —
   * when the run is expected to go ahead: the budgets allow it and the job has an event its session
   * has not been shown (a new session, or events after the cursor). A job whose events a live
   * follow-up already answered would only flash a comment: it posts, if at all, beside the run, as
   * before. Answers the post under way, or undefined when nothing was posted ahead
   * (docs/decisions.md §50).
   */
  async function postAhead(
    request: RunRequest,
    preparing: Promise<Prepared>,
    status: RunStatusReporter | undefined,
  ): Promise<PostedAhead | undefined> {
    const prepared = await preparing.catch(() => undefined);
    if (!status || !prepared?.budget.ok) return undefined;
    const { cursor } = prepared;
    if (cursor && !request.events.some((stored) => stored.id > cursor.lastEventId)) return undefined;
    return { posted: report(status, STARTING, logFor(request)) };
  }

  /** Takes down the status comment posted ahead, if one was: the run it announced does not go ahead. */
  async function withdrawAhead(
    status: RunStatusReporter | undefined,
    ahead: Promise<PostedAhead | undefined>,
    log: Logger,
  ): Promise<void> {
    if (await ahead) await withdraw(status, log);
  }

  function logFor(request: RunRequest): Logger {
    return options.log.child({ job: request.jobId, agent: request.agent.name, key: workKeyString(request.key) });
  }

  /**
   * One run, in phases over one record of its state (`RunState`): open it (its enclosure, wall
   * clock, runtime processes, status comment), compose its prompt and decide whether the model is
   * asked at all, ask it (with the fallback to a new session), then record and report.
   */
  async function runPrepared(
    request: WorkspaceRunRequest,
    preparing: Promise<Prepared> | undefined,
    status: RunStatusReporter | undefined,
    ahead: Promise<PostedAhead | undefined>,
  ): Promise<RunOutcome> {
    const model = request.agent.model;
    if (!model || !preparing) return { ok: false, error: NO_MODEL_MESSAGE, retryable: false };
    let run: RunState;
    let runId: number;
    try {
      run = await openRun(request, await preparing, model, status, ahead);
      const withoutModel = await composeOrStop(run);
      if (withoutModel) return withoutModel;
      runId = await startRecord(run);
    } catch (error) {
      // The run announced ahead fails before it asks the model: no "working" comment stays behind.
      await withdrawAhead(status, ahead, logFor(request));
      throw error;
    }
    const asked = await askModel(run, runId);
    return recordAndReport(run, runId, asked);
  }

  /** Phase 1: what the run holds — its enclosure and token, its wall clock, its runtime processes (one started early), its status comment. */
  async function openRun(
    request: WorkspaceRunRequest,
    prepared: Prepared,
    model: ModelConfig,
    status: RunStatusReporter | undefined,
    ahead: Promise<PostedAhead | undefined>,
  ): Promise<RunState> {
    const { agent, key } = request;
    const log = logFor(request);
    const startedAt = options.clock.now();
    if (prepared.fallback) await forget(key, prepared.fallback, log);
    const configDir = sessionConfigDir(options.configDir, key);
    const runtimeRetries = model.runtimeRetries ?? DEFAULT_RUNTIME_RETRIES;
    const working = (activity: string) =>
      void report(status, { phase: 'working', elapsedMs: options.clock.now() - startedAt, activity }, log);
    // The runtime retries a failing model request itself, a few times: the comment says so as it happens.
    const trouble: ModelTroubleListener = {
      onTrouble: (failed) => {
        const next =
          failed.attempt <= runtimeRetries
            ? `the runtime tries again (attempt ${failed.attempt + 1} of ${runtimeRetries + 1})`
            : 'the runtime gives up; the service will retry the job';
        working(`waiting for the model API, which ${describeTrouble(failed.status, failed.message)}: ${next}`);
      },
      onRecovered: () => working('the model API answers again'),
    };
    const { budget } = prepared;
    const enclosure = await openRunEnclosure(options.isolation, {
      request,
      model,
      budgetUsd: budget.ok ? budget.maxBudgetUsd : 0,
      configDir,
      trouble,
      log,
    });
    const redactor = options.redactor ?? createRedactor([model.credential.secret, agent.token]);
    const stopper = createStopper(request.signal, limitsOf(agent).maxRunMinutes, {
      startedAt: request.startedAt ?? startedAt,
      now: () => options.clock.now(),
    });
    // Every runtime of this run is spawned through `processes` (in its sandbox), so the run ends only when they have.
    // Their pids go on the run's record, so a later start can end what a killed service left (`none` has no sandbox to).
    const recorder = recordRunProcesses(options.runs, log);
    const processes = createRuntimeProcesses(enclosure.wrap, {
      ownGroup: enclosure.isolation === 'none',
      onSpawn: recorder.spawned,
    });
    const changes: ForgeChange[] = [];
    let latestTools: ForgeTools | undefined;
    const sdkOptionsFor = (resume: string | undefined): Options => {
      const tools = options.forgeTools?.({
        repo: request.repo,
        issue: key.issue,
        agent,
        branch: request.workspace.branch,
        stackBase: request.workspace.stackBase,
        reviewers: options.reviewers ?? [],
        onChange: (change) => changes.push(change),
      });
      latestTools = tools;
      return {
        cwd: request.workspace.path,
        env: runEnv({
          base: options.baseEnv,
          identity: request.workspace.identity,
          enclosure: enclosure.env,
          configDir,
          maxRetries: runtimeRetries,
        }),
        model: model.name,
        resume,
        maxTurns: agent.limits.maxTurns,
        maxBudgetUsd: budget.ok ? budget.maxBudgetUsd : agent.limits.maxBudgetUsd,
        abortController: stopper.controller,
        spawnClaudeCodeProcess: processes.spawn,
        ...sdkPolicyFor({
          role: agent.role,
          agent,
          forgeTools: tools?.allowedTools ?? [],
          sandboxed: enclosure.isolation === 'bwrap',
        }),
        ...(tools ? { mcpServers: { forge: tools.server } } : {}),
        // Eager: each transcript line reaches the database as it is written, so a worker that dies
        // mid-run leaves a session another worker can resume.
        ...(options.transcripts
          ? { sessionStore: sdkSessionStore(options.transcripts), sessionStoreFlush: 'eager' as const }
          : {}),
      };
    };
    return {
      request,
      prepared,
      log,
      startedAt,
      status,
      ahead,
      enclosure,
      redact: redactor.redact,
      forgetToken: redactor.add(enclosure.token),
      stopper,
      processes,
      recorder,
      changes,
      tools: () => latestTools,
      sdkOptionsFor,
      working,
      early:
        budget.ok && options.startRuntimeEarly !== false ? startRuntime(sdkOptionsFor(prepared.resumeId)) : undefined,
      held: () => (request.stillHeld ? request.stillHeld().catch(() => true) : Promise.resolve(true)),
      resumeId: prepared.resumeId,
      fallback: prepared.fallback,
      prompt: undefined,
      workspaceText: workspaceOfPrompt(request.workspace, undefined),
      live: undefined,
    };
  }

  /** Ends what `openRun` started, for a run that will not ask the model. */
  async function abandon(run: RunState): Promise<void> {
    run.stopper.dispose();
    await run.early?.close();
    await run.processes.settled();
    await run.enclosure.close();
    run.forgetToken();
  }

  /**
   * Phase 2: the prompt, then whether the model is asked at all — not when there is nothing new
   * (answered live), the budget is spent, or the job is no longer this worker's. Answers the
   * outcome of a run that ends here, after ending what it held; undefined when the model is asked.
   */
  async function composeOrStop(run: RunState): Promise<RunOutcome | undefined> {
    const { request, prepared, log } = run;
    try {
      const instructions = request.agent.projectInstructions
        ? await request.workspace.readDefaultBranchFile('CLAUDE.md')
        : undefined;
      run.workspaceText = workspaceOfPrompt(request.workspace, instructions);
      run.prompt = prepared.composing
        ? await prepared.composing(run.workspaceText)
        : await compose(request, prepared.skill, prepared.cursor);
    } catch (error) {
      await abandon(run);
      throw error;
    }
    const prompt = run.prompt;
    if (run.resumeId && prompt.empty) {
      await abandon(run);
      await withdrawAhead(run.status, run.ahead, log);
      log.info('nothing new since the session last saw the issue (answered live): no model call');
      return {
        ok: true,
        summary: 'nothing new: answered in the running session',
        facts: {
          sessionId: run.resumeId,
          session: 'resumed',
          prompt: { kind: prompt.kind, bytes: prompt.bytes },
          turns: 0,
          costUsd: 0,
        },
      };
    }
    if (!prepared.budget.ok) {
      await abandon(run);
      log.warn({ spentUsd: prepared.budget.spentUsd }, 'run not started: budget spent');
      await report(
        run.status,
        finished('budget-exceeded', {
          detail: prepared.budget.detail,
          session: run.resumeId ? 'resumed' : 'new',
          prompt: prompt.kind,
        }),
        log,
      );
      return { ok: false, error: `budget: ${prepared.budget.detail}`, retryable: false };
    }
    if (!(await run.held())) {
      // A status comment posted ahead stays: the job's next attempt, on the worker that has it
      // now, finds it by its marker and carries on in it.
      await abandon(run);
      log.warn("the job is no longer this worker's (its lease passed): the run does not start");
      return { ok: false, error: LEASE_LOST, retryable: false };
    }
    return undefined;
  }

  /** The run's record, stored before the model is asked: a run whose process dies still leaves one. */
  async function startRecord(run: RunState): Promise<number> {
    const { request } = run;
    try {
      const runId = await options.runs.start({
        jobId: request.jobId,
        key: request.key,
        attempt: request.attempt,
        startedAt: run.startedAt,
        isolation: run.enclosure.isolation,
      });
      run.recorder.started(runId);
      return runId;
    } catch (error) {
      await abandon(run); // the early runtime must not outlive a run that cannot be recorded
      throw error;
    }
  }

  /**
   * Phase 3: asks the model in the key's session — or, when the stored session cannot be resumed,
   * forgets it and asks again in a new one with the full prompt — while the status comment is
   * posted beside it; then waits for the runtimes to end and reads what the proxies counted.
   */
  async function askModel(run: RunState, runId: number): Promise<Asked> {
    const { request, log } = run;
    const key = workKeyString(request.key);
    // The status comment was posted ahead (when the run was begun) or is posted now, beside the
    // run: either way the model is asked at once. The reporter sends updates in order, so the
    // later ones (tool calls, finished) follow this one.
    const ahead = await run.ahead;
    const statusPosted = storeStatusComment(
      run.status,
      ahead ? ahead.posted : report(run.status, STARTING, log),
      runId,
      log,
    );
    const liveRun: LiveRun = {
      input: undefined,
      cursor: run.prompt!.cursor,
      request,
      skill: run.prepared.skill,
      chain: Promise.resolve(),
    };
    run.live = liveRun;
    live.set(key, liveRun);
    let attempt: SessionRunResult;
    let spent: EnclosureReport;
    try {
      log.info(
        {
          runId,
          session: run.resumeId ? 'resumed' : 'new',
          prompt: run.prompt!.kind,
          bytes: run.prompt!.bytes,
          runtime: run.early ? 'started early' : 'cold',
          isolation: run.enclosure.isolation,
        },
        'asking the model',
      );
      attempt = await once(run, run.resumeId, run.early);
      if (attempt.noConversation && run.resumeId) {
        run.fallback = `session ${run.resumeId} could not be resumed: ${attempt.result?.subtype === 'success' ? '' : (attempt.result?.errors.join('; ') ?? attempt.thrown?.message)}`;
        await forget(request.key, run.fallback, log);
        run.resumeId = undefined;
        run.prompt = await compose(request, run.prepared.skill, undefined, run.workspaceText);
        liveRun.cursor = run.prompt.cursor;
        attempt = await once(run, undefined);
      }
    } finally {
      run.stopper.dispose();
      live.delete(key);
      await run.processes.settled();
      spent = run.enclosure.report();
      await run.enclosure.close();
    }
    await statusPosted;
    return { attempt, spent };
  }

  /** One `query()` in the run's session (`resume`), with the early runtime when given. */
  function once(run: RunState, resume: string | undefined, started?: StartedRuntime): Promise<SessionRunResult> {
    const { request, log } = run;
    return runSession({
      prompt: run.prompt!.text,
      options: started?.options ?? run.sdkOptionsFor(resume),
      started: started?.warm,
      onInit: async (sessionId) => {
        if (!(await run.held())) return run.stopper.stop({ kind: 'lease-lost' });
        await options.sessions.started(request.key, {
          sessionId,
          worktree: request.workspace.path,
          at: options.clock.now(),
        });
        log.info({ sessionId, resumed: resume !== undefined }, 'session started');
      },
      onInput: (input) => {
        if (run.live) run.live.input = input;
      },
      summarise: summariseToolInput,
      onToolCall: (call) => run.working(run.redact(`${call.name}: ${call.summary}`)),
    });
  }

  /**
   * Phase 4: classifies the run, and — unless the job moved to another worker meanwhile — moves
   * the session (its cursor only on success), finishes the record and reports the outcome and
   * what happens next.
   */
  async function recordAndReport(run: RunState, runId: number, { attempt, spent }: Asked): Promise<RunOutcome> {
    const { request, log, redact } = run;
    const { agent, key } = request;
    const prompt = run.prompt!;
    const classified = classifyRun(
      attempt.result,
      withStderr(attempt.thrown, run.processes.stderrTail()),
      run.stopper.reason(),
      spent.budgetExceeded,
      spent.model,
    );
    // Counted by the model proxy, where the agent cannot reach it (the runtime's own total is not trusted).
    const costUsd = spent.costUsd;
    const tokens = tokensFrom(spent);
    const turns = attempt.result?.num_turns ?? 0;
    const finishedAt = options.clock.now();
    const sessionKind = run.resumeId ? 'resumed' : 'new';
    if (run.stopper.reason()?.kind === 'lease-lost' || !(await run.held())) {
      // Another worker may be running the job already: of this run only its own record is
      // closed, as interrupted; the session, the cursor and the status comment are left alone.
      run.forgetToken();
      await options.runs
        .interrupted(runId, finishedAt, LEASE_LOST)
        .catch((error: unknown) =>
          log.warn({ err: error, runId }, 'could not close the record of a run whose job moved'),
        );
      log.warn({ runId }, "the job is no longer this worker's (its lease passed): nothing of this run is recorded");
      return { ok: false, error: LEASE_LOST, retryable: false };
    }
    // A run that did not succeed leaves the cursor where it was: its retry, or the next run, is
    // given again everything this one was asked to answer.
    const cursor = classified.outcome === 'succeeded' ? run.live?.cursor : undefined;
    if (attempt.sessionId)
      await options.sessions.finished(key, { sessionId: attempt.sessionId, cursor, costUsd, at: finishedAt });
    const spentDetail =
      classified.outcome === 'budget-exceeded'
        ? `${classified.detail}; spent ${formatUsd(costUsd)} in this run`
        : classified.detail;
    // Whatever the model API or the runtime said may quote a credential: redacted before it is kept or shown.
    const detail = spentDetail === undefined ? undefined : redact(spentDetail);
    const unpushed = await unpushedWorkOf(agent, request.workspace, log);
    const outstanding = await outstandingOf(run.tools(), log);
    // Only a run that never reached the model (the runtime failed to start), one stopped by an
    // outage of the model API, or one interrupted, is worth trying again.
    const outage = classified.outcome === 'model-unavailable';
    const retryable =
      outage ||
      classified.outcome === 'interrupted' ||
      (classified.outcome === 'failed' && attempt.sessionId === undefined);
    // An interrupted run is re-queued by whoever stopped it (a restart, another worker), or not at all (a cancel).
    const next =
      classified.outcome === 'succeeded' || classified.outcome === 'interrupted'
        ? undefined
        : whatNext(
            retryable ? request.nextRetry?.(outage) : undefined,
            request.attempt,
            sessionKind !== 'new' || attempt.sessionId !== undefined,
          );
    // The record has no field of its own for it: it goes with the run's error, where problems show.
    const recordError =
      [detail, unpushed && describeUnpushedWork(unpushed)]
        .filter((part) => part !== undefined && part !== '')
        .join('; ') || undefined;
    await options.runs.finish(runId, {
      sessionId: attempt.sessionId,
      session: sessionKind,
      resumeFallback: run.fallback,
      prompt: { kind: prompt.kind, bytes: prompt.bytes, text: redact(prompt.text) },
      finishedAt,
      turns,
      tokens,
      costUsd,
      outcome: classified.outcome,
      error: recordError,
      toolCalls: attempt.toolCalls.map((call) => ({ name: call.name, summary: redact(call.summary) })),
      changes: run.changes.map((change) => ({ ...change, summary: redact(change.summary) })),
      statusCommentId: run.status?.commentId,
      isolation: run.enclosure.isolation,
      // Host names the agent chose: as untrusted as its tool calls.
      blocked: { ...spent.blocked, hosts: spent.blocked.hosts.map(redact) },
    });
    await report(
      run.status,
      finished(classified.outcome, {
        detail,
        session: sessionKind,
        prompt: prompt.kind,
        fallback: run.fallback,
        turns,
        costUsd,
        durationMs: finishedAt - run.startedAt,
        silent: run.changes.length === 0,
        runUrl: options.runUrl?.(runId),
        unpushed,
        outstanding,
        next,
      }),
      log,
    );
    log.info(
      {
        outcome: classified.outcome,
        turns,
        costUsd,
        session: sessionKind,
        resumeFallback: run.fallback,
        runId,
        isolation: run.enclosure.isolation,
        blocked: spent.blocked,
      },
      'agent run finished',
    );
    // The token died with the enclosure; what was said with it has been redacted.
    run.forgetToken();
    const facts: RunFacts = {
      sessionId: attempt.sessionId,
      session: sessionKind,
      prompt: { kind: prompt.kind, bytes: prompt.bytes },
      turns,
      tokens,
      costUsd,
      runId,
    };
    if (classified.outcome === 'succeeded')
      return { ok: true, summary: `${turns} turn(s), ${formatUsd(costUsd)}`, facts };
    return {
      ok: false,
      error: `${classified.outcome}: ${detail ?? ''}`,
      retryable,
      ...(outage ? { outage: true as const } : {}),
      facts,
    };
  }

  function compose(
    request: WorkspaceRunRequest,
    skill: string,
    cursor: SessionCursor | undefined,
    workspace = workspaceOfPrompt(request.workspace, undefined),
  ): Promise<ComposedPrompt> {
    return options.prompts.compose({ ...promptRequest(request, skill, cursor), workspace });
  }

  /** Once the `working` status is posted, stores its comment id on the run; never fails the run. */
  async function storeStatusComment(
    status: RunStatusReporter | undefined,
    posted: Promise<void>,
    runId: number,
    log: Logger,
  ): Promise<void> {
    await posted;
    if (status?.commentId === undefined) return;
    try {
      await options.runs.statusComment(runId, status.commentId);
    } catch (error) {
      // The run's record gets it when it finishes.
      log.warn({ err: error, runId }, 'could not store the status comment of a run');
    }
  }

  async function forget(key: WorkKey, reason: string, log: Logger): Promise<void> {
    log.warn({ reason }, 'session cannot be resumed: starting a new one with the full prompt');
    await options.sessions.forget(key, reason);
  }

  async function deliver(key: WorkKey, stored: StoredEvent): Promise<boolean> {
    const running = live.get(workKeyString(key));
    if (!running?.input) return false;
    const delivered = running.chain.then(async () => {
      const composed = await compose({ ...running.request, events: [stored] }, running.skill, running.cursor);
      if (composed.empty) return true;
      if (!running.input?.push(composed.text)) return false;
      running.cursor = composed.cursor;
      options.log.info({ key: workKeyString(key), event: stored.id }, 'delivered a follow-up into the running session');
      return true;
    });
    running.chain = delivered.catch(() => undefined);
    return delivered;
  }

  return { run: (request) => begin(request).run(request.workspace), begin, deliver };
}

/** One run's state, from `openRun` to `recordAndReport`: what it holds, and what changes as it goes. */
interface RunState {
  readonly request: WorkspaceRunRequest;
  readonly prepared: Prepared;
  readonly log: Logger;
  readonly startedAt: number;
  readonly status: RunStatusReporter | undefined;
  /** The `working` status posted when the run was begun, if it was (decisions.md §50). */
  readonly ahead: Promise<PostedAhead | undefined>;
  readonly enclosure: RunEnclosure;
  /** The service's redactor, this run's token included until `forgetToken`. */
  readonly redact: (text: string) => string;
  readonly forgetToken: () => void;
  readonly stopper: Stopper;
  readonly processes: RuntimeProcesses;
  readonly recorder: RunProcessRecorder;
  /** What the forge tools changed on the forge, as they change it. */
  readonly changes: ForgeChange[];
  /** The forge tools of the run's latest session (a fallback to a new session builds new ones). */
  readonly tools: () => ForgeTools | undefined;
  readonly sdkOptionsFor: (resume: string | undefined) => Options;
  /** A `working` update of the status comment. */
  readonly working: (activity: string) => void;
  /** The runtime started while the prompt was composed, when the budget allowed a run. */
  readonly early: StartedRuntime | undefined;
  /** Whether the job is still this worker's: asked before anything of the run is recorded. */
  readonly held: () => Promise<boolean>;
  /** The session resumed; undefined for a new one (none stored, or it could not be resumed). */
  resumeId: string | undefined;
  /** Why the stored session could not be resumed, when it could not. */
  fallback: string | undefined;
  prompt: ComposedPrompt | undefined;
  workspaceText: PromptWorkspace;
  /** The run as live follow-ups see it, while the model is asked. */
  live: LiveRun | undefined;
}

/** The `working` status posted ahead of the worktree: the post, under way or done (logged, never failing). */
interface PostedAhead {
  readonly posted: Promise<void>;
}

/** A run's first status: it has started, nothing more to say yet. */
const STARTING: RunStatus = { phase: 'working', elapsedMs: 0, activity: 'starting' };

/** What asking the model gave: the session's result, and what the run's proxies counted. */
interface Asked {
  readonly attempt: SessionRunResult;
  readonly spent: EnclosureReport;
}

interface Prepared {
  readonly skill: string;
  /** The session to resume; undefined for a new one (none yet, or its transcript is gone). */
  readonly resumeId: string | undefined;
  readonly cursor: SessionCursor | undefined;
  /** Why the stored session cannot be resumed, when it cannot. */
  readonly fallback: string | undefined;
  readonly budget: Awaited<ReturnType<typeof checkBudgets>>;
  /** The prompt, its forge reads under way, waiting for the worktree (a composer with `begin`). */
  readonly composing: ((workspace: PromptWorkspace) => Promise<ComposedPrompt>) | undefined;
}

function promptRequest(
  request: RunRequest,
  skill: string,
  cursor: SessionCursor | undefined,
): Omit<PromptRequest, 'workspace'> {
  return { agent: request.agent, skill, repo: request.repo, issue: request.key.issue, events: request.events, cursor };
}

function workspaceOfPrompt(workspace: PreparedWorktree, projectInstructions: string | undefined): PromptWorkspace {
  return {
    branch: workspace.branch,
    head: workspace.head,
    remoteMoved: workspace.remoteMoved,
    ...(projectInstructions ? { projectInstructions } : {}),
  };
}

const LEASE_LOST = 'interrupted: this worker lost the job (its lease passed); it is not recorded here';

export const NO_MODEL_MESSAGE =
  'no model credential is configured (model.credential, or agents.<name>.model.credential): no Claude agent can run';

/** The runtime's own retries of a failed model request before the service's retry policy takes over. */
export const DEFAULT_RUNTIME_RETRIES = 2;

/** The status comment's "Next:" for a run that did not succeed. */
function whatNext(retryInMs: number | undefined, attempt: number, hasSession: boolean): string {
  if (retryInMs === undefined)
    return 'this job is not retried; a new comment or `@<agent> continue` starts the agent again.';
  const when =
    retryInMs < 60_000
      ? `in ${Math.max(1, Math.round(retryInMs / 1000))} s`
      : `in about ${Math.round(retryInMs / 60_000)} min`;
  return `the service tries again ${when} (attempt ${attempt + 1})${hasSession ? ', resuming this session' : ''}.`;
}

function limitsOf(agent: AgentConfig) {
  return { maxRunMinutes: agent.limits.maxRunMinutes ?? DEFAULT_LIMITS.maxRunMinutes };
}

/** The run's tokens, as the model proxy counted them. */
function tokensFrom(report: EnclosureReport): RunTokens {
  const { usage } = report;
  return {
    input: usage.inputTokens,
    output: usage.outputTokens,
    cacheRead: usage.cacheReadTokens,
    cacheCreation: usage.cacheWrite5mTokens + usage.cacheWrite1hTokens,
  };
}

/** A runtime that ended without a result: its stderr says why (the SDK quotes it only when it spawns). */
function withStderr(thrown: Error | undefined, stderr: string): Error | undefined {
  return thrown && stderr ? new Error(`${thrown.message}; the runtime's stderr ends with: ${stderr}`) : thrown;
}
