/**
 * The Claude runner end to end: the real SDK and runtime against the scripted model, in real git
 * worktrees leased by the real workdirs, with sessions and run records in a real SQLite file.
 * Prompts come from a plain test composer, so what is checked is the runner's own logic.
 */
import { createSdkMcpServer, tool as sdkTool } from '@anthropic-ai/claude-agent-sdk';
import assert from 'node:assert/strict';
import { rmSync, readdirSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import {
  createClaudeRunner,
  type ClaudeRunnerOptions,
  type RunStatusReporter,
} from '../../src/agent/claude/claude-runner.js';
import { renderStatus } from '../../src/agent/status/render-status.js';
import type { RunStatus } from '../../src/agent/status/types.js';
import { createWorkspaceRunner } from '../../src/agent/workspace-runner.js';
import type { AgentConfig } from '../../src/config/types.js';
import type { ForgeEvent, RepoRef } from '../../src/core/events.js';
import type { StoredEvent } from '../../src/core/stored-event.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { Secret } from '../../src/lib/secret.js';
import type { AgentRunner } from '../../src/queue/ports.js';
import type { RunOutcome } from '../../src/core/run-outcome.js';
import type { WorkKey } from '../../src/core/work-key.js';
import type { SessionStore } from '../../src/sessions/ports.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/ports.js';
import { createHarness, git, type Harness, type Origin } from '../support/workdir/fixture.js';
import { sessionConfigDir } from '../../src/sessions/transcript-layout.js';
import { anyoneMayTrigger, testIsolation } from '../support/agent/isolation.js';
import { simplePrompts } from '../support/agent/simple-prompts.js';
import { commented, REPO } from '../support/events.js';
import { processesUnder, type ProcessInFolder } from '../support/processes.js';
import {
  bash,
  dialogue,
  lastUserMessage,
  startScriptedModel,
  text,
  textsOf,
  tool,
  toolResultsIn,
  type ScriptedModel,
  type TurnRequest,
} from '../support/model/index.js';

describe('the Claude runner', () => {
  let h: Harness;
  let model: ScriptedModel;
  let store: Store;
  let repo: RepoRef;
  let origin: Origin;
  let configDir: string;
  let nextEventId = 1;
  let nextJobId = 1;
  const statuses: RunStatus[] = [];

  before(async () => {
    h = await createHarness();
    origin = h.origin('acme', 'widget', 3);
    repo = { ...REPO, host: origin.repo.host, cloneUrl: origin.repo.cloneUrl };
    model = await startScriptedModel();
    store = await openStore({ kind: 'sqlite' }, { dataDir: h.dataDir, clock: systemClock, dedupWindowMs: 0 });
    configDir = join(h.dataDir, 'claude');
  });

  after(async () => {
    await model.close();
    await store.close();
    await h.close();
  });

  function agent(name: 'dev' | 'boss' | 'reviewer', limits: Partial<AgentConfig['limits']> = {}): AgentConfig {
    const base = h.agents[name];
    return {
      ...base,
      limits: { ...base.limits, ...limits },
      model: {
        name: 'claude-sonnet-4-5',
        credential: { kind: 'api-key', secret: new Secret('scripted-model-key') },
        baseUrl: model.url,
      },
    };
  }

  function runner(overrides: Partial<ClaudeRunnerOptions> = {}) {
    const claude = createClaudeRunner({
      sessions: store.sessions,
      runs: store.runs,
      prompts: simplePrompts(),
      configDir,
      baseEnv: { PATH: process.env.PATH, HOME: h.home },
      isolation: testIsolation(h.dataDir),
      trigger: anyoneMayTrigger(),
      readSkill: async () => 'You are a test agent.',
      status: (): RunStatusReporter => ({ commentId: 4242, update: async (status) => void statuses.push(status) }),
      clock: systemClock,
      log: silentLogger(),
      ...overrides,
    });
    const workspace: AgentRunner = createWorkspaceRunner({
      workdirs: h.workdirs(),
      inner: claude,
      pullHead: async () => {
        throw new Error('no PR in these tests');
      },
      log: silentLogger(),
    });
    return { claude, workspace };
  }

  function keyOf(name: string, issue: number): WorkKey {
    return { agent: name, repo: `${repo.host}/${repo.fullName}`.toLowerCase(), issue };
  }

  function stored(event: ForgeEvent): StoredEvent {
    return { id: nextEventId++, deliveryId: `d-${nextEventId}`, receivedAt: Date.now(), event };
  }

  interface Job {
    readonly outcome: RunOutcome;
    readonly turns: readonly TurnRequest[];
  }

  async function job(
    agentConfig: AgentConfig,
    issue: number,
    events: readonly StoredEvent[],
    run: AgentRunner = runner().workspace,
  ): Promise<Job> {
    const from = model.requests.length;
    const outcome = await run.run({
      jobId: nextJobId++,
      key: keyOf(agentConfig.name, issue),
      agent: agentConfig,
      repo,
      attempt: 1,
      events,
      signal: new AbortController().signal,
    });
    const turns = model.requests.slice(from).filter((r): r is TurnRequest => r.kind === 'turn');
    return { outcome, turns };
  }

  const comment = (issue: number, body: string, by = 'alice') => stored(commented(issue, by, body, { repo }));

  describe('a first run, then a comment that resumes it', () => {
    let first: Job;
    let second: Job;
    let firstSession: string | undefined;
    let leftAfterFirst: ProcessInFolder[];

    before(async () => {
      model.setScript([text('I will look at the login form.')]);
      first = await job(agent('dev'), 7, [comment(7, '@dev-bot please fix the login form')]);
      leftAfterFirst = processesUnder(h.dataDir);
      firstSession = (await store.sessions.get(keyOf('dev', 7)))?.sessionId;
      model.setScript([text('Tabs handled too.')]);
      second = await job(agent('dev'), 7, [comment(7, 'also handle tabs')]);
    });

    it('ends the run only once its runtime has exited: nothing is left running in the worktree', () => {
      assert.deepEqual(leftAfterFirst, []);
    });

    it('stores the session the first run started, with its cost and cursor', async () => {
      const session = await store.sessions.get(keyOf('dev', 7));

      assert.equal(first.outcome.ok, true, JSON.stringify(first.outcome));
      assert.match(firstSession ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(first.turns[0]?.headers['x-claude-code-session-id'], firstSession);
      assert.equal(session?.runCount, 2);
      assert.ok((session?.costUsd ?? 0) > 0);
      assert.equal(session?.cursor?.lastEventId, 2);
    });

    it("resumes the same session: run 1's messages come first, and the new message holds only the new comment", () => {
      const request = second.turns[0]!;
      const messages = dialogue(request.body);

      assert.equal(second.outcome.ok, true, JSON.stringify(second.outcome));
      assert.equal(request.headers['x-claude-code-session-id'], firstSession);
      assert.match(textsOf(messages[0]!).join(''), /please fix the login form/);
      assert.deepEqual(textsOf(messages[1]!), ['I will look at the login form.']);
      assert.deepEqual(textsOf(lastUserMessage(request.body)!), ['New on #7:\nalice commented: also handle tabs']);
    });

    it("reports each run's facts: new then resumed, full then delta prompt, turns and cost", () => {
      assert.ok(first.outcome.ok && second.outcome.ok);
      assert.deepEqual([first.outcome.facts?.session, first.outcome.facts?.prompt?.kind], ['new', 'full']);
      assert.deepEqual(
        [second.outcome.facts?.session, second.outcome.facts?.prompt?.kind, second.outcome.facts?.sessionId],
        ['resumed', 'delta', firstSession],
      );
      assert.equal(second.outcome.facts?.turns, 1);
      // The SDK's total for a resumed session includes the earlier runs; the runner counts this run only.
      // Two runs of similar size: a cumulative total would be about twice the first run's cost.
      const [one, two] = [first.outcome.facts?.costUsd ?? 0, second.outcome.facts?.costUsd ?? 0];
      assert.ok(one > 0 && two > 0 && two < one * 1.5, JSON.stringify([one, two]));
    });

    it('records both runs with their prompts, outcome and status comment', async () => {
      const [latest, earlier] = await store.runs.list({ agent: 'dev' });

      assert.deepEqual(
        [earlier?.session, earlier?.prompt?.kind, earlier?.outcome, earlier?.statusCommentId],
        ['new', 'full', 'succeeded', 4242],
      );
      assert.deepEqual(
        [latest?.session, latest?.prompt?.text, latest?.sessionId, latest?.turns],
        ['resumed', 'New on #7:\nalice commented: also handle tabs', firstSession, 1],
      );
      assert.ok((latest?.tokens?.input ?? 0) > 0);
    });
  });

  it('asks the model while its status comment is still being posted, and records the comment once it is', {
    timeout: 120_000,
  }, async (t) => {
    // The status post is held until the runtime has named the session (it asks the model right
    // after): a runner that waited for the post before starting the run would never get there, and
    // the test would time out — which aborts the run (its signal is the test's), ending the runtime.
    let sessionStarted!: () => void;
    const started = new Promise<void>((resolve) => (sessionStarted = resolve));
    const timedOut = new Promise<void>((resolve) =>
      t.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    const sessions: SessionStore = {
      ...store.sessions,
      async started(key, session) {
        await store.sessions.started(key, session);
        sessionStarted();
      },
    };
    const updates: string[] = [];
    let commentId: number | undefined;
    const status = (): RunStatusReporter => ({
      get commentId() {
        return commentId;
      },
      async update(update) {
        if (update.phase === 'working' && commentId === undefined) {
          await Promise.race([started, timedOut]);
          commentId = 5151;
        }
        updates.push(update.phase);
      },
    });
    model.setScript([text('On it.')]);

    const from = model.turnRequests.length;
    const outcome = await runner({ sessions, status }).workspace.run({
      jobId: nextJobId++,
      key: keyOf('dev', 61),
      agent: agent('dev'),
      repo,
      attempt: 1,
      events: [comment(61, '@dev-bot please look')],
      signal: t.signal,
    });

    const [record] = await store.runs.list({ agent: 'dev', limit: 1 });
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.equal(model.turnRequests.length - from, 1);
    assert.deepEqual(updates, ['working', 'finished'], 'the finished status follows the working one');
    assert.equal(record?.statusCommentId, 5151);
  });

  it("never resumes issue A's session for a comment on issue B, though boss uses one worktree for both", async () => {
    model.setScript([text('Triaged 1.'), text('Triaged 2.')]);
    await job(agent('boss'), 1, [comment(1, '@boss-bot triage')]);
    const two = await job(agent('boss'), 2, [comment(2, '@boss-bot triage this one')]);

    const [a, b] = [await store.sessions.get(keyOf('boss', 1)), await store.sessions.get(keyOf('boss', 2))];
    assert.equal(a?.worktree, b?.worktree);
    assert.notEqual(a?.sessionId, b?.sessionId);
    assert.equal(two.turns[0]?.headers['x-claude-code-session-id'], b?.sessionId);
    assert.equal(dialogue(two.turns[0]!.body).length, 1);
    assert.ok(two.outcome.ok && two.outcome.facts?.session === 'new');
  });

  it('starts a new session with the full prompt when the transcript is gone, and says why', async () => {
    model.setScript([text('First.'), text('Fresh start.')]);
    await job(agent('dev'), 8, [comment(8, '@dev-bot go')]);
    const lost = (await store.sessions.get(keyOf('dev', 8)))?.sessionId;
    const projects = join(sessionConfigDir(configDir, keyOf('dev', 8)), 'projects');
    for (const folder of readdirSync(projects)) rmSync(join(projects, folder, `${lost}.jsonl`), { force: true });
    statuses.length = 0;

    const next = await job(agent('dev'), 8, [comment(8, 'are you there?')]);

    const session = await store.sessions.get(keyOf('dev', 8));
    const [run] = await store.runs.list({ agent: 'dev', limit: 1 });
    assert.ok(next.outcome.ok, JSON.stringify(next.outcome));
    assert.equal(next.outcome.facts?.session, 'new');
    assert.equal(next.outcome.facts?.prompt?.kind, 'full');
    assert.notEqual(session?.sessionId, lost);
    assert.match(run?.resumeFallback ?? '', new RegExp(`transcript of session ${lost} is gone`));
    assert.equal(dialogue(next.turns[0]!.body).length, 1);
    assert.match(textsOf(lastUserMessage(next.turns[0]!.body)!).join(''), /You are dev/);
    const finished = statuses.at(-1);
    assert.ok(finished?.phase === 'finished' && finished.resumeFallback?.includes('is gone'));
  });

  it('falls back to a new session when the SDK finds no conversation for the stored id, and never tries that id again', async () => {
    const dead = '00000000-0000-4000-8000-00000000dead';
    await store.sessions.started(keyOf('dev', 9), { sessionId: dead, worktree: '/nowhere', at: Date.now() });
    // A transcript file that exists but holds no conversation: the runner's own check passes it.
    mkdirSync(join(configDir, 'projects', 'elsewhere'), { recursive: true });
    writeFileSync(join(configDir, 'projects', 'elsewhere', `${dead}.jsonl`), '');
    model.setScript([text('Started over.'), text('Still fine.')]);

    const next = await job(agent('dev'), 9, [comment(9, '@dev-bot go')]);
    const again = await job(agent('dev'), 9, [comment(9, 'more')]);

    const [latest, fallen] = await store.runs.list({ agent: 'dev', limit: 2 });
    assert.ok(next.outcome.ok, JSON.stringify(next.outcome));
    assert.equal(next.outcome.facts?.session, 'new');
    assert.match(fallen?.resumeFallback ?? '', /No conversation found/);
    assert.ok(again.outcome.ok && again.outcome.facts?.session === 'resumed');
    assert.notEqual(latest?.sessionId, dead);
    assert.ok(existsSync(join(configDir, 'projects')));
  });

  it('stops at maxTurns and reports the outcome, without a retry', async () => {
    model.setScript([bash('echo one'), bash('echo two'), text('never reached')]);
    statuses.length = 0;

    const run = await job(agent('dev', { maxTurns: 1 }), 10, [comment(10, '@dev-bot go')]);

    assert.equal(run.outcome.ok, false);
    assert.ok(!run.outcome.ok && !run.outcome.retryable && run.outcome.error.startsWith('max-turns'));
    const finished = statuses.at(-1);
    assert.ok(finished?.phase === 'finished' && finished.outcome === 'max-turns', JSON.stringify(finished));
    model.setScript([]);
  });

  it('stops a run at its dollar budget, then refuses the issue until someone says "@dev-bot continue"', async () => {
    const tight = agent('dev', { maxBudgetUsd: 0.001, maxIssueUsd: 0.001 });
    model.setScript([bash('echo one'), bash('echo two'), text('done')]);
    statuses.length = 0;

    const stopped = await job(tight, 11, [comment(11, '@dev-bot go')]);
    const refused = await job(tight, 11, [comment(11, 'and now?')]);
    const refusedStatus = statuses.at(-1);
    model.setScript([text('Going on.')]);
    const lifted = await job(tight, 11, [comment(11, '@dev-bot continue')]);

    assert.ok(
      !stopped.outcome.ok && stopped.outcome.error.startsWith('budget-exceeded'),
      JSON.stringify(stopped.outcome),
    );
    assert.ok(
      !refused.outcome.ok &&
        /this issue has cost \$0\.\d+ over 1 run\(s\).*@dev-bot continue/.test(refused.outcome.error),
      JSON.stringify(refused.outcome),
    );
    assert.equal(refused.turns.length, 0);
    assert.ok(
      refusedStatus?.phase === 'finished' &&
        refusedStatus.outcome === 'budget-exceeded' &&
        refusedStatus.detail?.includes('limits.maxIssueUsd'),
    );
    assert.ok(lifted.turns.length > 0);
  });
  it('stops a run at its wall-clock limit and says so', async () => {
    // Not `sleep`: the runtime refuses a long blocking sleep.
    model.setScript([bash('node -e "setTimeout(() => {}, 60000)"')]);
    statuses.length = 0;

    const run = await job(agent('dev', { maxRunMinutes: 0.25 }), 15, [comment(15, '@dev-bot take your time')]);

    assert.ok(!run.outcome.ok && !run.outcome.retryable, JSON.stringify(run.outcome));
    assert.match(run.outcome.error, /^budget-exceeded: stopped after 0.25 minutes.*limits\.maxRunMinutes/);
    const finished = statuses.at(-1);
    assert.ok(finished?.phase === 'finished' && finished.outcome === 'budget-exceeded');
    assert.ok(
      statuses.some((status) => status.phase === 'working' && status.activity.startsWith('Bash: command: node -e')),
      JSON.stringify([run.turns.length, statuses]),
    );
    model.setScript([]);
  });

  it('gives a retried run again what an interrupted run was asked to answer: the cursor stays where it was', async () => {
    model.setScript([text('Looking.')]);
    await job(agent('dev'), 16, [comment(16, '@dev-bot look at the parser')]);
    const before = (await store.sessions.get(keyOf('dev', 16)))?.cursor;
    // The second comment's run is interrupted while its tool runs (a shutdown, a lost lease).
    model.setScript([bash('node -e "setTimeout(() => {}, 60000)"')]);
    const second = comment(16, 'and the lexer too');
    const stop = new AbortController();
    const asked = model.requests.length;
    const interrupted = runner().workspace.run({
      jobId: nextJobId++,
      key: keyOf('dev', 16),
      agent: agent('dev'),
      repo,
      attempt: 1,
      events: [second],
      signal: stop.signal,
    });
    while (!model.requests.slice(asked).some((r) => r.kind === 'turn'))
      await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 500));
    stop.abort(new Error('service shutting down'));
    const stopped = await interrupted;
    const after = (await store.sessions.get(keyOf('dev', 16)))?.cursor;
    model.setScript([text('The lexer is fixed.')]);

    const retry = await job(agent('dev'), 16, [second]);

    assert.ok(!stopped.ok && stopped.error.startsWith('interrupted'), JSON.stringify(stopped));
    assert.deepEqual(after, before);
    assert.equal(retry.outcome.ok, true, JSON.stringify(retry.outcome));
    assert.ok(retry.turns.length > 0, 'the retry asked the model');
    assert.deepEqual(textsOf(lastUserMessage(retry.turns[0]!.body)!), [
      'New on #16:\nalice commented: and the lexer too',
    ]);
    assert.equal((await store.sessions.get(keyOf('dev', 16)))?.cursor?.lastEventId, second.id);
    model.setScript([]);
  });

  it('records nothing of a run whose job moved to another worker: no session, no cursor, its record interrupted', async () => {
    model.setScript([text('I should not be here.')]);
    let asked = 0;
    const outcome = await runner().workspace.run({
      jobId: nextJobId++,
      key: keyOf('dev', 17),
      agent: agent('dev'),
      repo,
      attempt: 1,
      events: [comment(17, '@dev-bot go')],
      signal: new AbortController().signal,
      // The lease passes between the run's start and the runtime's `init`.
      stillHeld: async () => ++asked === 1,
    });
    const [record] = await store.runs.list({ limit: 1 });

    assert.ok(!outcome.ok && !outcome.retryable && /lost the job/.test(outcome.error), JSON.stringify(outcome));
    assert.equal(await store.sessions.get(keyOf('dev', 17)), undefined);
    assert.deepEqual([record?.key.issue, record?.outcome], [17, 'interrupted']);
    model.setScript([]);
  });

  it('says in the status comment when the model API fails and the runtime tries again, then that it answers again', async () => {
    model.setScript([text('Done despite the overload.')]);
    model.injectFault({ kind: 'overloaded', count: 1 });
    statuses.length = 0;

    const run = await job({ ...agent('dev'), model: { ...agent('dev').model!, runtimeRetries: 1 } }, 18, [
      comment(18, '@dev-bot go'),
    ]);

    assert.equal(run.outcome.ok, true, JSON.stringify(run.outcome));
    const activities = statuses.flatMap((status) => (status.phase === 'working' ? [status.activity] : []));
    assert.ok(
      activities.some((a) =>
        /^waiting for the model API, which answered 529 overloaded \(Overloaded\): the runtime tries again \(attempt 2 of 2\)$/.test(
          a,
        ),
      ),
      JSON.stringify(activities),
    );
    assert.ok(activities.includes('the model API answers again'), JSON.stringify(activities));
    model.injectFault(undefined);
    model.setScript([]);
  });

  it('ends a run the model API keeps failing as model-unavailable, and says when the job is tried again', async () => {
    model.injectFault({ kind: 'overloaded' });
    statuses.length = 0;
    const from = model.requests.length;

    const outcome = await runner().workspace.run({
      jobId: nextJobId++,
      key: keyOf('dev', 19),
      agent: { ...agent('dev'), model: { ...agent('dev').model!, runtimeRetries: 0 } },
      repo,
      attempt: 1,
      events: [comment(19, '@dev-bot go')],
      signal: new AbortController().signal,
      nextRetry: (outage) => (outage ? 120_000 : undefined),
    });
    model.injectFault(undefined);

    assert.ok(
      !outcome.ok && outcome.retryable && outcome.outage && outcome.error.startsWith('model-unavailable'),
      JSON.stringify(outcome),
    );
    assert.equal(
      model.requests.slice(from).filter((r) => r.kind === 'faulted').length,
      1,
      'runtimeRetries: 0 — one request, no retry by the runtime',
    );
    const finished = statuses.at(-1);
    assert.ok(finished?.phase === 'finished' && finished.outcome === 'model-unavailable', JSON.stringify(finished));
    assert.equal(finished.next, 'the service tries again in about 2 min (attempt 2), resuming this session.');
  });

  it('gives the agent its forge tools and records what they changed on the forge', async () => {
    const { workspace } = runner({
      forgeTools: ({ issue, onChange }) => ({
        server: createSdkMcpServer({
          name: 'forge',
          tools: [
            sdkTool('comment', 'Comment on the issue', { body: z.string() }, async (args) => {
              onChange({ kind: 'comment', number: issue, url: undefined, summary: `commented on #${issue}` });
              return { content: [{ type: 'text', text: `posted: ${args.body}` }] };
            }),
          ],
        }),
        allowedTools: ['mcp__forge__comment'],
      }),
    });
    model.setScript([tool('mcp__forge__comment', { body: 'Triaged: a bug.' }), text('Commented.')]);
    statuses.length = 0;

    const run = await job(agent('boss'), 16, [comment(16, '@boss-bot triage')], workspace);

    const [record] = await store.runs.list({ agent: 'boss', limit: 1 });
    assert.ok(run.outcome.ok, JSON.stringify(run.outcome));
    assert.match(toolResultsIn(run.turns[1]!.body)[0]?.text ?? '', /^posted: Triaged: a bug\./);
    assert.deepEqual(record?.changes, [{ kind: 'comment', number: 16, summary: 'commented on #16' }]);
    assert.deepEqual(
      record?.toolCalls?.map((call) => call.name),
      ['mcp__forge__comment'],
    );
    const finished = statuses.at(-1);
    assert.ok(finished?.phase === 'finished' && finished.silent === false);
  });

  it('lets boss only read: its worktree is read-only in its sandbox, and nothing is written', async () => {
    model.setScript([bash('touch boss-was-here'), text('Could not write.')]);

    const run = await job(agent('boss'), 13, [comment(13, '@boss-bot try to write')]);

    const session = await store.sessions.get(keyOf('boss', 13));
    const [result] = toolResultsIn(run.turns[1]!.body);
    assert.ok(run.outcome.ok, JSON.stringify(run.outcome));
    assert.match(result?.text ?? '', /Read-only file system/);
    assert.equal(existsSync(join(session!.worktree, 'boss-was-here')), false);
  });

  it('lets boss only read without a sandbox too (isolation: none): a command that writes is refused', async () => {
    model.setScript([bash('touch boss-was-here-too'), text('Could not write.')]);
    const { workspace } = runner({ isolation: testIsolation(h.dataDir, 'none') });

    const run = await job(agent('boss'), 15, [comment(15, '@boss-bot try to write')], workspace);

    const session = await store.sessions.get(keyOf('boss', 15));
    const [result] = toolResultsIn(run.turns[1]!.body);
    const [record] = await store.runs.list({ agent: 'boss', limit: 1 });
    assert.ok(run.outcome.ok, JSON.stringify(run.outcome));
    assert.equal(result?.isError, true);
    assert.match(result?.text ?? '', /only reads/);
    assert.equal(existsSync(join(session!.worktree, 'boss-was-here-too')), false);
    assert.equal(record?.isolation, 'none');
  });

  it("gives the runtime only what the run needs: no credential, no service secrets, no IS_SANDBOX, its session's own config dir", async () => {
    model.setScript([bash('env | sort'), text('Listed.')]);
    const { workspace } = runner({
      baseEnv: { PATH: process.env.PATH, HOME: h.home, CLAUDE_HOOKS_WEBHOOK_SECRET: 'leak-me-please', LANG: 'C.UTF-8' },
    });

    const token = h.agents.dev.token.reveal();
    const run = await job(
      agent('dev'),
      14,
      [comment(14, `@dev-bot show env, and here is a token: ${token}`)],
      workspace,
    );

    const listed = toolResultsIn(run.turns[1]!.body)[0]?.text ?? '';
    assert.doesNotMatch(listed, /leak-me-please|IS_SANDBOX|scripted-model-key/);
    assert.ok(!listed.includes(token), "the agent's forge token is in its environment");
    assert.match(listed, new RegExp(`^CLAUDE_CONFIG_DIR=${sessionConfigDir(configDir, keyOf('dev', 14))}$`, 'm'));
    assert.match(listed, /^CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1$/m);
    assert.match(listed, /^ANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:\d+$/m);
    assert.match(listed, /^ANTHROPIC_API_KEY=[0-9a-f]{64}$/m);
    assert.match(listed, /^GIT_AUTHOR_NAME=dev agent$/m);
    assert.match(listed, /^LANG=C.UTF-8$/m);
    const [record] = await store.runs.list({ agent: 'dev', limit: 1 });
    assert.match(record?.prompt?.text ?? '', /here is a token: \[redacted\]/);
    assert.doesNotMatch(JSON.stringify(record), new RegExp(token));
  });

  describe("dev's push before it ends (issue 12: a worktree lives on one worker)", () => {
    async function devRun(issue: number, command: string) {
      model.setScript([bash(command), text('Done.')]);
      statuses.length = 0;
      const run = await job(agent('dev'), issue, [comment(issue, '@dev-bot go')]);
      const finished = statuses.at(-1);
      const [record] = await store.runs.list({ agent: 'dev', limit: 1 });
      model.setScript([]);
      return { run, finished, record };
    }

    it('says in the status comment and the run record that a commit and changes were not pushed', async () => {
      const { run, finished, record } = await devRun(
        40,
        'git commit -q --allow-empty -m "work in progress" && echo draft > notes.txt',
      );

      assert.equal(run.outcome.ok, true, JSON.stringify(run.outcome));
      assert.ok(finished?.phase === 'finished', JSON.stringify(finished));
      assert.deepEqual(finished.unpushed, { uncommitted: true, unpushedCommits: 1 });
      assert.match(
        renderStatus(finished, { agent: 'dev', jobId: 1 }),
        /^⚠️ 1 commit and uncommitted changes were not pushed: they stay on this worker only, and are lost if the job moves to another worker\.$/m,
      );
      assert.match(record?.error ?? '', /^1 commit and uncommitted changes were not pushed/);
      assert.equal(record?.outcome, 'succeeded');
    });

    it('says nothing of the kind when the run pushed its commit', async () => {
      const { run, finished, record } = await devRun(
        41,
        'git commit -q --allow-empty -m "the fix" && git push -q origin HEAD',
      );

      assert.equal(run.outcome.ok, true, JSON.stringify(run.outcome));
      assert.ok(finished?.phase === 'finished', JSON.stringify(finished));
      assert.equal(finished.unpushed, undefined);
      assert.doesNotMatch(renderStatus(finished, { agent: 'dev', jobId: 1 }), /not pushed/);
      assert.equal(record?.error, undefined);
      assert.equal(git(origin.bare, ['for-each-ref', '--format=%(subject)', 'refs/heads/issue-41-*']), 'the fix');
    });
  });

  describe('a comment while the run is still going (live follow-up)', () => {
    let live: Job;
    let delivered: boolean;
    let followUp: Job;
    let leftInWorktree: ProcessInFolder[];
    const tabs = () => comment(12, 'also handle tabs');
    let tabsEvent: StoredEvent;

    before(async () => {
      const { claude, workspace } = runner();
      model.setScript([bash('sleep 3'), text('Done, tabs included.')]);
      const from = model.requests.length;
      const running = job(agent('dev'), 12, [comment(12, '@dev-bot fix the login form')], workspace);
      await waitFor(() => model.requests.slice(from).some((r) => r.kind === 'turn'));
      tabsEvent = tabs();
      delivered = await claude.deliver(keyOf('dev', 12), tabsEvent);
      live = await running;
      followUp = await job(agent('dev'), 12, [tabsEvent], workspace);
      leftInWorktree = processesUnder(h.dataDir);
    });

    it('delivers the comment into the running session, and the model receives it before the run ends', async () => {
      const session = await store.sessions.get(keyOf('dev', 12));
      const carrying = live.turns.filter((turn) =>
        JSON.stringify(turn.body.messages).includes('alice commented: also handle tabs'),
      );

      assert.equal(delivered, true);
      assert.ok(live.outcome.ok, JSON.stringify(live.outcome));
      assert.ok(carrying.length > 0, 'no request of the running session carried the comment');
      assert.ok(carrying.every((turn) => turn.headers['x-claude-code-session-id'] === session?.sessionId));
      assert.equal(session?.cursor?.lastEventId, tabsEvent.id);
    });

    it('lets the follow-up job finish at once, without calling the model', () => {
      assert.ok(followUp.outcome.ok, JSON.stringify(followUp.outcome));
      assert.equal(followUp.turns.length, 0);
      assert.equal(followUp.outcome.facts?.turns, 0);
    });

    it('leaves no runtime behind: the one started early for the follow-up ended before its job returned', () => {
      assert.deepEqual(leftInWorktree, []);
    });

    it('delivers nothing when no run of the key is going', async () => {
      const { claude } = runner();

      assert.equal(await claude.deliver(keyOf('dev', 12), tabs()), false);
    });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
