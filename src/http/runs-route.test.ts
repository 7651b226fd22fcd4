import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI } from '../../test/support/service-process.js';
import { systemClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { Secret } from '../lib/secret.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/ports.js';
import { buildHttpApp } from './build-app.js';
import { createMetrics } from './metrics.js';
import { runsRoute } from './runs-route.js';

const key = { agent: 'dev', repo: 'forge.test/acme/widget', issue: 7 };

async function recordRun(store: Store): Promise<number> {
  const id = await store.runs.start({
    jobId: 3,
    key,
    attempt: 1,
    startedAt: Date.parse('2026-12-01T10:00:00Z'),
    isolation: 'bwrap',
  });
  await store.runs.finish(id, {
    sessionId: 'session-1',
    session: 'new',
    resumeFallback: undefined,
    prompt: { kind: 'full', bytes: 24, text: 'Please fix the login form' },
    finishedAt: Date.parse('2026-12-01T10:00:05Z'),
    turns: 2,
    tokens: { input: 100, output: 20, cacheRead: 0, cacheCreation: 0 },
    costUsd: 0.0123,
    outcome: 'succeeded',
    error: undefined,
    toolCalls: [{ name: 'Bash', summary: 'command: git commit -m fix' }],
    changes: [{ kind: 'comment', number: 7, url: undefined, summary: 'commented on #7' }],
    statusCommentId: 99,
    isolation: 'bwrap',
    blocked: { connections: 2, pushes: 1, hosts: ['evil.example'] },
  });
  return id;
}

/** A run recorded before runs were sandboxed: no isolation at its start, interrupted, never finished. */
async function recordOldRun(store: Store): Promise<number> {
  const id = await store.runs.start({ jobId: 2, key, attempt: 1, startedAt: Date.parse('2026-11-30T10:00:00Z') });
  await store.runs.interrupted(id, Date.parse('2026-11-30T10:01:00Z'), 'the service stopped during this run');
  return id;
}

describe('GET /api/runs', () => {
  let dataDir: string;
  let store: Store;
  let id: number;
  let oldId: number;
  let app: ReturnType<typeof buildHttpApp>;
  const auth = { authorization: 'Bearer admin' };

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-runs-route-'));
    store = await openStore({ kind: 'sqlite' }, { dataDir, clock: systemClock, dedupWindowMs: 0 });
    oldId = await recordOldRun(store);
    id = await recordRun(store);
    app = buildHttpApp({
      acceptDelivery: async () => ({ kind: 'rejected', reason: 'bad-headers', message: 'unused' }),
      metrics: createMetrics({ defaultMetrics: false }),
      log: silentLogger(),
      bodyLimitBytes: 1024,
      readiness: [],
      routes: [runsRoute({ runs: store.runs, adminToken: new Secret('admin') })],
    });
    await app.ready();
  });

  after(async () => {
    await app.close();
    await store.close();
  });

  it('lists runs with their session, outcome and cost, leaving the prompt text out', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/runs', headers: auth });

    assert.equal(response.statusCode, 200);
    const [run] = response.json().runs;
    assert.deepEqual(
      [run.id, run.session, run.outcome, run.costUsd, run.prompt.bytes, run.prompt.text],
      [id, 'new', 'succeeded', 0.0123, 24, ''],
    );
  });

  it('shows one run with its prompt, tool calls and forge changes', async () => {
    const response = await app.inject({ method: 'GET', url: `/api/runs/${id}`, headers: auth });

    const { run } = response.json();
    assert.equal(run.prompt.text, 'Please fix the login form');
    assert.deepEqual(run.toolCalls, [{ name: 'Bash', summary: 'command: git commit -m fix' }]);
    assert.equal(run.changes[0].summary, 'commented on #7');
    assert.equal(run.durationMs, 5000);
  });

  it('says how each run was isolated and what its sandbox refused, in the list and for one run', async () => {
    const list = await app.inject({ method: 'GET', url: '/api/runs', headers: auth });
    const one = await app.inject({ method: 'GET', url: `/api/runs/${id}`, headers: auth });

    const [listed] = list.json().runs;
    const blocked = { connections: 2, pushes: 1, hosts: ['evil.example'] };
    assert.deepEqual([listed.isolation, listed.blocked], ['bwrap', blocked]);
    assert.deepEqual([one.json().run.isolation, one.json().run.blocked], ['bwrap', blocked]);
  });

  it('leaves isolation and blocked out of a run recorded before runs were sandboxed', async () => {
    const response = await app.inject({ method: 'GET', url: `/api/runs/${oldId}`, headers: auth });

    const { run } = response.json();
    assert.equal(run.outcome, 'interrupted');
    assert.deepEqual(['isolation' in run, 'blocked' in run], [false, false]);
  });

  it('answers 404 for an unknown run, 400 for a bad id and 401 without the admin token', async () => {
    const missing = await app.inject({ method: 'GET', url: '/api/runs/999', headers: auth });
    const bad = await app.inject({ method: 'GET', url: '/api/runs/abc', headers: auth });
    const anonymous = await app.inject({ method: 'GET', url: '/api/runs' });

    assert.deepEqual([missing.statusCode, bad.statusCode, anonymous.statusCode], [404, 400, 401]);
    assert.match(bad.json().error, /run id must be a positive whole number, got "abc"/);
  });

  it('is what `claude-hooks runs` and `claude-hooks runs <id>` print from the data dir', async () => {
    assert.ok(await store.runs.get(id), 'the run is committed before the CLI reads it');
    const env = { PATH: process.env.PATH, CLAUDE_HOOKS_DATA_DIR: dataDir };

    const list = spawnSync(process.execPath, [CLI, 'runs'], { cwd: dataDir, env, encoding: 'utf8' });
    const one = spawnSync(process.execPath, [CLI, 'runs', String(id)], { cwd: dataDir, env, encoding: 'utf8' });

    assert.equal(list.status, 0, list.stderr);
    assert.match(
      list.stdout,
      new RegExp(
        `^${id} +3 +dev:forge.test/acme/widget#7 +2026-12-01T10:00:00.000Z +new +full 24B +2 +\\$0\\.0123 +succeeded +bwrap$`,
        'm',
      ),
    );
    assert.match(
      list.stdout,
      new RegExp(`^${oldId} +2 +.* +interrupted +-$`, 'm'),
      'a run from before sandboxing has no isolation',
    );
    assert.equal(one.status, 0, one.stderr);
    assert.match(one.stdout, /outcome: +succeeded/);
    assert.match(one.stdout, /isolation: +bwrap\n/);
    assert.match(one.stdout, /refused: +2 connections \(evil\.example\), 1 push\n/);
    assert.match(one.stdout, /Bash +command: git commit -m fix/);
    assert.match(one.stdout, /Please fix the login form\n$/);
  });
});
