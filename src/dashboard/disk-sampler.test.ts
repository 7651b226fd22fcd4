import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { manualClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { openStore, storeFiles } from '../store/open-store.js';
import { createWorkdirs } from '../workdir/index.js';
import { createDiskSampler } from './disk-sampler.js';
import type { DiskSample } from './ports.js';

describe('dashboard: the disk sampler', () => {
  it('measures the data dir with the workdir module (transcripts and database too) and keeps the sample', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-sampler-'));
    const clock = manualClock();
    const store = await openStore({ kind: 'sqlite' }, { dataDir, clock, dedupWindowMs: 0 });
    try {
      mkdirSync(join(dataDir, 'claude', 'projects'), { recursive: true });
      writeFileSync(join(dataDir, 'claude', 'projects', 'session.jsonl'), Buffer.alloc(3 * 1024 * 1024, 1));
      const workdirs = createWorkdirs({
        dataDir,
        minFreeBytes: 0,
        env: { PATH: process.env.PATH },
        log: silentLogger(),
        clock,
        alsoMeasure: {
          transcripts: [join(dataDir, 'claude')],
          database: [...storeFiles({ kind: 'sqlite' }, dataDir).slice(0, 2), join(dataDir, 'no-such-file')],
        },
      });
      const told: DiskSample[] = [];
      const sampler = createDiskSampler({
        measure: () => workdirs.diskUsage({ maxAgeMs: 0 }),
        samples: store.diskSamples,
        clock,
        log: silentLogger(),
        intervalMs: 60_000,
        onSample: (s) => told.push(s),
      });

      const sample = await sampler.sampleOnce();

      assert.ok(sample.kinds.transcripts >= 3 * 1024 * 1024, `transcripts: ${sample.kinds.transcripts}`);
      assert.ok(sample.kinds.database > 0, 'the database file has a size');
      assert.ok(sample.freeBytes > 0 && sample.totalBytes >= sample.freeBytes);
      assert.equal(sample.measuredAt, clock.now());
      assert.deepEqual(await store.diskSamples.latest(), sample);
      assert.deepEqual(told, [sample]);
    } finally {
      await store.close();
    }
  });

  it('logs a failed measurement and keeps going', async () => {
    const clock = manualClock();
    const warnings: string[] = [];
    const log = {
      ...silentLogger(),
      warn: (_fields: unknown, message: string) => warnings.push(message),
    } as unknown as ReturnType<typeof silentLogger>;
    let calls = 0;
    const sampler = createDiskSampler({
      measure: async () => {
        calls++;
        throw new Error('du: not found');
      },
      samples: { record: async () => undefined },
      clock,
      log,
      intervalMs: 60_000,
    });

    sampler.start();
    await sampler.stop();

    assert.equal(calls, 1);
    assert.deepEqual(warnings, ['disk measurement failed; the dashboard shows the previous sample']);
  });
});
