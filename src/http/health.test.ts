import assert from 'node:assert/strict';
import { capturingLogger } from '../../test/support/capturing-logger.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { silentLogger, type Logger } from '../lib/logger.js';
import { buildHttpApp } from './build-app.js';
import { dataDirWritableCheck, freeDiskCheck, type ReadinessCheck } from './health.js';
import { createMetrics } from './metrics.js';

function appWith(readiness: readonly ReadinessCheck[], log: Logger = silentLogger()): FastifyInstance {
  return buildHttpApp({
    acceptDelivery: async () => {
      throw new Error('no delivery is sent in these tests');
    },
    metrics: createMetrics({ defaultMetrics: false }),
    readiness,
    log,
    bodyLimitBytes: 1024,
  });
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

const dataDir = '/srv/claude-hooks/data';
const failing = (name: string, detail: string, internal?: string): ReadinessCheck => ({
  name,
  run: async () => ({ ok: false, detail, ...(internal ? { internal } : {}) }),
});

describe('GET /readyz', () => {
  it('names the failing check with a reason, and no path, host or port, even from a check that gives them', async () => {
    const app = appWith([
      failing(
        'databaseWritable',
        'could not reach postgres://hooks:***@db.internal:5432/hooks: connect ECONNREFUSED 10.0.0.4:5432',
      ),
      failing('forge', 'forge unreachable: agent "boss": getaddrinfo ENOTFOUND forge.corp.internal'),
      {
        name: 'dataDirBroken',
        run: async () => Promise.reject(new Error(`EACCES: permission denied, open '${dataDir}/.readyz-1'`)),
      },
      { name: 'fine', run: async () => ({ ok: true, detail: 'all good' }) },
    ]);

    const response = await app.inject({ method: 'GET', url: '/readyz' });

    assert.equal(response.statusCode, 503);
    assert.deepEqual(response.json(), {
      ok: false,
      checks: {
        databaseWritable: {
          ok: false,
          detail: 'could not reach [internal address]: connect ECONNREFUSED [internal address]',
        },
        forge: { ok: false, detail: 'forge unreachable: agent "boss": getaddrinfo ENOTFOUND [internal address]' },
        dataDirBroken: { ok: false, detail: "EACCES: permission denied, open '[path]'" },
        fine: { ok: true, detail: 'all good' },
      },
    });
    await app.close();
  });

  it('logs the internal message of a failing check once, until it changes or the check passes again', async () => {
    const { log, lines } = capturingLogger();
    let state: 'down' | 'worse' | 'up' = 'down';
    const app = appWith(
      [
        {
          name: 'dataDirWritable',
          run: async () =>
            state === 'up'
              ? { ok: true, detail: 'the data dir takes writes' }
              : {
                  ok: false,
                  detail: 'the data dir does not take writes (EACCES)',
                  internal: `cannot write in ${dataDir}: ${state}`,
                },
        },
      ],
      log,
    );

    for (const next of ['down', 'down', 'worse', 'up', 'up'] as const) {
      state = next;
      await app.inject({ method: 'GET', url: '/readyz' });
    }
    await settle();

    assert.deepEqual(
      lines
        .filter((line) => String(line.msg).startsWith('readiness check'))
        .map((line) => [line.msg, line.check, line.detail]),
      [
        ['readiness check failed', 'dataDirWritable', `cannot write in ${dataDir}: down`],
        ['readiness check failed', 'dataDirWritable', `cannot write in ${dataDir}: worse`],
        ['readiness check passes again', 'dataDirWritable', undefined],
      ],
    );
    await app.close();
  });
});

describe('dataDirWritableCheck and freeDiskCheck', () => {
  it('say the data dir takes writes and how much is free, without naming the data dir; the log gets it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'claude-hooks-readyz-'));

    const writable = await dataDirWritableCheck(dir).run();
    const disk = await freeDiskCheck(dir, 0).run();

    assert.deepEqual([writable.ok, writable.detail], [true, 'the data dir takes writes']);
    assert.match(disk.detail, /^[\d.]+ \w+ free$/);
    assert.ok(!writable.detail.includes(dir) && !disk.detail.includes(dir));
    assert.ok(writable.internal?.includes(dir) && disk.internal?.includes(dir));
  });

  it('say why the data dir does not take writes by its error code, and the full error internally', async () => {
    const gone = join(mkdtempSync(join(tmpdir(), 'claude-hooks-readyz-')), 'removed-by-someone');

    const result = await dataDirWritableCheck(gone).run();

    assert.deepEqual([result.ok, result.detail], [false, 'the data dir does not take writes (ENOENT)']);
    assert.match(
      result.internal ?? '',
      new RegExp(`^cannot write in the data dir ${gone}: ENOENT: no such file or directory`),
    );
  });

  it('says free disk is below the floor, naming the setting, without the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'claude-hooks-readyz-'));

    const result = await freeDiskCheck(dir, Number.MAX_SAFE_INTEGER).run();

    assert.equal(result.ok, false);
    assert.match(result.detail, /^[\d.]+ \w+ free, below the floor of .+ \(health\.minFreeBytes\): free some space$/);
    assert.ok(!result.detail.includes(dir));
  });
});
