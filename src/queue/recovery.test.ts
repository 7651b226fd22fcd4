import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { scriptedRunner, startHarness } from '../../test/support/dispatch-harness.js';
import { commented } from '../../test/support/events.js';

const child = join(import.meta.dirname, '..', '..', 'test', 'support', 'dispatch-child.ts');

describe('dispatch recovery after a crash', () => {
  it('runs again, with the same events, a job whose process was SIGKILLed mid-run', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-crash-'));
    const events = [commented(7, 'alice', '@dev first'), commented(7, 'alice', '@dev second')];
    const eventsFile = join(dataDir, 'events.json');
    writeFileSync(eventsFile, JSON.stringify(events));

    const proc = spawn(process.execPath, ['--import', 'tsx', child, dataDir, eventsFile], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.after(() => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    });
    const started = await new Promise<{ jobId: number; events: string[] }>((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const line = out.split('\n').find((l) => l.startsWith('STARTED '));
        if (line) resolve(JSON.parse(line.slice('STARTED '.length)) as { jobId: number; events: string[] });
      });
      proc.on('exit', (code) => reject(new Error(`child exited with ${code} before running a job`)));
    });
    proc.kill('SIGKILL');
    await new Promise((resolve) => proc.once('exit', resolve));

    const { runner, runs } = scriptedRunner();
    const restarted = await startHarness({ dataDir, runner });
    await restarted.dispatcher.idle();

    const ran = runs.flatMap((r) => r.events);
    assert.ok(started.events.length >= 1);
    assert.deepEqual(runs[0]!.request.jobId, started.jobId, 'the interrupted job itself runs again');
    assert.deepEqual(runs[0]!.events.slice(0, started.events.length), started.events, 'with the events it had');
    assert.deepEqual([...ran].sort(), events.map((e) => e.fingerprint).sort(), 'every event is answered exactly once');
    await restarted.close();
  });
});
