import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { manualClock } from '../lib/clock.js';
import { Secret } from '../lib/secret.js';
import { milestoneReads } from '../dashboard/milestone-reads.js';
import type { MilestoneReport } from '../milestones/report.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/ports.js';
import { milestonesRoute } from './milestones-route.js';

const REPO = 'forge.test/acme/widget';
const TOKEN = 'milestone-admin';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('the milestones on the operator API', () => {
  let store: Store;
  let app: FastifyInstance;
  const clock = manualClock(1_000);
  const touched: string[] = [];

  before(async () => {
    store = await openStore(
      { kind: 'sqlite' },
      { dataDir: mkdtempSync(join(tmpdir(), 'claude-hooks-milestones-route-')), clock, dedupWindowMs: 0 },
    );
    await store.milestones.upsertMilestone(REPO, 1, { optedIn: true }, 1);
    await store.milestones.upsertStory(
      { repo: REPO, number: 1, title: 'Milestone <one>', state: 'open', upstream: [] },
      2,
    );
    for (const [number, upstream] of [
      [2, []],
      [3, [2]],
    ] as const)
      await store.milestones.upsertStory(
        { repo: REPO, number, tracking: 1, title: `Story ${number}`, state: 'open', upstream },
        2,
      );
    app = Fastify();
    milestonesRoute({
      adminToken: new Secret(TOKEN),
      reads: milestoneReads(store, {
        agents: [{ name: 'dev', role: 'implementer' }],
        milestones: { stacking: false, maxInFlight: 2 },
      }),
      milestones: store.milestones,
      touched: (repo, tracking) => void touched.push(`${repo}#${tracking}`),
      audit: store.audit,
      clock,
    })(app);
    await app.ready();
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  it('refuses a request without the admin token, and says how to open it when none is configured', async () => {
    const closed = Fastify();
    milestonesRoute({ adminToken: undefined } as never)(closed);

    const wrong = await app.inject({ method: 'GET', url: '/api/milestones', headers: { authorization: 'Bearer x' } });
    const none = await closed.inject({ method: 'POST', url: '/admin/milestones/acme%2Fwidget/1/pause' });

    assert.equal(wrong.statusCode, 401);
    assert.equal(none.statusCode, 403);
    assert.match(none.json<{ error: string }>().error, /set CLAUDE_HOOKS_ADMIN_TOKEN/);
    await closed.close();
  });

  it('lists every milestone with its progress, what is ready and what waits on what', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/milestones', headers: auth });

    assert.equal(response.statusCode, 200);
    const [view] = response.json<{ milestones: MilestoneReport[] }>().milestones;
    assert.equal(view?.title, 'Milestone <one>');
    assert.deepEqual(view?.progress, {
      done: 0,
      total: 2,
      inProgress: 0,
      ready: 1,
      waiting: 1,
      blocked: 0,
      notPlanned: 0,
    });
    assert.deepEqual(view?.next, [2]);
    assert.deepEqual(view?.blocked, [{ number: 3, title: 'Story 3', on: [2], problems: [] }]);
    assert.equal(view?.maxInFlight, 2);
  });

  it('shows one milestone named by its url-encoded owner/name and tracking issue, and says why it cannot', async () => {
    const one = await app.inject({ method: 'GET', url: '/api/milestones/acme%2Fwidget/1', headers: auth });
    const unknown = await app.inject({ method: 'GET', url: '/api/milestones/acme%2Fwidget/9', headers: auth });
    const badNumber = await app.inject({ method: 'GET', url: '/api/milestones/acme%2Fwidget/one', headers: auth });
    const badRepo = await app.inject({ method: 'GET', url: '/api/milestones/widget/1', headers: auth });

    assert.equal(one.statusCode, 200);
    assert.deepEqual(one.json<{ milestone: MilestoneReport }>().milestone.criticalPath, [2, 3]);
    assert.deepEqual([unknown.statusCode, unknown.json<{ reason: string }>().reason], [404, 'not-found']);
    assert.deepEqual([badNumber.statusCode, badNumber.json<{ reason: string }>().reason], [400, 'bad-id']);
    assert.deepEqual([badRepo.statusCode, badRepo.json<{ reason: string }>().reason], [400, 'bad-name']);
  });

  it('pauses a milestone — nothing starts, what is ready still shows — and resumes it, telling the driver and auditing both', async () => {
    const paused = await app.inject({ method: 'POST', url: '/admin/milestones/acme%2Fwidget/1/pause', headers: auth });
    const whilePaused = (
      await app.inject({ method: 'GET', url: '/api/milestones/acme%2Fwidget/1', headers: auth })
    ).json<{ milestone: MilestoneReport }>().milestone;
    const stored = await store.milestones.getMilestone(REPO, 1);
    const resumed = await app.inject({
      method: 'POST',
      url: '/admin/milestones/acme%2Fwidget/1/resume',
      headers: auth,
      payload: {},
    });

    assert.equal(paused.statusCode, 200);
    assert.deepEqual(paused.json<{ milestone: string; paused: boolean }>().milestone, 'acme/widget#1');
    assert.equal(stored?.paused, true);
    assert.deepEqual([whilePaused.paused, whilePaused.ready.length, whilePaused.next], [true, 1, []]);
    assert.equal(resumed.statusCode, 200);
    assert.equal((await store.milestones.getMilestone(REPO, 1))?.paused, false);
    assert.deepEqual(touched.splice(0), [`${REPO}#1`, `${REPO}#1`]);
    const audit = await store.audit.list(2);
    assert.deepEqual(
      audit.map((a) => [a.action, a.status, a.params]),
      [
        ['milestone resume', 200, { repo: 'acme/widget', number: '1' }],
        ['milestone pause', 200, { repo: 'acme/widget', number: '1' }],
      ],
    );
  });

  it('refuses to pause a milestone it does not know, or with fields it does not take, and records neither', async () => {
    const unknown = await app.inject({ method: 'POST', url: '/admin/milestones/acme%2Fwidget/9/pause', headers: auth });
    const extra = await app.inject({
      method: 'POST',
      url: '/admin/milestones/acme%2Fwidget/1/pause',
      headers: auth,
      payload: { hours: 2 },
    });

    assert.deepEqual([unknown.statusCode, unknown.json<{ reason: string }>().reason], [404, 'not-found']);
    assert.deepEqual([extra.statusCode, extra.json<{ reason: string }>().reason], [400, 'bad-body']);
    assert.equal(await store.milestones.getMilestone(REPO, 9), undefined, 'an unknown milestone is not made up');
    assert.equal((await store.milestones.getMilestone(REPO, 1))?.paused, false);
    assert.deepEqual(touched, [], 'the driver is told of no change');
    assert.deepEqual(
      (await store.audit.list(2)).map((a) => [a.action, a.status]),
      [
        ['milestone pause', 400],
        ['milestone pause', 404],
      ],
    );
  });
});
