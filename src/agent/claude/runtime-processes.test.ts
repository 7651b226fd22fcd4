import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRuntimeProcesses } from './runtime-processes.js';

const sh = (script: string) => ({ command: 'sh', args: ['-c', script], env: { PATH: process.env.PATH }, signal: new AbortController().signal });

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
    const child = processes.spawn(sh('sleep 30'));

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

  it('settles at once for a runtime that could not be started', async () => {
    const processes = createRuntimeProcesses();
    processes.spawn({ command: '/nonexistent/claude', args: [], env: {}, signal: new AbortController().signal });

    await processes.settled(60_000);
  });

  it('settles at once when nothing was spawned', async () => {
    await createRuntimeProcesses().settled(60_000);
  });

  it('starts each runtime through the wrapper it was given (the sandbox)', async () => {
    const processes = createRuntimeProcesses((command, args) => ({ command: 'sh', args: ['-c', 'echo "wrapped $0 $*" >&2', command, ...args] }));
    const child = processes.spawn(sh('echo not wrapped >&2'));
    child.stdin.end();

    await processes.settled(5_000);

    assert.match(processes.stderrTail(), /^wrapped sh -c echo not wrapped >&2$/);
  });
});
