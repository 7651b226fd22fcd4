/**
 * The double's native issue dependencies, as Gitea's API answers them (`dependency-operations.ts`):
 * what each route answers, what the forge writes on the timeline, what it refuses, and that it
 * sends no webhook — every exchange checked against the swagger.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startForgeDouble, type ForgeDouble, type ForgeUser } from './forge-double.js';

const REPO = 'acme/app';

describe('forge double: issue dependencies', () => {
  let forge: ForgeDouble;
  let dev: ForgeUser;
  let reader: ForgeUser;
  let now = new Date('2024-05-01T10:00:00Z');

  async function api(method: string, path: string, options: { as?: ForgeUser; body?: unknown } = {}) {
    const response = await fetch(`${forge.apiUrl}${path}`, {
      method,
      headers: { authorization: `token ${(options.as ?? dev).token}`, 'content-type': 'application/json' },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text === '' ? undefined : JSON.parse(text) };
  }
  const open = async (title: string, repo = REPO) => (await forge.as('alice').openIssue(repo, { title })).number;
  const meta = (index: number, repo = REPO) => ({ owner: repo.split('/')[0], repo: repo.split('/')[1], index });
  const depend = (issue: number, on: number, as?: ForgeUser) =>
    api('POST', `/repos/${REPO}/issues/${issue}/dependencies`, { body: meta(on), as });

  before(async () => {
    forge = await startForgeDouble({ webhookSecret: 'secret', checkOpenApi: true, clock: () => now });
    forge.addUser('alice');
    dev = forge.addUser('dev');
    reader = forge.addUser('reader');
    const collaborators = { alice: 'write', dev: 'write', reader: 'read' } as const;
    await forge.createRepo('acme', 'app', { collaborators });
    await forge.createRepo('acme', 'lib', { collaborators });
    await forge.createRepo('acme', 'off', { collaborators, dependencies: false });
  });
  after(async () => {
    assert.deepEqual(forge.openApiViolations(), [], 'every exchange fits the Gitea swagger');
    assert.deepEqual(forge.faults(), []);
    await forge.close();
  });

  it('adds a dependency with 201 and the dependent issue, and lists it; no webhook is sent', async () => {
    const [a, b] = [await open('A'), await open('B')];
    await forge.idle();
    const hooks = forge.deliveries().length;

    const added = await depend(b, a);
    const listed = await api('GET', `/repos/${REPO}/issues/${b}/dependencies`);
    await forge.idle();

    assert.equal(added.status, 201);
    assert.equal(added.json.number, b);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.json.map((issue: { number: number; repository: { full_name: string } }) => [
        issue.number,
        issue.repository.full_name,
      ]),
      [[a, REPO]],
    );
    assert.equal(listed.headers.get('x-total-count'), null, 'Gitea sends no count with this list');
    assert.equal(forge.deliveries().length, hooks);
  });

  it('writes an add_dependency entry on both issues, each naming the other, and moves both updated_at', async () => {
    const [a, b] = [await open('Up'), await open('Down')];
    now = new Date('2024-05-01T11:00:00Z');

    await depend(b, a);

    for (const [issue, other] of [
      [b, a],
      [a, b],
    ] as const) {
      const timeline = await api('GET', `/repos/${REPO}/issues/${issue}/timeline`);
      const entry = timeline.json.at(-1);
      assert.equal(entry.type, 'add_dependency');
      assert.equal(entry.dependent_issue.number, other);
      assert.equal(forge.issue(REPO, issue)?.updatedAt, '2024-05-01T11:00:00Z');
    }
  });

  it('removes a dependency with 201 (the swagger says 200), writing remove_dependency', async () => {
    const [a, b] = [await open('Was up'), await open('Was down')];
    await depend(b, a);

    const removed = await api('DELETE', `/repos/${REPO}/issues/${b}/dependencies`, { body: meta(a) });

    assert.equal(removed.status, 201);
    assert.deepEqual((await api('GET', `/repos/${REPO}/issues/${b}/dependencies`)).json, []);
    assert.equal((await api('GET', `/repos/${REPO}/issues/${b}/timeline`)).json.at(-1).type, 'remove_dependency');
  });

  const serverErrors = [
    {
      what: 'a dependency that exists',
      arrange: (a: number, b: number) => depend(b, a),
      act: (a: number, b: number) => depend(b, a),
      says: /does already exist/,
    },
    {
      what: 'the reverse of one that exists',
      arrange: (a: number, b: number) => depend(b, a),
      act: (a: number, b: number) => depend(a, b),
      says: /circular dependencies exists/,
    },
    {
      what: 'the removal of one that does not exist',
      arrange: async () => undefined,
      act: (a: number, b: number) => api('DELETE', `/repos/${REPO}/issues/${b}/dependencies`, { body: meta(a) }),
      says: /does not exist/,
    },
  ];
  for (const { what, arrange, act, says } of serverErrors) {
    it(`answers ${what} with a 500, as Gitea does`, async () => {
      const [a, b] = [await open('One'), await open('Two')];
      await arrange(a, b);

      const answer = await act(a, b);

      assert.equal(answer.status, 500);
      assert.match(answer.json.message, says);
    });
  }

  it('makes a dependency on an issue of another repository when IssueMeta names it', async () => {
    const [a, b] = [await open('In the library', 'acme/lib'), await open('In the app')];

    const added = await api('POST', `/repos/${REPO}/issues/${b}/dependencies`, { body: meta(a, 'acme/lib') });
    const listed = await api('GET', `/repos/${REPO}/issues/${b}/dependencies`);

    assert.equal(added.status, 201);
    assert.deepEqual(
      listed.json.map((issue: { repository: { full_name: string } }) => issue.repository.full_name),
      ['acme/lib'],
    );
  });

  const notFound = [
    {
      what: 'a repository with dependencies turned off',
      path: async () => `/repos/acme/off/issues/${await open('Off', 'acme/off')}/dependencies`,
    },
    { what: 'an issue that does not exist', path: async () => `/repos/${REPO}/issues/999/dependencies` },
  ];
  for (const { what, path } of notFound) {
    it(`answers 404 for ${what}`, async () => {
      const target = await path();

      assert.equal((await api('GET', target)).status, 404);
      assert.equal((await api('POST', target, { body: meta(1) })).status, 404);
    });
  }

  it('answers 404 to a user who may read but not write the issue', async () => {
    const [a, b] = [await open('Read'), await open('Only')];

    assert.equal((await depend(b, a, reader)).status, 404);
  });

  it('refuses to close an issue while a dependency is open (412), and closes it once that one is closed', async () => {
    const [a, b] = [await open('First'), await open('Then')];
    await depend(b, a);

    const refused = await api('PATCH', `/repos/${REPO}/issues/${b}`, { body: { state: 'closed' } });
    await forge.as('alice').closeIssue(REPO, a);
    const closed = await api('PATCH', `/repos/${REPO}/issues/${b}`, { body: { state: 'closed' } });

    assert.equal(refused.status, 412);
    assert.equal(refused.json.message, 'cannot close this issue because it still has open dependencies');
    assert.equal(closed.status, 201);
    assert.equal(forge.issue(REPO, b)?.state, 'closed');
  });
});
