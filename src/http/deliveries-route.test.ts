import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { gate, scriptedRunner, startHarness, type Harness } from '../../test/support/dispatch-harness.js';
import { commented, REPO } from '../../test/support/events.js';
import { CLI } from '../../test/support/service-process.js';
import { until } from '../../test/support/wait.js';
import type { RepoRef } from '../core/events.js';
import { silentLogger } from '../lib/logger.js';
import { Secret } from '../lib/secret.js';
import { ForgeUnavailableError } from '../core/transient.js';
import { buildHttpApp } from './build-app.js';
import { deliveriesRoute } from './deliveries-route.js';
import { createMetrics } from './metrics.js';

const OTHER: RepoRef = { ...REPO, name: 'other', fullName: 'acme/other' };

/**
 * One delivery for each reason nothing (or something) ran, oldest first: a mention by a user
 * without write access, one by a writer (running), a follow-up (queued), a repository not
 * configured, a comment no trigger matches, and one whose permission check the forge could not
 * answer (waiting to be routed again).
 */
async function scene(): Promise<{ h: Harness; release: () => void }> {
  const hold = gate();
  const { runner, runs } = scriptedRunner(async () => {
    await hold.promise;
    return { ok: true };
  });
  const h = await startHarness({ runner, writers: ['alice'], repositories: ['acme/widget'] });
  h.setCanTrigger(async (_repo, login) => {
    if (login === 'bob')
      throw new ForgeUnavailableError(
        "could not check bob's permission on acme/widget: forge API GET … failed with 502",
      );
    return login === 'alice';
  });
  await h.deliver(commented(7, 'mallory', '@dev rm -rf please'));
  await h.deliver(commented(8, 'alice', '@dev please'));
  await until(() => runs.length === 1, 'the writer’s job to run');
  await h.deliver(commented(8, 'alice', '@dev and this'));
  await h.deliver(commented(9, 'alice', '@dev over here', { repo: OTHER }));
  await h.deliver(commented(10, 'alice', 'thanks!'));
  await h.deliver(commented(11, 'bob', '@dev from bob'));
  await until(
    async () => (await h.store.jobs.listJobs({ states: ['queued'] })).length === 1,
    'the follow-up to be queued',
  );
  await until(
    async () => (await h.store.deliveryHistory.recent(6)).filter((d) => d.routing?.routedAt !== null).length === 5,
    'all but bob’s to be routed',
  );
  return { h, release: hold.open };
}

const EXPECTED = [
  /^event \d+: not routed yet/,
  /^event \d+: no agent’s trigger matched$/,
  /^event \d+: all agents: skipped — acme\/other is not in forge.repositories$/,
  /^event \d+: dev: queued job 2 \(mention\)$/,
  /^event \d+: dev: job 1 running \(mention\)$/,
  /^event \d+: dev: skipped — mallory has no write access to acme\/widget and is not in dispatch.allowUsers$/,
];

describe('GET /api/deliveries', () => {
  it('shows, per delivery, each agent’s decision and its reason', async () => {
    const { h, release } = await scene();
    const app = buildHttpApp({
      acceptDelivery: async () => ({ kind: 'rejected', reason: 'bad-headers', message: 'unused' }),
      metrics: createMetrics({ defaultMetrics: false }),
      log: silentLogger(),
      bodyLimitBytes: 1024,
      readiness: [],
      routes: [deliveriesRoute({ history: h.store.deliveryHistory, adminToken: new Secret('admin') })],
    });
    await app.ready();
    try {
      const response = await app.inject({
        method: 'GET',
        url: '/api/deliveries?limit=6',
        headers: { authorization: 'Bearer admin' },
      });
      const unauthorised = await app.inject({ method: 'GET', url: '/api/deliveries' });
      const bad = await app.inject({
        method: 'GET',
        url: '/api/deliveries?limit=lots',
        headers: { authorization: 'Bearer admin' },
      });

      assert.equal(response.statusCode, 200);
      const deliveries = response.json().deliveries as Array<{
        became: string;
        routing: { decisions: Array<{ agent: string; kind: string }> };
      }>;
      assert.equal(deliveries.length, EXPECTED.length);
      for (const [i, d] of deliveries.entries()) assert.match(d.became, EXPECTED[i]!);
      assert.deepEqual(deliveries[5]!.routing.decisions, [
        {
          agent: 'dev',
          kind: 'skipped',
          reason: 'mallory has no write access to acme/widget and is not in dispatch.allowUsers',
        },
      ]);
      assert.equal(unauthorised.statusCode, 401);
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error, /limit must be a whole number/);
    } finally {
      release();
      await app.close();
      await h.close();
    }
  });
});

describe('claude-hooks deliveries', () => {
  it('prints each agent’s decision and its reason beside the delivery', async () => {
    const { h, release } = await scene();
    release();
    await until(
      async () => (await h.store.jobs.listJobs({ states: ['succeeded'] })).length === 2,
      'both jobs to finish',
    );
    await h.close();

    const result = spawnSync(process.execPath, [CLI, 'deliveries', '--limit', '6'], {
      cwd: h.dataDir,
      env: { PATH: process.env.PATH, CLAUDE_HOOKS_DATA_DIR: h.dataDir },
      encoding: 'utf8',
    });

    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trim().split('\n').slice(1);
    assert.match(lines[2]!, /all agents: skipped — acme\/other is not in forge.repositories$/);
    assert.match(lines[3]!, /dev: job 2 succeeded \(mention\)$/);
    assert.match(
      lines[5]!,
      /dev: skipped — mallory has no write access to acme\/widget and is not in dispatch.allowUsers$/,
    );
  });
});
