import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildIntakeApp, TEST_SECRET } from '../../test/support/intake-app.js';
import { deliveryHeaders, deliveryIdFor, loadSamplePayload, loadSamplePayloads } from '../../test/support/payloads.js';
import { signBody } from '../intake/verify-signature.js';
import { storedDelivery, storeRows } from '../../test/support/store-rows.js';
import { statSync } from 'node:fs';
import { capturingLogger } from '../../test/support/capturing-logger.js';

const comment = () => loadSamplePayload('gitea-issue_comment-created', { secret: TEST_SECRET, forge: 'forgejo' });

function signed(
  body: Buffer | string,
  spec: { event: string; eventType?: string; deliveryId?: string; forge?: 'forgejo' | 'gitea' | 'github' },
) {
  return deliveryHeaders({
    forge: spec.forge ?? 'forgejo',
    deliveryId: spec.deliveryId ?? deliveryIdFor(String(Math.random())),
    body,
    secret: TEST_SECRET,
    event: spec.event,
    eventType: spec.eventType ?? spec.event,
  });
}

describe('POST /webhook', () => {
  it('stores every shared sample and answers 202 with the delivery id', async () => {
    const intake = await buildIntakeApp();

    for (const sample of loadSamplePayloads({ secret: TEST_SECRET, forge: 'forgejo' })) {
      const response = await intake.app.inject({
        method: 'POST',
        url: '/webhook',
        headers: sample.headers,
        payload: sample.body,
      });

      assert.equal(response.statusCode, 202, `${sample.name}: ${response.body}`);
      assert.equal(response.json().delivery, sample.headers['x-forgejo-delivery']);
    }
    assert.deepEqual(intake.counts(), { deliveries: 8, events: 8 });
    await intake.close();
  });

  it('has the delivery on disk, readable by another connection, when it answers 202', async () => {
    const intake = await buildIntakeApp();
    const sample = comment();

    const response = await intake.app.inject({
      method: 'POST',
      url: '/webhook',
      headers: sample.headers,
      payload: sample.body,
    });
    const row = storedDelivery(intake.databaseFile, response.json().delivery);

    assert.equal(response.statusCode, 202);
    assert.equal(row?.outcome, 'accepted');
    assert.ok(row?.body.equals(sample.body), 'the raw body is stored byte for byte');
    await intake.close();
  });

  it('answers a replayed delivery id with 200 duplicate and records nothing new', async () => {
    const intake = await buildIntakeApp();
    const sample = comment();

    await intake.app.inject({ method: 'POST', url: '/webhook', headers: sample.headers, payload: sample.body });
    const again = await intake.app.inject({
      method: 'POST',
      url: '/webhook',
      headers: sample.headers,
      payload: sample.body,
    });

    assert.equal(again.statusCode, 200);
    assert.equal(again.json().duplicate, true);
    assert.deepEqual(intake.counts(), { deliveries: 1, events: 1 });
    await intake.close();
  });

  it('recognises the same event under a new delivery id (a UI "Replay", an overlapping org hook)', async () => {
    const intake = await buildIntakeApp();
    const sample = comment();
    const replay = signed(sample.body, { event: 'issue_comment', deliveryId: deliveryIdFor('replay') });

    const first = await intake.app.inject({
      method: 'POST',
      url: '/webhook',
      headers: sample.headers,
      payload: sample.body,
    });
    const second = await intake.app.inject({ method: 'POST', url: '/webhook', headers: replay, payload: sample.body });

    assert.equal(second.statusCode, 200);
    assert.deepEqual(second.json(), {
      delivery: deliveryIdFor('replay'),
      duplicate: true,
      sameEventAs: first.json().delivery,
    });
    assert.deepEqual(
      intake.counts(),
      { deliveries: 2, events: 1 },
      'the replay is recorded, but creates no second event',
    );
    await intake.close();
  });

  it('stores a signed 1 MiB body replayed 500 times under new delivery ids once', async () => {
    const intake = await buildIntakeApp();
    const body = JSON.stringify({ action: 'published', release: { id: 1, body: 'x'.repeat(1024 * 1024) } });

    for (let batch = 0; batch < 10; batch++) {
      const replays = Array.from({ length: 50 }, (_, i) =>
        signed(body, { event: 'release', deliveryId: deliveryIdFor(`replay-${batch}-${i}`) }),
      );
      const responses = await Promise.all(
        replays.map((headers) => intake.app.inject({ method: 'POST', url: '/webhook', headers, payload: body })),
      );
      assert.deepEqual(new Set(responses.map((r) => r.statusCode)), new Set([202]));
    }
    const rows = storeRows(intake.databaseFile);
    await intake.close();

    assert.equal(rows.deliveries, 500, 'every replay is recorded');
    assert.equal(rows.bodyBytes, Buffer.byteLength(body), 'and its body stored once');
    assert.ok(
      statSync(intake.databaseFile).size < 4 * 1024 * 1024,
      `the database is ${statSync(intake.databaseFile).size} bytes`,
    );
  });

  it('answers an event type it does not handle with 202 ignored, and records it', async () => {
    const intake = await buildIntakeApp();
    const body = JSON.stringify({ action: 'published', release: { id: 1 } }, null, 2);

    const response = await intake.app.inject({
      method: 'POST',
      url: '/webhook',
      headers: signed(body, { event: 'release' }),
      payload: body,
    });

    assert.equal(response.statusCode, 202);
    assert.match(response.json().ignored, /release/);
    assert.deepEqual(intake.counts(), { deliveries: 1, events: 0 });
    await intake.close();
  });

  describe('bad input', () => {
    const good = comment();
    const pretty = good.body;
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(pretty.toString('utf8'))));
    const truncated = pretty.subarray(0, pretty.length - 40);
    const wrongShape = Buffer.from(JSON.stringify({ action: 'created', comment: { id: 'seven' } }, null, 2));
    const githubReview = Buffer.from(loadSamplePayload('gitea-pull_request_approved-reviewed').body);
    const cases: ReadonlyArray<{
      what: string;
      headers: Record<string, string>;
      body: Buffer | string;
      status: number;
      says: RegExp;
    }> = [
      {
        what: 'an unsigned delivery',
        headers: { ...good.headers, 'x-forgejo-signature': '', 'x-gitea-signature': '' },
        body: pretty,
        status: 401,
        says: /not signed: the x-forgejo-signature header is missing or empty/,
      },
      {
        what: 'a wrongly signed delivery',
        headers: { ...good.headers, 'x-forgejo-signature': signBody('other-secret', pretty) },
        body: pretty,
        status: 401,
        says: /signature does not match: x-forgejo-signature .* check that the secret configured in the forge equals/,
      },
      {
        what: 'the right secret over a re-serialised body',
        headers: { ...good.headers, 'x-forgejo-signature': signBody(TEST_SECRET, reserialised) },
        body: pretty,
        status: 401,
        says: /signature does not match/,
      },
      {
        what: 'a body truncated on the way',
        headers: good.headers,
        body: truncated,
        status: 401,
        says: /signature does not match/,
      },
      {
        what: 'a truncated body signed as sent',
        headers: signed(truncated, { event: 'issue_comment' }),
        body: truncated,
        status: 400,
        says: /body is not JSON/,
      },
      {
        what: 'an empty body',
        headers: signed('', { event: 'issue_comment' }),
        body: '',
        status: 400,
        says: /body is not JSON \(the body is empty\)/,
      },
      {
        what: 'a body that is not JSON',
        headers: signed('action=created', { event: 'issue_comment' }),
        body: 'action=created',
        status: 400,
        says: /body is not JSON/,
      },
      {
        what: 'JSON of the wrong shape',
        headers: signed(wrongShape, { event: 'issue_comment' }),
        body: wrongShape,
        status: 400,
        says: /payload does not fit a 'issue_comment' event: [a-z_.]+: /,
      },
      {
        what: 'no forge headers at all',
        headers: { 'content-type': 'application/json' },
        body: pretty,
        status: 400,
        says: /./,
      },
    ];
    for (const { what, headers, body, status, says } of cases) {
      it(`answers ${what} with ${status}, stores nothing and goes on serving`, async () => {
        const intake = await buildIntakeApp();

        const response = await intake.app.inject({ method: 'POST', url: '/webhook', headers, payload: body });
        const after = await intake.app.inject({
          method: 'POST',
          url: '/webhook',
          headers: good.headers,
          payload: good.body,
        });

        assert.equal(response.statusCode, status, response.body);
        assert.match(response.json().error, says);
        assert.equal(after.statusCode, 202, 'a good delivery right after is still accepted');
        assert.deepEqual(intake.counts(), { deliveries: 1, events: 1 }, 'only the good delivery is stored');
        await intake.close();
      });
    }

    it('ignores, naming the action, GitHub headers over a Gitea review body, and creates no work', async () => {
      const intake = await buildIntakeApp();

      const response = await intake.app.inject({
        method: 'POST',
        url: '/webhook',
        headers: signed(githubReview, { event: 'pull_request_review', forge: 'github' }),
        payload: githubReview,
      });

      assert.equal(response.statusCode, 202);
      assert.match(response.json().ignored, /action 'reviewed' of event type 'pull_request_review' is not handled/);
      assert.deepEqual(intake.counts(), { deliveries: 1, events: 0 });
      await intake.close();
    });

    it('answers an oversized body with 413 naming the limit', async () => {
      const intake = await buildIntakeApp({ bodyLimitBytes: 1024 });
      const big = Buffer.alloc(4096, ' ');

      const response = await intake.app.inject({
        method: 'POST',
        url: '/webhook',
        headers: signed(big, { event: 'issue_comment' }),
        payload: big,
      });

      assert.equal(response.statusCode, 413);
      assert.match(response.json().error, /larger than the limit of 1\.0 KiB \(server\.bodyLimitBytes\)/);
      assert.deepEqual(intake.counts(), { deliveries: 0, events: 0 });
      await intake.close();
    });

    it('names the field when the payload is missing one', async () => {
      const intake = await buildIntakeApp();
      const payload = JSON.parse(pretty.toString('utf8')) as { comment: Record<string, unknown> };
      delete payload.comment.id;
      const body = JSON.stringify(payload, null, 2);

      const response = await intake.app.inject({
        method: 'POST',
        url: '/webhook',
        headers: signed(body, { event: 'issue_comment' }),
        payload: body,
      });

      assert.equal(response.statusCode, 400);
      assert.equal(response.json().field, 'comment.id');
      await intake.close();
    });
  });
});

describe('health and metrics', () => {
  it('answers /healthz and /readyz', async () => {
    const intake = await buildIntakeApp();

    const health = await intake.app.inject({ method: 'GET', url: '/healthz' });
    const ready = await intake.app.inject({ method: 'GET', url: '/readyz' });

    assert.equal(health.statusCode, 200);
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().checks.databaseWritable.ok, true);
    assert.equal(ready.json().checks.dataDirWritable.ok, true);
    await intake.close();
  });

  it('fails /readyz naming the check when the database is closed', async () => {
    const intake = await buildIntakeApp();
    await intake.store.close();

    const ready = await intake.app.inject({ method: 'GET', url: '/readyz' });

    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json().checks.databaseWritable.ok, false);
    await intake.app.close();
  });

  it('counts deliveries by forge, event type and outcome, and times the intake', async () => {
    const intake = await buildIntakeApp();
    const sample = comment();
    await intake.app.inject({ method: 'POST', url: '/webhook', headers: sample.headers, payload: sample.body });
    await intake.app.inject({ method: 'POST', url: '/webhook', headers: sample.headers, payload: sample.body });
    await intake.app.inject({
      method: 'POST',
      url: '/webhook',
      headers: { ...sample.headers, 'x-forgejo-signature': '' },
      payload: sample.body,
    });

    const metrics = (await intake.app.inject({ method: 'GET', url: '/metrics' })).body;

    assert.match(
      metrics,
      /claude_hooks_deliveries_total\{forge="forgejo",event="issue_comment",outcome="accepted"\} 1/,
    );
    assert.match(
      metrics,
      /claude_hooks_deliveries_total\{forge="forgejo",event="issue_comment",outcome="duplicate"\} 1/,
    );
    assert.match(
      metrics,
      /claude_hooks_deliveries_total\{forge="forgejo",event="issue_comment",outcome="rejected:unsigned"\} 1/,
    );
    assert.match(metrics, /claude_hooks_intake_duration_seconds_count\{outcome="accepted"\} 1/);
    await intake.close();
  });

  it('has counted and logged each delivery, whatever its outcome, by the time its answer arrives', async () => {
    const { log, lines } = capturingLogger();
    const intake = await buildIntakeApp({ log });
    const sample = comment();
    const release = JSON.stringify({ action: 'published', release: { id: 1 } });
    const deliveries = [
      { headers: sample.headers, body: sample.body, status: 202, line: 'delivery accepted', outcome: 'accepted' },
      { headers: sample.headers, body: sample.body, status: 200, line: 'duplicate delivery', outcome: 'duplicate' },
      {
        headers: signed(release, { event: 'release' }),
        body: release,
        status: 202,
        line: 'delivery ignored',
        outcome: 'ignored',
      },
      {
        headers: { ...sample.headers, 'x-forgejo-signature': signBody('wrong', sample.body) },
        body: sample.body,
        status: 401,
        line: 'delivery rejected',
        outcome: 'rejected:bad-signature',
      },
    ];

    for (const { headers, body, status, line, outcome } of deliveries) {
      const response = await intake.app.inject({ method: 'POST', url: '/webhook', headers, payload: body });
      const logged = lines.at(-1)?.msg;
      const counted = await intake.app.inject({ method: 'GET', url: '/metrics' });

      assert.equal(response.statusCode, status, response.body);
      assert.equal(logged, line);
      assert.match(counted.body, new RegExp(`claude_hooks_deliveries_total\\{[^}]*outcome="${outcome}"\\} 1`));
    }
    assert.equal(lines.filter((l) => l.msg === 'delivery accepted')[0]?.delivery, sample.headers['x-forgejo-delivery']);
    await intake.close();
  });

  it('labels a delivery with the same event whether it is rejected or accepted', async () => {
    const intake = await buildIntakeApp();
    const opened = loadSamplePayload('gitea-issues-opened', { secret: TEST_SECRET, forge: 'forgejo' });
    await intake.app.inject({
      method: 'POST',
      url: '/webhook',
      headers: { ...opened.headers, 'x-forgejo-signature': signBody('wrong', opened.body) },
      payload: opened.body,
    });
    await intake.app.inject({ method: 'POST', url: '/webhook', headers: opened.headers, payload: opened.body });

    const lines = (await intake.app.inject({ method: 'GET', url: '/metrics' })).body
      .split('\n')
      .filter((l) => l.startsWith('claude_hooks_deliveries_total{'));

    assert.deepEqual(lines.sort(), [
      'claude_hooks_deliveries_total{forge="forgejo",event="issues",outcome="accepted"} 1',
      'claude_hooks_deliveries_total{forge="forgejo",event="issues",outcome="rejected:bad-signature"} 1',
    ]);
    await intake.close();
  });

  it('keeps label values to closed sets however many unsigned requests invent event headers', async () => {
    const intake = await buildIntakeApp();
    const body = Buffer.from('{}');

    for (let i = 0; i < 300; i++) {
      const invented = `evt-${i}-${'x'.repeat(200)}`;
      const headers =
        i % 3 === 0
          ? { 'x-forgejo-delivery': `d-${i}`, 'x-forgejo-event': invented, 'x-forgejo-signature': '' }
          : i % 3 === 1
            ? {
                'x-forgejo-delivery': `d-${i}`,
                'x-forgejo-event': invented,
                'x-forgejo-event-type': invented,
                'x-forgejo-signature': 'f'.repeat(64),
              }
            : { [`x-${invented}`]: 'y' };
      const response = await intake.app.inject({ method: 'POST', url: '/webhook', headers, payload: body });
      assert.ok(response.statusCode === 400 || response.statusCode === 401, `${response.statusCode}`);
    }
    const metrics = (await intake.app.inject({ method: 'GET', url: '/metrics' })).body;

    const series = metrics.split('\n').filter((l) => l.startsWith('claude_hooks_deliveries_total{'));
    assert.deepEqual(series.sort(), [
      'claude_hooks_deliveries_total{forge="forgejo",event="other",outcome="rejected:bad-signature"} 100',
      'claude_hooks_deliveries_total{forge="forgejo",event="other",outcome="rejected:unsigned"} 100',
      'claude_hooks_deliveries_total{forge="unknown",event="other",outcome="rejected:bad-headers"} 100',
    ]);
    assert.doesNotMatch(metrics, /evt-/);
    assert.ok(metrics.length < 20_000, `the scrape is ${metrics.length} bytes`);
    await intake.close();
  });
});
