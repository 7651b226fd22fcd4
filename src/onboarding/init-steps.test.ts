/**
 * init's plan run directly against the forge double — for what the command line does not offer
 * yet: `allowBotMerge`, the operator's choice to let agents merge among themselves.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startForgeDouble, type ForgeDouble } from '../../test/support/forge/forge-double.js';
import { createOnboardingClient } from './gitea-onboarding-client.js';
import { AGENT_TEMPLATES } from './agent-templates.js';
import { initSteps, type InitOptions } from './init-steps.js';
import { runPlan, type PlanReport } from './plan.js';

const REPO = 'acme/widget';

describe('init with allowBotMerge', () => {
  let forge: ForgeDouble;
  let dir: string;
  let adminToken: string;
  let options: InitOptions;
  const run = (dryRun = false): Promise<PlanReport> =>
    runPlan(
      initSteps(options, {
        admin: createOnboardingClient({ baseUrl: forge.url, token: adminToken }),
        forgeAs: (token) => createOnboardingClient({ baseUrl: forge.url, token }),
      }),
      { dryRun },
    );

  before(async () => {
    forge = await startForgeDouble({ webhookSecret: '', checkOpenApi: true });
    adminToken = forge.addUser('root', { admin: true }).token;
    await forge.createRepo('acme', 'widget');
    dir = await mkdtemp(join(tmpdir(), 'init-steps-'));
    options = {
      forgeUrl: forge.url,
      forgeKind: 'forgejo',
      publicUrl: 'http://hooks.example.test',
      repositories: [REPO],
      orgs: [],
      agents: AGENT_TEMPLATES,
      layout: { dataDir: join(dir, 'data'), configPath: join(dir, 'claude-hooks.yaml') },
      protectBranches: true,
      allowBotMerge: true,
    };
  });
  after(async () => {
    await forge.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the reviewer write, so that its approval counts', async () => {
    const report = await run();

    assert.equal(report.ok, true, JSON.stringify(report.steps.filter((step) => step.outcome === 'failed')));
    assert.deepEqual(forge.collaborators(REPO), {
      boss: 'write',
      dev: 'write',
      reviewer: 'write',
      'claude-hooks-service': 'admin',
    });
  });

  it('still protects the default branch against direct pushes and merges without an approval', () => {
    const [rule] = forge.protections(REPO);
    assert.deepEqual([rule?.enablePush, rule?.requiredApprovals], [false, 1]);
    assert.deepEqual(forge.openApiViolations(), []);
  });

  it('leaves a merge allowlist naming an agent as the operator made it', async () => {
    const response = await fetch(`${forge.apiUrl}/repos/${REPO}/branch_protections/main`, {
      method: 'PATCH',
      headers: { authorization: `token ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ enable_merge_whitelist: true, merge_whitelist_usernames: ['dev'] }),
    });
    assert.equal(response.status, 200);

    const report = await run(true);

    assert.deepEqual(
      report.steps.filter((step) => step.outcome !== 'ok'),
      [],
    );
    assert.deepEqual(forge.protections(REPO)[0]?.mergeWhitelist, ['dev']);
  });

  it('lowers the reviewer back to read once the operator runs init without it', async () => {
    options = { ...options, allowBotMerge: false };

    const report = await run();

    assert.deepEqual(
      report.steps.filter((step) => step.outcome === 'changed').map((step) => `${step.title}: ${step.detail}`),
      [
        'reviewer on acme/widget: lowered reviewer to read (had write)',
        'default branch of acme/widget protected: repaired the rule of main: its merge allowlist names dev',
      ],
    );
  });
});
