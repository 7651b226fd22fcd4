/**
 * `claude-hooks init` against the forge double (with the swagger check): what an empty forge gets —
 * each bot only the access and token scopes its role needs, a service user that reads
 * permissions, a default branch no agent can push to or merge into on its own — that a second run
 * changes nothing, that drift is repaired, that an installation made by an earlier, more generous
 * init is brought down to that, that a dry run changes nothing, that the admin token is written
 * nowhere, and that a run stopped midway is finished by the next one.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../src/cli/run-cli.js';
import { loadConfig } from '../../src/config/load-config.js';
import { templateOf } from '../../src/onboarding/agent-templates.js';
import { HOOK_EVENTS, hookEventsFor } from '../../src/onboarding/hook-events.js';
import { renderConfig, writeSecretFile } from '../../src/onboarding/init-files.js';
import { startForgeDouble, type ForgeDouble } from '../support/forge/forge-double.js';

const REPO = 'acme/widget';
const PUBLIC_URL = 'http://hooks.example.test:8080';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function scene(): Promise<{ forge: ForgeDouble; dir: string; adminToken: string }> {
  const forge = await startForgeDouble({ webhookSecret: '', checkOpenApi: true });
  const root = forge.addUser('root', { admin: true });
  await forge.createRepo('acme', 'widget');
  const dir = await mkdtemp(join(tmpdir(), 'init-'));
  return { forge, dir, adminToken: root.token };
}

async function init(forge: ForgeDouble, dir: string, adminToken: string, extra: string[] = []): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: { CLAUDE_HOOKS_FORGE_ADMIN_TOKEN: adminToken },
    cwd: dir,
  };
  const code = await runCli(['init', '--forge', forge.url, '--repo', REPO, '--public-url', PUBLIC_URL, ...extra], io);
  return { code, stdout, stderr };
}

/** The scopes of each token init makes (docs/forge-setup.md, "Tokens"). */
const SCOPES: Record<string, string[]> = {
  boss: ['read:repository', 'read:user', 'write:issue'],
  dev: ['read:user', 'write:issue', 'write:repository'],
  reviewer: ['read:user', 'write:issue', 'write:repository'],
  'claude-hooks-service': ['read:repository', 'read:user'],
};
const TOKEN_FILES: Record<string, string> = {
  boss: 'boss-forge-token',
  dev: 'dev-forge-token',
  reviewer: 'reviewer-forge-token',
  'claude-hooks-service': 'service-forge-token',
};
/** The access each bot gets: only what its role needs; the service user reads permissions, which takes admin. */
const ACCESS = { boss: 'write', dev: 'write', reviewer: 'read', 'claude-hooks-service': 'admin' };

const writes = (forge: ForgeDouble, from = 0) =>
  forge
    .requests()
    .slice(from)
    .filter((r) => r.kind === 'api' && ['POST', 'PUT', 'PATCH'].includes(r.method));

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('claude-hooks init', () => {
  describe('on an empty forge', () => {
    let forge: ForgeDouble;
    let dir: string;
    let adminToken: string;
    let first: Run;
    before(async () => {
      ({ forge, dir, adminToken } = await scene());
      first = await init(forge, dir, adminToken);
    });
    after(async () => {
      await forge.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('succeeds and says what it did, step by step', () => {
      assert.equal(first.code, 0, first.stderr + first.stdout);
      assert.match(first.stdout, /\+ user boss: created forge user boss \(Boss \(claude-hooks\)/);
      assert.match(
        first.stdout,
        /\+ webhook on acme\/widget: created a webhook to http:\/\/hooks\.example\.test:8080\/webhook/,
      );
      assert.match(first.stdout, /done: \d+ change\(s\)/);
    });

    it('creates each bot user with its full name and e-mail', () => {
      assert.deepEqual(forge.user('boss'), {
        login: 'boss',
        fullName: 'Boss (claude-hooks)',
        email: 'boss@noreply.127.0.0.1',
      });
      assert.equal(forge.user('dev')?.fullName, 'Dev (claude-hooks)');
      assert.equal(forge.user('reviewer')?.fullName, 'Reviewer (claude-hooks)');
    });

    it('creates one token per bot with exactly the scopes its role needs, saved 0600 under the data dir', async () => {
      for (const [login, scopes] of Object.entries(SCOPES)) {
        const tokens = forge.tokens(login);
        assert.equal(tokens.length, 1, login);
        assert.deepEqual([...(tokens[0]?.scopes ?? [])].sort(), scopes, login);
        const file = join(dir, 'data', 'secrets', TOKEN_FILES[login] ?? '');
        assert.equal((await readFile(file, 'utf8')).trim(), tokens[0]?.token);
        assert.equal((await stat(file)).mode & 0o777, 0o600);
      }
      const tokenCalls = forge.requests().filter((r) => r.path.endsWith('/tokens') && r.method === 'POST');
      assert.deepEqual(new Set(tokenCalls.map((r) => r.authScheme)), new Set(['Basic']));
    });

    it('creates the service user that reads permissions, which no agent is', () => {
      assert.deepEqual(forge.user('claude-hooks-service'), {
        login: 'claude-hooks-service',
        fullName: 'claude-hooks service (permission reads)',
        email: 'claude-hooks-service@noreply.127.0.0.1',
      });
      assert.match(first.stdout, /\+ user claude-hooks-service: created forge user/);
    });

    it('writes a config that names the secret files, the service token among them, and is valid', async () => {
      const text = await readFile(join(dir, 'claude-hooks.yaml'), 'utf8');
      assert.match(text, /token: \{ file: "\.\/data\/secrets\/dev-forge-token" \}/);
      assert.match(text, /webhookSecret: \{ file: "\.\/data\/webhook-secret" \}/);
      assert.match(text, /serviceToken: \{ file: "\.\/data\/secrets\/service-forge-token" \}/);
      const loaded = loadConfig({ path: join(dir, 'claude-hooks.yaml'), env: {}, cwd: dir });
      assert.ok(loaded.ok, JSON.stringify(loaded.ok ? '' : loaded.error));
      assert.deepEqual(
        loaded.value.agents.map((a) => a.name),
        ['boss', 'dev', 'reviewer'],
      );
      assert.equal(
        loaded.value.forge.webhookSecret?.reveal(),
        (await readFile(join(dir, 'data', 'webhook-secret'), 'utf8')).trim(),
      );
      assert.equal(loaded.value.forge.serviceToken?.reveal(), forge.tokens('claude-hooks-service')[0]?.token);
      assert.equal((await stat(join(dir, 'data', 'webhook-secret'))).mode & 0o777, 0o600);
    });

    it('gives boss and dev write, reviewer read (its approvals do not count) and the service user admin', () => {
      assert.deepEqual(forge.collaborators(REPO), ACCESS);
    });

    it('creates the labels the triggers use', () => {
      assert.deepEqual([...forge.labels(REPO)].sort(), ['agent/boss', 'agent/dev', 'agent/reviewer']);
    });

    it("creates the webhook: the URL, json, the secret, exactly the handled events and Forgejo's check events, active", async () => {
      const hooks = forge.hooks(REPO);
      assert.equal(hooks.length, 1);
      const secret = (await readFile(join(dir, 'data', 'webhook-secret'), 'utf8')).trim();
      const hook = hooks[0];
      assert.deepEqual(
        {
          url: hook?.url,
          contentType: hook?.contentType,
          secret: hook?.secret,
          events: [...(hook?.events ?? [])].sort(),
          active: hook?.active,
        },
        {
          url: `${PUBLIC_URL}/webhook`,
          contentType: 'application/json',
          secret,
          events: [...hookEventsFor('forgejo')].sort(),
          active: true,
        },
      );
    });

    it('protects the default branch: no pushes, one approval to merge, stale approvals dismissed, no allowlist', () => {
      const rules = forge.protections(REPO).map((p) => ({
        branch: p.branch,
        enablePush: p.enablePush,
        requiredApprovals: p.requiredApprovals,
        dismissStaleApprovals: p.dismissStaleApprovals,
        allowlists: [p.enablePushWhitelist, p.enableApprovalsWhitelist, p.enableMergeWhitelist],
      }));
      assert.deepEqual(rules, [
        {
          branch: 'main',
          enablePush: false,
          requiredApprovals: 1,
          dismissStaleApprovals: true,
          allowlists: [false, false, false],
        },
      ]);
    });

    it('calls the forge only as the swagger allows', () => {
      assert.deepEqual(forge.openApiViolations(), []);
      assert.deepEqual(forge.faults(), []);
    });

    it('writes the admin token nowhere: no file, no output', async () => {
      for (const file of await filesUnder(dir)) assert.ok(!(await readFile(file, 'utf8')).includes(adminToken), file);
      assert.ok(!first.stdout.includes(adminToken) && !first.stderr.includes(adminToken));
    });

    it('changes nothing on a second run', async () => {
      const from = forge.requests().length;

      const second = await init(forge, dir, adminToken);

      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual(writes(forge, from), []);
      assert.doesNotMatch(second.stdout, /^[+~✗]/m);
      assert.match(second.stdout, /done: 0 change\(s\)/);
      assert.match(second.stdout, /✓ user boss: exists \(Boss \(claude-hooks\)\); adopted/);
    });
  });

  describe('repairs drift', () => {
    let forge: ForgeDouble;
    let dir: string;
    let adminToken: string;
    before(async () => {
      ({ forge, dir, adminToken } = await scene());
      assert.equal((await init(forge, dir, adminToken)).code, 0);
    });
    after(async () => {
      await forge.close();
      await rm(dir, { recursive: true, force: true });
    });

    const api = async (method: string, path: string, body: unknown) => {
      const response = await fetch(`${forge.apiUrl}${path}`, {
        method,
        headers: { authorization: `token ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.ok(response.ok, `${method} ${path}: ${response.status}`);
    };

    it('a webhook with a missing event and a wrong URL, made inactive', async () => {
      const hook = forge.hooks(REPO)[0];
      await api('PATCH', `/repos/${REPO}/hooks/${hook?.id}`, {
        config: { url: 'http://old.example.test/webhook', content_type: 'json' },
        events: HOOK_EVENTS.filter((e) => e !== 'issue_label'),
        active: false,
      });

      const run = await init(forge, dir, adminToken);

      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stdout,
        /\+ webhook on acme\/widget: repaired webhook \d+: URL http:\/\/old\.example\.test\/webhook instead of .*; missing events issue_label; inactive/,
      );
      const repaired = forge.hooks(REPO);
      assert.equal(repaired.length, 1);
      assert.equal(repaired[0]?.url, `${PUBLIC_URL}/webhook`);
      assert.ok(repaired[0]?.events.includes('issue_label'));
      assert.equal(repaired[0]?.active, true);
    });

    it('an agent made admin again is lowered, and the service user given back its admin', async () => {
      await api('PUT', `/repos/${REPO}/collaborators/boss`, { permission: 'admin' });
      await api('PUT', `/repos/${REPO}/collaborators/claude-hooks-service`, { permission: 'write' });

      const run = await init(forge, dir, adminToken);

      assert.match(run.stdout, /\+ boss on acme\/widget: lowered boss to write \(had admin\)/);
      assert.match(run.stdout, /\+ claude-hooks-service on acme\/widget: gave claude-hooks-service admin/);
      assert.deepEqual(forge.collaborators(REPO), ACCESS);
    });

    it('a protection rule loosened by hand', async () => {
      await api('PATCH', `/repos/${REPO}/branch_protections/main`, {
        enable_push: true,
        enable_push_whitelist: false,
        required_approvals: 0,
        dismiss_stale_approvals: false,
        enable_merge_whitelist: true,
        merge_whitelist_usernames: ['dev'],
      });

      const run = await init(forge, dir, adminToken);

      assert.match(
        run.stdout,
        /\+ default branch of acme\/widget protected: repaired the rule of main: anyone with write \(the agents too\) may push to it; it requires no approval to merge; approvals outlive new commits; its merge allowlist names dev/,
      );
      const [rule] = forge.protections(REPO);
      assert.deepEqual(
        [rule?.enablePush, rule?.requiredApprovals, rule?.dismissStaleApprovals, rule?.enableMergeWhitelist],
        [false, 1, true, false],
      );
      assert.deepEqual(forge.openApiViolations(), []);
    });

    it("a person's push allowlist keeps the people and loses the agents", async () => {
      forge.addUser('alice');
      await api('PUT', `/repos/${REPO}/collaborators/alice`, { permission: 'write' });
      await api('PATCH', `/repos/${REPO}/branch_protections/main`, {
        enable_push: true,
        enable_push_whitelist: true,
        push_whitelist_usernames: ['alice', 'dev'],
      });

      const run = await init(forge, dir, adminToken);

      assert.match(run.stdout, /repaired the rule of main: its push allowlist names dev/);
      const [rule] = forge.protections(REPO);
      assert.deepEqual([rule?.enablePush, rule?.enablePushWhitelist, rule?.pushWhitelist], [true, true, ['alice']]);
    });

    it('a lost token file, making a new token for the adopted user', async () => {
      await rm(join(dir, 'data', 'secrets', 'dev-forge-token'));

      const run = await init(forge, dir, adminToken);

      assert.match(run.stdout, /\+ token of dev: created a token .* \(after setting a one-time password\)/);
      assert.equal(forge.tokens('dev').length, 2);
      assert.equal(
        (await readFile(join(dir, 'data', 'secrets', 'dev-forge-token'), 'utf8')).trim(),
        forge.tokens('dev')[1]?.token,
      );
    });

    it('a secret file others may read', async () => {
      const { chmod } = await import('node:fs/promises');
      const file = join(dir, 'data', 'webhook-secret');
      const secret = await readFile(file, 'utf8');
      await chmod(file, 0o644);

      const run = await init(forge, dir, adminToken);

      assert.match(run.stdout, /\+ webhook secret: made .*webhook-secret mode 0600/);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.equal(await readFile(file, 'utf8'), secret);
      assert.match(run.stdout, /✓ webhook on acme\/widget/);
    });

    it('a token that lacks a scope', async () => {
      const { writeFile } = await import('node:fs/promises');
      const weak = forge.tokens('reviewer')[0]?.token ?? '';
      assert.notEqual(weak, '');
      // Replace reviewer's token by one made without write:issue.
      const password = 'one-time-test-password';
      await api('PATCH', '/admin/users/reviewer', { login_name: 'reviewer', source_id: 0, password });
      const made = await fetch(`${forge.apiUrl}/users/reviewer/tokens`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`reviewer:${password}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ name: 'weak', scopes: ['write:repository', 'read:user'] }),
      });
      await writeFile(
        join(dir, 'data', 'secrets', 'reviewer-forge-token'),
        `${((await made.json()) as { sha1: string }).sha1}\n`,
        { mode: 0o600 },
      );

      const run = await init(forge, dir, adminToken);

      assert.match(run.stdout, /\+ token of reviewer: created a token/);
      const current = (await readFile(join(dir, 'data', 'secrets', 'reviewer-forge-token'), 'utf8')).trim();
      assert.deepEqual([...(forge.tokens('reviewer').find((t) => t.token === current)?.scopes ?? [])].sort(), [
        'read:user',
        'write:issue',
        'write:repository',
      ]);
      assert.deepEqual(forge.openApiViolations(), []);
    });
  });

  describe('on an installation an earlier init made: boss admin, reviewer write, tokens that may write, no service user', () => {
    let forge: ForgeDouble;
    let dir: string;
    let adminToken: string;
    let plan: Run;
    let run: Run;
    const configPath = () => join(dir, 'claude-hooks.yaml');
    before(async () => {
      forge = await startForgeDouble({ webhookSecret: '', checkOpenApi: true });
      adminToken = forge.addUser('root', { admin: true }).token;
      // The double's own tokens may do anything: like the write:repository tokens that init made for every agent.
      const tokens = Object.fromEntries(
        ['boss', 'dev', 'reviewer'].map((login) => [login, forge.addUser(login).token]),
      );
      await forge.createRepo('acme', 'widget', { collaborators: { boss: 'admin', dev: 'write', reviewer: 'write' } });
      dir = await mkdtemp(join(tmpdir(), 'init-upgrade-'));
      const layout = { dataDir: join(dir, 'data'), configPath: configPath() };
      for (const [login, token] of Object.entries(tokens))
        await writeSecretFile(join(dir, 'data', 'secrets', `${login}-forge-token`), token);
      await writeSecretFile(join(dir, 'data', 'webhook-secret'), 'an-old-secret');
      await writeSecretFile(join(dir, 'data', 'secrets', 'admin-token'), 'an-old-admin-token');
      const agents = ['boss', 'dev', 'reviewer'].map((name) => ({
        ...(templateOf(name) ?? assert.fail(name)),
        login: name,
        email: `${name}@noreply.127.0.0.1`,
      }));
      const rendered = renderConfig(layout, {
        forgeUrl: forge.url,
        forgeKind: 'forgejo',
        publicUrl: PUBLIC_URL,
        repositories: [REPO],
        agents,
      });
      const old = rendered.split('\n').filter((line) => !/serviceToken|Reads who may trigger/.test(line));
      await writeFile(configPath(), ["# the operator's own note, which init keeps", ...old].join('\n'));
      const response = await fetch(`${forge.apiUrl}/repos/${REPO}/branch_protections`, {
        method: 'POST',
        headers: { authorization: `token ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ rule_name: 'main', enable_push: false }),
      });
      assert.equal(response.status, 201);

      plan = await init(forge, dir, adminToken, ['--dry-run']);
      run = await init(forge, dir, adminToken);
    });
    after(async () => {
      await forge.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('says in a dry run what it would change, and why', () => {
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(
        plan.stdout,
        /~ token of boss: would replace the token in .*boss-forge-token: it holds write:repository, more than boss needs/,
      );
      assert.match(plan.stdout, /✓ token of dev: valid/);
      assert.match(plan.stdout, /~ boss on acme\/widget: would lower boss to write \(has admin\)/);
      assert.match(
        plan.stdout,
        /~ config .*claude-hooks\.yaml: would add forge\.serviceToken: \{ file: \.\/data\/secrets\/service-forge-token \}/,
      );
    });

    it('lowers boss to write and reviewer to read, and makes the service user admin', () => {
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.match(run.stdout, /\+ boss on acme\/widget: lowered boss to write \(had admin\)/);
      assert.match(run.stdout, /\+ reviewer on acme\/widget: lowered reviewer to read \(had write\)/);
      assert.deepEqual(forge.collaborators(REPO), ACCESS);
    });

    it("replaces boss's token by one that cannot write code, and keeps the others", async () => {
      assert.deepEqual([...(forge.tokens('boss')[0]?.scopes ?? [])].sort(), SCOPES.boss);
      assert.equal(
        (await readFile(join(dir, 'data', 'secrets', 'boss-forge-token'), 'utf8')).trim(),
        forge.tokens('boss')[0]?.token,
      );
      assert.deepEqual([forge.tokens('dev'), forge.tokens('reviewer')], [[], []]);
    });

    it('adds forge.serviceToken to the config, leaving the rest as it was', async () => {
      assert.match(run.stdout, /\+ config .*: added forge\.serviceToken to .*; the rest is as it was/);
      const text = await readFile(configPath(), 'utf8');
      assert.match(text, /^# the operator's own note, which init keeps$/m);
      const loaded = loadConfig({ path: configPath(), env: {}, cwd: dir });
      assert.ok(loaded.ok, JSON.stringify(loaded.ok ? '' : loaded.error));
      assert.equal(loaded.value.forge.serviceToken?.reveal(), forge.tokens('claude-hooks-service')[0]?.token);
      assert.equal(loaded.value.forge.webhookSecret?.reveal(), 'an-old-secret');
    });

    it('repairs the rule, which only closed pushes', () => {
      assert.match(
        run.stdout,
        /\+ default branch of acme\/widget protected: repaired the rule of main: it requires no approval to merge; approvals outlive new commits/,
      );
      assert.deepEqual(forge.openApiViolations(), []);
    });

    it('changes nothing on the next run', async () => {
      const from = forge.requests().length;

      const again = await init(forge, dir, adminToken);

      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(writes(forge, from), []);
    });
  });

  describe('when a bot user exists already', () => {
    it('adopts it, saying so, and makes its token after setting a one-time password', async () => {
      const { forge, dir, adminToken } = await scene();
      forge.addUser('dev');
      try {
        const run = await init(forge, dir, adminToken);

        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /✓ user dev: exists \(no full name\); adopted/);
        assert.match(
          run.stdout,
          /\+ token of dev: created a token with write:repository, write:issue, read:user \(after setting a one-time password\)/,
        );
        assert.equal(
          (await readFile(join(dir, 'data', 'secrets', 'dev-forge-token'), 'utf8')).trim(),
          forge.tokens('dev')[0]?.token,
        );
        assert.deepEqual(forge.openApiViolations(), []);
      } finally {
        await forge.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('with --org', () => {
    it('sets up every repository of the organisation with one organisation webhook', async () => {
      const forge = await startForgeDouble({ webhookSecret: '', checkOpenApi: true });
      const adminToken = forge.addUser('root', { admin: true }).token;
      forge.createOrg('acme');
      await forge.createRepo('acme', 'widget');
      await forge.createRepo('acme', 'gadget');
      const dir = await mkdtemp(join(tmpdir(), 'init-org-'));
      try {
        let stdout = '';
        const io = {
          stdout: { write: (t: string) => (stdout += t) },
          stderr: { write: (t: string) => (stdout += t) },
          env: { CLAUDE_HOOKS_FORGE_ADMIN_TOKEN: adminToken },
          cwd: dir,
        };

        const code = await runCli(['init', '--forge', forge.url, '--org', 'acme', '--public-url', PUBLIC_URL], io);

        assert.equal(code, 0, stdout);
        assert.match(stdout, /\+ webhook on organisation acme: created a webhook/);
        const orgHooks = forge.hooks('acme', 'org');
        assert.equal(orgHooks.length, 1);
        assert.deepEqual([...(orgHooks[0]?.events ?? [])].sort(), [...hookEventsFor('forgejo')].sort());
        assert.deepEqual([forge.hooks('acme/widget'), forge.hooks('acme/gadget')], [[], []]);
        for (const repo of ['acme/widget', 'acme/gadget']) {
          assert.deepEqual(forge.collaborators(repo), ACCESS);
          assert.equal(forge.labels(repo).length, 3);
        }
        const loaded = loadConfig({ path: join(dir, 'claude-hooks.yaml'), env: {}, cwd: dir });
        assert.ok(loaded.ok);
        assert.deepEqual([...loaded.value.forge.repositories].sort(), ['acme/gadget', 'acme/widget']);
        assert.deepEqual(forge.openApiViolations(), []);

        const from = forge.requests().length;
        const again = await runCli(['init', '--forge', forge.url, '--org', 'acme', '--public-url', PUBLIC_URL], io);
        assert.equal(again, 0);
        assert.deepEqual(writes(forge, from), []);
      } finally {
        await forge.close();
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('names an organisation the forge does not have', async () => {
      const { forge, dir, adminToken } = await scene();
      try {
        let stderr = '';
        const code = await runCli(['init', '--forge', forge.url, '--org', 'nosuch', '--public-url', PUBLIC_URL], {
          stdout: { write: () => true },
          stderr: { write: (t: string) => (stderr += t) },
          env: { CLAUDE_HOOKS_FORGE_ADMIN_TOKEN: adminToken },
          cwd: dir,
        });

        assert.equal(code, 1);
        assert.match(stderr, /organisation nosuch not found on the forge/);
      } finally {
        await forge.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('the check events', () => {
    const GITEA_CHECKS = ['status', 'workflow_run', 'workflow_job'];
    const FORGEJO_CHECKS = ['action_run_failure', 'action_run_success', 'action_run_recover'];
    const hookEvents = (forge: ForgeDouble) => [...(forge.hooks(REPO)[0]?.events ?? [])].sort();
    async function giteaScene(): Promise<{ forge: ForgeDouble; dir: string; adminToken: string }> {
      const forge = await startForgeDouble({ webhookSecret: '', flavour: 'gitea', checkOpenApi: true });
      const adminToken = forge.addUser('root', { admin: true }).token;
      await forge.createRepo('acme', 'widget');
      return { forge, dir: await mkdtemp(join(tmpdir(), 'init-gitea-')), adminToken };
    }
    const hookApi = (forge: ForgeDouble, adminToken: string, method: string, path: string, body: unknown) =>
      fetch(`${forge.apiUrl}${path}`, {
        method,
        headers: { authorization: `token ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it('subscribes a Gitea hook to status, workflow_run and workflow_job, and a second run changes nothing', async () => {
      const { forge, dir, adminToken } = await giteaScene();
      try {
        const run = await init(forge, dir, adminToken, ['--kind', 'gitea']);

        assert.equal(run.code, 0, run.stderr + run.stdout);
        assert.match(run.stdout, /\+ webhook on acme\/widget: created a webhook to \S+\/webhook\n/);
        assert.deepEqual(hookEvents(forge), [...HOOK_EVENTS, ...GITEA_CHECKS].sort());
        const from = forge.requests().length;
        const again = await init(forge, dir, adminToken, ['--kind', 'gitea']);
        assert.match(again.stdout, /✓ webhook on acme\/widget: \S+, 14 events, active, and the check events/);
        assert.deepEqual(writes(forge, from), []);
        assert.deepEqual(forge.openApiViolations(), []);
      } finally {
        await forge.close();
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("adds them to a Gitea hook an earlier init made without them, since Gitea's API sets them on an edit", async () => {
      const { forge, dir, adminToken } = await giteaScene();
      try {
        assert.equal((await init(forge, dir, adminToken, ['--kind', 'gitea'])).code, 0);
        const id = forge.hooks(REPO)[0]?.id;
        assert.ok(
          (await hookApi(forge, adminToken, 'PATCH', `/repos/${REPO}/hooks/${id}`, { events: HOOK_EVENTS })).ok,
        );
        assert.deepEqual(hookEvents(forge), [...HOOK_EVENTS].sort());

        const run = await init(forge, dir, adminToken, ['--kind', 'gitea']);

        assert.equal(run.code, 0, run.stderr);
        assert.match(
          run.stdout,
          new RegExp(
            `\\+ webhook on acme/widget: repaired webhook ${id}: missing check events status, workflow_run, workflow_job\\n`,
          ),
        );
        assert.deepEqual(hookEvents(forge), [...HOOK_EVENTS, ...GITEA_CHECKS].sort());
      } finally {
        await forge.close();
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("leaves a Forgejo hook made without them as it is, saying to tick them, since Forgejo's API sets them only on a new hook", async () => {
      const { forge, dir, adminToken } = await scene();
      try {
        const made = await hookApi(forge, adminToken, 'POST', `/repos/${REPO}/hooks`, {
          type: 'gitea',
          config: { url: `${PUBLIC_URL}/webhook`, content_type: 'json', secret: 'a-hand-made-secret' },
          events: HOOK_EVENTS,
          active: true,
        });
        assert.equal(made.status, 201);

        const run = await init(forge, dir, adminToken);

        assert.equal(run.code, 0, run.stderr);
        // init generated the secret, which the hook is given; its check events stay as they were.
        assert.match(
          run.stdout,
          /\+ webhook on acme\/widget: repaired webhook \d+: a new secret; without the check events action_run_failure, action_run_success, action_run_recover, which Forgejo's API sets only on a new hook: tick them in the hook's settings/,
        );
        assert.deepEqual(hookEvents(forge), [...HOOK_EVENTS].sort());
        const from = forge.requests().length;
        const again = await init(forge, dir, adminToken);
        assert.match(again.stdout, /✓ webhook on acme\/widget: .*; without the check events action_run_failure/);
        assert.deepEqual(writes(forge, from), []);
        assert.deepEqual(forge.openApiViolations(), []);
      } finally {
        await forge.close();
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('says so when the forge does not take them: a forge without those events drops the names', async () => {
      const { forge, dir, adminToken } = await scene();
      try {
        // Forgejo has none of Gitea's check events, as an older Gitea has none.
        const run = await init(forge, dir, adminToken, ['--kind', 'gitea']);

        assert.equal(run.code, 0, run.stderr);
        assert.match(
          run.stdout,
          /\+ webhook on acme\/widget: created a webhook to \S+; the forge did not take the check events status, workflow_run, workflow_job: it does not have them \(an older gitea, or not gitea at all: check --kind\), so the poller's catch-up reads the checks instead, later/,
        );
        assert.deepEqual(hookEvents(forge), [...HOOK_EVENTS].sort());
        assert.ok(!FORGEJO_CHECKS.some((event) => hookEvents(forge).includes(event)));
      } finally {
        await forge.close();
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('falls back to the needed events alone when the forge refuses the hook with them, and says so', async () => {
      const { forge, dir, adminToken } = await scene();
      try {
        forge.refuseNext('POST', /^\/repos\/acme\/widget\/hooks$/, 422);

        const run = await init(forge, dir, adminToken);

        assert.equal(run.code, 0, run.stderr + run.stdout);
        assert.match(
          run.stdout,
          /\+ webhook on acme\/widget: created a webhook to \S+; the forge refused the check events \(422: .*\), so the hook sends the needed events only: add action_run_failure, action_run_success, action_run_recover in its settings once the forge has them/,
        );
        assert.deepEqual(hookEvents(forge), [...HOOK_EVENTS].sort());
        const posts = forge.requests().filter((r) => r.method === 'POST' && r.path.endsWith(`/repos/${REPO}/hooks`));
        assert.deepEqual(
          posts.map((r) => r.status),
          [422, 201],
        );
      } finally {
        await forge.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('with --allow-bot-merge', () => {
    it('gives the reviewer write, so that its approval lets agents merge, and still closes pushes', async () => {
      const { forge, dir, adminToken } = await scene();
      try {
        const run = await init(forge, dir, adminToken, ['--allow-bot-merge']);

        assert.equal(run.code, 0, run.stderr);
        assert.equal(forge.collaborators(REPO).reviewer, 'write');
        assert.match(
          run.stdout,
          /\+ default branch of acme\/widget protected: protected main: no direct pushes, 1 approval to merge \(agents may approve and merge: --allow-bot-merge\)/,
        );
        assert.deepEqual(
          forge.protections(REPO).map((p) => [p.enablePush, p.requiredApprovals]),
          [[false, 1]],
        );
      } finally {
        await forge.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('with --dry-run', () => {
    it('prints the plan and changes nothing', async () => {
      const { forge, dir, adminToken } = await scene();
      try {
        const run = await init(forge, dir, adminToken, ['--dry-run']);

        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /~ user dev: would create forge user dev/);
        assert.match(run.stdout, /~ user claude-hooks-service: would create forge user claude-hooks-service/);
        assert.match(
          run.stdout,
          /~ default branch of acme\/widget protected: would protect main: no direct pushes, 1 approval to merge/,
        );
        assert.match(run.stdout, /~ webhook on acme\/widget: would create a webhook/);
        assert.match(run.stdout, /dry run: \d+ change\(s\) to make/);
        assert.deepEqual(writes(forge), []);
        assert.deepEqual(await readdir(dir), []);
      } finally {
        await forge.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('when the forge refuses a call midway', () => {
    it('reports what was done and what was not, and a re-run completes the job', async () => {
      const { forge, dir, adminToken } = await scene();
      try {
        forge.refuseNext('POST', /^\/repos\/acme\/widget\/labels$/, 500);

        const failed = await init(forge, dir, adminToken);

        assert.equal(failed.code, 1);
        assert.match(
          failed.stdout,
          /✗ label agent\/boss on acme\/widget: forge API POST \/repos\/acme\/widget\/labels failed with 500/,
        );
        assert.match(failed.stdout, /· webhook on acme\/widget: not done/);
        assert.match(
          failed.stderr,
          /init stopped at "label agent\/boss on acme\/widget".*\n\d+ step\(s\) were done, \d+ not; fix the cause and run init again/,
        );
        assert.deepEqual(forge.hooks(REPO), []);

        const again = await init(forge, dir, adminToken);

        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stdout, /✓ user boss: exists/);
        assert.match(again.stdout, /\+ label agent\/boss on acme\/widget: created/);
        assert.equal(forge.hooks(REPO).length, 1);
        assert.equal(forge.tokens('boss').length, 1);
      } finally {
        await forge.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  it('names what is wrong with its options', async () => {
    const cases: Array<{ args: string[]; message: RegExp }> = [
      { args: ['--repo', REPO, '--public-url', PUBLIC_URL], message: /--forge URL is required/ },
      {
        args: ['--forge', 'ftp://x', '--repo', REPO, '--public-url', PUBLIC_URL],
        message: /--forge must be an http\(s\) URL/,
      },
      {
        args: ['--forge', 'http://x', '--public-url', PUBLIC_URL],
        message: /--org ORG or --repo OWNER\/NAME is required/,
      },
      {
        args: ['--forge', 'http://x', '--repo', 'widget', '--public-url', PUBLIC_URL],
        message: /--repo "widget" is not OWNER\/NAME/,
      },
      { args: ['--forge', 'http://x', '--repo', REPO], message: /--public-url URL is required/ },
      {
        args: ['--forge', 'http://x', '--repo', REPO, '--public-url', PUBLIC_URL, '--agents', 'boss,qa'],
        message: /--agents: unknown agent "qa"; init knows boss, dev, reviewer/,
      },
    ];
    for (const { args, message } of cases) {
      let stderr = '';
      const code = await runCli(['init', ...args], {
        stdout: { write: () => true },
        stderr: { write: (t: string) => (stderr += t) },
        env: { CLAUDE_HOOKS_FORGE_ADMIN_TOKEN: 'x' },
        cwd: tmpdir(),
      });
      assert.equal(code, 2, args.join(' '));
      assert.match(stderr, message);
    }
  });

  it('refuses to run without the admin token in the environment, naming the variable', async () => {
    let stderr = '';
    const code = await runCli(['init', '--forge', 'http://127.0.0.1:1', '--repo', REPO, '--public-url', PUBLIC_URL], {
      stdout: { write: () => true },
      stderr: { write: (t: string) => (stderr += t) },
      env: {},
      cwd: tmpdir(),
    });
    assert.equal(code, 2);
    assert.match(stderr, /CLAUDE_HOOKS_FORGE_ADMIN_TOKEN is not set/);
  });
});
