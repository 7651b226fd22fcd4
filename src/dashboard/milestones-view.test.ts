import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, dashboardApp, signedInCookie, type DashboardApp } from '../../test/support/dashboard-app.js';
import { HOSTILE_BRANCH, HOSTILE_TITLE } from '../../test/support/dashboard-seed.js';
import { ACTIVE, MILESTONE_REPO, PAUSED } from '../../test/support/milestone-seed.js';
import type { DashboardStatus } from './status-model.js';

/** The `<article>` of one milestone. */
function article(page: string, tracking: number): string {
  return (
    new RegExp(`<article class="milestone" data-milestone="${MILESTONE_REPO}#${tracking}">[\\s\\S]*?</article>`).exec(
      page,
    )?.[0] ?? ''
  );
}

/** The text of one row's cell in a milestone's table, tags removed. */
function row(html: string, name: string): string {
  const cell = new RegExp(`<tr data-row="${name}"><th>[^<]*</th><td>([\\s\\S]*?)</td></tr>`).exec(html)?.[1] ?? '';
  return cell
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

describe('dashboard: the milestones', () => {
  let d: DashboardApp;
  let cookie: string;

  before(async () => {
    d = await dashboardApp({}, { milestones: true });
    cookie = await signedInCookie(d);
  });
  after(() => d.close());

  const page = async () => (await d.app.inject({ method: 'GET', url: '/', headers: { cookie } })).body;
  const form = (fields: Record<string, string>) => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    payload: new URLSearchParams(fields).toString(),
  });
  const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

  it('shows each open milestone with its progress, what is ready, blocked on what, in flight, and its critical path', async () => {
    const active = article(await page(), ACTIVE);

    assert.match(
      active.replace(/<[^>]+>/g, '').replace(/\s+/g, ' '),
      /1 of 7 done · 2 in flight · 1 ready · 3 blocked · running · stacking off/,
    );
    assert.equal(row(active, 'ready'), '#103 Webhook intake starts next');
    assert.match(
      row(active, 'blocked'),
      /^#104 .* — waits on #102 , #103 #105 Story 105 — blocked by a problem \(below\) #106/,
    );
    assert.equal(row(active, 'in-flight'), '#7 Login #102 Workdir module — PR #402');
    assert.equal(row(active, 'critical-path'), '#102 → #104');
    assert.match(active, /<a href="http:\/\/forge\.test\/acme\/widget\/issues\/402">#402<\/a>/);
    assert.match(active, /<ul class="problems"><li class="error">#105 → #106 → #105 is a cycle/);
  });

  it('shows untrusted titles as text', async () => {
    const html = await page();
    const active = article(html, ACTIVE);

    assert.ok(!html.includes(HOSTILE_BRANCH) && !html.includes(HOSTILE_TITLE), 'no title reaches the page as markup');
    assert.match(active, /<h3><a href="[^"]+\/issues\/100">acme\/widget#100<\/a> Release Crash on &lt;\/script&gt;/);
    assert.match(row(active, 'blocked'), /#104 &lt;img src=x onerror=alert\(1\)&gt; — waits on/);
  });

  it('says a paused milestone starts nothing, offers to resume it, and leaves out a closed one', async () => {
    const html = await page();
    const status = (
      await d.app.inject({ method: 'GET', url: '/api/status', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).json<DashboardStatus>();

    assert.match(article(html, PAUSED), /<strong class="paused">paused<\/strong>: no new story starts/);
    assert.match(article(html, PAUSED), /action="\/dashboard\/actions\/resume-milestone"/);
    assert.doesNotMatch(row(article(html, PAUSED), 'ready'), /starts next/);
    assert.match(article(html, ACTIVE), /action="\/dashboard\/actions\/pause-milestone"/);
    assert.deepEqual(
      status.milestones?.shown.map((m) => [m.tracking, m.paused, m.next]),
      [
        [ACTIVE, false, [103]],
        [PAUSED, true, []],
      ],
    );
    assert.equal(status.milestones?.closed, 1);
    assert.match(html, /Not shown: <strong data-stat="milestones.closed">1<\/strong> closed/);
  });

  it('pauses a milestone after the confirmation step, and audits it', async () => {
    const csrf = csrfOf(await page());
    const fields = { csrf, milestone: `${MILESTONE_REPO}#${ACTIVE}` };

    const asked = await d.app.inject({ method: 'POST', url: '/dashboard/actions/pause-milestone', ...form(fields) });
    const pausedBefore = (await d.store.milestones.getMilestone(MILESTONE_REPO, ACTIVE))?.paused;
    const done = await d.app.inject({
      method: 'POST',
      url: '/dashboard/actions/pause-milestone',
      ...form({ ...fields, confirm: 'yes' }),
    });
    const again = await d.app.inject({
      method: 'POST',
      url: '/dashboard/actions/pause-milestone',
      ...form({ ...fields, confirm: 'yes' }),
    });
    const resumed = await d.app.inject({
      method: 'POST',
      url: '/dashboard/actions/resume-milestone',
      ...form({ ...fields, confirm: 'yes' }),
    });

    assert.match(
      asked.body,
      /Pause milestone forge\.test\/acme\/widget#100\? No new story of it starts; those in flight finish\./,
    );
    assert.equal(pausedBefore, false, 'nothing is done before the confirmation');
    assert.equal(done.statusCode, 200);
    assert.match(done.body, /milestone acme\/widget#100 is paused/);
    assert.deepEqual([again.statusCode, /is already paused/.test(again.body)], [409, true]);
    assert.equal(resumed.statusCode, 200);
    assert.equal((await d.store.milestones.getMilestone(MILESTONE_REPO, ACTIVE))?.paused, false);
    assert.deepEqual(
      (await d.store.audit.list(3)).map((a) => [a.source, a.action, a.status]),
      [
        ['dashboard', 'milestone resume', 200],
        ['dashboard', 'milestone pause', 409],
        ['dashboard', 'milestone pause', 200],
      ],
    );
  });

  it('names a bad milestone field, and refuses one it does not know', async () => {
    const csrf = csrfOf(await page());

    const bad = await d.app.inject({
      method: 'POST',
      url: '/dashboard/actions/pause-milestone',
      ...form({ csrf, milestone: 'acme/widget#100', confirm: 'yes' }),
    });
    const unknown = await d.app.inject({
      method: 'POST',
      url: '/dashboard/actions/pause-milestone',
      ...form({ csrf, milestone: `${MILESTONE_REPO}#999`, confirm: 'yes' }),
    });

    assert.deepEqual(
      [bad.statusCode, /milestone must be host\/owner\/name#tracking-issue/.test(bad.body)],
      [400, true],
    );
    assert.deepEqual([unknown.statusCode, /no milestone acme\/widget#999/.test(unknown.body)], [409, true]);
    assert.equal(await d.store.milestones.getMilestone(MILESTONE_REPO, 999), undefined);
  });
});
