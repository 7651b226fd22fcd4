/**
 * The dashboard in real headless Chromium (Debian's package, driven by playwright-core): sign in,
 * the page loads with no console error, its figures match /api/status, payload text stays text,
 * the milestones show and pause, the pull requests in flight show, actions need the cookie and the
 * CSRF token. Writes
 * test/artifacts/dashboard.png.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium, request as playwrightRequest, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN_TOKEN, dashboardApp, type DashboardApp } from '../support/dashboard-app.js';
import { FAILING_PULL, GREEN_PULL, HOSTILE_BRANCH, HOSTILE_TITLE, MERGED_PULL } from '../support/dashboard-seed.js';
import { ACTIVE, MILESTONE_REPO, PAUSED } from '../support/milestone-seed.js';
import { formatUsd } from '../../src/lib/format-usd.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

describe('the dashboard in a real browser', {
  skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (.ci/run installs it)`,
}, () => {
  let d: DashboardApp;
  let base: string;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const dialogs: string[] = [];

  before(async () => {
    d = await dashboardApp({ runs: 40, sessions: 6, diskDays: 14 }, { milestones: true, pulls: true });
    await d.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(d.app.server.address() as AddressInfo).port}`;
    profile = mkdtempSync(join(tmpdir(), 'claude-hooks-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1200, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });

  after(async () => {
    await context?.close();
    await d?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('signs in with the admin token and loads the page with no console error', async () => {
    await page.goto(`${base}/`);
    await page.fill('input[name=token]', ADMIN_TOKEN);
    await Promise.all([page.waitForURL(`${base}/`), page.click('form.sign-in button')]);

    assert.equal(await page.locator('h1').textContent(), 'claude-hooks');
    assert.ok(await page.locator('#disk').isVisible());
    assert.deepEqual(problems, []);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  });

  it('shows the same figures as /api/status', async () => {
    const status = (await page.evaluate(async () => (await fetch('/api/status')).json())) as Record<string, unknown>;
    const shown = await page.locator('[data-stat]').evaluateAll((elements) =>
      elements.map((e) => ({
        path: e.getAttribute('data-stat') ?? '',
        text: e.textContent ?? '',
        bytes: e.getAttribute('data-bytes'),
      })),
    );

    const compared = shown.filter((s) => s.path !== 'generatedAt');
    assert.ok(compared.length >= 15, `${compared.length} figures marked`);
    for (const figure of compared) {
      const value = lookup(status, figure.path);
      if (figure.bytes !== null) assert.equal(Number(figure.bytes), value, figure.path);
      else if (figure.path.endsWith('Usd')) assert.equal(figure.text, formatUsd(value as number), figure.path);
      else assert.equal(figure.text, String(value), figure.path);
    }
  });

  it('shows a hostile branch name and issue title as text, and runs nothing', async () => {
    const skipReason = await page.locator('#intake td', { hasText: 'is not a pull request' }).textContent();
    await page.click(`a[href^="/dashboard/runs/"]`);
    const prompt = await page.locator('pre.prompt').textContent();

    assert.ok(skipReason?.includes(HOSTILE_BRANCH) && skipReason.includes(HOSTILE_TITLE), skipReason ?? '');
    assert.ok(prompt?.includes(HOSTILE_TITLE) && prompt.includes(HOSTILE_BRANCH));
    assert.equal(await page.locator('img').count(), 0);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(problems, []);
  });

  it('shows the milestones: progress, ready, blocked on what, in flight, critical path; titles as text', async () => {
    await page.goto(`${base}/`);
    const active = page.locator(`#milestones article[data-milestone="${MILESTONE_REPO}#${ACTIVE}"]`);
    const paused = page.locator(`#milestones article[data-milestone="${MILESTONE_REPO}#${PAUSED}"]`);

    assert.ok(await active.isVisible());
    assert.match(
      (await active.locator('h3').textContent()) ?? '',
      new RegExp(`Release ${escapeRegExp(HOSTILE_TITLE)}`),
    );
    assert.match((await active.locator('.headline').textContent()) ?? '', /1\s+of\s+7\s+done/);
    assert.equal(
      (await active.locator('tr[data-row="ready"] td').textContent())?.trim(),
      '#103 Webhook intake starts next',
    );
    assert.ok(
      ((await active.locator('tr[data-row="blocked"] td').textContent()) ?? '').includes(
        `#104 ${HOSTILE_BRANCH} — waits on #102, #103`,
      ),
    );
    assert.equal((await active.locator('tr[data-row="critical-path"] td').textContent())?.trim(), '#102 → #104');
    assert.match((await paused.locator('.headline').textContent()) ?? '', /paused: no new story starts/);
    assert.equal(await page.locator('img').count(), 0);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(problems, []);
  });

  it('shows the pull requests in flight: checks, attempts used, reruns, flaky checks, what each waits on; titles as text', async () => {
    await page.goto(`${base}/`);
    const failing = page.locator(`#pulls tr[data-pull="acme/widget#${FAILING_PULL}"]`);
    const green = page.locator(`#pulls tr[data-pull="acme/widget#${GREEN_PULL}"]`);
    const text = async (row: typeof failing, name: string) =>
      ((await row.locator(`td[data-cell="${name}"]`).textContent()) ?? '').replace(/\s+/g, ' ').trim();

    assert.ok(await failing.isVisible());
    assert.ok(
      ((await failing.locator('td').first().textContent()) ?? '').includes(
        `acme/widget#${FAILING_PULL} ${HOSTILE_TITLE}`,
      ),
    );
    assert.ok(((await failing.locator('td').nth(2).textContent()) ?? '').includes(HOSTILE_BRANCH));
    assert.equal(await text(failing, 'checks'), 'failure: ci/build');
    assert.equal(await text(failing, 'attempts'), '2 of 3');
    assert.equal(await text(failing, 'reruns'), '1');
    assert.equal(await text(failing, 'flaky'), 'ci/e2e');
    assert.match(await text(failing, 'waits-on'), /^dev to fix its failed checks/);
    assert.equal(
      await failing.locator('td[data-cell="waits-on"] .ignored').textContent(),
      `last ignored: ${HOSTILE_BRANCH} is not a required check`,
    );
    assert.equal(await text(green, 'waits-on'), 'the forge to merge it');
    assert.equal(await page.locator(`#pulls tr[data-pull="acme/widget#${MERGED_PULL}"]`).count(), 0);
    assert.equal(await page.locator('#pulls script, #pulls img').count(), 0);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(problems, []);
  });

  it('pauses a milestone after the confirmation step', async () => {
    await page.goto(`${base}/`);
    await Promise.all([
      page.waitForURL(/actions\/pause-milestone/),
      page.click(
        `#milestones article[data-milestone="${MILESTONE_REPO}#${ACTIVE}"] form[action$="pause-milestone"] button`,
      ),
    ]);
    const question = await page.locator('main p').first().textContent();
    await page.click('text=Yes, do it');

    assert.match(question ?? '', /Pause milestone .*#100\?/);
    assert.match((await page.locator('main p').first().textContent()) ?? '', /is paused/);
    assert.equal((await d.store.milestones.getMilestone(MILESTONE_REPO, ACTIVE))?.paused, true);
    assert.deepEqual(problems, []);
  });

  it('refuses an action without the cookie or without the CSRF token', async () => {
    await page.goto(`${base}/`);
    const csrf = await page.locator('input[name=csrf]').first().inputValue();
    const stranger = await playwrightRequest.newContext();
    try {
      const noCookie = await stranger.post(`${base}/dashboard/actions/cancel-job`, {
        form: { csrf, job: String(d.seeded.queuedJobId), confirm: 'yes' },
      });
      const noCsrf = await page.evaluate(
        async (job) =>
          (
            await fetch('/dashboard/actions/cancel-job', {
              method: 'POST',
              body: new URLSearchParams({ job, confirm: 'yes' }),
            })
          ).status,
        String(d.seeded.queuedJobId),
      );

      assert.equal(noCookie.status(), 401);
      assert.equal(noCsrf, 403);
      // The refused fetch is logged by the browser; nothing else may be.
      assert.deepEqual(problems.splice(0), [
        'console: Failed to load resource: the server responded with a status of 403 (Forbidden)',
      ]);
      assert.equal((await d.store.jobs.listJobs({ states: ['queued'] })).length, 1);
    } finally {
      await stranger.dispose();
    }
  });

  it('cancels a queued job after the confirmation step', async () => {
    await page.goto(`${base}/`);
    await Promise.all([page.waitForURL(/actions\/cancel-job/), page.click('#queue form[action$="cancel-job"] button')]);
    const question = await page.locator('main p').first().textContent();
    await page.click('text=Yes, do it');

    assert.match(question ?? '', /Cancel queued job \d+\?/);
    assert.match((await page.locator('main p').first().textContent()) ?? '', /was cancelled/);
    assert.deepEqual(problems, []);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `queue.queued`, `disk.kinds.caches`, `agents.dev.runsToday` (an array is searched by name). */
function lookup(root: unknown, path: string): unknown {
  let current = root;
  for (const segment of path.split('.')) {
    if (Array.isArray(current)) current = current.find((item: { name?: string }) => item.name === segment);
    else current = (current as Record<string, unknown> | undefined)?.[segment];
  }
  return current;
}
