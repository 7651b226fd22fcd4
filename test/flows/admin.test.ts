/**
 * The admin API against the real service: the token, the reset's validation
 * and its answers, cancel, pause/resume and the audit — with real worktrees on the forge double,
 * and sessions and transcripts written by real runs of the Claude runner against the scripted model.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SessionRecord } from '../../src/sessions/ports.js';
import type { WorkspaceAgentRunner } from '../../src/agent/workspace-runner.js';
import { ADMIN_TOKEN, REPO, startFlow, type Flow } from '../support/flow.js';
import { until } from '../support/wait.js';
import { sessionConfigDir } from '../../src/sessions/transcript-layout.js';
import {
  bash,
  lastUserMessage,
  startScriptedModel,
  textsOf,
  transcriptPath,
  type ScriptedModel,
} from '../support/model/index.js';

/** dev's runs wait, while `hold` is set, until released or aborted (a cancel). */
function heldRunner(state: { hold: boolean; release?: () => void; started: number }): WorkspaceAgentRunner {
  return {
    async run(request) {
      if (request.agent.name !== 'dev') return { ok: true };
      state.started++;
      if (!state.hold) return { ok: true };
      await new Promise<void>((resolve) => {
        state.release = resolve;
        request.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      return request.signal.aborted ? { ok: false, error: 'aborted', retryable: true } : { ok: true };
    },
  };
}

async function call(flow: Flow, path: string, body?: unknown, token: string | undefined = ADMIN_TOKEN) {
  const response = await fetch(`${flow.service.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the admin API', () => {
  const state = { hold: false, started: 0 } as { hold: boolean; release?: () => void; started: number };
  let flow: Flow;
  before(async () => {
    flow = await startFlow({ runner: heldRunner(state) });
    const alice = flow.forge.as('alice');
    const issue = await alice.openIssue(REPO, { title: 'Login fails', body: '' });
    await alice.assign(REPO, issue.number, 'dev');
    await flow.settle();
  });
  after(async () => {
    state.release?.();
    await flow.close();
  });

  const refusals = [
    {
      name: 'no token',
      body: { agent: 'dev', scope: 'session' },
      token: '',
      status: 401,
      error: /missing or wrong admin token/,
    },
    {
      name: 'a wrong token',
      body: { agent: 'dev', scope: 'session' },
      token: 'nope',
      status: 401,
      error: /missing or wrong admin token/,
    },
    {
      name: 'an unknown agent',
      body: { agent: 'deve', scope: 'session' },
      status: 400,
      error: /agent "deve" is not configured \(did you mean "dev"\?\)/,
    },
    {
      name: 'repo "../x"',
      body: { repo: '../x', scope: 'worktree' },
      status: 400,
      error: /^repo: must be owner\/name/,
    },
    {
      name: 'issue "seven"',
      body: { issue: 'seven', scope: 'worktree' },
      status: 400,
      error: /^issue: must be an issue number/,
    },
    {
      name: 'an empty selector',
      body: { scope: 'all' },
      status: 400,
      error: /name at least one of agent, repo, issue, branch/,
    },
    {
      name: 'an unknown scope',
      body: { agent: 'dev', scope: 'everything' },
      status: 400,
      error: /^scope: must be one of session, worktree, cache, all/,
    },
  ];
  for (const refusal of refusals) {
    it(`answers a reset with ${refusal.name}: ${refusal.status} with a clear message`, async () => {
      const answer = await call(flow, '/admin/reset', refusal.body, refusal.token ?? ADMIN_TOKEN);

      assert.equal(answer.status, refusal.status);
      assert.match(String(answer.body.error), refusal.error);
    });
  }

  it('reports on a dry run exactly what the real reset then does', async () => {
    const dry = await call(flow, '/admin/reset', { agent: 'dev', issue: 1, scope: 'worktree', dryRun: true });
    assert.equal(dry.status, 200);
    assert.equal(
      (await flow.service.workdirs.list()).filter((w) => w.agent === 'dev').length,
      1,
      'a dry run removes nothing',
    );

    const real = await call(flow, '/admin/reset', { agent: 'dev', issue: 1, scope: 'worktree' });

    assert.equal(real.status, 200);
    const ids = (body: Record<string, unknown>) =>
      (body.worktrees as { id: string; path: string }[]).map((w) => `${w.id} ${w.path}`);
    assert.equal(ids(dry.body).length, 1);
    assert.deepEqual(ids(real.body), ids(dry.body));
    assert.equal((await flow.service.workdirs.list()).filter((w) => w.agent === 'dev').length, 0);
  });

  it('refuses to reset a key whose job is running, naming the job, and with force cancels it first', async () => {
    state.hold = true;
    await flow.forge.as('alice').comment(REPO, 1, '@dev again');
    const running = await until(
      async () => (await flow.service.store.jobs.runningJobs()).find((j) => j.key.agent === 'dev'),
      'dev running',
    );

    const refused = await call(flow, '/admin/reset', { agent: 'dev', issue: 1, scope: 'all' });
    const forced = await call(flow, '/admin/reset', { agent: 'dev', issue: 1, scope: 'all', force: true });

    assert.equal(refused.status, 409);
    assert.match(String(refused.body.error), new RegExp(`job ${running.id} \\(dev:.*#1\\) is running`));
    assert.equal(forced.status, 200);
    assert.deepEqual(forced.body.cancelledJobs, [running.id]);
    assert.equal((await flow.service.store.jobs.getJob(running.id))?.state, 'cancelled');
    state.hold = false;
  });

  it('cancels a queued job, and says so for one that does not exist', async () => {
    await call(flow, '/admin/pause', { agent: 'dev' });
    await flow.forge.as('alice').comment(REPO, 1, '@dev and again');
    await flow.settle();
    const [queued] = await flow.service.store.jobs.listJobs({ states: ['queued'] });
    assert.ok(queued);

    const cancelled = await call(flow, `/admin/jobs/${queued.id}/cancel`, {});
    const missing = await call(flow, '/admin/jobs/999999/cancel', {});

    assert.deepEqual(cancelled.body, { job: queued.id, cancelled: 'queued' });
    assert.equal(missing.status, 404);
    await call(flow, '/admin/resume', { agent: 'dev' });
  });

  it('holds dispatch while paused (deliveries still stored) and runs the work on resume', async () => {
    const before = state.started;
    assert.equal((await call(flow, '/admin/pause', {})).status, 200);

    await flow.forge.as('alice').comment(REPO, 1, '@dev while paused');
    await flow.settle();
    assert.equal(state.started, before, 'nothing ran while paused');
    assert.equal((await flow.service.store.jobs.listJobs({ states: ['queued'] })).length, 1, 'the work is queued');

    const resumed = await call(flow, '/admin/resume', {});
    await flow.settle();

    assert.equal(resumed.status, 200);
    assert.equal(state.started, before + 1);
  });

  it('writes every admin action to the audit, refusals included', async () => {
    const { body } = await call(flow, '/api/audit?limit=1000');

    const audit = body.audit as { action: string; status: number; source: string }[];
    assert.ok(audit.some((a) => a.action === 'reset' && a.status === 409));
    assert.ok(audit.some((a) => a.action === 'reset' && a.status === 400));
    assert.ok(audit.some((a) => a.action === 'pause' && a.status === 200));
    assert.ok(audit.every((a) => a.source.startsWith('api ')));
  });

  it('lists sessions, worktrees with their sizes, and sweeps', async () => {
    const worktrees = await call(flow, '/api/worktrees');
    const sessions = await call(flow, '/api/sessions');
    const sweeps = await call(flow, '/api/sweeps');

    assert.ok(Array.isArray(worktrees.body.worktrees));
    assert.ok((worktrees.body.worktrees as { bytes: number | null }[]).every((w) => typeof w.bytes === 'number'));
    assert.deepEqual(sessions.body, { sessions: [] });
    assert.deepEqual(sweeps.body, { sweeps: [] });
  });
});

describe('the admin API resetting sessions that real runs wrote', { timeout: 180_000 }, () => {
  const HELD = 'hold on';
  let gate: string;
  let model: ScriptedModel;
  let flow: Flow;
  before(async () => {
    gate = mkdtempSync(join(tmpdir(), 'claude-hooks-gate-'));
    const release = join(gate, 'release');
    // A run asked to "hold on" waits in a Bash loop until `release` exists; every other run answers "Done.".
    model = await startScriptedModel({
      respond: ({ body }) => {
        const last = lastUserMessage(body);
        if (!last || !textsOf(last).join('\n').includes(HELD)) return undefined;
        return bash(`while [ ! -e ${JSON.stringify(release)} ]; do sleep 0.05; done`, 'Wait for the test');
      },
    });
    flow = await startFlow({ modelUrl: model.url });
    const alice = flow.forge.as('alice');
    for (const title of ['Login fails', 'Logout fails']) {
      const issue = await alice.openIssue(REPO, { title, body: '' });
      await alice.assign(REPO, issue.number, 'dev');
      await flow.settle();
    }
  });
  after(async () => {
    if (gate) writeFileSync(join(gate, 'release'), '');
    await flow?.close();
    await model?.close();
    if (gate) rmSync(gate, { recursive: true, force: true });
  });

  const session = async (agent: string, issue: number): Promise<SessionRecord> => {
    const found = (await flow.service.store.sessions.list()).find(
      (s) => s.key.agent === agent && s.key.issue === issue,
    );
    assert.ok(found?.sessionId, `${agent} has a session for issue ${issue}`);
    return found;
  };
  const transcriptOf = (s: SessionRecord) =>
    transcriptPath(sessionConfigDir(join(flow.dataDir, 'claude'), s.key), s.worktree, s.sessionId!);

  it('forgets dev’s session of one issue and deletes exactly its transcript; a dry run deletes nothing', async () => {
    const dev1 = await session('dev', 1);
    const others = await Promise.all([session('dev', 2), session('boss', 1)]);
    const file = transcriptOf(dev1);
    assert.ok(existsSync(file), 'the run wrote its transcript');
    const bytes = statSync(file).size;

    const dry = await call(flow, '/admin/reset', { agent: 'dev', issue: 1, scope: 'session', dryRun: true });
    const keptByDryRun = existsSync(file);
    const real = await call(flow, '/admin/reset', { agent: 'dev', issue: 1, scope: 'session' });

    assert.equal(dry.status, 200);
    assert.equal(keptByDryRun, true);
    assert.equal(real.status, 200);
    assert.deepEqual(real.body.sessions, [
      { key: `dev:${dev1.key.repo}#1`, sessionId: dev1.sessionId, transcriptBytes: bytes },
    ]);
    assert.deepEqual(dry.body.sessions, [{ key: `dev:${dev1.key.repo}#1`, sessionId: dev1.sessionId }]);
    assert.equal(existsSync(file), false, 'the transcript is gone');
    const forgotten = await flow.service.store.sessions.get(dev1.key);
    assert.equal(forgotten?.sessionId, undefined, 'the key has no session any more: its next run starts anew');
    assert.equal(forgotten?.forgottenReason, 'reset by an operator');
    for (const other of others) {
      assert.ok(existsSync(transcriptOf(other)), `${other.key.agent}#${other.key.issue}’s transcript is kept`);
      assert.equal((await flow.service.store.sessions.get(other.key))?.sessionId, other.sessionId);
    }
  });

  it('refuses to reset the session of a key whose run is going on, and with force cancels it, then deletes its transcript', async () => {
    const dev2 = await session('dev', 2);
    await flow.forge.as('alice').comment(REPO, 2, `@dev ${HELD}`);
    const running = await until(
      async () => (await flow.service.store.jobs.runningJobs()).find((j) => j.key.agent === 'dev' && j.key.issue === 2),
      'dev running on issue 2',
    );
    await until(
      async () => model.turnRequests.some((r) => textsOf(lastUserMessage(r.body)!).join('\n').includes(HELD)),
      'the held run to reach the model',
    );

    const refused = await call(flow, '/admin/reset', { agent: 'dev', issue: 2, scope: 'session' });
    const forced = await call(flow, '/admin/reset', { agent: 'dev', issue: 2, scope: 'session', force: true });

    assert.equal(refused.status, 409);
    assert.match(String(refused.body.error), new RegExp(`job ${running.id} \\(dev:.*#2\\) is running`));
    assert.equal(forced.status, 200);
    assert.deepEqual(forced.body.cancelledJobs, [running.id]);
    assert.deepEqual(
      (forced.body.sessions as { sessionId: string }[]).map((s) => s.sessionId),
      [dev2.sessionId],
    );
    assert.equal((await flow.service.store.jobs.getJob(running.id))?.state, 'cancelled');
    assert.equal(existsSync(transcriptOf(dev2)), false, 'the transcript is gone');
    assert.equal((await flow.service.store.sessions.get(dev2.key))?.sessionId, undefined);
  });
});
