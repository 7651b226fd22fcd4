import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scriptedRunner, startHarness } from '../../test/support/dispatch-harness.js';
import { commented } from '../../test/support/events.js';
import { silentLogger } from '../lib/logger.js';
import { Secret } from '../lib/secret.js';
import { buildHttpApp } from './build-app.js';
import { jobsRoute } from './jobs-route.js';
import { createMetrics } from './metrics.js';

async function appWith(adminToken: Secret | undefined) {
  const h = await startHarness({ runner: scriptedRunner().runner });
  const app = buildHttpApp({
    acceptDelivery: async () => ({ kind: 'rejected', reason: 'bad-headers', message: 'unused' }),
    metrics: createMetrics({ defaultMetrics: false }),
    log: silentLogger(),
    bodyLimitBytes: 1024,
    readiness: [],
    routes: [jobsRoute({ store: h.store.jobs, adminToken })],
  });
  await app.ready();
  return { h, app };
}

describe('GET /api/jobs', () => {
  it('lists jobs with their key, events, attempts, state and timings', async () => {
    const { h, app } = await appWith(new Secret('admin'));
    await h.deliver(commented(7, 'alice', '@dev please'));
    await h.dispatcher.idle();

    const response = await app.inject({ method: 'GET', url: '/api/jobs', headers: { authorization: 'Bearer admin' } });

    assert.equal(response.statusCode, 200);
    const [job] = response.json().jobs;
    assert.equal(job.key, 'dev:forge.test/acme/widget#7');
    assert.equal(job.state, 'succeeded');
    assert.equal(job.attempts, 1);
    assert.match(job.events[0].summary, /comment created on #7 by alice/);
    assert.ok(job.startedAt && job.finishedAt);
    await app.close();
    await h.close();
  });

  it('filters by state and rejects an unknown one', async () => {
    const { h, app } = await appWith(new Secret('admin'));

    const queued = await app.inject({
      method: 'GET',
      url: '/api/jobs?state=queued',
      headers: { authorization: 'Bearer admin' },
    });
    const bad = await app.inject({
      method: 'GET',
      url: '/api/jobs?state=sleeping',
      headers: { authorization: 'Bearer admin' },
    });

    assert.deepEqual(queued.json(), { jobs: [] });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error, /unknown job state\(s\): sleeping/);
    await app.close();
    await h.close();
  });

  it('takes several states, repeated or comma-separated', async () => {
    const { h, app } = await appWith(new Secret('admin'));
    await h.deliver(commented(7, 'alice', '@dev please'));
    await h.dispatcher.idle();
    const get = (query: string) =>
      app.inject({ method: 'GET', url: `/api/jobs?${query}`, headers: { authorization: 'Bearer admin' } });

    const repeated = await get('state=queued&state=succeeded');
    const commas = await get('state=queued,succeeded');
    const without = await get('state=queued&state=failed');

    assert.equal(repeated.statusCode, 200);
    assert.deepEqual(
      repeated.json().jobs.map((j: { state: string }) => j.state),
      ['succeeded'],
    );
    assert.deepEqual(commas.json(), repeated.json());
    assert.deepEqual(without.json(), { jobs: [] });
    await app.close();
    await h.close();
  });

  it('rejects a limit that is not a whole number from 1 to 1000', async () => {
    const { h, app } = await appWith(new Secret('admin'));

    const answers = await Promise.all(
      ['abc', '-5', '0', '1001', '5&limit=6'].map((limit) =>
        app.inject({ method: 'GET', url: `/api/jobs?limit=${limit}`, headers: { authorization: 'Bearer admin' } }),
      ),
    );

    assert.deepEqual(
      answers.map((a) => a.statusCode),
      [400, 400, 400, 400, 400],
    );
    assert.match(answers[0]!.json().error, /limit must be a whole number from 1 to 1000, got "abc"/);
    await app.close();
    await h.close();
  });

  it('answers 401 without the admin token, and 403 when none is configured', async () => {
    const guarded = await appWith(new Secret('admin'));
    const closed = await appWith(undefined);

    const wrong = await guarded.app.inject({
      method: 'GET',
      url: '/api/jobs',
      headers: { authorization: 'Bearer nope' },
    });
    const missing = await guarded.app.inject({ method: 'GET', url: '/api/jobs' });
    const disabled = await closed.app.inject({
      method: 'GET',
      url: '/api/jobs',
      headers: { authorization: 'Bearer admin' },
    });

    assert.equal(wrong.statusCode, 401);
    assert.equal(missing.statusCode, 401);
    assert.equal(disabled.statusCode, 403);
    assert.match(disabled.json().error, /CLAUDE_HOOKS_ADMIN_TOKEN/);
    for (const { app, h } of [guarded, closed]) {
      await app.close();
      await h.close();
    }
  });
});
