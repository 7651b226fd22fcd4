import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { systemClock } from '../lib/clock.js';
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

      const response = await app.inject({ method, url, payload: method === 'POST' ? { agent: 'dev', scope: 'all' } : undefined });

      assert.equal(response.statusCode, 403);
      assert.match(response.json<{ error: string }>().error, /set CLAUDE_HOOKS_ADMIN_TOKEN/);
      await app.close();
    });
  }
});
