/**
 * doctor's checks of forge.serviceToken, of each agent's access by its role, and of the sandbox,
 * against the forge double (its 403s are Gitea's) and a probe given in place of bubblewrap.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { startForgeDouble, type ForgeDouble } from '../../test/support/forge/forge-double.js';
import { createOnboardingClient } from './gitea-onboarding-client.js';
import { accessChecks, serviceTokenChecks, type ServiceTokenInput } from './doctor-access.js';
import type { CheckResult, DoctorAgent, DoctorCheck } from './doctor-checks.js';
import { sandboxCheck } from './doctor-sandbox.js';

const REPO = 'acme/widget';
const runAll = async (checks: readonly DoctorCheck[]): Promise<Array<{ title: string } & CheckResult>> => {
  const results = [];
  for (const check of checks) results.push({ title: check.title, ...(await check.run()) });
  return results;
};

describe("doctor's forge.serviceToken checks", () => {
  let forge: ForgeDouble;
  let agents: DoctorAgent[];
  let rootToken: string;
  const forgeAs = (token: string) => createOnboardingClient({ baseUrl: forge.url, token });
  /** A token of `login` with `scopes`, made as init makes them (Basic auth with a one-time password). */
  async function tokenOf(login: string, scopes: readonly string[]): Promise<string> {
    const admin = forgeAs(rootToken);
    await admin.setPassword(login, 'one-time-pw');
    return admin.createToken(login, 'one-time-pw', `t-${Date.now()}-${Math.random()}`, scopes);
  }
  const checksOf = (input: ServiceTokenInput) => runAll(serviceTokenChecks(input, agents, [REPO], forgeAs));
  const service = async (
    login: string,
    scopes: readonly string[] = ['read:repository', 'read:user'],
  ): Promise<ServiceTokenInput> => ({
    token: await tokenOf(login, scopes),
    ref: 'data/secrets/service-forge-token (forge.serviceToken)',
  });

  before(async () => {
    forge = await startForgeDouble({ webhookSecret: '', checkOpenApi: true });
    rootToken = forge.addUser('root', { admin: true }).token;
    for (const login of ['boss', 'dev', 'svc', 'alice']) forge.addUser(login);
    await forge.createRepo('acme', 'widget', {
      private: true,
      collaborators: { boss: 'write', dev: 'write', svc: 'admin', alice: 'write' },
    });
    agents = [
      { name: 'boss', login: 'boss', token: '', tokenRef: 'agents.boss.token' },
      { name: 'dev', login: 'dev', token: '', tokenRef: 'agents.dev.token' },
    ];
  });
  after(async () => {
    await forge.close();
    assert.deepEqual(forge.openApiViolations(), []);
  });

  it('gives one ✗ with the fix when the config has none', async () => {
    const [only, ...rest] = await checksOf('missing');

    assert.deepEqual(rest, []);
    assert.equal(only?.title, 'forge.serviceToken is set');
    assert.equal(only?.ok, false);
    assert.equal(only?.detail, "not set: who may trigger an agent is read with boss's token, which then needs admin");
    assert.match(
      only?.fix ?? '',
      /run `claude-hooks init` again \(it creates the user claude-hooks-service, its token and the key\)/,
    );
  });

  it("passes for a repository admin's read-only token", async () => {
    const results = await checksOf(await service('svc'));

    assert.deepEqual(
      results.map((r) => [r.title, r.ok, r.detail]),
      [
        ["forge.serviceToken is no agent's and only reads", true, 'svc, read-only'],
        ['forge.serviceToken reads permissions on acme/widget', true, 'boss has write'],
      ],
    );
  });

  it('fails when its user is no admin of the repository: the forge will not tell it about others', async () => {
    const [, read] = await checksOf(await service('alice'));

    assert.equal(read?.ok, false);
    assert.equal(read?.detail, 'the forge refused (403): its user is not an admin of acme/widget');
    assert.match(read?.fix ?? '', /^give forge\.serviceToken's user admin on acme\/widget/);
  });

  it("fails for an agent's token", async () => {
    const [owner] = await checksOf(await service('boss'));

    assert.deepEqual([owner?.ok, owner?.detail], [false, "it is boss's token (boss)"]);
  });

  it('fails for a token that can write', async () => {
    const [owner] = await checksOf(await service('svc', ['write:repository', 'read:user']));

    assert.deepEqual([owner?.ok, owner?.detail], [false, 'it can write (write:repository): the service only reads']);
  });

  it('fails for a token the forge refuses', async () => {
    const results = await checksOf({ token: 'not-a-token', ref: 'forge.serviceToken' });

    assert.deepEqual(
      results.map((r) => [r.ok, r.detail]),
      [
        [false, 'the forge refused it (401: invalid username, password or token)'],
        [false, 'the forge refused the token (401)'],
      ],
    );
  });

  it('checks each agent for the access its role needs, whatever its name', async () => {
    const qa: DoctorAgent = { name: 'qa', login: 'alice', token: '', tokenRef: 'agents.qa.token', role: 'reviewer' };

    const results = await runAll(accessChecks([qa], [REPO], forgeAs(rootToken)));

    assert.deepEqual(
      results.map((r) => [r.title, r.ok]),
      [
        ['qa has read on acme/widget', true],
        ['no agent has admin on acme/widget', true],
      ],
    );
  });

  it('says whose credential it needs when its reader may not see permissions', async () => {
    const [access] = await runAll(accessChecks(agents, [REPO], forgeAs(await tokenOf('dev', ['read:repository']))));

    assert.equal(access?.ok, false);
    assert.match(
      access?.fix ?? '',
      /set CLAUDE_HOOKS_FORGE_ADMIN_TOKEN, or forge\.serviceToken \(a repository admin\), so that doctor may read it/,
    );
  });
});

describe("doctor's sandbox check", () => {
  const never = async (): Promise<never> => assert.fail('the probe must not run');

  it('passes with a warning when the operator chose isolation: none, without probing', async () => {
    const result = await sandboxCheck({ isolation: 'none', probe: never }).run();

    assert.equal(result.ok, true);
    assert.match(result.detail, /^warning: runs are not sandboxed \(isolation: none\)/);
  });

  it('passes when a sandbox starts', async () => {
    const check = sandboxCheck({
      isolation: 'bwrap',
      probe: async () => ({ ok: true, detail: 'bubblewrap 0.8.0: a sandbox starts' }),
    });

    assert.equal(check.title, 'agent runs are sandboxed (isolation: bwrap)');
    assert.deepEqual(await check.run(), { ok: true, detail: 'bubblewrap 0.8.0: a sandbox starts' });
  });

  it("fails with the probe's problem and fix when none can start", async () => {
    const result = await sandboxCheck({
      isolation: 'bwrap',
      probe: async () => ({
        ok: false,
        problem: 'bubblewrap (bwrap) cannot be started: ENOENT',
        fix: 'install bubblewrap',
      }),
    }).run();

    assert.deepEqual(result, {
      ok: false,
      detail: 'bubblewrap (bwrap) cannot be started: ENOENT',
      fix: 'install bubblewrap',
    });
  });
});
