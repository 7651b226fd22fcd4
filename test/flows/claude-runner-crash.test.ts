/**
 * A run killed mid-way (SIGKILL: no cleanup, no `finally`) leaves its session id stored, because
 * the runner stores it when `system/init` arrives; the next run of the key resumes that session.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createClaudeRunner } from '../../src/agent/claude/claude-runner.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/ports.js';
import { git, testEnv } from '../../src/workdir/test-support/fixture.js';
import { crashAgent, crashRequest } from '../support/agent/crash-request.js';
import { sessionConfigDir } from '../../src/sessions/transcript-layout.js';
import { anyoneMayTrigger, testIsolation } from '../support/agent/isolation.js';
import { simplePrompts } from '../support/agent/simple-prompts.js';
import { processesUnder } from '../support/processes.js';
import { bash, dialogue, startScriptedModel, text, transcriptPath, type ScriptedModel, type TurnRequest } from '../support/model/index.js';

const CHILD = join(import.meta.dirname, '..', 'support', 'agent', 'crash-child.ts');

describe('the Claude runner after a crash', () => {
  const root = mkdtempSync(join(tmpdir(), 'claude-runner-crash-'));
  let model: ScriptedModel | undefined;
  let child: ChildProcess | undefined;
  let store: Store | undefined;

  after(async () => {
    if (child?.pid && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
    await store?.close();
    await model?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** A data dir, a home and a plain repository standing in for the worktree, under `root/<name>`. */
  function place(name: string): { dataDir: string; configDir: string; home: string; cwd: string } {
    const dataDir = join(root, name, 'data');
    const home = join(root, name, 'home');
    const cwd = join(root, name, 'worktree');
    mkdirSync(home, { recursive: true });
    mkdirSync(cwd, { recursive: true });
    git(cwd, ['init', '--quiet', '--initial-branch=main'], testEnv(home));
    return { dataDir, configDir: join(dataDir, 'claude'), home, cwd };
  }

  it('resumes the session of a run that was SIGKILLed mid-run', async () => {
    model = await startScriptedModel();
    const { dataDir, configDir, home, cwd } = place('resumed');
    // Not `sleep`: the runtime refuses a long blocking sleep.
    model.setScript([bash('node -e "setTimeout(() => {}, 60000)"')]);
    const key = { agent: 'dev', repo: 'forge.test/acme/widget', issue: 21 };
    // Its own process group, so the kill takes the runtime and its `sleep` with it.
    child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ dataDir, configDir, home, cwd, modelUrl: model.url, issue: 21 })], { detached: true, stdio: 'ignore' });
    store = await openStore({ kind: 'sqlite' }, { dataDir, clock: systemClock, dedupWindowMs: 0 });
    const sessions = store.sessions;
    await waitFor(async () => (await sessions.get(key))?.sessionId !== undefined && model!.requests.some((r) => r.kind === 'turn'));
    const stored = (await sessions.get(key))?.sessionId;
    // Killed while the agent's command runs: the runtime has written the transcript by then (it
    // writes none before the first reply; a kill before that leaves nothing to resume, and the
    // runner falls back to a new session, as tested in claude-runner.test.ts).
    const transcript = transcriptPath(sessionConfigDir(configDir, key), cwd, stored!);
    await waitFor(async () => existsSync(transcript) && readFileSync(transcript, 'utf8').includes('setTimeout'));
    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    model.setScript([text('Picking up where I left off.')]);
    const from = model.requests.length;
    const runner = createClaudeRunner({
      sessions: store.sessions,
      runs: store.runs,
      prompts: simplePrompts(),
      configDir,
      baseEnv: { PATH: process.env.PATH, HOME: home },
      isolation: testIsolation(dataDir),
      trigger: anyoneMayTrigger(),
      readSkill: async () => 'You are a test agent.',
      clock: systemClock,
      log: silentLogger(),
    });

    const outcome = await runner.run(crashRequest(crashAgent(model.url), cwd, 21, 'are you still there?', 2));

    const turns = model.requests.slice(from).filter((r): r is TurnRequest => r.kind === 'turn');
    const [resumed, crashed] = await store.runs.list({ agent: 'dev' });
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.equal(outcome.facts?.session, 'resumed', resumed?.resumeFallback);
    assert.equal(outcome.facts?.sessionId, stored);
    assert.equal(turns[0]?.headers['x-claude-code-session-id'], stored);
    assert.match(JSON.stringify(dialogue(turns[0]!.body)[0]), /please start/);
    assert.equal(crashed?.outcome, undefined, 'the killed run has a record, with no outcome');
    assert.equal(crashed?.statusCommentId, 4242, 'and its status comment, to finalise at the next start');
    assert.equal(resumed?.sessionId, stored);
  });

  it('ends the sandbox and everything the agent started in it when the service alone is SIGKILLed', async () => {
    model ??= await startScriptedModel();
    const { dataDir, configDir, home, cwd } = place('killed');
    // A background process of the agent's own, then a long foreground one: both must die with the service.
    model.setScript([bash('(node -e "setInterval(() => {}, 1000)" &) ; node -e "setTimeout(() => {}, 60000)"'), text('never reached')]);
    child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ dataDir, configDir, home, cwd, modelUrl: model.url, issue: 22 })], { detached: true, stdio: 'ignore' });
    await waitFor(async () => processesUnder(cwd).filter((p) => p.command.includes('setInterval') || p.command.includes('setTimeout')).length >= 2);

    process.kill(child.pid!, 'SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));

    await waitFor(async () => processesUnder(cwd).length === 0, 10_000);
    const requests = model.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    assert.equal(model.requests.length, requests, 'something of the killed run still asked the model');
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
