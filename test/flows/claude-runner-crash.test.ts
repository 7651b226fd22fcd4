/**
 * A run killed mid-way (SIGKILL: no cleanup, no `finally`) leaves its session id stored, because
 * the runner stores it when `system/init` arrives; the next run of the key resumes that session.
 * And nothing of it goes on: in a sandbox everything dies with the service; without one, the next
 * start ends what the run left running (its processes are on its record) before any job runs.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createClaudeRunner } from '../../src/agent/claude/claude-runner.js';
import { finishOrphanedRuns } from '../../src/agent/orphaned-runs.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { IsolationKind } from '../../src/sandbox/isolation.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/ports.js';
import { git, testEnv } from '../support/workdir/fixture.js';
import { crashAgent, crashRequest } from '../support/agent/crash-request.js';
import { sessionConfigDir } from '../../src/sessions/transcript-layout.js';
import { anyoneMayTrigger, testIsolation } from '../support/agent/isolation.js';
import { simplePrompts } from '../support/agent/simple-prompts.js';
import { processesUnder } from '../support/processes.js';
import {
  bash,
  dialogue,
  startScriptedModel,
  text,
  transcriptPath,
  type ScriptedModel,
  type TurnRequest,
} from '../support/model/index.js';

const CHILD = join(import.meta.dirname, '..', 'support', 'agent', 'crash-child.ts');

describe('the Claude runner after a crash', () => {
  const root = mkdtempSync(join(tmpdir(), 'claude-runner-crash-'));
  let model: ScriptedModel | undefined;
  let child: ChildProcess | undefined;
  let store: Store | undefined;
  const children: ChildProcess[] = [];
  const stores: Store[] = [];

  after(async () => {
    // Whatever a failed test left: each killed service's group, and every process still in a test's folder (a run's, in its own group).
    for (const started of children)
      if (started.pid && started.exitCode === null && started.signalCode === null) killGroupAndProcess(started.pid);
    for (const left of processesUnder(root)) killGroupAndProcess(left.pid);
    await store?.close();
    for (const opened of stores) await opened.close();
    await model?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** The service: a process that runs one dev job on `issue` and is killed by the test. Its own process group. */
  function startService(
    place: { dataDir: string; configDir: string; home: string; cwd: string },
    issue: number,
    isolation: IsolationKind = 'bwrap',
  ): ChildProcess {
    const started = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, JSON.stringify({ ...place, modelUrl: model!.url, issue, isolation })],
      { detached: true, stdio: 'ignore' },
    );
    children.push(started);
    return started;
  }

  /** What a restarted service opens: the killed one's store. */
  async function reopen(dataDir: string): Promise<Store> {
    const opened = await openStore({ kind: 'sqlite' }, { dataDir, clock: systemClock, dedupWindowMs: 0 });
    stores.push(opened);
    return opened;
  }

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
    child = startService({ dataDir, configDir, home, cwd }, 21);
    store = await openStore({ kind: 'sqlite' }, { dataDir, clock: systemClock, dedupWindowMs: 0 });
    const sessions = store.sessions;
    await waitFor(
      async () => (await sessions.get(key))?.sessionId !== undefined && model!.requests.some((r) => r.kind === 'turn'),
    );
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
    model.setScript([
      bash('(node -e "setInterval(() => {}, 1000)" &) ; node -e "setTimeout(() => {}, 60000)"'),
      text('never reached'),
    ]);
    child = startService({ dataDir, configDir, home, cwd }, 22);
    await waitFor(
      async () =>
        processesUnder(cwd).filter((p) => p.command.includes('setInterval') || p.command.includes('setTimeout'))
          .length >= 2,
    );

    process.kill(child.pid!, 'SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));

    await waitFor(async () => processesUnder(cwd).length === 0, 10_000);
    const requests = model.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    assert.equal(model.requests.length, requests, 'something of the killed run still asked the model');
    const restarted = await reopen(dataDir);
    const finished = await finishOrphanedRuns({
      runs: restarted.runs,
      clients: new Map(),
      clock: systemClock,
      log: silentLogger(),
    });
    const [run] = await restarted.runs.list({ agent: 'dev' });
    assert.equal(finished.leftovers, 0, 'the sandbox left nothing for the next start to end');
    assert.deepEqual(
      [run?.outcome, run?.isolation, run?.processes?.list.length, run?.leftoversEnded],
      ['interrupted', 'bwrap', 1, 0],
    );
  });

  it('ends, at the next start, everything a run without a sandbox left running when the service alone was SIGKILLed: no write and no push after', async () => {
    model ??= await startScriptedModel();
    const { dataDir, configDir, home, cwd } = place('unconfined');
    const remote = join(root, 'unconfined', 'remote.git');
    git(root, ['init', '--quiet', '--bare', remote], testEnv(home));
    // What fault injection saw an orphaned run do: go on writing and pushing while the service was down.
    writeFileSync(
      join(root, 'unconfined', 'beat.sh'),
      `while true; do echo beat >> beats; git commit --quiet --allow-empty -m beat && git push --quiet ${remote} HEAD:refs/heads/beats; sleep 0.1; done\n`,
    );
    // In the background, away from the runtime (the runtime gives each Bash command a session of its own), then a long foreground command.
    model.setScript([
      bash('(sh ../beat.sh >/dev/null 2>&1 &) ; node -e "setTimeout(() => {}, 60000)"'),
      text('never reached'),
    ]);
    child = startService({ dataDir, configDir, home, cwd }, 23, 'none');
    await waitFor(
      async () => pushes(remote, home) >= 2 && processesUnder(cwd).some((p) => p.command.includes('setTimeout')),
    );

    process.kill(child.pid!, 'SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    const outlived = processesUnder(cwd);
    const restarted = await reopen(dataDir);
    const finished = await finishOrphanedRuns({
      runs: restarted.runs,
      clients: new Map(),
      clock: systemClock,
      log: silentLogger(),
    });
    const [written, pushed] = [statSync(join(cwd, 'beats')).size, pushes(remote, home)];
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    assert.ok(
      outlived.some((p) => p.command.includes('beat.sh')),
      'the run outlived the service (without that, this test proves nothing)',
    );
    assert.deepEqual(processesUnder(cwd), [], 'a process of the killed run is still alive');
    assert.equal(statSync(join(cwd, 'beats')).size, written, 'something of the killed run still writes');
    assert.equal(pushes(remote, home), pushed, 'something of the killed run still pushes');
    const [run] = await restarted.runs.list({ agent: 'dev' });
    assert.deepEqual([run?.outcome, run?.isolation, run?.processes?.list.length], ['interrupted', 'none', 1]);
    // The loop and the foreground command at least (a `sleep 0.1` or a `git push` of the loop may have ended by itself).
    const lasting = outlived.filter((p) => p.command.includes('beat.sh') || p.command.includes('setTimeout'));
    assert.ok(
      finished.leftovers >= lasting.length,
      `ended ${finished.leftovers} processes; these were left: ${outlived.map((p) => p.command).join('; ')}`,
    );
    assert.equal(run?.leftoversEnded, finished.leftovers);
  });
});

/** Commits pushed to the bare repository's `beats` branch. */
function pushes(remote: string, home: string): number {
  try {
    return Number(git(remote, ['rev-list', '--count', 'refs/heads/beats'], testEnv(home)));
  } catch {
    return 0;
  }
}

function killGroupAndProcess(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // not a group leader, or gone
    }
  }
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
