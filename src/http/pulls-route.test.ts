import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { watchedPull } from '../../test/support/watched-pull.js';
import { manualClock } from '../lib/clock.js';
import { Secret } from '../lib/secret.js';
import type { PullView } from '../pulls/pull-view.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/ports.js';
import { pullsRoute } from './pulls-route.js';

const TOKEN = 'pulls-admin';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('the pull requests on the operator API', () => {
  let store: Store;
  let app: FastifyInstance;

  before(async () => {
    store = await openStore(
      { kind: 'sqlite' },
      {
        dataDir: mkdtempSync(join(tmpdir(), 'claude-hooks-pulls-route-')),
        clock: manualClock(1_000),
        dedupWindowMs: 0,
      },
    );
    await store.pulls.saveWatched(
      watchedPull(12, {
        title: 'Fix <b>it</b>',
        checks: [{ context: 'ci/build', state: 'pending', source: 'status', targetUrl: '', description: '', at: 0 }],
        attempts: 1,
        waitingOn: 'checks to finish',
        ignored: [{ sha: 'b'.repeat(40), context: 'lint', reason: 'lint is not a required check', at: 1 }],
        updatedAt: 2_000,
      }),
    );
    await store.pulls.saveWatched(watchedPull(13, { state: 'closed', waitingOn: 'nothing: closed', updatedAt: 3_000 }));
    app = Fastify();
    pullsRoute({ adminToken: new Secret(TOKEN), pulls: store.pulls, cap: 4 })(app);
    await app.ready();
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  it('refuses a request without the admin token, and says how to open it when none is configured', async () => {
    const closed = Fastify();
    pullsRoute({ adminToken: undefined, pulls: store.pulls, cap: 4 })(closed);

    const wrong = await app.inject({ method: 'GET', url: '/api/pulls', headers: { authorization: 'Bearer x' } });
    const none = await closed.inject({ method: 'GET', url: '/api/pulls' });

    assert.equal(wrong.statusCode, 401);
    assert.equal(none.statusCode, 403);
    assert.match(none.json<{ error: string }>().error, /set CLAUDE_HOOKS_ADMIN_TOKEN/);
    await closed.close();
  });

  it('lists the open pull requests with their checks, attempts used of the cap and what they wait on', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/pulls', headers: auth });

    assert.equal(response.statusCode, 200);
    const { pulls } = response.json<{ pulls: PullView[] }>();
    assert.deepEqual(
      pulls.map((v) => [v.repo, v.number, v.title, v.checks, v.pending, v.attempts, v.waitingOn, v.lastIgnored]),
      [
        [
          'acme/widget',
          12,
          'Fix <b>it</b>',
          'pending',
          ['ci/build'],
          '1 of 4',
          'checks to finish',
          'lint is not a required check',
        ],
      ],
    );
  });

  it('adds the merged and closed ones with all=true, and names a bad query', async () => {
    const all = await app.inject({ method: 'GET', url: '/api/pulls?all=true', headers: auth });
    const bad = await app.inject({ method: 'GET', url: '/api/pulls?all=yes', headers: auth });
    const twice = await app.inject({ method: 'GET', url: '/api/pulls?all=true&all=false', headers: auth });

    assert.deepEqual(
      all.json<{ pulls: PullView[] }>().pulls.map((v) => [v.number, v.state]),
      [
        [12, 'open'],
        [13, 'closed'],
      ],
    );
    assert.deepEqual([bad.statusCode, bad.json<{ reason: string }>().reason], [400, 'bad-query']);
    assert.equal(twice.statusCode, 400);
  });
});
