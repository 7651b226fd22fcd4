import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, dashboardApp, signedInCookie, type DashboardApp } from '../../test/support/dashboard-app.js';
import { HOSTILE_BRANCH } from '../../test/support/dashboard-seed.js';
import { runFinish } from '../../test/store-contract/fixtures.js';

const HOUR = 3600_000;

/** The `<tr>` of one run in the recent runs table. */
function runRow(page: string, id: number): string {
  return new RegExp(`<tr data-run="${id}">[\\s\\S]*?</tr>`).exec(page)?.[0] ?? '';
}

describe('dashboard: how runs are isolated', () => {
  let d: DashboardApp;
  let cookie: string;

  before(async () => {
    d = await dashboardApp();
    cookie = await signedInCookie(d);
  });
  after(() => d.close());

  const get = async (url: string) => (await d.app.inject({ method: 'GET', url, headers: { cookie } })).body;

  describe('the main page', () => {
    it('shows no warning when the service sandboxes its runs, and says it does', async () => {
      const page = await get('/');

      assert.doesNotMatch(page, /isolation-banner/);
      assert.match(page, /isolation: <span data-stat="isolation">bwrap<\/span>/);
    });

    it('puts a warning above everything when the service runs agents unsandboxed, and /api/status says so', async () => {
      const unconfined = await dashboardApp({}, { isolation: 'none' });
      try {
        const own = await signedInCookie(unconfined);
        const page = (await unconfined.app.inject({ method: 'GET', url: '/', headers: { cookie: own } })).body;
        const status = await unconfined.app.inject({
          method: 'GET',
          url: '/api/status',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });

        assert.match(
          page,
          /<p class="banner warning" role="alert" id="isolation-banner"><strong>isolation: none — agent runs are not sandboxed\.<\/strong>/,
        );
        assert.ok(
          page.indexOf('isolation-banner') < page.indexOf('<main id="status">'),
          'the banner comes before the sections',
        );
        assert.equal(status.json().isolation, 'none');
      } finally {
        await unconfined.close();
      }
    });

    it('marks the recent runs that were not sandboxed', async () => {
      const status = (
        await d.app.inject({ method: 'GET', url: '/api/status', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      ).json() as {
        isolation: string;
        runs: Array<{ id: number; isolation: string }>;
      };
      const page = await get('/');
      const unsandboxed = status.runs.filter((run) => run.isolation === 'none');
      const sandboxed = status.runs.find((run) => run.isolation === 'bwrap');

      assert.equal(status.isolation, 'bwrap');
      assert.ok(unsandboxed.length > 0 && sandboxed, 'the seed has runs of both kinds');
      for (const run of unsandboxed)
        assert.match(
          runRow(page, run.id),
          /<strong class="unsandboxed" title="this run was not sandboxed">none<\/strong>/,
        );
      assert.match(runRow(page, sandboxed.id), /<td>bwrap<\/td><\/tr>/);
    });
  });

  describe('the run page', () => {
    it('says a sandboxed run was, and lists what its sandbox refused, escaped', async () => {
      const page = await get(`/dashboard/runs/${d.seeded.hostileRunId}`);

      assert.match(page, /<p id="isolation">isolation: bwrap<\/p>/);
      assert.match(
        page,
        /<li>3 connections refused by the egress proxy: evil\.example, &lt;img src=x onerror=alert\(1\)&gt;<\/li>/,
      );
      assert.match(page, /<li>1 push refused by the git proxy<\/li>/);
      assert.ok(!page.includes(HOSTILE_BRANCH), 'a refused host name is text');
    });

    it('warns that an unsandboxed run was not sandboxed, and lists nothing refused (it had no proxy)', async () => {
      const id = await d.store.runs.start({
        jobId: 1,
        key: { agent: 'dev', repo: 'forge.test/acme/widget', issue: 4 },
        attempt: 1,
        startedAt: d.seeded.now - HOUR,
        isolation: 'none',
      });
      await d.store.runs.interrupted(id, d.seeded.now - HOUR + 1000, 'stopped');

      const page = await get(`/dashboard/runs/${id}`);

      assert.match(
        page,
        /<p id="isolation" class="warning" role="alert"><strong>isolation: none — this run was not sandboxed<\/strong><\/p>/,
      );
      assert.doesNotMatch(page, /id="blocked"/);
    });

    it('shows only the non-zero refusals, and says when nothing was refused', async () => {
      const key = { agent: 'dev', repo: 'forge.test/acme/widget', issue: 5 };
      const finish = async (blocked: { connections: number; pushes: number; hosts: string[] }) => {
        const id = await d.store.runs.start({
          jobId: 1,
          key,
          attempt: 1,
          startedAt: d.seeded.now - HOUR,
          isolation: 'bwrap',
        });
        await d.store.runs.finish(id, runFinish({ finishedAt: d.seeded.now - HOUR + 1000, blocked }));
        return get(`/dashboard/runs/${id}`);
      };

      const pushOnly = await finish({ connections: 0, pushes: 2, hosts: [] });
      const nothing = await finish({ connections: 0, pushes: 0, hosts: [] });

      assert.match(pushOnly, /<li>2 pushes refused by the git proxy<\/li>/);
      assert.doesNotMatch(pushOnly, /egress proxy/);
      assert.match(nothing, /<p id="blocked" class="muted">Nothing was refused\.<\/p>/);
    });

    it('says a run from before sandboxing has no isolation recorded', async () => {
      const id = await d.store.runs.start({
        jobId: 1,
        key: { agent: 'dev', repo: 'forge.test/acme/widget', issue: 6 },
        attempt: 1,
        startedAt: d.seeded.now - HOUR,
      });
      await d.store.runs.interrupted(id, d.seeded.now - HOUR + 1000, 'stopped');

      const page = await get(`/dashboard/runs/${id}`);

      assert.match(page, /isolation: not recorded/);
      assert.doesNotMatch(page, /id="blocked"|role="alert"/);
    });
  });
});
