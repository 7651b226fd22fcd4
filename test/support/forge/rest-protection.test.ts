/**
 * The double's branch protection and collaborator routes, as onboarding uses them and as Gitea
 * answers them (checked against the swagger): who may read and write rules, what creating and
 * editing a rule keeps, and whose approval counts — the facts `claude-hooks init` builds on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startForgeDouble, type ForgeDouble, type ForgeUser } from './forge-double.js';

const REPO = 'acme/app';

describe('forge double branch protections and collaborators', () => {
  let forge: ForgeDouble;
  let alice: ForgeUser;
  let dev: ForgeUser;
  let reviewer: ForgeUser;

  async function api(method: string, path: string, options: { as?: ForgeUser; body?: unknown } = {}) {
    const response = await fetch(`${forge.apiUrl}${path}`, {
      method,
      headers: { authorization: `token ${(options.as ?? alice).token}`, 'content-type': 'application/json' },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
  }

  before(async () => {
    forge = await startForgeDouble({ webhookSecret: 'secret', checkOpenApi: true });
    alice = forge.addUser('alice');
    dev = forge.addUser('dev');
    reviewer = forge.addUser('reviewer');
    forge.addUser('mallory');
    await forge.createRepo('acme', 'app', { collaborators: { alice: 'admin', dev: 'write', reviewer: 'read' } });
  });
  after(async () => {
    await forge.close();
    assert.deepEqual(forge.openApiViolations(), [], 'every exchange fits the Gitea swagger');
    assert.deepEqual(forge.faults(), []);
  });

  it('creates a rule with 201, with every setting sent, and refuses a second one for the same branch with 403', async () => {
    const body = { rule_name: 'main', enable_push: false, required_approvals: 1, dismiss_stale_approvals: true };

    const created = await api('POST', `/repos/${REPO}/branch_protections`, { body });
    const again = await api('POST', `/repos/${REPO}/branch_protections`, { body });
    const read = await api('GET', `/repos/${REPO}/branch_protections/main`);

    assert.equal(created.status, 201);
    assert.equal(again.status, 403);
    assert.deepEqual(
      [
        read.json.rule_name,
        read.json.enable_push,
        read.json.required_approvals,
        read.json.dismiss_stale_approvals,
        read.json.enable_merge_whitelist,
      ],
      ['main', false, 1, true, false],
    );
  });

  it('answers 404 for a rule that does not exist', async () => {
    assert.equal((await api('GET', `/repos/${REPO}/branch_protections/develop`)).status, 404);
  });

  it('edits only the fields sent, and reads a push allowlist only together with enable_push', async () => {
    const ignored = await api('PATCH', `/repos/${REPO}/branch_protections/main`, {
      body: { enable_push_whitelist: true },
    });
    const opened = await api('PATCH', `/repos/${REPO}/branch_protections/main`, {
      body: { enable_push: true, enable_push_whitelist: true, push_whitelist_usernames: ['alice'] },
    });

    assert.equal(ignored.json.enable_push_whitelist, false);
    assert.deepEqual(
      [
        opened.json.enable_push,
        opened.json.enable_push_whitelist,
        opened.json.push_whitelist_usernames,
        opened.json.required_approvals,
      ],
      [true, true, ['alice'], 1],
    );
  });

  it('turns the push allowlist off with pushes', async () => {
    const closed = await api('PATCH', `/repos/${REPO}/branch_protections/main`, { body: { enable_push: false } });

    assert.deepEqual([closed.json.enable_push, closed.json.enable_push_whitelist], [false, false]);
  });

  it('keeps in an allowlist only the users who could use it: writers to merge, readers to approve', async () => {
    const edited = await api('PATCH', `/repos/${REPO}/branch_protections/main`, {
      body: {
        enable_merge_whitelist: true,
        merge_whitelist_usernames: ['dev', 'reviewer', 'mallory'],
        enable_approvals_whitelist: true,
        approvals_whitelist_username: ['reviewer', 'mallory'],
      },
    });

    assert.equal(edited.status, 200);
    assert.deepEqual(edited.json.merge_whitelist_usernames, ['dev']);
    // The repository is public: everyone reads it.
    assert.deepEqual(edited.json.approvals_whitelist_username, ['reviewer', 'mallory']);
  });

  it('refuses an allowlist naming nobody with 422', async () => {
    const response = await api('PATCH', `/repos/${REPO}/branch_protections/main`, {
      body: { merge_whitelist_usernames: ['ghost'] },
    });

    assert.equal(response.status, 422);
  });

  it('answers whether a user is a collaborator in its own right: 204, 404, or 422 for nobody', async () => {
    assert.equal((await api('GET', `/repos/${REPO}/collaborators/reviewer`, { as: dev })).status, 204);
    assert.equal((await api('GET', `/repos/${REPO}/collaborators/mallory`, { as: dev })).status, 404);
    assert.equal((await api('GET', `/repos/${REPO}/collaborators/acme`, { as: dev })).status, 404);
    assert.equal((await api('GET', `/repos/${REPO}/collaborators/ghost`, { as: dev })).status, 422);
  });

  it("takes a reader's review, which does not count towards approvals, and a writer's, which does", async () => {
    await forge.as('alice').pushCommit(REPO, { branch: 'topic', files: { 'topic.txt': 'topic\n' } });
    const pull = await forge.as('alice').openPull(REPO, { head: 'topic', title: 'Topic', body: '' });

    const byReader = await api('POST', `/repos/${REPO}/pulls/${pull.number}/reviews`, {
      as: reviewer,
      body: { event: 'APPROVED', body: '' },
    });
    const byWriter = await api('POST', `/repos/${REPO}/pulls/${pull.number}/reviews`, {
      as: dev,
      body: { event: 'APPROVED', body: '' },
    });

    assert.deepEqual([byReader.status, byReader.json.official], [200, false]);
    assert.deepEqual([byWriter.status, byWriter.json.official], [200, true]);
  });

  it('lists no stargazers, to whoever may read the repository', async () => {
    const response = await api('GET', `/repos/${REPO}/stargazers`, { as: reviewer });

    assert.deepEqual([response.status, response.json], [200, []]);
  });
});

describe('forge double branch protections, asked by a writer who is no admin', () => {
  it("answers 403, as Gitea's reqAdmin does (a status its swagger leaves out)", async () => {
    const forge = await startForgeDouble({ webhookSecret: 'secret' });
    try {
      const dev = forge.addUser('dev');
      await forge.createRepo('acme', 'app', { collaborators: { dev: 'write' } });
      const ask = (method: string, path: string) =>
        fetch(`${forge.apiUrl}/repos/${REPO}${path}`, {
          method,
          headers: { authorization: `token ${dev.token}`, 'content-type': 'application/json' },
          body: method === 'GET' ? undefined : '{}',
        });

      const statuses = [
        (await ask('GET', '/branch_protections')).status,
        (await ask('GET', '/branch_protections/main')).status,
        (await ask('POST', '/branch_protections')).status,
      ];

      assert.deepEqual(statuses, [403, 403, 403]);
    } finally {
      await forge.close();
    }
  });
});
