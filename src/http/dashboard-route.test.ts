import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, dashboardApp, type DashboardApp } from '../../test/support/dashboard-app.js';
import { HOSTILE_BRANCH, HOSTILE_TITLE } from '../../test/support/dashboard-seed.js';

async function signIn(d: DashboardApp): Promise<{ cookie: string; csrf: string }> {
  const response = await d.app.inject({
    method: 'POST',
    url: '/dashboard/sign-in',
    ...formRequest({ token: ADMIN_TOKEN }),
  });
  const setCookie = String(response.headers['set-cookie']);
  const cookie = setCookie.split(';')[0]!;
  const page = await d.app.inject({ method: 'GET', url: '/', headers: { cookie } });
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
  assert.ok(csrf, 'the page carries a CSRF token');
  return { cookie, csrf };
}

describe('the dashboard route', () => {
  let d: DashboardApp;

  before(async () => {
    d = await dashboardApp();
  });
  after(() => d.close());

  describe('access', () => {
    it('shows only a sign-in form without a session: no repository, prompt or cost', async () => {
      const response = await d.app.inject({ method: 'GET', url: '/' });

      assert.equal(response.statusCode, 200);
      assert.match(response.body, /<form method="post" action="\/dashboard\/sign-in"/);
      assert.doesNotMatch(response.body, /acme|widget|\$\d|Issue:/);
    });

    it('refuses the JSON status without the admin token, and serves it with the bearer token', async () => {
      const none = await d.app.inject({ method: 'GET', url: '/api/status' });
      const wrong = await d.app.inject({
        method: 'GET',
        url: '/api/status',
        headers: { authorization: 'Bearer nope' },
      });
      const right = await d.app.inject({
        method: 'GET',
        url: '/api/status',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });

      assert.deepEqual([none.statusCode, wrong.statusCode, right.statusCode], [401, 401, 200]);
      assert.match(none.json().error, /CLAUDE_HOOKS_ADMIN_TOKEN/);
      assert.equal(right.json().queue.queued, 1);
    });

    it('refuses a wrong token at sign-in, and sets a signed HttpOnly, SameSite=Strict, expiring cookie for the right one', async () => {
      const wrong = await d.app.inject({
        method: 'POST',
        url: '/dashboard/sign-in',
        ...formRequest({ token: 'guess' }),
      });
      const right = await d.app.inject({
        method: 'POST',
        url: '/dashboard/sign-in',
        ...formRequest({ token: ADMIN_TOKEN }),
      });

      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.headers['set-cookie'], undefined);
      assert.equal(right.statusCode, 303);
      assert.equal(right.headers.location, '/');
      assert.match(
        String(right.headers['set-cookie']),
        /^claude_hooks_session=\d+\.[\w-]+\.[\w-]+; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/,
      );
    });

    it('does not accept a tampered or expired cookie', async () => {
      const { cookie } = await signIn(d);
      const tampered = cookie.replace(/=(\d+)\./, (_m, expires: string) => `=${Number(expires) + 1000}.`);

      const withTampered = await d.app.inject({ method: 'GET', url: '/api/status', headers: { cookie: tampered } });
      d.clock.advance(12 * 3600_000 + 1);
      const expired = await d.app.inject({ method: 'GET', url: '/api/status', headers: { cookie } });
      d.clock.set(d.seeded.now);

      assert.deepEqual([withTampered.statusCode, expired.statusCode], [401, 401]);
    });

    it('is closed, saying how to open it, when no admin token is configured', async () => {
      const closed = await dashboardApp({}, { adminToken: undefined });
      try {
        const page = await closed.app.inject({ method: 'GET', url: '/' });
        const status = await closed.app.inject({ method: 'GET', url: '/api/status' });

        assert.match(page.body, /set CLAUDE_HOOKS_ADMIN_TOKEN/);
        assert.equal(status.statusCode, 403);
      } finally {
        await closed.close();
      }
    });
  });

  describe('the page', () => {
    it('renders payload text as text, under a policy that forbids inline script', async () => {
      const { cookie } = await signIn(d);

      const response = await d.app.inject({ method: 'GET', url: '/', headers: { cookie } });

      assert.equal(response.statusCode, 200);
      assert.ok(
        !response.body.includes(HOSTILE_BRANCH) && !response.body.includes('</script><script>'),
        'no payload markup reaches the page',
      );
      assert.ok(response.body.includes('&lt;img src=x onerror=alert(1)&gt;'));
      assert.match(String(response.headers['content-security-policy']), /script-src 'self'/);
      assert.doesNotMatch(response.body, /<script>/);
    });

    it("shows one run's prompt, tool calls and forge changes, escaped", async () => {
      const { cookie } = await signIn(d);

      const response = await d.app.inject({
        method: 'GET',
        url: `/dashboard/runs/${d.seeded.hostileRunId}`,
        headers: { cookie },
      });

      assert.equal(response.statusCode, 200);
      assert.ok(!response.body.includes(HOSTILE_TITLE) && !response.body.includes(HOSTILE_BRANCH));
      assert.ok(response.body.includes('Crash on &lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;'));
      assert.match(response.body, /#\d+ comment \(mention\)/);
      assert.match(response.body, /opened a pull request from &lt;img/);
    });

    it('answers 400 for a run id that is not a number and 404 for an unknown run', async () => {
      const { cookie } = await signIn(d);

      const bad = await d.app.inject({ method: 'GET', url: '/dashboard/runs/abc', headers: { cookie } });
      const unknown = await d.app.inject({ method: 'GET', url: '/dashboard/runs/99999', headers: { cookie } });

      assert.deepEqual([bad.statusCode, unknown.statusCode], [400, 404]);
      assert.match(bad.body, /run id must be a positive whole number, got &quot;abc&quot;/);
    });
  });

  describe('actions', () => {
    it('refuses an action without the session cookie', async () => {
      const { csrf } = await signIn(d);

      const response = await d.app.inject({
        method: 'POST',
        url: '/dashboard/actions/cancel-job',
        ...formRequest({ csrf, job: String(d.seeded.queuedJobId), confirm: 'yes' }),
      });

      assert.equal(response.statusCode, 401);
      assert.equal((await d.store.jobs.listJobs({ states: ['queued'] })).length, 1);
    });

    it("refuses an action without the session's CSRF token, or with another session's", async () => {
      const mine = await signIn(d);
      const theirs = await signIn(d);

      const missing = await d.app.inject({
        method: 'POST',
        url: '/dashboard/actions/cancel-job',
        ...formRequest({ job: String(d.seeded.queuedJobId), confirm: 'yes' }, mine.cookie),
      });
      const foreign = await d.app.inject({
        method: 'POST',
        url: '/dashboard/actions/cancel-job',
        ...formRequest({ csrf: theirs.csrf, job: String(d.seeded.queuedJobId), confirm: 'yes' }, mine.cookie),
      });

      assert.deepEqual([missing.statusCode, foreign.statusCode], [403, 403]);
      assert.match(missing.body, /CSRF/);
      assert.equal((await d.store.jobs.listJobs({ states: ['queued'] })).length, 1);
    });

    it('asks for confirmation first, then cancels the queued job', async () => {
      const { cookie, csrf } = await signIn(d);
      const fields = { csrf, job: String(d.seeded.queuedJobId) };

      const asked = await d.app.inject({
        method: 'POST',
        url: '/dashboard/actions/cancel-job',
        ...formRequest(fields, cookie),
      });
      const stillQueued = (await d.store.jobs.listJobs({ states: ['queued'] })).length;
      const done = await d.app.inject({
        method: 'POST',
        url: '/dashboard/actions/cancel-job',
        ...formRequest({ ...fields, confirm: 'yes' }, cookie),
      });

      assert.equal(asked.statusCode, 200);
      assert.match(asked.body, /Cancel queued job \d+\?/);
      assert.match(asked.body, /name="confirm" value="yes"/);
      assert.equal(stillQueued, 1);
      assert.equal(done.statusCode, 200);
      assert.match(done.body, /was cancelled/);
      assert.equal((await d.store.jobs.listJobs({ states: ['cancelled'] }))[0]?.id, d.seeded.queuedJobId);
    });

    it('names what is wrong with a bad field or an unknown action', async () => {
      const { cookie, csrf } = await signIn(d);

      const badJob = await d.app.inject({
        method: 'POST',
        url: '/dashboard/actions/cancel-job',
        ...formRequest({ csrf, job: '1; drop' }, cookie),
      });
      const unknown = await d.app.inject({
        method: 'POST',
        url: '/dashboard/actions/format-disk',
        ...formRequest({ csrf }, cookie),
      });
      const sweep = await d.app.inject({
        method: 'POST',
        url: '/dashboard/actions/run-sweeper',
        ...formRequest({ csrf }, cookie),
      });

      assert.deepEqual([badJob.statusCode, unknown.statusCode, sweep.statusCode], [400, 400, 400]);
      assert.match(badJob.body, /job must be a job id/);
      assert.match(unknown.body, /unknown action &quot;format-disk&quot;/);
      assert.match(sweep.body, /run-sweeper is not available in this build/);
    });

    it('resumes a paused key after confirmation', async () => {
      const { cookie, csrf } = await signIn(d);
      const key = 'boss:forge.test/acme/widget#3';

      const done = await d.app.inject({
        method: 'POST',
        url: '/dashboard/actions/resume-key',
        ...formRequest({ csrf, key, confirm: 'yes' }, cookie),
      });

      assert.equal(done.statusCode, 200);
      assert.equal(
        await d.store.jobs.pausedUntil({ agent: 'boss', repo: 'forge.test/acme/widget', issue: 3 }, d.clock.now()),
        undefined,
      );
    });
  });
});

function formRequest(fields: Record<string, string>, cookie?: string) {
  return {
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    payload: new URLSearchParams(fields).toString(),
  };
}
