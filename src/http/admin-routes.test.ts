import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { systemClock } from '../lib/clock.js';
import { Secret } from '../lib/secret.js';
import { adminRoutes, type AdminRoutesOptions } from './admin-routes.js';

describe('the admin routes with no admin token configured', () => {
  for (const [method, url] of [
    ['POST', '/admin/reset'],
    ['POST', '/admin/pause'],
    ['POST', '/admin/jobs/1/cancel'],
    ['GET', '/api/sessions'],
    ['GET', '/api/audit'],
  ] as const) {
    it(`answers ${method} ${url} 403 with how to enable the API`, async () => {
      // Nothing else is given: a handler reached past the guard would fail with a 500.
      const app = Fastify();
      adminRoutes({ adminToken: undefined, clock: systemClock } as unknown as AdminRoutesOptions)(app);

      const response = await app.inject({
        method,
        url,
        payload: method === 'POST' ? { agent: 'dev', scope: 'all' } : undefined,
      });

      assert.equal(response.statusCode, 403);
      assert.match(response.json<{ error: string }>().error, /set CLAUDE_HOOKS_ADMIN_TOKEN/);
      await app.close();
    });
  }
});

describe('POST /admin/sweep', () => {
  async function sweepWith(payload: unknown) {
    const calls: unknown[] = [];
    const audit: unknown[] = [];
    const app = Fastify();
    adminRoutes({
      adminToken: new Secret('admin'),
      audit: { record: async (entry: unknown) => void audit.push(entry) },
      sweep: async (options: { task?: string }) => {
        if (options.task === 'everything')
          throw Object.assign(new Error('unknown sweep task "everything"'), { code: 'UNKNOWN_SWEEP_TASK' });
        calls.push(options);
        return { swept: true };
      },
      clock: systemClock,
    } as unknown as AdminRoutesOptions)(app);
    const response = await app.inject({
      method: 'POST',
      url: '/admin/sweep',
      headers: { authorization: 'Bearer admin' },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    await app.close();
    return { status: response.statusCode, body: response.json<{ error?: string; reason?: string }>(), calls };
  }

  it('sweeps every task for real when the body is empty, and as asked otherwise', async () => {
    const empty = await sweepWith(undefined);
    const dry = await sweepWith({ dryRun: true, task: 'sessions' });

    assert.deepEqual([empty.status, empty.calls], [200, [{ dryRun: false }]]);
    assert.deepEqual([dry.status, dry.calls], [200, [{ dryRun: true, task: 'sessions' }]]);
  });

  it('refuses a body its schema does not allow, naming the field, and sweeps nothing', async () => {
    const notBoolean = await sweepWith({ dryRun: 'yes' });
    const unknownField = await sweepWith({ dryRun: true, everything: true });

    assert.deepEqual([notBoolean.status, notBoolean.body.reason, notBoolean.calls], [400, 'bad-body', []]);
    assert.match(notBoolean.body.error ?? '', /^dryRun: must be true or false/);
    assert.deepEqual([unknownField.status, unknownField.calls], [400, []]);
    assert.match(unknownField.body.error ?? '', /everything/);
  });

  it('answers 400 for a task the sweeper does not know, and 500 naming the action for any other failure', async () => {
    const unknown = await sweepWith({ task: 'everything' });

    assert.deepEqual(
      [unknown.status, unknown.body],
      [400, { error: 'unknown sweep task "everything"', reason: 'unknown-task' }],
    );
  });
});
