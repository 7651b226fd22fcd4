import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { identify } from '../leftover-processes.js';
import { createRuntimeProcesses, type SpawnedRuntime } from './runtime-processes.js';

const sh = (script: string) => ({
  command: 'sh',
  args: ['-c', script],
  env: { PATH: process.env.PATH },
  signal: new AbortController().signal,
});

describe('runtime processes', () => {
  it('settles once every spawned runtime has exited on its own', async () => {
    const processes = createRuntimeProcesses();
    const child = processes.spawn(sh('sleep 0.2'));
    child.stdin.end();

    await processes.settled(5_000);

    assert.equal(child.exitCode, 0);
  });

  it('kills a runtime that outlives the grace, and settles once it is gone', async () => {
    const processes = createRuntimeProcesses();
    const child = processes.spawn(sh('exec sleep 30'));

    await processes.settled(100);

    assert.equal(child.signalCode, 'SIGKILL');
  });

  it('keeps the end of what the runtimes wrote to stderr', async () => {
    const processes = createRuntimeProcesses();
    processes.spawn(sh(`printf '%05000d' 0 >&2; echo ' the last words' >&2`));

    await processes.settled(5_000);

    assert.match(processes.stderrTail(), /0000 the last words$/);
    assert.ok(processes.stderrTail().length <= 4096);
  });

  it('keeps what a runtime wrote last, which arrives after it exited', async () => {
    const processes = createRuntimeProcesses();
    // The shell exits at once; what it started writes the last words a moment later, then ends.
    const child = processes.spawn(sh('(sleep 0.1; echo the last words >&2) & exit 0'));
    child.stdin.end();

    await processes.settled(5_000);

    assert.equal(processes.stderrTail(), 'the last words');
  });

  it('settles at once for a runtime that could not be started', async () => {
    const processes = createRuntimeProcesses();
    processes.spawn({ command: '/nonexistent/claude', args: [], env: {}, signal: new AbortController().signal });

    await processes.settled(60_000);
  });

  it('settles at once when nothing was spawned', async () => {
    await createRuntimeProcesses().settled(60_000);
  });

  it('starts each runtime through the wrapper it was given (the sandbox)', async () => {
    const processes = createRuntimeProcesses((command, args) => ({
      command: 'sh',
      args: ['-c', 'echo "wrapped $0 $*" >&2', command, ...args],
    }));
    const child = processes.spawn(sh('echo not wrapped >&2'));
    child.stdin.end();

    await processes.settled(5_000);

    assert.match(processes.stderrTail(), /^wrapped sh -c echo not wrapped >&2$/);
  });

  it("tells each runtime's pid as it is spawned, with the run's mark, which is in the runtime's environment", async () => {
    const spawned: SpawnedRuntime[] = [];
    const processes = createRuntimeProcesses(undefined, { onSpawn: (runtime) => spawned.push(runtime) });
    processes.spawn(sh('echo "$$ $CLAUDE_HOOKS_RUN_MARK" >&2'));
    await untilStderr(processes);

    await processes.settled(5_000);

    const [pid, mark] = processes.stderrTail().split(' ');
    assert.deepEqual(spawned, [{ pid: Number(pid), mark: processes.mark }]);
    assert.equal(mark, processes.mark);
    assert.match(processes.mark, /^[0-9a-f]{24}$/);
  });

  it('in a process group of its own, kills the whole group of a runtime that outlives the grace', async () => {
    const processes = createRuntimeProcesses(undefined, { ownGroup: true });
    const child = processes.spawn(sh('sleep 30 & echo $! >&2; sleep 30'));
    await untilStderr(processes);
    const background = Number(processes.stderrTail());

    try {
      await processes.settled(100);

      assert.equal(identify(background), undefined, "the runtime's background process is alive");
      assert.equal(child.signalCode, 'SIGKILL');
    } finally {
      killQuietly(background);
    }
  });

  it('in a process group of its own, ends what the runtime started in sessions of their own once it has exited', async () => {
    const processes = createRuntimeProcesses(undefined, { ownGroup: true });
    const child = processes.spawn(sh('setsid sleep 30 & echo $! >&2'));
    child.stdin.end();
    await untilStderr(processes);
    const escaped = Number(processes.stderrTail());

    try {
      await processes.settled(5_000);

      assert.equal(child.exitCode, 0);
      assert.equal(identify(escaped), undefined, 'what the runtime left in its own session is alive');
    } finally {
      killQuietly(escaped);
    }
  });
});

async function untilStderr(processes: { stderrTail(): string }): Promise<void> {
  while (processes.stderrTail() === '') await new Promise((resolve) => setTimeout(resolve, 10));
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone, as it should be
  }
}
