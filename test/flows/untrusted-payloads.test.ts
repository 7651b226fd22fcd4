/**
 * docs/decisions.md §10: a signed payload is not a trusted one. The forge signs whatever its
 * users typed and whatever someone with the secret (or a misconfigured proxy) sends, so the intake
 * refuses, with a 400 naming the field, a repository named inconsistently or off the forge, names
 * with control or bidi characters, numbers that are not positive whole numbers, and JSON nested
 * deeper than any payload — and the service never sends a token anywhere but the forge.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IntakeApp } from '../support/intake-app.js';
import { buildIntakeApp, TEST_SECRET } from '../support/intake-app.js';
import { startCatchingServer, type CatchingServer } from '../support/catching-server.js';
import { startFlow, WEBHOOK_SECRET, ADMIN_TOKEN, REPO, type Flow } from '../support/flow.js';
import { deliveryHeaders, deliveryIdFor, loadSamplePayload } from '../support/payloads.js';

type Json = Record<string, any>;

const FORGE_URL = 'http://try.gitea.io';
const sample = (): Json => JSON.parse(loadSamplePayload('gitea-issue_comment-created').body.toString('utf8')) as Json;

function withValue(body: Json, path: string, value: unknown): Json {
  const copy = structuredClone(body);
  const keys = path.split('.');
  const last = keys.pop() as string;
  let parent: Json = copy;
  for (const key of keys) parent = parent[key];
  parent[last] = value;
  return copy;
}

function post(intake: IntakeApp, body: string, event = 'issue_comment') {
  const headers = deliveryHeaders({
    forge: 'forgejo',
    deliveryId: deliveryIdFor(body),
    body,
    secret: TEST_SECRET,
    event,
  });
  return intake.app.inject({ method: 'POST', url: '/webhook', headers, payload: body });
}

describe('POST /webhook with a signed payload that does not deserve trust', () => {
  let intake: IntakeApp;
  before(async () => {
    intake = await buildIntakeApp({ forgeUrl: FORGE_URL });
  });
  after(() => intake.close());

  const cases: { name: string; body: Json; field: string }[] = [
    {
      name: 'an allowed full_name whose clone URL is on another host',
      body: withValue(sample(), 'repository', {
        ...sample().repository,
        full_name: 'acme/widget',
        owner: { login: 'acme' },
        name: 'widget',
        clone_url: 'http://127.0.0.1:9/acme/widget.git',
      }),
      field: 'repository.clone_url',
    },
    {
      name: 'a full_name other than owner/name',
      body: withValue(sample(), 'repository.full_name', 'acme/widget'),
      field: 'repository.full_name',
    },
    {
      name: 'a clone URL naming another repository',
      body: withValue(sample(), 'repository.clone_url', `${FORGE_URL}/acme/widget.git`),
      field: 'repository.clone_url',
    },
    {
      name: 'an owner with a newline, $(…) and U+202E',
      body: withValue(sample(), 'repository.owner.login', 'gogits\n$(id)\u202E'),
      field: 'repository.owner.login',
    },
    {
      name: 'a repository name with a bidi override',
      body: withValue(sample(), 'repository.name', 'hello\u202Eworld'),
      field: 'repository.name',
    },
    {
      name: 'a default branch with a newline',
      body: withValue(sample(), 'repository.default_branch', 'master\nx'),
      field: 'repository.default_branch',
    },
    { name: 'issue number -5', body: withValue(sample(), 'issue.number', -5), field: 'issue.number' },
    { name: 'issue number 1.5', body: withValue(sample(), 'issue.number', 1.5), field: 'issue.number' },
    { name: 'issue number 1e21', body: withValue(sample(), 'issue.number', 1e21), field: 'issue.number' },
    { name: 'comment id 0', body: withValue(sample(), 'comment.id', 0), field: 'comment.id' },
  ];
  for (const { name, body, field } of cases) {
    it(`answers 400 naming ${field} for ${name}, and stores nothing`, async () => {
      const before = intake.counts();

      const response = await post(intake, JSON.stringify(body));

      assert.equal(response.statusCode, 400, response.body);
      assert.equal(response.json().field, field);
      assert.match(response.json().error, new RegExp(`: ${field.replaceAll('.', '\\.')}: `));
      assert.doesNotMatch(response.body, /\u202E|\n/, 'the answer shows the offending text escaped');
      assert.deepEqual(intake.counts(), before);
    });
  }

  it('accepts the same sample untouched, so each refusal above is about the one field changed', async () => {
    const response = await post(intake, JSON.stringify(sample()));

    assert.equal(response.statusCode, 202, response.body);
  });

  it('refuses JSON nested a million levels deep without parsing it, with a 400 that says so', async () => {
    const depth = 1_000_000;
    const body = `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`;

    const response = await post(intake, body);

    // Parsed first, a million levels would have overflowed the parser's stack: another answer.
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().field, '(body)');
    assert.match(response.json().error, /nests arrays or objects more than 64 levels deep/);
  });

  it('refuses 65 levels of nesting and accepts 64, counting no bracket inside a string', async () => {
    const nested = (levels: number) => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`) as unknown;
    // The payload object itself is the first level.
    const deep = (levels: number) =>
      JSON.stringify({
        ...sample(),
        extra: nested(levels - 1),
        comment: { ...sample().comment, id: 4242, body: `[{[{ ${'['.repeat(200)}` },
      });

    const tooDeep = await post(intake, deep(65));
    const deepEnough = await post(intake, deep(64));

    assert.equal(tooDeep.statusCode, 400, tooDeep.body);
    assert.equal(deepEnough.statusCode, 202, deepEnough.body);
  });
});

describe('the service, given a signed comment whose repository points at another host', () => {
  let flow: Flow;
  let catcher: CatchingServer;
  before(async () => {
    catcher = await startCatchingServer();
    flow = await startFlow({ detached: true });
  });
  after(async () => {
    await flow.close();
    await catcher.close();
  });

  it('answers 400 naming repository.clone_url, starts no job and never sends a token to that host', async () => {
    const issue = await flow.forge.as('alice').openIssue(REPO, { title: 'Please look' });
    await flow.forge.as('alice').comment(REPO, issue.number, '@boss please look');
    await flow.forge.idle();
    const genuine = flow.forge.deliveries().find((d) => d.eventType === 'issue_comment');
    assert.ok(genuine, 'the forge sent the comment webhook');
    const forged = withValue(genuine.payload as Json, 'repository.clone_url', `${catcher.url}/${REPO}.git`);
    const body = JSON.stringify(forged);
    const headers = deliveryHeaders({
      forge: 'forgejo',
      deliveryId: deliveryIdFor(body),
      body,
      secret: WEBHOOK_SECRET,
      event: 'issue_comment',
    });

    const response = await fetch(`${flow.service.url}/webhook`, { method: 'POST', headers, body });
    const answer = (await response.json()) as { field?: string; error?: string };
    await flow.service.dispatcher.idle();
    const jobs = await fetch(`${flow.service.url}/api/jobs`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

    assert.equal(response.status, 400);
    assert.equal(answer.field, 'repository.clone_url');
    assert.match(answer.error ?? '', /not on the forge/);
    assert.equal(jobs.status, 200);
    assert.deepEqual(((await jobs.json()) as { jobs: unknown[] }).jobs, []);
    assert.deepEqual(catcher.requests, []);
  });
});
