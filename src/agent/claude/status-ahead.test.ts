/**
 * What a person sees first: a run's `working` status comment goes up as soon as the run is begun —
 * while its worktree is still being fetched — and comes down again when the run does not go ahead.
 * A job whose events its session has already seen, or whose budget is spent, posts nothing ahead
 * (decisions.md §50). The real runner and workspace runner, real git worktrees served over HTTP,
 * sessions in a real SQLite file; the reporter records what it is asked to do.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { anyoneMayTrigger, testIsolation } from '../../../test/support/agent/isolation.js';
import { simplePrompts } from '../../../test/support/agent/simple-prompts.js';
import { commented, REPO } from '../../../test/support/events.js';
import { createHarness, type Harness, type Origin } from '../../../test/support/workdir/fixture.js';
import type { AgentConfig } from '../../config/types.js';
import type { RepoRef } from '../../core/events.js';
import type { RunOutcome } from '../../core/run-outcome.js';
import type { StoredEvent } from '../../core/stored-event.js';
import type { WorkKey } from '../../core/work-key.js';
import { systemClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import { Secret } from '../../lib/secret.js';
import type { SessionCursor } from '../../sessions/cursor.js';
import { sessionConfigDir } from '../../sessions/transcript-layout.js';
import { openStore } from '../../store/open-store.js';
import type { Store } from '../../store/ports.js';
import type { RunStatus } from '../status/types.js';
import { createWorkspaceRunner } from '../workspace-runner.js';
import { createClaudeRunner, type RunStatusReporter } from './claude-runner.js';

/** What the runner asked of a job's status comment, in order, and a way to wait for the first of each. */
function recordingStatus() {
  const asked: string[] = [];
  let onUpdate!: () => void;
  let onWithdraw!: () => void;
  const updated = new Promise<void>((resolve) => (onUpdate = resolve));
  const withdrawn = new Promise<void>((resolve) => (onWithdraw = resolve));
  const reporter: RunStatusReporter = {
    commentId: undefined,
    async update(status: RunStatus) {
      asked.push(status.phase === 'working' ? `working: ${status.activity}` : `${status.phase}`);
      if (status.phase === 'finished') asked.push(`  outcome: ${status.outcome}`);
      onUpdate();
    },
    async withdraw() {
      asked.push('withdrawn');
      onWithdraw();
    },
  };
  return { asked, updated, withdrawn, reporter };
}

describe('the status comment, posted ahead of the worktree', () => {
  let h: Harness;
  let origin: Origin;
  let repo: RepoRef;
  let store: Store;
  let nextEventId = 1;
  let nextJobId = 1;

  before(async () => {
    h = await createHarness();
    origin = h.origin('acme', 'widget', 3);
    repo = { ...REPO, host: origin.repo.host, cloneUrl: origin.repo.cloneUrl };
    store = await openStore({ kind: 'sqlite' }, { dataDir: h.dataDir, clock: systemClock, dedupWindowMs: 0 });
  });

  after(async () => {
    await store.close();
    await h.close();
  });

  const configDir = () => join(h.dataDir, 'claude');
  const keyOf = (issue: number): WorkKey => ({
    agent: 'dev',
    repo: `${repo.host}/${repo.fullName}`.toLowerCase(),
    issue,
  });
  const comment = (issue: number, body: string): StoredEvent => ({
    id: nextEventId++,
    deliveryId: `d-${nextEventId}`,
    receivedAt: Date.now(),
    event: commented(issue, 'alice', body, { repo }),
  });

  function dev(limits: Partial<AgentConfig['limits']> = {}): AgentConfig {
    return {
      ...h.agents.dev,
      limits: { ...h.agents.dev.limits, ...limits },
      // Never asked: every run here ends before the model would be.
      model: {
        name: 'claude-sonnet-4-5',
        credential: { kind: 'api-key', secret: new Secret('unused-model-key') },
        baseUrl: 'http://127.0.0.1:9',
      },
    };
  }

  /** A resumed session for the key, whose cursor has seen every event up to `seen`, having cost `costUsd`. */
  async function sessionHaving(key: WorkKey, seen: number, costUsd = 0): Promise<void> {
    const sessionId = crypto.randomUUID();
    const projects = join(sessionConfigDir(configDir(), key), 'projects', 'worktree');
    mkdirSync(projects, { recursive: true });
    writeFileSync(join(projects, `${sessionId}.jsonl`), '');
    const cursor: SessionCursor = {
      lastEventId: seen,
      lastCommentId: 0,
      lastCommentUpdatedAt: null,
      lastReviewId: 0,
      headSha: null,
      issueState: 'open',
      labels: [],
    };
    await store.sessions.started(key, { sessionId, worktree: h.dir, at: Date.now() });
    await store.sessions.finished(key, { sessionId, cursor, costUsd, at: Date.now() });
  }

  function job(agent: AgentConfig, issue: number, events: readonly StoredEvent[], signal: AbortSignal) {
    const status = recordingStatus();
    const claude = createClaudeRunner({
      sessions: store.sessions,
      runs: store.runs,
      prompts: simplePrompts(),
      configDir: configDir(),
      baseEnv: { PATH: process.env.PATH, HOME: h.home },
      isolation: testIsolation(h.dataDir, 'none'),
      trigger: anyoneMayTrigger(),
      readSkill: async () => 'You are a test agent.',
      status: () => status.reporter,
      startRuntimeEarly: false,
      clock: systemClock,
      log: silentLogger(),
    });
    const workspace = createWorkspaceRunner({
      workdirs: h.workdirs(),
      inner: claude,
      pullHead: async () => {
        throw new Error('no PR in these tests');
      },
      log: silentLogger(),
    });
    const outcome: Promise<RunOutcome> = workspace.run({
      jobId: nextJobId++,
      key: keyOf(issue),
      agent,
      repo,
      attempt: 1,
      events,
      signal,
    });
    return { ...status, outcome };
  }

  it('posts "working" while the worktree is still being fetched, and withdraws it when the worktree cannot be had', {
    timeout: 60_000,
  }, async (t) => {
    // The fetch is held until the comment is posted: a runner that posted only once it had its
    // worktree would never get there, and the test would time out.
    const gate = h.forge.gate(origin.repoPath, 'upload-pack');
    const timedOut = new Promise<void>((resolve) =>
      t.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    const stop = new AbortController();
    const run = job(dev(), 21, [comment(21, '@dev-bot please look')], stop.signal);

    await gate.held;
    await Promise.race([run.updated, timedOut]);
    const whileFetching = [...run.asked];
    // The job is cancelled while its fetch hangs: the worktree is never had, the run never happens.
    stop.abort(new Error('cancelled'));
    gate.open();
    const outcome = await run.outcome.catch((error: unknown) => error);
    await Promise.race([run.withdrawn, timedOut]);

    assert.deepEqual(whileFetching, ['working: starting']);
    assert.ok(!(outcome as RunOutcome).ok, JSON.stringify(outcome));
    assert.deepEqual(run.asked, ['working: starting', 'withdrawn']);
  });

  it('posts nothing for a job whose events its session has already seen, and nothing once it finds nothing new', async () => {
    const seen = comment(22, 'also handle tabs');
    await sessionHaving(keyOf(22), seen.id);

    const run = job(dev(), 22, [seen], new AbortController().signal);
    const outcome = await run.outcome;

    assert.ok(outcome.ok && outcome.facts?.turns === 0, JSON.stringify(outcome));
    assert.deepEqual(run.asked, []);
  });

  it('posts nothing ahead for a job its budget refuses: the comment says only that the budget is spent', async () => {
    await sessionHaving(keyOf(23), 0, 0.5);

    const run = job(dev({ maxIssueUsd: 0.1 }), 23, [comment(23, 'and now?')], new AbortController().signal);
    const outcome = await run.outcome;

    assert.ok(!outcome.ok && outcome.error.startsWith('budget'), JSON.stringify(outcome));
    assert.deepEqual(run.asked, ['finished', '  outcome: budget-exceeded']);
  });
});
