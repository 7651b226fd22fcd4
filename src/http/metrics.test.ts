import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { silentLogger } from '../lib/logger.js';
import { Secret } from '../lib/secret.js';
import { buildHttpApp } from './build-app.js';
import { createMetrics } from './metrics.js';

const TOKEN = 'metrics-token-for-prometheus';

function appWith(metricsToken: Secret | undefined): FastifyInstance {
  return buildHttpApp({
    acceptDelivery: async () => {
      throw new Error('no delivery is sent in these tests');
    },
    metrics: createMetrics({ defaultMetrics: false }),
    readiness: [],
    log: silentLogger(),
    bodyLimitBytes: 1024,
    metricsToken,
  });
}

describe('GET /metrics', () => {
  it('is open when no metrics token is configured', async () => {
    const app = appWith(undefined);

    const response = await app.inject({ method: 'GET', url: '/metrics' });

    assert.equal(response.statusCode, 200);
    assert.match(response.body, /claude_hooks_deliveries_total/);
    await app.close();
  });

  it('asks for the token with 401 and a clear message when it is missing or wrong', async () => {
    const app = appWith(new Secret(TOKEN));

    for (const authorization of [
      undefined,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      TOKEN,
      `Basic ${TOKEN}`,
      'Bearer ',
    ]) {
      const response = await app.inject({
        method: 'GET',
        url: '/metrics',
        headers: authorization === undefined ? {} : { authorization },
      });

      assert.equal(response.statusCode, 401, String(authorization));
      assert.equal(response.headers['www-authenticate'], 'Bearer realm="metrics"');
      assert.match(
        response.json().error,
        /^missing or wrong metrics token: send "Authorization: Bearer <server\.metricsToken>"/,
      );
      assert.doesNotMatch(response.body, /claude_hooks_/);
    }
    await app.close();
  });

  it('answers the scrape with the right bearer token', async () => {
    const app = appWith(new Secret(TOKEN));

    const response = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
    });

    assert.equal(response.statusCode, 200);
    assert.match(response.body, /claude_hooks_deliveries_total/);
    await app.close();
  });

  it('keeps /healthz and /readyz open when /metrics has a token', async () => {
    const app = appWith(new Secret(TOKEN));

    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    await app.close();
  });
});
