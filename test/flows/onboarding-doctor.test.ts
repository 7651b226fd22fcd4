/**
 * `claude-hooks doctor` against the forge double and the real service, set up by `claude-hooks
 * init`: all ✓ on a correct installation, then each misconfiguration in turn — a wrong or too
 * broad token, an agent with admin, a default branch agents could push to or merge into — gives
 * exactly its ✗ and its fix. The forge reaches the service through a small reverse proxy, so "unreachable from
 * the forge" is the proxy going away while doctor still reaches the service directly.
 */
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../src/cli/run-cli.js';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/lib/logger.js';
import { startService, type Service } from '../../src/main.js';
import { HOOK_EVENTS } from '../../src/onboarding/hook-events.js';
import { readLastDoctorResult } from '../../src/onboarding/last-result.js';
import { startForgeDouble, type ForgeDouble } from '../support/forge/forge-double.js';

const REPO = 'acme/widget';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A reverse proxy in front of the service, as the forge would reach it in production. */
async function startProxy(target: number, port = 0): Promise<Server> {
  const proxy = createServer((req, res) => {
    const upstream = request(
      { host: '127.0.0.1', port: target, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  proxy.listen(port, '127.0.0.1');
  await once(proxy, 'listening');
  return proxy;
}

describe('claude-hooks doctor', () => {
  let forge: ForgeDouble;
  let dir: string;
  let adminToken: string;
  let service: Service;
  let proxy: Server;
  let proxyPort: number;
  let env: Record<string, string>;

  before(async () => {
    forge = await startForgeDouble({ webhookSecret: '', checkOpenApi: true });
    adminToken = forge.addUser('root', { admin: true }).token;
    await forge.createRepo('acme', 'widget');
    dir = await mkdtemp(join(tmpdir(), 'doctor-'));
    const servicePort = await freePort();
    proxy = await startProxy(servicePort);
    proxyPort = (proxy.address() as AddressInfo).port;
    env = {
      CLAUDE_HOOKS_PORT: String(servicePort),
      CLAUDE_HOOKS_FORGE_ADMIN_TOKEN: adminToken,
      PATH: process.env.PATH ?? '',
    };
    const quiet = { stdout: { write: () => true }, stderr: { write: () => true }, env, cwd: dir };
    assert.equal(
      await runCli(
        ['init', '--forge', forge.url, '--repo', REPO, '--public-url', `http://127.0.0.1:${proxyPort}`],
        quiet,
      ),
      0,
    );
    const loaded = loadConfig({ path: join(dir, 'claude-hooks.yaml'), env, cwd: dir });
    assert.ok(loaded.ok);
    service = await startService({ config: loaded.value, log: silentLogger(), env: { PATH: process.env.PATH } });
  });

  after(async () => {
    await service?.close();
    await new Promise((resolve) => proxy?.close(resolve));
    await forge?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function doctor(extra: string[] = []): Promise<{ code: number; stdout: string; failed: string[] }> {
    let stdout = '';
    const code = await runCli(['doctor', '--wait', '2', ...extra], {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stdout += t) },
      env,
      cwd: dir,
    });
    const failed = stdout
      .split('\n')
      .filter((line) => line.startsWith('✗ '))
      .map((line) => line.slice(2, line.indexOf(': ')));
    return { code, stdout, failed };
  }
  const hook = () => forge.hooks(REPO)[0] ?? assert.fail('no hook');
  const api = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${forge.apiUrl}${path}`, {
      method,
      headers: { authorization: `token ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.ok(response.ok, `${method} ${path}: ${response.status}`);
  };
  const editHook = (body: unknown) => api('PATCH', `/repos/${REPO}/hooks/${hook().id}`, body);

  it('passes every check on a correct installation, saves the result and shows it in /readyz', async () => {
    const run = await doctor();

    assert.equal(run.code, 0, run.stdout);
    assert.deepEqual(run.failed, []);
    assert.match(
      run.stdout,
      /✓ a test delivery from acme\/widget reaches the service and passes the signature check: hook \d+: recorded by the service/,
    );
    assert.match(run.stdout, /all \d+ checks passed/);
    assert.match(run.stdout, /✓ reviewer has read on acme\/widget: read/);
    assert.match(run.stdout, /✓ forge\.serviceToken is no agent's and only reads: claude-hooks-service, read-only/);
    assert.match(run.stdout, /✓ forge\.serviceToken reads permissions on acme\/widget: boss has write/);
    assert.match(run.stdout, /✓ agent runs are sandboxed \(isolation: bwrap\)/);
    assert.match(
      run.stdout,
      /✓ webhook on acme\/widget sends the check events \(action_run_failure, action_run_success, action_run_recover\): hook \d+ of acme\/widget\n/,
    );
    assert.match(run.stdout, /✓ no agent has admin on acme\/widget: boss, dev, reviewer: none above write/);
    assert.match(
      run.stdout,
      /✓ the default branch of acme\/widget is protected against agents' pushes and merges: main: no agent pushes, 1 approval\(s\) to merge; every merge needs a person's approval/,
    );
    assert.equal((await readLastDoctorResult(join(dir, 'data')))?.ok, true);
    const ready = (await (await fetch(`${service.url}/readyz`)).json()) as {
      checks: Record<string, { ok: boolean; detail: string }>;
    };
    assert.match(ready.checks.doctor?.detail ?? '', /all \d+ checks passed/);
    assert.deepEqual(forge.openApiViolations(), []);
  });

  it('passes with a note when the reviewer has write, so that its approval lets agents merge (init --allow-bot-merge)', async () => {
    await api('PUT', `/repos/${REPO}/collaborators/reviewer`, { permission: 'write' });
    try {
      const run = await doctor();

      assert.deepEqual(run.failed, [], run.stdout);
      assert.match(
        run.stdout,
        /✓ the default branch of acme\/widget is protected against agents' pushes and merges: main: no agent pushes, 1 approval\(s\) to merge; note: reviewer has write, so its approval counts and agents can merge without a person/,
      );
    } finally {
      await api('PUT', `/repos/${REPO}/collaborators/reviewer`, { permission: 'read' });
    }
  });

  it('prints JSON with --json', async () => {
    const run = await doctor(['--json']);

    const parsed = JSON.parse(run.stdout) as { ok: boolean; checks: unknown[] };
    assert.equal(parsed.ok, true);
    assert.ok(parsed.checks.length > 10);
  });

  const cases: Array<{ name: string; breakIt: () => Promise<() => Promise<void>>; title: RegExp; fix: RegExp }> = [
    {
      name: 'a wrong token',
      async breakIt() {
        const file = join(dir, 'data', 'secrets', 'dev-forge-token');
        const good = await readFile(file, 'utf8');
        await writeFile(file, 'not-a-token\n');
        return () => writeFile(file, good);
      },
      title: /^token of dev is valid and belongs to dev$/,
      fix: /fix: create a token for dev with write:repository, write:issue, read:user and put it in .*dev-forge-token \(agents\.dev\.token\)/,
    },
    {
      name: 'a token without a scope',
      async breakIt() {
        const file = join(dir, 'data', 'secrets', 'reviewer-forge-token');
        const good = await readFile(file, 'utf8');
        await api('PATCH', '/admin/users/reviewer', { login_name: 'reviewer', source_id: 0, password: 'one-time-pw' });
        const made = await fetch(`${forge.apiUrl}/users/reviewer/tokens`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from('reviewer:one-time-pw').toString('base64')}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ name: `weak-${Date.now()}`, scopes: ['write:repository', 'read:user'] }),
        });
        await writeFile(file, `${((await made.json()) as { sha1: string }).sha1}\n`);
        return () => writeFile(file, good);
      },
      title: /^token of reviewer has write:repository, write:issue, read:user$/,
      fix: /fix: replace the token in .*reviewer-forge-token .* by one with write:repository, write:issue, read:user/,
    },
    {
      name: 'a boss token that may write code',
      async breakIt() {
        const file = join(dir, 'data', 'secrets', 'boss-forge-token');
        const good = await readFile(file, 'utf8');
        await api('PATCH', '/admin/users/boss', { login_name: 'boss', source_id: 0, password: 'one-time-pw' });
        const made = await fetch(`${forge.apiUrl}/users/boss/tokens`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from('boss:one-time-pw').toString('base64')}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            name: `broad-${Date.now()}`,
            scopes: ['write:repository', 'write:issue', 'read:user'],
          }),
        });
        await writeFile(file, `${((await made.json()) as { sha1: string }).sha1}\n`);
        return () => writeFile(file, good);
      },
      title: /^token of boss has read:repository, write:issue, read:user, not write:repository$/,
      fix: /also holds write:repository, more than boss needs\n    fix: replace the token in .*boss-forge-token .* by one with read:repository, write:issue, read:user/,
    },
    {
      name: 'a boss made admin again',
      async breakIt() {
        await api('PUT', `/repos/${REPO}/collaborators/boss`, { permission: 'admin' });
        return () => api('PUT', `/repos/${REPO}/collaborators/boss`, { permission: 'write' });
      },
      title: /^no agent has admin on acme\/widget$/,
      fix: /boss has admin\n    fix: lower boss's access to write \(Settings → Collaborators\); permission reads use forge\.serviceToken/,
    },
    {
      name: 'a default branch every writer may push to',
      async breakIt() {
        await api('PATCH', `/repos/${REPO}/branch_protections/main`, {
          enable_push: true,
          enable_push_whitelist: false,
        });
        return () => api('PATCH', `/repos/${REPO}/branch_protections/main`, { enable_push: false });
      },
      title: /^the default branch of acme\/widget is protected against agents' pushes and merges$/,
      fix: /main: anyone with write \(the agents too\) may push to it\n    fix: in the rule of main \(Settings → Branches\): disable push/,
    },
    {
      name: 'a merge allowlist naming dev',
      async breakIt() {
        await api('PATCH', `/repos/${REPO}/branch_protections/main`, {
          enable_merge_whitelist: true,
          merge_whitelist_usernames: ['dev'],
        });
        return () =>
          api('PATCH', `/repos/${REPO}/branch_protections/main`, {
            enable_merge_whitelist: false,
            merge_whitelist_usernames: [],
          });
      },
      title: /^the default branch of acme\/widget is protected against agents' pushes and merges$/,
      fix: /main: its merge allowlist names dev\n/,
    },
    {
      name: 'a config without forge.serviceToken',
      async breakIt() {
        const path = join(dir, 'claude-hooks.yaml');
        const good = await readFile(path, 'utf8');
        await writeFile(
          path,
          good
            .split('\n')
            .filter((line) => !line.includes('serviceToken'))
            .join('\n'),
        );
        return () => writeFile(path, good);
      },
      title: /^forge\.serviceToken is set$/,
      fix: /not set: who may trigger an agent is read with boss's token, which then needs admin\n    fix: run `claude-hooks init` again/,
    },
    {
      name: 'a service user that lost its admin',
      async breakIt() {
        await api('PUT', `/repos/${REPO}/collaborators/claude-hooks-service`, { permission: 'write' });
        return () => api('PUT', `/repos/${REPO}/collaborators/claude-hooks-service`, { permission: 'admin' });
      },
      title: /^forge\.serviceToken reads permissions on acme\/widget$/,
      fix: /the forge refused \(403\): its user is not an admin of acme\/widget\n    fix: give forge\.serviceToken's user admin on acme\/widget/,
    },
    {
      name: "an agent's token as forge.serviceToken",
      async breakIt() {
        const file = join(dir, 'data', 'secrets', 'service-forge-token');
        const good = await readFile(file, 'utf8');
        await writeFile(file, await readFile(join(dir, 'data', 'secrets', 'boss-forge-token'), 'utf8'));
        return () => writeFile(file, good);
      },
      title: /^forge\.serviceToken is no agent's and only reads$/,
      fix: /it is boss's token \(boss\)\n    fix: put in .*service-forge-token \(forge\.serviceToken\) a token with read:repository, read:user/,
    },
    {
      name: 'a webhook missing an event',
      async breakIt() {
        await editHook({ events: HOOK_EVENTS.filter((event) => event !== 'pull_request_sync') });
        return () => editHook({ events: HOOK_EVENTS });
      },
      title: /^webhook on acme\/widget is active, sends application\/json and the handled events$/,
      fix: /fix: in the forge's webhook settings: add the events pull_request_sync/,
    },
    {
      name: 'a webhook with the wrong secret',
      async breakIt() {
        await editHook({ config: { url: hook().url, content_type: 'json', secret: 'not-the-secret' } });
        const secret = (await readFile(join(dir, 'data', 'webhook-secret'), 'utf8')).trim();
        return () => editHook({ config: { url: hook().url, content_type: 'json', secret } });
      },
      title: /^a test delivery from acme\/widget reaches the service and passes the signature check$/,
      fix: /the service refused the delivery's signature\n    fix: set the hook's secret to the service's webhook secret/,
    },
    {
      name: 'an inactive webhook',
      async breakIt() {
        await editHook({ active: false });
        return () => editHook({ active: true });
      },
      title: /^webhook on acme\/widget is active, sends application\/json and the handled events$/,
      fix: /inactive\n    fix: in the forge's webhook settings: tick Active/,
    },
    {
      name: 'a service the forge cannot reach',
      async breakIt() {
        await new Promise((resolve) => proxy.close(resolve));
        return async () => {
          proxy = await startProxy(Number(env.CLAUDE_HOOKS_PORT), proxyPort);
        };
      },
      title: /^a test delivery from acme\/widget reaches the service and passes the signature check$/,
      fix: /never reached the service within 2 s\n    fix: make http:\/\/127\.0\.0\.1:\d+\/webhook reachable from the forge/,
    },
  ];

  for (const { name, breakIt, title, fix } of cases) {
    it(`gives exactly one ✗ with its fix for ${name}`, async () => {
      const restore = await breakIt();
      try {
        const run = await doctor();

        assert.equal(run.code, 1, run.stdout);
        assert.equal(run.failed.length, 1, run.stdout);
        assert.match(run.failed[0] ?? '', title);
        assert.match(run.stdout, fix);
        assert.equal((await readLastDoctorResult(join(dir, 'data')))?.ok, false);
      } finally {
        await restore();
      }
      assert.deepEqual((await doctor()).failed, [], `${name}: restored`);
    });
  }
});

describe('claude-hooks doctor on an organisation installation', () => {
  it('finds the organisation hook and passes, saying its test delivery cannot be sent through the API', async () => {
    const forge = await startForgeDouble({ webhookSecret: '', checkOpenApi: true });
    const adminToken = forge.addUser('root', { admin: true }).token;
    forge.addUser('alice');
    forge.createOrg('acme');
    await forge.createRepo('acme', 'widget', { collaborators: { alice: 'write' } });
    const dir = await mkdtemp(join(tmpdir(), 'doctor-org-'));
    const port = await freePort();
    const env = {
      CLAUDE_HOOKS_PORT: String(port),
      CLAUDE_HOOKS_FORGE_ADMIN_TOKEN: adminToken,
      PATH: process.env.PATH ?? '',
    };
    let service: Service | undefined;
    try {
      const quiet = { stdout: { write: () => true }, stderr: { write: () => true }, env, cwd: dir };
      assert.equal(
        await runCli(
          ['init', '--forge', forge.url, '--org', 'acme', '--public-url', `http://127.0.0.1:${port}`],
          quiet,
        ),
        0,
      );
      const loaded = loadConfig({ path: join(dir, 'claude-hooks.yaml'), env, cwd: dir });
      assert.ok(loaded.ok);
      service = await startService({ config: loaded.value, log: silentLogger(), env: { PATH: process.env.PATH } });
      let stdout = '';

      const code = await runCli(['doctor', '--wait', '2'], {
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: (t: string) => (stdout += t) },
        env,
        cwd: dir,
      });

      assert.equal(code, 0, stdout);
      assert.match(stdout, /✓ webhook on acme\/widget exists and points at .*: hook \d+ of organisation acme/);
      assert.match(stdout, /✓ a test delivery from acme\/widget .*: hook \d+ of organisation acme: not tested/);
      // The organisation hook carries a repository's events to the service.
      await forge.as('alice').openIssue('acme/widget', { title: 'hello' });
      await forge.idle();
      assert.equal(forge.deliveries().at(-1)?.status, 'delivered');
      assert.deepEqual(forge.openApiViolations(), []);
    } finally {
      await service?.close();
      await forge.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
