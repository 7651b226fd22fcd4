import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { afterEach, describe, it } from 'node:test';
import type { RunProcesses } from '../sessions/ports.js';
import { endLeftovers, identify, RUN_MARK_VARIABLE, thisHost } from './leftover-processes.js';

describe('leftover processes', () => {
  const started: number[] = [];

  afterEach(() => {
    // Whatever a failed test left: every process it started, and the groups they lead.
    for (const pid of started.splice(0)) {
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
  });

  /** Runs `script` in `sh` as a runtime would; answers it and the pids it prints on stdout, one a line, once it printed `count`. */
  async function run(
    script: string,
    options: { mark?: string; detached?: boolean; count?: number } = {},
  ): Promise<{ child: ChildProcess; pids: number[] }> {
    const env = { PATH: process.env.PATH, ...(options.mark ? { [RUN_MARK_VARIABLE]: options.mark } : {}) };
    const child = spawn('sh', ['-c', script], {
      env,
      detached: options.detached ?? false,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    started.push(child.pid!);
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => (out += chunk));
    const pids = () =>
      out
        .split('\n')
        .filter((line) => line !== '')
        .map(Number);
    while (pids().length < (options.count ?? 0)) await once(child.stdout!, 'data');
    started.push(...pids());
    return { child, pids: pids() };
  }

  const here = () => thisHost()!;
  const recorded = (list: RunProcesses['list'], mark = 'no-process-has-this-mark'): RunProcesses => ({
    host: here(),
    list,
    mark,
  });
  const alive = (pid: number) => identify(pid) !== undefined;

  it('ends a runtime left running with every process of the group it leads, and waits until they are gone', async () => {
    const { child, pids } = await run('sleep 300 & echo $!; sleep 300', { detached: true, count: 1 });
    const group = membersOf(child.pid!);

    const ended = await endLeftovers(recorded([identify(child.pid!)!]));

    assert.ok(group.length >= 2, `the runtime's group: ${group.join(', ')}`);
    assert.equal(ended, group.length);
    assert.deepEqual([child.pid!, ...pids].filter(alive), []);
  });

  it('ends every process below a runtime, though it moved to a session of its own (as each Bash command does)', async () => {
    const { child, pids } = await run('setsid sleep 300 & echo $!; wait', { count: 1 });

    const ended = await endLeftovers(recorded([identify(child.pid!)!]));

    assert.equal(ended, 2);
    assert.deepEqual([child.pid!, ...pids].filter(alive), []);
  });

  it("ends what carries the run's mark though its runtime has exited and it left the runtime's session", async () => {
    const {
      child,
      pids: [orphan],
    } = await run('setsid sleep 300 & echo $!', { mark: 'run-7-mark', count: 1 });
    await once(child, 'exit');
    const {
      pids: [bystander],
    } = await run('sleep 300 & echo $!', { mark: 'another-run', count: 1 });

    const ended = await endLeftovers(recorded([], 'run-7-mark'));

    assert.equal(ended, 1);
    assert.equal(alive(orphan!), false, 'the marked process was left');
    assert.equal(alive(bystander!), true, "another run's process was ended");
  });

  it('leaves alone a process that has a recorded pid but started at another time (the pid was given again)', async () => {
    const { child } = await run('exec sleep 300');
    const now = identify(child.pid!)!;

    const ended = await endLeftovers(recorded([{ pid: now.pid, startTicks: now.startTicks - 1 }]));

    assert.equal(ended, 0);
    assert.equal(alive(child.pid!), true);
  });

  it('ends nothing recorded elsewhere: another host or pid namespace is not ours to look at (undefined), a reboot left nothing (0)', async () => {
    const { child } = await run('exec sleep 300');
    const list = [identify(child.pid!)!];
    const cases = [
      [{ ...here(), hostname: 'another-machine' }, undefined],
      [{ ...here(), pidNamespace: 'pid:[1]' }, undefined],
      [{ ...here(), bootId: 'an-earlier-boot' }, 0],
    ] as const;

    const answers = [];
    for (const [host] of cases) answers.push(await endLeftovers({ host, list, mark: 'm' }));

    assert.deepEqual(
      answers,
      cases.map(([, answer]) => answer),
    );
    assert.equal(alive(child.pid!), true);
  });
});

/** The live processes of a process group, read from /proc. */
function membersOf(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const fields = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return fields[0] !== 'Z' && Number(fields[2]) === pgid;
      } catch {
        return false;
      }
    })
    .map(Number);
}
