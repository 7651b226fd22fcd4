import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { silentLogger } from '../../lib/logger.js';
import type { RunProcesses } from '../../sessions/ports.js';
import { identify, thisHost } from '../leftover-processes.js';
import { recordRunProcesses } from './record-run-processes.js';

describe('recording the processes of a run', () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  function runtime(): number {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(child);
    return child.pid!;
  }

  function recordsOf() {
    const stored: [number, RunProcesses][] = [];
    return {
      stored,
      runs: { processes: async (id: number, processes: RunProcesses) => void stored.push([id, processes]) },
    };
  }

  it('keeps what was spawned before the run had a record, stores it once it has, then each runtime as it comes', async () => {
    const { stored, runs } = recordsOf();
    const recorder = recordRunProcesses(runs, silentLogger());
    const early = runtime();
    const later = runtime();

    recorder.spawned({ pid: early, mark: 'm' });
    const beforeStart = stored.length;
    recorder.started(12);
    recorder.spawned({ pid: later, mark: 'm' });
    await recorder.stored();

    assert.equal(beforeStart, 0);
    assert.deepEqual(stored, [
      [12, { host: thisHost(), list: [identify(early)], mark: 'm' }],
      [12, { host: thisHost(), list: [identify(early), identify(later)], mark: 'm' }],
    ]);
  });

  it('stores nothing for a run that never spawned a runtime', async () => {
    const { stored, runs } = recordsOf();
    const recorder = recordRunProcesses(runs, silentLogger());

    recorder.started(12);
    await recorder.stored();

    assert.deepEqual(stored, []);
  });

  it('logs a write that fails and goes on with the next', async () => {
    const lists: number[] = [];
    const processes = async (_id: number, stored: RunProcesses) => {
      lists.push(stored.list.length);
      if (lists.length === 1) throw new Error('database gone');
    };
    const recorder = recordRunProcesses({ processes }, silentLogger());

    recorder.started(3);
    recorder.spawned({ pid: runtime(), mark: 'm' });
    recorder.spawned({ pid: runtime(), mark: 'm' });
    await recorder.stored();

    assert.deepEqual(lists, [1, 2]);
  });
});
