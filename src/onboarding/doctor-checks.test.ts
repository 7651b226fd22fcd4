/**
 * doctor's checklist as a whole, against the forge double, read the way it is without the forge
 * admin's token: with forge.serviceToken, a repository admin whose token only reads.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startForgeDouble, type ForgeDouble } from '../../test/support/forge/forge-double.js';
import { createOnboardingClient } from './gitea-onboarding-client.js';
import { HOOK_EVENTS } from './hook-events.js';
import { PROTECTED_RULE } from './branch-rule.js';
import { doctorChecks, type DoctorInput } from './doctor-checks.js';

const REPO = 'acme/widget';
const HOOK_URL = 'http://hooks.example.test/webhook';

describe('doctor read with forge.serviceToken', () => {
  let forge: ForgeDouble;
  let dir: string;
  let input: DoctorInput;
  const titles = (given: Partial<DoctorInput>) => doctorChecks({ ...input, ...given }).map((check) => check.title);

  before(async () => {
    forge = await startForgeDouble({ webhookSecret: '', checkOpenApi: true });
    const root = createOnboardingClient({ baseUrl: forge.url, token: forge.addUser('root', { admin: true }).token });
    forge.addUser('boss');
    forge.addUser('claude-hooks-service');
    await forge.createRepo('acme', 'widget', { collaborators: { boss: 'write', 'claude-hooks-service': 'admin' } });
    await root.createHook({ repo: REPO }, { url: HOOK_URL, secret: 's', events: HOOK_EVENTS });
    await root.protectBranch(REPO, 'main', PROTECTED_RULE);
    await root.setPassword('claude-hooks-service', 'one-time-pw');
    const serviceToken = await root.createToken('claude-hooks-service', 'one-time-pw', 'service', [
      'read:repository',
      'read:user',
    ]);
    dir = await mkdtemp(join(tmpdir(), 'doctor-checks-'));
    const forgeAs = (token: string) => createOnboardingClient({ baseUrl: forge.url, token });
    input = {
      forgeKind: 'forgejo',
      agents: [{ name: 'boss', login: 'boss', token: 'unused', tokenRef: 'agents.boss.token' }],
      repositories: [REPO],
      hookUrl: HOOK_URL,
      serviceUrl: 'http://127.0.0.1:1',
      forgeAs,
      hookReader: forgeAs(serviceToken),
      service: { reachable: async () => true, deliveries: async () => [], signatureRejections: async () => 0 },
      dataDir: dir,
      minFreeBytes: 0,
      gitVersion: async () => '2.43.0',
      deliveryTimeoutMs: 100,
      sleep: async () => undefined,
      now: () => Date.now(),
    };
  });
  after(async () => {
    await forge.close();
    await rm(dir, { recursive: true, force: true });
    assert.deepEqual(forge.openApiViolations(), []);
  });

  it('says the test delivery was not sent, and how to send one, when the forge will not take it from a read-only token', async () => {
    const check = doctorChecks(input).find((candidate) =>
      candidate.title.startsWith('a test delivery from acme/widget'),
    );

    const result = await check?.run();

    assert.equal(result?.ok, true);
    assert.match(
      result?.detail ?? '',
      /^hook \d+: not tested \(sending a test delivery takes a repository admin's token with write:repository: set CLAUDE_HOOKS_FORGE_ADMIN_TOKEN for doctor/,
    );
    assert.deepEqual(forge.deliveries(), []);
  });

  it('reads the access, the protection and the hook as the service user', async () => {
    const wanted = [
      'boss has write on acme/widget',
      'no agent has admin on acme/widget',
      "the default branch of acme/widget is protected against agents' pushes and merges",
      `webhook on acme/widget exists and points at ${HOOK_URL}`,
    ];
    const results = [];
    for (const check of doctorChecks(input).filter((candidate) => wanted.includes(candidate.title)))
      results.push([check.title, (await check.run()).ok]);

    assert.deepEqual(
      results,
      wanted.map((title) => [title, true]),
    );
  });

  it('lists the forge.serviceToken and sandbox checks only when given them', () => {
    const sandbox = { isolation: 'none' as const, probe: async () => ({ ok: true as const, detail: '' }) };

    assert.equal(titles({}).filter((title) => /serviceToken|sandboxed/.test(title)).length, 0);
    assert.deepEqual(
      titles({ serviceToken: 'missing', sandbox }).filter((title) => /serviceToken|sandboxed/.test(title)),
      ['forge.serviceToken is set', 'agent runs are sandboxed (isolation: none)'],
    );
  });
});
