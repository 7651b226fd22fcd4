/**
 * Sessions survive their worker (docs/decisions.md §31): with transcripts mirrored to PostgreSQL, a
 * second worker — its own data dir, repository cache, worktree and an empty CLAUDE_CONFIG_DIR —
 * resumes the session the first worker started. The real SDK and runtime, the scripted model, real
 * git. Skipped, loudly, without CLAUDE_HOOKS_TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClaudeRunner } from '../../src/agent/claude/claude-runner.js';
import { createWorkspaceRunner } from '../../src/agent/workspace-runner.js';
import type { AgentConfig } from '../../src/config/types.js';
import type { RepoRef } from '../../src/core/events.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { Secret } from '../../src/lib/secret.js';
import type { AgentRunner } from '../../src/queue/ports.js';
import type { RunOutcome } from '../../src/core/run-outcome.js';
import type { WorkKey } from '../../src/core/work-key.js';
import type { TranscriptStore } from '../../src/sessions/transcript-store.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/ports.js';
import { createHarness, type Harness } from '../support/workdir/fixture.js';
import { anyoneMayTrigger, testIsolation } from '../support/agent/isolation.js';
import { simplePrompts } from '../support/agent/simple-prompts.js';
import { commented, REPO } from '../support/events.js';
import {
  dialogue,
  lastUserMessage,
  startScriptedModel,
  text,
  textsOf,
  type ScriptedModel,
  type TurnRequest,
} from '../support/model/index.js';
import { dropSchema, freshSchemaName, postgresSkip, TEST_DATABASE_URL } from '../support/postgres.js';

describe('a session started on one worker, resumed on another', { skip: postgresSkip() }, () => {
  let h: Harness;
  let model: ScriptedModel;
  let sessions: Store;
  let transcripts: TranscriptStore;
  let repo: RepoRef;
  const schema = freshSchemaName('takeover');
  const key = (): WorkKey => ({ agent: 'dev', repo: `${repo.host}/${repo.fullName}`.toLowerCase(), issue: 7 });

  before(async () => {
    h = await createHarness();
    const origin = h.origin('acme', 'widget', 3);
    repo = { ...REPO, host: origin.repo.host, cloneUrl: origin.repo.cloneUrl };
    model = await startScriptedModel();
    // The database both workers share: session rows, run records and transcripts.
    sessions = await openStore(
      {
        kind: 'postgres',
        url: new Secret(TEST_DATABASE_URL!),
        maxConnections: 4,
        affinityWaitMs: 30_000,
        leaseSeconds: 30,
      },
      { dataDir: h.dataDir, schema, clock: systemClock, dedupWindowMs: 0 },
    );
    transcripts = sessions.transcripts!;
  });

  after(async () => {
    await model?.close();
    await sessions?.close();
    await dropSchema(schema);
    await h?.close();
  });

  const dev = (): AgentConfig => ({
    ...h.agents.dev,
    model: {
      name: 'claude-sonnet-4-5',
      credential: { kind: 'api-key', secret: new Secret('scripted-model-key') },
      baseUrl: model.url,
    },
  });

  /** One worker: its own data dir (cache, worktrees, CLAUDE_CONFIG_DIR), the shared database. */
  function worker(name: string): { runner: AgentRunner; configDir: string; dataDir: string } {
    const dataDir = join(h.dir, `worker-${name}`);
    const configDir = join(dataDir, 'claude');
    const claude = createClaudeRunner({
      sessions: sessions.sessions,
      runs: sessions.runs,
      prompts: simplePrompts(),
      configDir,
      transcripts,
      baseEnv: { PATH: process.env.PATH, HOME: h.home },
      isolation: testIsolation(dataDir),
      trigger: anyoneMayTrigger(),
      readSkill: async () => 'You are a test agent.',
      clock: systemClock,
      log: silentLogger(),
    });
    const runner = createWorkspaceRunner({
      workdirs: h.workdirs({ dataDir }),
      inner: claude,
      pullHead: async () => {
        throw new Error('no PR here');
      },
      log: silentLogger(),
    });
    return { runner, configDir, dataDir };
  }

  let eventId = 1;
  async function run(on: AgentRunner, body: string): Promise<{ outcome: RunOutcome; turns: TurnRequest[] }> {
    const from = model.requests.length;
    const id = eventId++;
    const outcome = await on.run({
      jobId: id,
      key: key(),
      agent: dev(),
      repo,
      attempt: 1,
      events: [{ id, deliveryId: `d-${id}`, receivedAt: Date.now(), event: commented(7, 'alice', body, { repo }) }],
      signal: new AbortController().signal,
    });
    return { outcome, turns: model.requests.slice(from).filter((r): r is TurnRequest => r.kind === 'turn') };
  }

  it("resumes the same session on worker B, which never saw it, with run 1's messages and only the new comment", async () => {
    const a = worker('a');
    const b = worker('b');
    model.setScript([text('I will fix the login form.')]);
    const first = await run(a.runner, '@dev-bot please fix the login form');
    assert.equal(first.outcome.ok, true, JSON.stringify(first.outcome));
    const sessionId = (await sessions.sessions.get(key()))?.sessionId;
    assert.match(sessionId ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(
      ((await transcripts.load(sessionId!, undefined)) ?? []).length > 0,
      'the transcript is mirrored to the database',
    );
    assert.equal(existsSync(b.configDir), false, 'worker B has never run anything');

    model.setScript([text('Tabs handled too.')]);
    const second = await run(b.runner, 'also handle tabs');

    assert.equal(second.outcome.ok, true, JSON.stringify(second.outcome));
    assert.ok(second.outcome.ok);
    assert.deepEqual(
      [second.outcome.facts?.session, second.outcome.facts?.prompt?.kind, second.outcome.facts?.sessionId],
      ['resumed', 'delta', sessionId],
    );
    const request = second.turns[0]!;
    assert.equal(request.headers['x-claude-code-session-id'], sessionId);
    const messages = dialogue(request.body);
    assert.match(textsOf(messages[0]!).join(''), /please fix the login form/);
    assert.deepEqual(textsOf(messages[1]!), ['I will fix the login form.']);
    assert.deepEqual(textsOf(lastUserMessage(request.body)!), ['New on #7:\nalice commented: also handle tabs']);
    // Worker B made its own worktree: the session moved, the folder did not.
    const worktree = (await sessions.sessions.get(key()))?.worktree ?? '';
    assert.ok(worktree.startsWith(b.dataDir) && existsSync(worktree), worktree);
  });
});
