import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/types.js';
import { printConfig } from './print-config.js';
import { runCli } from './run-cli.js';

const ENV = {
  DEV_FORGE_TOKEN: 'dev-forge-token-0001',
  ANTHROPIC_API_KEY: 'sk-ant-api03-model-key',
  SERVICE_FORGE_TOKEN: 'service-forge-token-0004',
  METRICS_TOKEN: 'metrics-token-0005',
};

const FILE = [
  'isolation: none',
  'server: { metricsToken: { env: METRICS_TOKEN } }',
  'model: { name: claude-sonnet-4-5, credential: { env: ANTHROPIC_API_KEY }, baseUrl: "https://gateway.example.com" }',
  'forge: { url: "https://forge.example.com", serviceToken: { env: SERVICE_FORGE_TOKEN } }',
  'dashboard: { sessionHours: 4 }',
  'agents:',
  '  dev:',
  '    { login: dev, token: { env: DEV_FORGE_TOKEN }, git: { name: Dev, email: dev@example.com }, skill: skill.md, worktree: issue-branch, triggers: [{ on: assigned }],',
  '      network: { allow: [registry.npmjs.org, "*.pypi.org"] }, webTools: true, projectInstructions: true }',
].join('\n');

function load(path: string, cwd: string): Config {
  const loaded = loadConfig({ path, env: ENV, cwd });
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.error));
  return loaded.value;
}

function print(config: Config): string {
  let text = '';
  printConfig(config, { write: (t: string) => (text += t) });
  return text;
}

describe('printConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'claude-hooks-print-'));
  writeFileSync(join(dir, 'skill.md'), 'skill');
  writeFileSync(join(dir, 'claude-hooks.yaml'), FILE);

  it('prints isolation, the metrics and service tokens as references, and each agent’s network, web tools, project instructions and model', () => {
    const printed = print(load(join(dir, 'claude-hooks.yaml'), dir));

    assert.match(printed, /^isolation: none$/m);
    assert.match(printed, /^ {2}metricsToken:\n {4}env: METRICS_TOKEN$/m);
    assert.match(printed, /^ {2}serviceToken:\n {4}env: SERVICE_FORGE_TOKEN$/m);
    assert.match(printed, /^ {4}network:\n {6}allow:\n {8}- registry\.npmjs\.org\n {8}- "\*\.pypi\.org"$/m);
    assert.match(printed, /^ {4}webTools: true\n {4}projectInstructions: true$/m);
    assert.match(
      printed,
      /^ {4}model:\n {6}name: claude-sonnet-4-5\n {6}credential:\n {8}env: ANTHROPIC_API_KEY\n {6}credentialKind: api-key\n {6}baseUrl: https:\/\/gateway\.example\.com$/m,
    );
    assert.match(printed, /^ {2}sessionHours: 4$/m);
    for (const value of Object.values(ENV)) assert.ok(!printed.includes(value), `${value} printed`);
    assert.doesNotMatch(printed, /\[redacted\]/, 'every secret here has a reference to print');
  });

  it('prints a configuration that, pasted back as the file, loads to the same configuration', () => {
    const first = print(load(join(dir, 'claude-hooks.yaml'), dir));
    writeFileSync(join(dir, 'pasted.yaml'), first);

    const second = print(load(join(dir, 'pasted.yaml'), dir));

    assert.equal(second.split('\n').slice(1).join('\n'), first.split('\n').slice(1).join('\n'));
  });
});

describe('claude-hooks config check', () => {
  async function check(file: string, env: Record<string, string>) {
    const cwd = mkdtempSync(join(tmpdir(), 'claude-hooks-check-'));
    writeFileSync(join(cwd, 'claude-hooks.yaml'), file);
    let stdout = '';
    let stderr = '';
    const status = await runCli(['config', 'check'], {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      env,
      cwd,
    });
    return { status, stdout, stderr };
  }

  it('accepts secrets written in the file, and warns about each: its key, where it is, and what to write instead — never its value', async () => {
    const result = await check(
      'adminToken: { value: admin-token-in-file }\nserver: { metricsToken: { value: metrics-token-in-file } }\n',
      {},
    );

    assert.equal(result.status, 0);
    assert.equal(
      result.stderr,
      [
        'warning: 2 secrets are written in the config file itself (whoever reads the file, a copy or a commit of it has them):',
        "  - adminToken (claude-hooks.yaml:1:1): write { env: NAME } and set NAME in the service's environment, or { file: PATH } with the secret alone in that file (mode 0600)",
        "  - server.metricsToken (claude-hooks.yaml:2:11): write { env: NAME } and set NAME in the service's environment, or { file: PATH } with the secret alone in that file (mode 0600)",
        '',
      ].join('\n'),
    );
    for (const value of ['admin-token-in-file', 'metrics-token-in-file'])
      assert.ok(!`${result.stdout}${result.stderr}`.includes(value), `${value} printed`);
  });

  it('accepts agents.<name>.workspace, the old name of worktree, says what it is now, and prints worktree', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'claude-hooks-check-'));
    writeFileSync(join(cwd, 'skill.md'), 'skill');
    const agent =
      '{ login: dev, token: { env: DEV_FORGE_TOKEN }, git: { name: Dev, email: dev@example.com }, skill: skill.md, workspace: issue-branch, triggers: [{ on: assigned }] }';
    writeFileSync(
      join(cwd, 'claude-hooks.yaml'),
      `forge: { url: "https://forge.example.com" }\nagents:\n  dev: ${agent}\n`,
    );
    let stdout = '';
    let stderr = '';

    const status = await runCli(['config', 'check'], {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      env: ENV,
      cwd,
    });

    assert.equal(status, 0, stderr);
    assert.equal(
      stderr,
      'warning: agents.dev.workspace is now agents.dev.worktree (claude-hooks.yaml:3:116): rename the key; the old name is still read, for now\n',
    );
    assert.match(stdout, /^ {4}worktree: issue-branch$/m);
    assert.doesNotMatch(stdout, /workspace/);
  });

  it('warns about nothing when every secret is a reference or an environment override', async () => {
    const result = await check('adminToken: { env: ADMIN_TOKEN }\n', {
      ADMIN_TOKEN: 'admin-token',
      CLAUDE_HOOKS_WEBHOOK_SECRET: 'hook-secret',
    });

    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, '');
  });
});
