import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, dashboardApp, signedInCookie, type DashboardApp } from '../../test/support/dashboard-app.js';
import {
  FAILING_PULL,
  GREEN_PULL,
  HOSTILE_BRANCH,
  HOSTILE_TITLE,
  MERGED_PULL,
} from '../../test/support/dashboard-seed.js';
import type { DashboardStatus } from './status-model.js';

/** The `<tr>` of one pull request. */
function row(page: string, number: number): string {
  return new RegExp(`<tr data-pull="acme/widget#${number}">[\\s\\S]*?</tr>`).exec(page)?.[0] ?? '';
}

/** The text of one cell of a row, tags removed. */
function cell(tr: string, name: string): string {
  const inner = new RegExp(`<td[^>]*data-cell="${name}">([\\s\\S]*?)</td>`).exec(tr)?.[1] ?? '';
  return inner
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

describe('dashboard: the pull requests', () => {
  let d: DashboardApp;
  let cookie: string;

  before(async () => {
    d = await dashboardApp({}, { pulls: true });
    cookie = await signedInCookie(d);
  });
  after(() => d.close());

  const page = async () => (await d.app.inject({ method: 'GET', url: '/', headers: { cookie } })).body;

  it('shows each open pull request: its checks, attempts used of the cap, reruns, flaky checks, merging, what it waits on', async () => {
    const failing = row(await page(), FAILING_PULL);

    assert.equal(cell(failing, 'checks'), 'failure: ci/build');
    assert.equal(cell(failing, 'attempts'), '2 of 3');
    assert.equal(cell(failing, 'reruns'), '1');
    assert.equal(cell(failing, 'flaky'), 'ci/e2e');
    assert.equal(cell(failing, 'merge'), 'by a person');
    assert.match(cell(failing, 'waits-on'), /^dev to fix its failed checks last ignored: /);
    assert.match(failing, /<a href="http:\/\/forge\.test\/acme\/widget\/pulls\/21">acme\/widget#21<\/a>/);
    assert.match(failing, /dev <a href="http:\/\/forge\.test\/acme\/widget\/issues\/7">#7<\/a>/);
    const green = row(await page(), GREEN_PULL);
    assert.equal(cell(green, 'checks'), 'success');
    assert.equal(cell(green, 'merge'), 'asked for ffffffffff');
    assert.equal(cell(green, 'waits-on'), 'the forge to merge it');
  });

  it('shows untrusted titles, branch names and reasons as text', async () => {
    const html = await page();
    const failing = row(html, FAILING_PULL);

    assert.ok(!html.includes(HOSTILE_BRANCH) && !html.includes(HOSTILE_TITLE), 'nothing reaches the page as markup');
    assert.match(failing, /Crash on &lt;\/script&gt;&lt;script&gt;alert\(2\)&lt;\/script&gt;/);
    assert.match(failing, /<code>&lt;img src=x onerror=alert\(1\)&gt;<\/code> @ <code>ffffffffff<\/code>/);
    assert.match(
      cell(failing, 'waits-on'),
      /last ignored: &lt;img src=x onerror=alert\(1\)&gt; is not a required check$/,
    );
  });

  it('leaves out merged and closed ones, and carries the same rows in /api/status', async () => {
    const html = await page();
    const status = (
      await d.app.inject({ method: 'GET', url: '/api/status', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).json<DashboardStatus>();

    assert.equal(row(html, MERGED_PULL), '');
    assert.deepEqual(
      status.pulls?.shown.map((p) => [p.number, p.checks, p.attempts, p.url]),
      [
        [GREEN_PULL, 'success', '0 of 3', 'http://forge.test/acme/widget/pulls/22'],
        [FAILING_PULL, 'failure', '2 of 3', 'http://forge.test/acme/widget/pulls/21'],
      ],
    );
    assert.equal(status.pulls?.more, false);
    assert.doesNotMatch(html, /More are open than shown here/);
  });

  it('says when no open pull request is watched', async () => {
    const empty = await dashboardApp();
    try {
      const signedIn = await signedInCookie(empty);
      const html = (await empty.app.inject({ method: 'GET', url: '/', headers: { cookie: signedIn } })).body;

      assert.match(
        html,
        /<section id="pulls"><h2>Pull requests<\/h2>\s*<p class="muted">No open pull request is watched\.<\/p>/,
      );
    } finally {
      await empty.close();
    }
  });
});
